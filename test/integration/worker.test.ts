import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Context, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec, type Material } from "../../domain/index.js";
import {
  getConfirmationItems,
  getOrder,
  listOpenBacklog,
  putMaterial,
  readStock,
  type TableContext,
} from "../../functions/adapters/table/index.js";
import { keys } from "../../functions/adapters/table/keys.js";
import { processPostingBatch } from "../../functions/backflush-worker/process-batch.js";
import { postConfirmation } from "../../functions/use-cases/post-confirmation.js";
import type { PostingDeps } from "../../functions/use-cases/posting-support.js";
import { reprocessBacklog } from "../../functions/use-cases/reprocess-backlog.js";
import { reverseConfirmation } from "../../functions/use-cases/reverse-confirmation.js";
import { addStock, largeBomPlant, NOW, releaseOrder, seedMasterData } from "../fixtures/plant.js";
import { crashAfterFirstChunk, queuedConfirmation } from "../fixtures/posting.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { postingDeps } from "../support/posting.js";

let clients: TestClients;
let table: TableContext;
let deps: PostingDeps;

beforeAll(() => {
  clients = testClients();
  table = { ddb: clients.ddb, tableName: clients.tableName };
  deps = postingDeps(table, NOW);
});
afterAll(() => clients.destroy());

async function onHand(plant: string, material: string, location: string): Promise<string> {
  const view = await readStock(table, plant, [{ material, location }]);
  return view.get(`${material}@${location}`)?.toFixed() ?? "absent";
}

/** A plant with the lid master data, order 1000001 for 10000 lids and stock at MACH-01. */
async function plantWithStock(rim = "1000", adh = "10") {
  const plant = freshPlant();
  await seedMasterData(table, plant);
  await releaseOrder(table, plant, { order: "1000001" });
  await addStock(table, plant, "RIM", "MACH-01", rim);
  await addStock(table, plant, "ADH", "MACH-01", adh);
  return plant;
}

describe("backflush worker on DynamoDB Local", () => {
  it("posts stock, WIP, activities and the receipt in one transaction", async () => {
    const plant = await plantWithStock();
    const outcome = await postConfirmation(deps, plant, queuedConfirmation(), NOW);
    // record + order + 4 stock items (RIM, ADH, TAPE out; LID in) + their 6 ledger lines (3 issues,
    // labour, machine, the receipt: docs/ledger.md, "When lines are written")
    expect(outcome).toEqual({ status: "posted", items: 12, backlogLines: 0 });

    // 1000 lids: RIM 250 × 1000/1000 = 250.00; ADH 1.5 kg; TAPE 1000 (negative policy, none on hand).
    expect(await onHand(plant, "RIM", "MACH-01")).toBe("750");
    expect(await onHand(plant, "ADH", "MACH-01")).toBe("8.5");
    expect(await onHand(plant, "TAPE", "MAIN")).toBe("-1000");
    expect(await onHand(plant, "LID", "FG")).toBe("1000");

    const items = await getConfirmationItems(table, plant, "C-1");
    expect(items.posting?.status).toBe("posted");
    expect(items.posting?.period).toBe("2026-11");
    expect(items.posting?.data.movements).toEqual([
      { kind: "issue", material: "RIM", location: "MACH-01", qty: "250.00", value: "212.50" },
      { kind: "issue", material: "ADH", location: "MACH-01", qty: "1.500", value: "6.00" },
      { kind: "issue", material: "TAPE", location: "MAIN", qty: "1000", value: "100.00" },
      // labour 0.001 × 1000 + 0.5 setup = 1.5 h × 45 = 67.50; machine 2 h × 30 = 60.00
      {
        kind: "activity",
        operation: "0010",
        workCenter: "PRESS",
        activity: "labor",
        qty: "1.5",
        value: "67.50",
      },
      {
        kind: "activity",
        operation: "0010",
        workCenter: "PRESS",
        activity: "machine",
        qty: "2",
        value: "60.00",
      },
      { kind: "receipt", material: "LID", location: "FG", qty: "1000", value: "500.00" },
    ]);

    const order = await getOrder(table, plant, "1000001");
    // WIP debits 212.50 + 6.00 + 100.00 + 67.50 + 60.00 = 446.00; credit 500.00
    expect(order?.order.state.wipDebit.toFixed(2)).toBe("446.00");
    expect(order?.order.state.wipCredit.toFixed(2)).toBe("500.00");
    expect(order?.order.state.status).toBe("in_process");
    expect(order?.version).toBe(2);
  });

  it("posts a redelivered message once", async () => {
    const plant = await plantWithStock();
    await postConfirmation(deps, plant, queuedConfirmation(), NOW);
    const again = await postConfirmation(deps, plant, queuedConfirmation(), NOW);
    expect(again).toEqual({ status: "duplicate" });
    expect(await onHand(plant, "RIM", "MACH-01")).toBe("750");
    expect((await getOrder(table, plant, "1000001"))?.version).toBe(2);
  });

  it("loses no update when 20 confirmations hit one stock item concurrently", async () => {
    const plant = await plantWithStock("100000", "1000");
    const orders = Array.from({ length: 20 }, (_, i) => `ORD-${i}`);
    for (const order of orders) await releaseOrder(table, plant, { order });
    await Promise.all(
      orders.map((order, i) =>
        postConfirmation(
          deps,
          plant,
          queuedConfirmation({ confirmationId: `HOT-${i}`, order, yield: "7", scrap: "0" }),
          NOW,
        ),
      ),
    );
    // each: RIM 250 × 7 / 1000 = 1.75 m; 20 × 1.75 = 35.00 → 99965.00
    expect(await onHand(plant, "RIM", "MACH-01")).toBe("99965");
    // each: ADH 1.5 × 7 / 1000 = 0.0105 → 0.011 kg (3 decimals, half up); 20 × 0.011 = 0.22 → 999.78
    expect(await onHand(plant, "ADH", "MACH-01")).toBe("999.78");
  });

  it.each([
    // RIM has policy backlog: 100 on hand, 250 needed → nothing posts, 250 in the backlog
    { material: "RIM", stock: "100", policy: "backlog", left: "100", backlog: "250" },
    // ADH has policy split: 1 on hand, 1.5 needed → 1 posts, 0.5 in the backlog
    { material: "ADH", stock: "1", policy: "split", left: "0", backlog: "0.5" },
  ])("shortage with policy $policy", async ({ material, stock, left, backlog }) => {
    const plant = freshPlant();
    await seedMasterData(table, plant);
    await releaseOrder(table, plant, { order: "1000001" });
    await addStock(table, plant, "RIM", "MACH-01", material === "RIM" ? stock : "1000");
    await addStock(table, plant, "ADH", "MACH-01", material === "ADH" ? stock : "10");
    const outcome = await postConfirmation(deps, plant, queuedConfirmation(), NOW);
    expect(outcome.status).toBe("posted_with_backlog");
    expect(await onHand(plant, material, "MACH-01")).toBe(left);
    const { lines } = await listOpenBacklog(table, plant);
    expect(lines.map((l) => [l.line.material, l.line.qty.toFixed()])).toEqual([[material, backlog]]);
    // the rest of the confirmation posted: the receipt is there
    expect(await onHand(plant, "LID", "FG")).toBe("1000");
  });

  it("negative policy lets on-hand go below zero (TAPE)", async () => {
    const plant = await plantWithStock();
    await postConfirmation(deps, plant, queuedConfirmation({ yield: "3" }), NOW);
    expect(await onHand(plant, "TAPE", "MAIN")).toBe("-3");
  });

  it("clears a backlog line when stock arrives and the backlog is reprocessed", async () => {
    const plant = await plantWithStock("100");
    await postConfirmation(deps, plant, queuedConfirmation(), NOW);
    expect((await listOpenBacklog(table, plant)).lines).toHaveLength(1);

    await addStock(table, plant, "RIM", "MACH-01", "200");
    const result = await reprocessBacklog(deps, plant, { material: "RIM", location: "MACH-01" });
    expect(result).toEqual({ examined: 1, posted: 1, cleared: 1 });
    // 100 + 200 − 250 = 50
    expect(await onHand(plant, "RIM", "MACH-01")).toBe("50");
    expect((await listOpenBacklog(table, plant)).lines).toHaveLength(0);
    const order = await getOrder(table, plant, "1000001");
    expect(order?.order.state.components["0010"]?.issued.toFixed()).toBe("250");
    // WIP 212.50 for the RIM that posted late: 446.00 in all, as if it had posted at once
    expect(order?.order.state.wipDebit.toFixed(2)).toBe("446.00");
  });

  it("reverses exactly once; a second reversal is a no-op", async () => {
    const plant = await plantWithStock();
    const before = await getOrder(table, plant, "1000001");
    await postConfirmation(deps, plant, queuedConfirmation(), NOW);
    expect(await reverseConfirmation(deps, plant, "C-1", "2026-11-26")).toMatchObject({ status: "reversed" });
    expect(await reverseConfirmation(deps, plant, "C-1", "2026-11-26")).toEqual({ status: "duplicate" });

    expect(await onHand(plant, "RIM", "MACH-01")).toBe("1000");
    expect(await onHand(plant, "ADH", "MACH-01")).toBe("10");
    expect(await onHand(plant, "TAPE", "MAIN")).toBe("0");
    expect(await onHand(plant, "LID", "FG")).toBe("0");
    const after = await getOrder(table, plant, "1000001");
    expect(after?.order.state.wipDebit.toFixed(2)).toBe("0.00");
    expect(after?.order.state.wipCredit.toFixed(2)).toBe("0.00");
    expect(after?.order.state.operations["0010"]?.confirmedYield.toFixed()).toBe("0");
    expect(after?.order.state.components["0010"]?.planned.toFixed()).toBe(
      before?.order.state.components["0010"]?.planned.toFixed(),
    );
    expect((await getConfirmationItems(table, plant, "C-1")).posting?.status).toBe("reversed");
  });

  it("cancels open backlog lines of a reversed confirmation", async () => {
    const plant = await plantWithStock("0");
    await postConfirmation(deps, plant, queuedConfirmation(), NOW);
    await reverseConfirmation(deps, plant, "C-1", "2026-11-26");
    expect((await listOpenBacklog(table, plant)).lines).toHaveLength(0);
    expect(await onHand(plant, "RIM", "MACH-01")).toBe("0");
  });

  it.each([
    { name: "unknown order", body: { order: "NOPE" }, code: "UNKNOWN_ORDER" },
    { name: "unknown operation", body: { operation: "0099" }, code: "UNKNOWN_OPERATION" },
    { name: "too many decimals for the product", body: { yield: "1.5" }, code: "INVALID_QUANTITY" },
    // an own-key lookup: no inherited "rate" is read from Object.prototype (docs/rules.md, bounds)
    {
      name: "an activity named constructor",
      body: { activities: { constructor: "1" } },
      code: "INVALID_INPUT",
    },
  ])("records $name as rejected with a reason, without retrying", async ({ body, code }) => {
    const plant = await plantWithStock();
    const outcome = await postConfirmation(deps, plant, queuedConfirmation(body), NOW);
    expect(outcome).toEqual({ status: "rejected", code });
    const items = await getConfirmationItems(table, plant, "C-1");
    expect(items.posting?.status).toBe("rejected");
    expect(items.posting?.rejection?.code).toBe(code);
    expect(await onHand(plant, "RIM", "MACH-01")).toBe("1000");
  });

  it("posts a message for a closed period in the next open period", async () => {
    const plant = await plantWithStock();
    await clients.ddb.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.periods(plant),
        UpdateExpression: "SET locked = :l",
        ExpressionAttributeValues: { ":l": { "2026-10": "closed" } },
      }),
    );
    await postConfirmation(deps, plant, queuedConfirmation({ postingDate: "2026-10-31" }), NOW);
    const items = await getConfirmationItems(table, plant, "C-1");
    expect(items.posting?.period).toBe("2026-11");
    const order = await getOrder(table, plant, "1000001");
    expect(Object.keys(order?.order.state.periods ?? {})).toEqual(["2026-11"]);
  });

  it("keeps decimals exact where floats would not (0.1 + 0.2)", async () => {
    const plant = freshPlant();
    const fine: Omit<Material, "hasBom"> = {
      material: "FINE",
      description: "Fine powder",
      uom: "KG",
      decimals: 1,
      standardPrice: dec("0.10"),
      currency: "USD",
      shortage: "backlog",
    };
    await seedMasterData(table, plant, {
      materials: [fine],
      bom: {
        material: "LID",
        baseQty: dec("1"),
        items: [
          {
            item: "0010",
            component: "FINE",
            qty: dec("0.1"),
            scrapPct: dec("0"),
            location: "M",
            backflush: true,
            fixedQty: false,
          },
        ],
      },
    });
    await putMaterial(table, plant, fine, NOW);
    await releaseOrder(table, plant, { order: "1000001" });
    await addStock(table, plant, "FINE", "M", "0.3");
    await postConfirmation(deps, plant, queuedConfirmation({ confirmationId: "A", yield: "1" }), NOW);
    await postConfirmation(deps, plant, queuedConfirmation({ confirmationId: "B", yield: "2" }), NOW);
    // 0.3 − 0.1 − 0.2 is exactly 0 in decimals (5.55e-17 in binary floats); a float path would leave dust
    expect(await onHand(plant, "FINE", "M")).toBe("0");
  });

  it("commits a 250-component confirmation in chunks and resumes after a crash between them", async () => {
    const plant = freshPlant();
    const { parts } = await largeBomPlant(table, plant, { count: 250, stock: "100", policy: "backlog" });

    const crashing = crashAfterFirstChunk(deps);
    const body = queuedConfirmation({ yield: "10" });
    await expect(postConfirmation(crashing, plant, body, NOW)).rejects.toThrow("simulated crash");
    // not posted yet: no record, only the plan and the first chunk
    expect((await getConfirmationItems(table, plant, "C-1")).posting).toBeUndefined();

    const resumed = await postConfirmation(crashing, plant, body, NOW);
    expect(resumed.status).toBe("posted");
    expect(await postConfirmation(crashing, plant, body, NOW)).toEqual({ status: "duplicate" });
    // every component: 2 × 10 = 20 out of 100, exactly once
    const view = await readStock(
      table,
      plant,
      parts.map((p) => ({ material: p.material, location: "LINE" })),
    );
    expect(new Set([...view.values()].map((v) => v.toFixed()))).toEqual(new Set(["80"]));
    expect(await onHand(plant, "LID", "FG")).toBe("10");
    const items = await getConfirmationItems(table, plant, "C-1");
    expect(items.posting?.status).toBe("posted");
    expect(items.planExists).toBe(false);
  });

  it("reports an undecodable record as failed so SQS redelivers it to the DLQ", async () => {
    const plant = await plantWithStock();
    const record = (id: string, body: string, group: string) => ({
      messageId: id,
      receiptHandle: id,
      body,
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "0",
        SenderId: "x",
        ApproximateFirstReceiveTimestamp: "0",
        MessageGroupId: group,
        MessageDeduplicationId: id,
        SequenceNumber: "1",
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:backflush-postings.fifo",
      awsRegion: "us-east-1",
    });
    const good = JSON.stringify({
      type: "confirmation",
      plant,
      confirmation: queuedConfirmation(),
      receivedAt: NOW,
    });
    const event = { Records: [record("m1", "{not json", "g1"), record("m2", good, "g2")] } as SQSEvent;
    const logger = { appendKeys: () => {}, removeKeys: () => {}, info: () => {}, error: () => {} };
    const result = await processPostingBatch(deps, event, {} as Context, logger);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m1" }]);
    expect((await getConfirmationItems(table, plant, "C-1")).posting?.status).toBe("posted");
  });
});
