/**
 * The stock ledger's invariants on DynamoDB Local (docs/ledger.md): every stock and WIP change
 * of a plant's day, through the real use cases, with a crash between a posting's commit and its
 * projection and redeliveries of postings and reversals:
 * - for every material and location, Σ qty of its lines = its on-hand;
 * - a confirmation's lines are its GET movements (same qty and value, signed from the stock's side);
 * - a reversal's lines cancel the original's exactly and change none of them;
 * - every line exists once.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Decimal, dec, type LedgerLine } from "../../domain/index.js";
import { postingsQueue } from "../../functions/adapters/queue.js";
import {
  documentLines,
  listPlantStock,
  stockDocumentStore,
  type TableContext,
  workerStore,
} from "../../functions/adapters/table/index.js";
import type { QueuedConfirmation } from "../../functions/common/queued-confirmation.js";
import { getConfirmationView, tableIntakeDeps } from "../../functions/use-cases/confirmation-intake.js";
import { movementsView } from "../../functions/use-cases/ledger.js";
import { postConfirmation } from "../../functions/use-cases/post-confirmation.js";
import { reprocessBacklog } from "../../functions/use-cases/reprocess-backlog.js";
import { reverseConfirmation } from "../../functions/use-cases/reverse-confirmation.js";
import {
  postGoodsReceipt,
  postInventoryCount,
  postTransfer,
  type StockDeps,
} from "../../functions/use-cases/stock-postings.js";
import { localClientConfig } from "../../local/services/aws-config.js";
import { NOW, releaseOrder, seedMasterData } from "../fixtures/plant.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { postingDeps } from "../support/posting.js";

let clients: TestClients;
let table: TableContext;
let stockDeps: StockDeps;
let crashing: DynamoDBDocumentClient;
const plant = freshPlant();

const confirmation = (id: string, yieldQty: string): QueuedConfirmation => ({
  confirmationId: id,
  order: "1000001",
  operation: "0010",
  yield: yieldQty,
  scrap: "0",
  postingDate: "2026-11-25",
});

/** Lines of a document as `line kind material@location qty value [hours] [reverses]`. */
const describeLines = (lines: readonly LedgerLine[]) =>
  lines.map((l) =>
    [l.line, l.kind, l.material ? `${l.material}@${l.location}` : l.activity, l.qty ?? l.hours, l.value]
      .concat(l.reverses ? [`reverses ${l.reverses}/${l.reversesLine}`] : [])
      .join(" "),
  );

beforeAll(async () => {
  clients = testClients();
  table = { ddb: clients.ddb, tableName: clients.tableName };
  stockDeps = {
    store: stockDocumentStore(table),
    // The backlog retry is run by the test itself (reprocessBacklog).
    enqueueBacklogRetry: async () => {},
    now: () => new Date(NOW),
    log: { info: () => {}, warn: () => {}, error: () => {} },
  };
  // A client whose BatchWriteItem fails: the worker commits, then dies before its ledger lines are written.
  crashing = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(clients.dynamoEndpoint)), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: true },
  });
  crashing.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "BatchWriteItemCommand") throw new Error("worker killed after commit");
      return next(args);
    },
    { step: "initialize", name: "crashAfterCommit" },
  );
  await seedMasterData(table, plant);
  await releaseOrder(table, plant, { order: "1000001" });
});
afterAll(() => {
  crashing.destroy();
  clients.destroy();
});

describe("the stock ledger of a plant's day", () => {
  const deps = () => postingDeps(table, NOW);

  it("writes receipts, both sides of a transfer and a count difference in their own transaction", async () => {
    await postGoodsReceipt(stockDeps, plant, {
      receiptId: "GR-1",
      material: "RIM",
      location: "RAW",
      qty: dec("1200"),
      unitCost: dec("0.90"),
    });
    await postTransfer(stockDeps, plant, {
      transferId: "TR-1",
      material: "RIM",
      from: "RAW",
      to: "MACH-01",
      qty: dec("1000"),
    });
    await postGoodsReceipt(stockDeps, plant, {
      receiptId: "GR-2",
      material: "ADH",
      location: "MACH-01",
      qty: dec("1"),
    });
    // Book 200 at RAW, counted 150: −50 × 0.85 = −42.50.
    await postInventoryCount(stockDeps, plant, {
      countId: "CC-1",
      material: "RIM",
      location: "RAW",
      counted: dec("150"),
    });
    // A replayed receipt (same id, same body) writes nothing again.
    await postGoodsReceipt(stockDeps, plant, {
      receiptId: "GR-2",
      material: "ADH",
      location: "MACH-01",
      qty: dec("1"),
    });

    // GR-1 at standard: 1200 × 0.85 = 1020.00 (the 0.05 PPV is no stock value).
    expect(describeLines(await documentLines(table, plant, "GR-1"))).toEqual([
      "1 goods_receipt RIM@RAW 1200.00 1020.00",
    ]);
    expect(describeLines(await documentLines(table, plant, "TR-1"))).toEqual([
      "1 transfer RIM@RAW -1000.00 -850.00",
      "2 transfer RIM@MACH-01 1000.00 850.00",
    ]);
    expect(describeLines(await documentLines(table, plant, "GR-2"))).toEqual([
      "1 goods_receipt ADH@MACH-01 1.000 4.00",
    ]);
    expect(describeLines(await documentLines(table, plant, "CC-1"))).toEqual([
      "1 count RIM@RAW -50.00 -42.50",
    ]);
  });

  it("projects a confirmation's lines exactly once, also after a crash between commit and projection", async () => {
    // The first delivery commits, then dies before writing its lines (lines after the commit, as
    // for a posting whose lines do not fit its transaction).
    await expect(
      postConfirmation(
        { ...deps(), store: workerStore({ ...table, ddb: crashing }), faults: { linesAfterCommit: true } },
        plant,
        confirmation("C-1", "1000"),
        NOW,
      ),
    ).rejects.toThrow("worker killed after commit");
    expect(await documentLines(table, plant, "C-1")).toEqual([]);
    // SQS delivers it again (twice): the record stands, the missing lines are written, once.
    expect(await postConfirmation(deps(), plant, confirmation("C-1", "1000"), NOW)).toEqual({
      status: "duplicate",
    });
    expect(await postConfirmation(deps(), plant, confirmation("C-1", "1000"), NOW)).toEqual({
      status: "duplicate",
    });
    /*
     * 1000 lids: RIM 250.00 × 0.85 = 212.50; ADH needs 1.500, 1.000 on hand, split: 1.000 × 4.00 = 4.00
     * (0.500 to the backlog); TAPE 1000 × 0.10 = 100.00 (negative policy); labour 0.001 × 1000 + 0.5 setup
     * = 1.5 h × 45 = 67.50; machine 2 h × 30 = 60.00; LID 1000 × 0.50 = 500.00 into FG.
     */
    expect(describeLines(await documentLines(table, plant, "C-1"))).toEqual([
      "1 issue RIM@MACH-01 -250.00 -212.50",
      "2 issue ADH@MACH-01 -1.000 -4.00",
      "3 issue TAPE@MAIN -1000 -100.00",
      "4 activity labor 1.5 67.50",
      "5 activity machine 2 60.00",
      "6 receipt LID@FG 1000 500.00",
    ]);
  });

  it("adds a backlog line's later posting to its confirmation, numbered on", async () => {
    await postGoodsReceipt(stockDeps, plant, {
      receiptId: "GR-3",
      material: "ADH",
      location: "MACH-01",
      qty: dec("5"),
    });
    const outcome = await reprocessBacklog(deps(), plant, { material: "ADH", location: "MACH-01" });
    expect(outcome.posted).toBe(1);
    // 0.500 × 4.00 = 2.00
    expect(describeLines(await documentLines(table, plant, "C-1")).slice(6)).toEqual([
      "7 issue ADH@MACH-01 -0.500 -2.00",
    ]);
  });

  it("a confirmation's lines are its GET movements, signed from the stock's side", async () => {
    await postConfirmation(deps(), plant, confirmation("C-2", "500"), NOW);
    for (const id of ["C-1", "C-2"]) {
      // Only reads: a queue that is never sent to.
      const view = await getConfirmationView(
        tableIntakeDeps(
          table,
          postingsQueue({ sqs: undefined as never, url: "unused" }),
          () => new Date(NOW),
        ),
        plant,
        id,
      );
      const fromGet = (
        view.movements as {
          kind: string;
          material?: string;
          location?: string;
          qty: string;
          value: string;
          activity?: string;
        }[]
      )
        .map((m) =>
          m.kind === "activity"
            ? `activity ${m.activity} ${m.qty} ${m.value}`
            : `${m.kind} ${m.material}@${m.location} ${m.kind === "issue" ? dec(m.qty).neg().toFixed(decimalsOf(m.qty)) : m.qty} ${
                m.kind === "issue" ? dec(m.value).neg().toFixed(2) : m.value
              }`,
        )
        .sort();
      const fromLedger = describeLines(await documentLines(table, plant, id))
        .map((s) => s.replace(/^\d+ /, ""))
        .sort();
      expect(fromLedger).toEqual(fromGet);
    }
  });

  it("a reversal's lines cancel the original's exactly, change none of them, and are written once", async () => {
    const before = await documentLines(table, plant, "C-1");
    expect(await reverseConfirmation(deps(), plant, "C-1", "2026-11-26")).toMatchObject({
      status: "reversed",
    });
    expect(await reverseConfirmation(deps(), plant, "C-1", "2026-11-26")).toEqual({ status: "duplicate" });
    const after = await documentLines(table, plant, "C-1");
    expect(after.slice(0, before.length)).toEqual(before);
    const reversal = after.slice(before.length);
    expect(reversal).toHaveLength(7);
    for (const r of reversal) {
      const original = before.find((l) => l.line === r.reversesLine);
      expect(r.reverses).toBe("C-1");
      expect(r).toMatchObject({
        kind: original?.kind,
        material: original?.material,
        location: original?.location,
      });
      for (const f of ["qty", "value", "hours"] as const) {
        const a = original?.[f];
        const b = r[f];
        expect(
          a === undefined
            ? b
            : dec(a)
                .plus(dec(b ?? "x"))
                .isZero(),
        ).toBe(a === undefined ? undefined : true);
      }
      expect(r.postingDate).toBe("2026-11-26");
    }
    expect(describeLines(reversal).slice(0, 2)).toEqual([
      "8 issue RIM@MACH-01 250.00 212.50 reverses C-1/1",
      "9 issue ADH@MACH-01 1.000 4.00 reverses C-1/2",
    ]);
  });

  it("for every material and location, Σ qty of its lines = on-hand", async () => {
    const stock = await listPlantStock(table, plant);
    expect(stock.length).toBeGreaterThanOrEqual(5);
    for (const item of stock) {
      let total = new Decimal(0);
      let cursor: string | undefined;
      do {
        const page = await movementsView(table, plant, {
          material: item.material,
          location: item.location,
          limit: 3,
          cursor,
        });
        for (const m of page.items) total = total.plus(m.qty ?? "0");
        cursor = page.next ?? undefined;
      } while (cursor);
      expect(`${item.material}@${item.location} ${total.toFixed()}`).toBe(
        `${item.material}@${item.location} ${item.onHand.toFixed()}`,
      );
    }
    // By hand: RIM@RAW 1200 − 1000 − 50 = 150; RIM@MACH-01 1000 − 250 − 125 + 250 = 875.
    const rim = stock.filter((s) => s.material === "RIM").map((s) => `${s.location} ${s.onHand.toFixed()}`);
    expect(rim.sort()).toEqual(["MACH-01 875", "RAW 150"]);
  });
});

const decimalsOf = (s: string) => (s.includes(".") ? s.length - s.indexOf(".") - 1 : 0);
