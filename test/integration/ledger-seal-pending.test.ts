/**
 * The seal is complete although a close runs between a posting's commit and its ledger
 * projection (docs/ledger.md, "What the seal relies on"), on DynamoDB Local: the close finds
 * the posting (or reversal) listed under its period with fewer lines than it projects, writes
 * them itself from the record, and seals them; the worker's late projection then writes nothing
 * new, so verify stays ok.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec } from "../../domain/index.js";
import {
  documentLines,
  type LedgerStore,
  stockDocumentStore,
  type TableContext,
} from "../../functions/adapters/table/index.js";
import { silentLog } from "../../functions/common/ports.js";
import { verifyPeriod } from "../../functions/use-cases/ledger.js";
import { runClose } from "../../functions/use-cases/period-close.js";
import { postConfirmation } from "../../functions/use-cases/post-confirmation.js";
import type { PostingDeps } from "../../functions/use-cases/posting-support.js";
import { reverseConfirmation } from "../../functions/use-cases/reverse-confirmation.js";
import { postGoodsReceipt } from "../../functions/use-cases/stock-postings.js";
import { NOW, releaseOrder, seedMasterData } from "../fixtures/plant.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { closeHarness } from "../support/close.js";
import { postingDeps } from "../support/posting.js";

let clients: TestClients;
let table: TableContext;

beforeAll(() => {
  clients = testClients();
  table = { ddb: clients.ddb, tableName: clients.tableName };
});
afterAll(() => clients.destroy());

const PERIOD = "2026-11";
const CLOSE_AT = "2026-12-01T02:15:00.000Z";

/** Two receipts and one order (2 ledger lines so far), as in ledger-seal.test.ts. */
async function plantWithOrder(): Promise<string> {
  const plant = freshPlant();
  const stock = {
    store: stockDocumentStore(table),
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
  return plant;
}

/*
 * Yield 1000, scrap 10, labour 2 h: six lines (ledger-seal.test.ts works them out):
 * RIM −252.50 (−214.63), ADH −1.515 (−6.06), TAPE −1010 (−101.00), labour 2 h 90.00,
 * machine 2.02 h 60.60, LID +1000 (500.00).
 */
const CONFIRMATION = {
  confirmationId: "C-1",
  order: "1000001",
  operation: "0010",
  yield: "1000",
  scrap: "10",
  postingDate: "2026-11-25",
  activities: { labor: "2" },
};

/**
 * The worker's ports with the ledger projection replaced (a crash, or a pause, right after the
 * commit). Its lines go after the commit, as a posting's do when they do not fit its transaction.
 */
function withProjection(
  write: (real: LedgerStore, lines: Parameters<LedgerStore["write"]>[0]) => Promise<void>,
) {
  const base = { ...postingDeps(table, NOW), faults: { linesAfterCommit: true } };
  const real = base.store.ledger;
  const ledger: LedgerStore = { ...real, write: (lines) => write(real, lines) };
  return { ...base, store: { ...base.store, ledger } } satisfies PostingDeps;
}

const close = (plant: string) => runClose(closeHarness(table, CLOSE_AT).deps, plant, PERIOD);
const lineCount = async (plant: string, document: string) =>
  (await documentLines(table, plant, document)).length;

describe("a close between a posting's commit and its ledger lines", () => {
  it("after a crash before the projection: the close writes the lines, seals them, and the redelivery writes none", async () => {
    const plant = await plantWithOrder();
    const crashed = withProjection(async () => {
      throw new Error("worker died after the commit");
    });
    await expect(postConfirmation(crashed, plant, CONFIRMATION, NOW)).rejects.toThrow("worker died");
    expect(await lineCount(plant, "C-1")).toBe(0);

    const closed = await close(plant);
    expect(closed.status).toBe("closed");
    expect(await verifyPeriod(table, plant, PERIOD)).toMatchObject({ status: "closed", lines: 8, ok: true });
    // The lines the close wrote are the posting's, as the worker would have written them.
    const lines = await documentLines(table, plant, "C-1");
    expect(lines.map((l) => [l.line, l.kind, l.material ?? l.activity, l.qty ?? l.hours, l.value])).toEqual([
      [1, "issue", "RIM", "-252.50", "-214.63"],
      [2, "issue", "ADH", "-1.515", "-6.06"],
      [3, "issue", "TAPE", "-1010", "-101.00"],
      [4, "activity", "labor", "2", "90.00"],
      [5, "activity", "machine", "2.02", "60.60"],
      [6, "receipt", "LID", "1000", "500.00"],
    ]);
    expect(lines.every((l) => l.postingDate === "2026-11-25" && l.period === PERIOD)).toBe(true);

    // SQS delivers the message again: the posting is a duplicate and its lines are all there.
    const redelivered = await postConfirmation(postingDeps(table, NOW), plant, CONFIRMATION, NOW);
    expect(redelivered.status).toBe("duplicate");
    expect(await lineCount(plant, "C-1")).toBe(6);
    expect(await verifyPeriod(table, plant, PERIOD)).toMatchObject({ lines: 8, ok: true });
  });

  it("while the worker is between commit and projection: the close seals the lines and the late projection changes nothing", async () => {
    const plant = await plantWithOrder();
    let sealedDuringPosting: Awaited<ReturnType<typeof verifyPeriod>> | undefined;
    const paused = withProjection(async (real, lines) => {
      // The close runs to its end right here, after the commit and before the worker's lines.
      expect((await close(plant)).status).toBe("closed");
      sealedDuringPosting = await verifyPeriod(table, plant, PERIOD);
      await real.write(lines);
    });
    const outcome = await postConfirmation(paused, plant, CONFIRMATION, NOW);
    expect(outcome.status).toBe("posted");
    expect(sealedDuringPosting).toMatchObject({ status: "closed", lines: 8, ok: true });
    expect(await lineCount(plant, "C-1")).toBe(6);
    expect(await verifyPeriod(table, plant, PERIOD)).toMatchObject({ lines: 8, ok: true });
  });

  it("a reversal whose opposite lines were not projected: the close writes them and they cancel the posting's", async () => {
    const plant = await plantWithOrder();
    const deps = postingDeps(table, NOW);
    await postConfirmation(deps, plant, CONFIRMATION, NOW);
    const crashed = withProjection(async () => {
      throw new Error("worker died after the reversal's commit");
    });
    await expect(
      reverseConfirmation(crashed, plant, "C-1", "2026-11-26", "2026-11-26T09:00:00.000Z"),
    ).rejects.toThrow("worker died");
    expect(await lineCount(plant, "C-1")).toBe(6);

    expect((await close(plant)).status).toBe("closed");
    // 2 receipt lines, 6 of the posting, 6 opposite ones.
    expect(await verifyPeriod(table, plant, PERIOD)).toMatchObject({ lines: 14, ok: true });
    const lines = await documentLines(table, plant, "C-1");
    const opposite = lines.filter((l) => l.reverses === "C-1");
    expect(opposite.map((l) => [l.line, l.reversesLine, l.qty ?? l.hours, l.value, l.postingDate])).toEqual([
      [7, 1, "252.50", "214.63", "2026-11-26"],
      [8, 2, "1.515", "6.06", "2026-11-26"],
      [9, 3, "1010", "101.00", "2026-11-26"],
      [10, 4, "-2", "-90.00", "2026-11-26"],
      [11, 5, "-2.02", "-60.60", "2026-11-26"],
      [12, 6, "-1000", "-500.00", "2026-11-26"],
    ]);

    const again = await reverseConfirmation(deps, plant, "C-1", "2026-11-26", "2026-11-26T09:00:00.000Z");
    expect(again.status).toBe("duplicate");
    expect(await lineCount(plant, "C-1")).toBe(12);
    expect(await verifyPeriod(table, plant, PERIOD)).toMatchObject({ lines: 14, ok: true });
  });
});
