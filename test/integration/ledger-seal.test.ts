/**
 * Sealed periods on DynamoDB Local (docs/ledger.md, "Ledger digest"): the close stores the
 * SHA-256 of the period's ledger lines and the variance by work center; verify recomputes the
 * digest from the stored lines, and a line edited directly in the table makes `ok` false.
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec, ledgerDigest } from "../../domain/index.js";
import {
  documentLines,
  periodCloseStore,
  stockDocumentStore,
  type TableContext,
} from "../../functions/adapters/table/index.js";
import { keys } from "../../functions/adapters/table/keys.js";
import { noMetrics, silentLog } from "../../functions/common/ports.js";
import { verifyPeriod } from "../../functions/use-cases/ledger.js";
import { type CloseDeps, getPeriodReport, runClose } from "../../functions/use-cases/period-close.js";
import { postConfirmation } from "../../functions/use-cases/post-confirmation.js";
import { postGoodsReceipt, type StockDeps } from "../../functions/use-cases/stock-postings.js";
import { NOW, releaseOrder, seedMasterData } from "../fixtures/plant.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { postingDeps } from "../support/posting.js";

let clients: TestClients;
let table: TableContext;
const plant = freshPlant();

beforeAll(async () => {
  clients = testClients();
  table = { ddb: clients.ddb, tableName: clients.tableName };
  const stock: StockDeps = {
    store: stockDocumentStore(table),
    // The backlog retry is run by the test itself (reprocessBacklog).
    enqueueBacklogRetry: async () => {},
    now: () => new Date(NOW),
    log: silentLog,
  };
  await seedMasterData(table, plant);
  await releaseOrder(table, plant, { order: "1000001", qty: dec("1000") });
  await postGoodsReceipt(stock, plant, {
    receiptId: "GR-1",
    material: "RIM",
    location: "MACH-01",
    qty: dec("300"),
  });
  await postGoodsReceipt(stock, plant, {
    receiptId: "GR-2",
    material: "ADH",
    location: "MACH-01",
    qty: dec("2"),
  });
  /*
   * Yield 1000, scrap 10 (C = 1010), labour 2 h for 1.51 h planned (0.001 × 1010 + 0.5 setup).
   * Lines: RIM −252.50 (214.63), ADH −1.515 (6.06), TAPE −1010 (101.00), labour 2 h 90.00,
   * machine 2.02 h 60.60, LID +1000 (500.00).
   */
  await postConfirmation(
    postingDeps(table, NOW),
    plant,
    {
      confirmationId: "C-1",
      order: "1000001",
      operation: "0010",
      yield: "1000",
      scrap: "10",
      postingDate: "2026-11-25",
      activities: { labor: "2" },
    },
    NOW,
  );
});
afterAll(() => clients.destroy());

const closeDeps = (): CloseDeps => ({
  store: periodCloseStore(table),
  now: () => new Date("2026-12-01T02:15:00.000Z"),
  log: silentLog,
  metrics: noMetrics,
  enqueueClose: async () => {},
});

describe("sealed periods", () => {
  it("an open period is not sealed: verify answers ok false without a digest", async () => {
    const open = await verifyPeriod(table, plant, "2026-11");
    expect(open).toMatchObject({ status: "open", ledgerDigest: null, lines: 8, ok: false });
  });

  it("the close seals the digest of the period's lines and reports the variance by work center", async () => {
    const result = await runClose(closeDeps(), plant, "2026-11");
    expect(result.status).toBe("closed");
    // The digest of the eight lines as their documents hold them (a path other than the period index).
    const lines = (
      await Promise.all(["GR-1", "GR-2", "C-1"].map((d) => documentLines(table, plant, d)))
    ).flat();
    expect(lines).toHaveLength(8);
    const report = await getPeriodReport({ store: periodCloseStore(table) }, plant, "2026-11");
    expect(report.ledgerDigest).toBe(ledgerDigest(lines).digest);
    /*
     * Scrap: 10 × planned unit cost up to 0010 = 10 × (0.3185 components + 0.105 activities)
     *   = 10 × 0.4235 = 4.235 → 4.24 (components per 1000: 250 × 0.85 + 1.5 × 4 + 1000 × 0.10 = 318.50;
     *   activities per unit: 0.001 × 45 + 0.002 × 30 = 0.105).
     * Usage: labour (2 − 1.51) × 45 = 22.05; components issued as planned. One work center: PRESS.
     */
    expect(report.orders[0]?.variance).toMatchObject({
      scrap: "4.24",
      usage: "22.05",
      byWorkCenter: [{ workCenter: "PRESS", scrap: "4.24", usage: "22.05" }],
    });
    expect(report.varianceByWorkCenter).toEqual([{ workCenter: "PRESS", scrap: "4.24", usage: "22.05" }]);

    const verified = await verifyPeriod(table, plant, "2026-11");
    expect(verified).toEqual({
      period: "2026-11",
      status: "closed",
      ledgerDigest: report.ledgerDigest,
      recomputedDigest: report.ledgerDigest,
      lines: 8,
      ok: true,
    });
  });

  it("a line edited in the table after the close makes verify answer ok false", async () => {
    const before = await verifyPeriod(table, plant, "2026-11");
    await clients.ddb.send(
      new UpdateCommand({
        TableName: clients.tableName,
        Key: keys.ledgerLine(plant, "C-1", 1, "C"),
        UpdateExpression: "SET qty = :q",
        ExpressionAttributeValues: { ":q": "-252.49" },
      }),
    );
    const after = await verifyPeriod(table, plant, "2026-11");
    expect(after.ok).toBe(false);
    expect(after.lines).toBe(8);
    expect(after.ledgerDigest).toBe(before.ledgerDigest);
    expect(after.recomputedDigest).not.toBe(before.ledgerDigest);
  });
});
