import { BatchGetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec } from "../../domain/index.js";
import {
  getConfirmationItems,
  putMaterial,
  type TableContext,
  workerStore,
} from "../../functions/adapters/table/index.js";
import type { QueuedConfirmation } from "../../functions/common/queued-confirmation.js";
import { acceptConfirmation, tableIntakeDeps } from "../../functions/use-cases/confirmation-intake.js";
import { postConfirmation } from "../../functions/use-cases/post-confirmation.js";
import type { PostingDeps } from "../../functions/use-cases/posting-support.js";
import { addStock, NOW, releaseOrder, rim, seedMasterData } from "../fixtures/plant.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { postingDeps } from "../support/posting.js";

/**
 * The worker's reads (docs/data-model.md): master data cached per container behind the plant's
 * master-data counter, stock read only when a guard says the decision needs it, and the first
 * small items of intake and of a posting in one request (functions/adapters/table/first-reads.ts).
 */
let clients: TestClients;
let table: TableContext;
const read = { materialKeys: 0, stockKeys: 0, batchSortKeys: [] as string[] };
/** Requests by command name, e.g. `GetCommand`, `BatchGetCommand` (reset by a test). */
const requests = new Map<string, number>();

beforeAll(() => {
  clients = testClients();
  const ddb = clients.ddb;
  const counting = {
    send: (command: unknown) => {
      const name = (command as object).constructor.name;
      requests.set(name, (requests.get(name) ?? 0) + 1);
      if (command instanceof BatchGetCommand) {
        for (const { Keys } of Object.values(command.input.RequestItems ?? {})) {
          for (const k of Keys ?? []) {
            read.batchSortKeys.push(String(k.sk));
            if (String(k.sk).startsWith("MAT#")) read.materialKeys++;
            if (String(k.sk).startsWith("LOC#")) read.stockKeys++;
          }
        }
      }
      return (ddb.send as (c: unknown) => Promise<unknown>)(command);
    },
  } as unknown as DynamoDBDocumentClient;
  table = { ddb: counting, tableName: clients.tableName };
});
afterAll(() => clients.destroy());

const body = (id: string): QueuedConfirmation => ({
  confirmationId: id,
  order: "1000001",
  operation: "0010",
  yield: "100",
  scrap: "0",
  postingDate: "2026-11-25",
});

describe("worker reads", () => {
  it("reads master data once per container, and a changed standard price applies to the next posting", async () => {
    const plant = freshPlant();
    await seedMasterData(table, plant);
    await releaseOrder(table, plant, { order: "1000001" });
    await addStock(table, plant, "RIM", "MACH-01", "1000");
    await addStock(table, plant, "ADH", "MACH-01", "10");
    const deps: PostingDeps = { ...postingDeps(table, NOW), store: workerStore(table) };

    read.materialKeys = 0;
    read.stockKeys = 0;
    await postConfirmation(deps, plant, body("C-1"), NOW);
    // LID, RIM, ADH, TAPE once; no stock read: every line had enough, as the guards confirmed
    expect(read.materialKeys).toBe(4);
    expect(read.stockKeys).toBe(0);
    await postConfirmation(deps, plant, body("C-2"), NOW);
    expect(read.materialKeys).toBe(4);

    await putMaterial(table, plant, { ...rim, standardPrice: dec("0.90") }, NOW);
    await postConfirmation(deps, plant, body("C-3"), NOW);
    const movements = (await getConfirmationItems(table, plant, "C-3")).posting?.data.movements ?? [];
    // RIM 250 × 100 / 1000 = 25.00 m; at the new price 0.90: 22.50 (0.85 would be 21.25)
    expect(movements.find((m) => m.material === "RIM")).toMatchObject({ qty: "25.00", value: "22.50" });
    expect(read.materialKeys).toBe(8);
  });

  it("reads the stock of the guarded lines when a guard fails, then applies the policy", async () => {
    const plant = freshPlant();
    await seedMasterData(table, plant);
    await releaseOrder(table, plant, { order: "1000001" });
    await addStock(table, plant, "RIM", "MACH-01", "10");
    await addStock(table, plant, "ADH", "MACH-01", "10");
    const deps = postingDeps(table, NOW);
    read.stockKeys = 0;
    const outcome = await postConfirmation(deps, plant, body("C-1"), NOW);
    // RIM 25.00 > 10 on hand: backlog. The second attempt reads RIM and ADH (TAPE is `negative`,
    // LID a receipt: not read), and the line's retry by itself reads RIM once more: 3 items.
    expect(outcome).toMatchObject({ status: "posted_with_backlog", backlogLines: 1 });
    expect(read.stockKeys).toBe(3);
  });

  it("reads intake's and a posting's first items in one request each", async () => {
    const plant = freshPlant();
    await seedMasterData(table, plant);
    await releaseOrder(table, plant, { order: "1000001" });
    await addStock(table, plant, "RIM", "MACH-01", "1000");
    await addStock(table, plant, "ADH", "MACH-01", "10");
    const sent: QueuedConfirmation[] = [];
    const intake = tableIntakeDeps(
      table,
      async (message) => {
        if (message.type === "confirmation") sent.push(message.confirmation);
      },
      () => new Date(NOW),
    );
    const request = {
      confirmationId: "C-1",
      order: "1000001",
      operation: "0010",
      yield: dec("100"),
      scrap: dec("0"),
    };
    // Warm: the container's master-data cache holds LID (the product's decimals).
    await acceptConfirmation(intake, plant, { ...request, confirmationId: "C-0" });

    requests.clear();
    read.batchSortKeys = [];
    await acceptConfirmation(intake, plant, request);
    // Intake record + the order's snapshot + period state + master-data counter: one BatchGetItem
    // (not the order's running state, which intake does not use); then the record's Put, in the
    // outbox before the send. No GetItem, no Query, no Update.
    expect(Object.fromEntries(requests)).toEqual({ BatchGetCommand: 1, PutCommand: 1 });
    expect(read.batchSortKeys.sort()).toEqual(["INTAKE", "SNAPSHOT", "STATE", "VERSION"]);

    const deps: PostingDeps = { ...postingDeps(table, NOW), store: workerStore(table) };
    await postConfirmation(deps, plant, sent[0] ?? body("C-0"), NOW);
    requests.clear();
    const sentBody = sent[1];
    if (!sentBody) throw new Error("intake sent nothing");
    await postConfirmation(deps, plant, sentBody, NOW);
    // The confirmation's partition (a Query) beside order + periods + counter (one BatchGetItem),
    // then the commit, which carries the ledger lines: three requests, master data from the cache.
    expect(Object.fromEntries(requests)).toEqual({
      QueryCommand: 1,
      BatchGetCommand: 1,
      TransactWriteCommand: 1,
    });
  });
});
