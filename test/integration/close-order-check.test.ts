/**
 * The closes-in-order check on bounded reads (docs/rules.md#closes-in-order, docs/data-model.md
 * "posted periods"), on DynamoDB Local: a close request decides from the plant's posted-period
 * markers, which every posting writes before it commits, and reads no order and no stock item;
 * a plant from before the markers is read the old way once, and its markers are completed.
 */
import { DeleteCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { periodCloseStore, type TableContext } from "../../functions/adapters/table/index.js";
import { keys } from "../../functions/adapters/table/keys.js";
import { requestClose } from "../../functions/use-cases/close-request.js";
import { EarlierPeriodOpenError } from "../../functions/use-cases/errors.js";
import type { PeriodCloseStore } from "../../functions/use-cases/period-close-port.js";
import { postConfirmation } from "../../functions/use-cases/post-confirmation.js";
import { addStock, NOW, releaseOrder, seedMasterData } from "../fixtures/plant.js";
import { queuedConfirmation } from "../fixtures/posting.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { closeHarness, closePeriod } from "../support/close.js";
import { postingDeps } from "../support/posting.js";

/** The monthly schedule's moment: November is the period to close. */
const CLOSE_NOW = "2026-12-01T02:15:00.000Z";

let clients: TestClients;
let table: TableContext;

beforeAll(() => {
  clients = testClients();
  table = { ddb: clients.ddb, tableName: clients.tableName };
});
afterAll(() => clients.destroy());

/** The close store, counting the reads that grow with the plant (every order, every stock item). */
function countingStore() {
  const store = periodCloseStore(table);
  const reads = { orders: 0, stock: 0 };
  const counted: PeriodCloseStore = {
    ...store,
    listOrdersToClose: (plant, page) => {
      reads.orders++;
      return store.listOrdersToClose(plant, page);
    },
    listPlantStock: (plant) => {
      reads.stock++;
      return store.listPlantStock(plant);
    },
  };
  return { store: counted, reads };
}

/** A plant with the lid master data and order 1000001 confirmed on 20 October (RIM, ADH, TAPE out, labour). */
async function plantWithOctoberPosting(): Promise<string> {
  const plant = freshPlant("ORD");
  await seedMasterData(table, plant);
  await releaseOrder(table, plant, { order: "1000001" });
  await addStock(table, plant, "RIM", "MACH-01", "1000");
  await addStock(table, plant, "ADH", "MACH-01", "10");
  const posted = await postConfirmation(
    postingDeps(table, NOW),
    plant,
    queuedConfirmation({ yield: "100", postingDate: "2026-10-20" }),
    NOW,
  );
  expect(posted).toMatchObject({ status: "posted" });
  return plant;
}

const markers = async (plant: string) =>
  (
    await clients.ddb.send(
      new QueryCommand({
        TableName: clients.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.postedPeriodsPk(plant) },
        ConsistentRead: true,
      }),
    )
  ).Items?.map((i) => String(i.sk)) ?? [];

describe("closes in order, from the posted-period markers", () => {
  it("refuses November while October has postings, reading no order and no stock item", async () => {
    const plant = await plantWithOctoberPosting();
    // The stock fixture posts in November, the confirmation in October; a new plant is complete.
    expect((await markers(plant)).sort()).toEqual(["COMPLETE", "PER#2026-10", "PER#2026-11"]);

    const { store, reads } = countingStore();
    const request = closeHarness(table, CLOSE_NOW, { store });
    await expect(requestClose(request.deps, plant, "2026-11")).rejects.toEqual(
      new EarlierPeriodOpenError("2026-11", "2026-10"),
    );
    expect(reads).toEqual({ orders: 0, stock: 0 });

    // October closed (the close itself reads its orders), November may close.
    await closePeriod(closeHarness(table, CLOSE_NOW), plant, "2026-10");
    expect(await requestClose(request.deps, plant, "2026-11")).toEqual({
      plant,
      period: "2026-11",
      status: "closing",
    });
    expect(reads).toEqual({ orders: 0, stock: 0 });
  });

  it("reads a plant from before the markers the old way once, then from the markers it completed", async () => {
    const plant = await plantWithOctoberPosting();
    // As if it had posted before the markers existed: none of them stored.
    for (const sk of await markers(plant)) {
      await clients.ddb.send(
        new DeleteCommand({ TableName: clients.tableName, Key: { pk: keys.postedPeriodsPk(plant), sk } }),
      );
    }

    const { store, reads } = countingStore();
    const request = closeHarness(table, CLOSE_NOW, { store });
    // From the order's October journal totals and the stock items' aggregates.
    await expect(requestClose(request.deps, plant, "2026-11")).rejects.toEqual(
      new EarlierPeriodOpenError("2026-11", "2026-10"),
    );
    expect(reads).toEqual({ orders: 1, stock: 1 });
    expect((await markers(plant)).sort()).toEqual(["COMPLETE", "PER#2026-10", "PER#2026-11"]);

    await expect(requestClose(request.deps, plant, "2026-11")).rejects.toBeInstanceOf(EarlierPeriodOpenError);
    expect(reads).toEqual({ orders: 1, stock: 1 });
  });
});
