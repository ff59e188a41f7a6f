/**
 * Cut-off on DynamoDB Local (docs/rules.md#cut-off), the example of issue 11 point 1 worked by
 * hand: the close of November sees only postings of periods ≤ November, even when December's
 * postings are already in when it runs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec } from "../../domain/index.js";
import { backlogRetrySender } from "../../functions/adapters/queue.js";
import {
  getOrder,
  putBom,
  putMaterial,
  putRouting,
  putWorkCenter,
  type TableContext,
} from "../../functions/adapters/table/index.js";
import type { PeriodReport } from "../../functions/use-cases/period-close.js";
import { postConfirmation } from "../../functions/use-cases/post-confirmation.js";
import { postGoodsReceipt } from "../../functions/use-cases/stock-postings.js";
import { createQueues } from "../../local/services/provision.js";
import { releaseOrder, storedBomItem, storedMaterial } from "../fixtures/plant.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { closeHarness, closePeriod } from "../support/close.js";
import { postingDeps, stockPostingDeps } from "../support/posting.js";

const NOV_NOW = "2026-11-20T08:00:00.000Z";
/** The monthly schedule runs two hours into the 1st: December's first postings are already in. */
const CLOSE_NOW = "2026-12-01T02:15:00.000Z";

let clients: TestClients;
let table: TableContext;
let queueUrl: string;

beforeAll(async () => {
  clients = testClients();
  table = { ddb: clients.ddb, tableName: clients.tableName };
  queueUrl = (await createQueues(clients.sqsEndpoint, `cutoff-${Date.now()}-`)).postingsQueueUrl;
});
afterAll(() => clients.destroy());

/**
 * PROD (11.00, FG) from COMP (1 per unit, 10.00, backflushed at 0010 from MACH-01). Op 0010 on
 * WC-A without activities; op 0020 (last) on WC-B, labour 0.02 h per unit at 100.00.
 * Planned unit cost 10.00 + 0.02 × 100.00 = 12.00 against a standard price of 11.00.
 */
async function cutoffPlant(): Promise<string> {
  const plant = freshPlant();
  await putMaterial(
    table,
    plant,
    storedMaterial({ material: "PROD", standardPrice: dec("11.00"), defaultLocation: "FG" }),
    NOV_NOW,
  );
  await putMaterial(table, plant, storedMaterial({ material: "COMP", standardPrice: dec("10.00") }), NOV_NOW);
  await putWorkCenter(
    table,
    plant,
    { workCenter: "WC-A", description: "WC-A", rates: { labor: dec("50.00") } },
    NOV_NOW,
  );
  await putWorkCenter(
    table,
    plant,
    { workCenter: "WC-B", description: "WC-B", rates: { labor: dec("100.00") } },
    NOV_NOW,
  );
  await putBom(
    table,
    plant,
    {
      material: "PROD",
      baseQty: dec("1"),
      items: [storedBomItem("0010", "COMP", "1", "0010")],
    },
    NOV_NOW,
  );
  await putRouting(
    table,
    plant,
    {
      material: "PROD",
      operations: [
        { op: "0010", workCenter: "WC-A", hoursPerUnit: {}, setupHours: {} },
        { op: "0020", workCenter: "WC-B", hoursPerUnit: { labor: dec("0.02") }, setupHours: {} },
      ],
    },
    NOV_NOW,
  );
  return plant;
}

describe("an order completed on 1 December, before November's close ran", () => {
  let plant: string;
  let november: PeriodReport;
  let december: PeriodReport;

  beforeAll(async () => {
    plant = await cutoffPlant();
    // November: 100 COMP received at 10.00 (Dr RAW_MATERIALS 1000.00 / Cr GRIR 1000.00), then
    // op 0010 issues them to the order: Dr WIP 1000.00 / Cr RAW_MATERIALS 1000.00.
    await postGoodsReceipt(
      stockPostingDeps(table, NOV_NOW, backlogRetrySender({ sqs: clients.sqs, url: queueUrl })),
      plant,
      {
        receiptId: "GR-COMP",
        material: "COMP",
        location: "MACH-01",
        qty: dec("100"),
        unitCost: dec("10.00"),
      },
    );
    await releaseOrder(table, plant, { order: "CUT-1", material: "PROD", qty: dec("100") });
    const posting = postingDeps(table, CLOSE_NOW);
    const base = { order: "CUT-1", scrap: "0" };
    expect(
      await postConfirmation(
        posting,
        plant,
        { ...base, confirmationId: "CUT-0010", operation: "0010", yield: "100", postingDate: "2026-11-20" },
        NOV_NOW,
      ),
    ).toMatchObject({ status: "posted" });
    // 1 December: op 0020 posts labour 0.02 × 100 = 2 h × 100.00 = 200.00 (Dr WIP / Cr APPLIED_LABOR)
    // and receives 100 × 11.00 = 1100.00 (Dr FINISHED_GOODS / Cr WIP): the order is completed.
    expect(
      await postConfirmation(
        posting,
        plant,
        { ...base, confirmationId: "CUT-0020", operation: "0020", yield: "100", postingDate: "2026-12-01" },
        CLOSE_NOW,
      ),
    ).toMatchObject({ status: "posted" });
    expect((await getOrder(table, plant, "CUT-1"))?.order.state.status).toBe("completed");

    const h = closeHarness(table, CLOSE_NOW);
    november = await closePeriod(h, plant, "2026-11");
    december = await closePeriod(h, plant, "2026-12");
  });

  it("November carries 1000.00 of WIP and posts no variance", () => {
    expect(november.orders).toEqual([
      {
        order: "CUT-1",
        material: "PROD",
        status: "in_process",
        wip: "1000.00",
        variance: { total: "0.00", scrap: "0.00", usage: "0.00", other: "0.00", byWorkCenter: [] },
      },
    ]);
    expect(november.wipTotal).toBe("1000.00");
    expect(november.varianceTotal).toBe("0.00");
    expect(november.journal).toEqual([
      { account: "RAW_MATERIALS", debit: "1000.00", credit: "1000.00" },
      { account: "WIP", debit: "1000.00", credit: "0.00" },
      { account: "GRIR", debit: "0.00", credit: "1000.00" },
    ]);
  });

  it("December settles the order: V = 1000.00 + 200.00 − 1100.00 = 100.00, all other (roll-up 12.00 vs 11.00)", () => {
    expect(december.orders).toEqual([
      {
        order: "CUT-1",
        material: "PROD",
        status: "closed",
        wip: "0.00",
        // No scrap or usage: no work center carries any.
        variance: { total: "100.00", scrap: "0.00", usage: "0.00", other: "100.00", byWorkCenter: [] },
      },
    ]);
    expect(december.wipTotal).toBe("0.00");
    expect(december.varianceTotal).toBe("100.00");
    // WIP: Dr 200.00 (labour); Cr 1100.00 (receipt) + 100.00 (settlement).
    expect(december.journal).toEqual([
      { account: "WIP", debit: "200.00", credit: "1200.00" },
      { account: "FINISHED_GOODS", debit: "1100.00", credit: "0.00" },
      { account: "APPLIED_LABOR", debit: "0.00", credit: "200.00" },
      { account: "VARIANCE_OTHER", debit: "100.00", credit: "0.00" },
    ]);
  });

  it("leaves the order closed, at WIP 0, out of the close index", async () => {
    const stored = await getOrder(table, plant, "CUT-1");
    expect(stored?.order.state.status).toBe("closed");
    expect(stored?.closedThrough).toBe("2026-12");
    expect(stored?.order.state.wipDebit.minus(stored.order.state.wipCredit).toFixed(2)).toBe("0.00");
    // Nothing of the cut-off bookkeeping outlives the closes that needed it.
    expect(stored?.order.state.byPeriod).toBeUndefined();
  });
});
