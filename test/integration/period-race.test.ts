/**
 * A stock posting racing the period close (docs/data-model.md, "Period lock protocol"): a
 * receipt that chose its period before the close locked it, and commits after the close read
 * the stock, must still be in some period's report: it re-reads the period state and lands in
 * the next open one.
 */
import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec } from "../../domain/index.js";
import { backlogRetrySender } from "../../functions/adapters/queue.js";
import { periodCloseStore, putMaterial, type TableContext } from "../../functions/adapters/table/index.js";
import { getPeriodReport } from "../../functions/use-cases/period-close.js";
import { postGoodsReceipt } from "../../functions/use-cases/stock-postings.js";
import { createQueues } from "../../local/services/provision.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { closeHarness, closePeriod } from "../support/close.js";
import { stockPostingDeps } from "../support/posting.js";

/** The last minutes of November: receipts take today's period, November, unless it is locked. */
const NOW = "2026-11-30T23:58:00.000Z";
const NOV = "2026-11";

let clients: TestClients;
let table: TableContext;
let queueUrl: string;

beforeAll(async () => {
  clients = testClients();
  table = { ddb: clients.ddb, tableName: clients.tableName };
  queueUrl = (await createQueues(clients.sqsEndpoint, `race-${Date.now()}-`)).postingsQueueUrl;
});
afterAll(() => clients.destroy());

/**
 * The table as the receipt sees it: its first transaction waits until `beforeCommit` (the
 * whole close of November) has run, i.e. the close locks the period and reads the stock
 * after the receipt read the period state and before the receipt commits.
 */
function tableRacing(beforeCommit: () => Promise<unknown>): TableContext {
  let fired = false;
  const ddb = Object.create(clients.ddb) as typeof clients.ddb;
  ddb.send = (async (command: unknown) => {
    if (command instanceof TransactWriteCommand && !fired) {
      fired = true;
      await beforeCommit();
    }
    return clients.ddb.send(command as never);
  }) as typeof ddb.send;
  return { ddb, tableName: table.tableName };
}

describe("a goods receipt racing the close", () => {
  it("lands in the next period when the close locked its period after the receipt read it", async () => {
    const plant = freshPlant();
    await putMaterial(
      table,
      plant,
      {
        material: "GLUE",
        description: "Glue",
        uom: "KG",
        decimals: 3,
        standardPrice: dec("4.00"),
        currency: "USD",
        shortage: "backlog",
      },
      NOW,
    );
    const h = closeHarness(table, NOW);
    let closedReport: Awaited<ReturnType<typeof closePeriod>> | undefined;
    const racing = tableRacing(async () => {
      closedReport = await closePeriod(h, plant, NOV);
    });
    // 10 kg at standard 4.00: Dr RAW_MATERIALS 40.00 / Cr GRIR 40.00.
    const receipt = await postGoodsReceipt(
      stockPostingDeps(racing, NOW, backlogRetrySender({ sqs: clients.sqs, url: queueUrl })),
      plant,
      { receiptId: "GR-RACE", material: "GLUE", location: "MACH-01", qty: dec("10") },
    );
    // The close ran to the end in between and saw no receipt: November's journal is empty.
    expect(closedReport?.status).toBe("closed");
    expect(closedReport?.journal).toEqual([]);
    // So the receipt must not claim November: it re-read the period state and took December.
    expect(receipt).toMatchObject({ period: "2026-12", value: "40.00" });
    expect((await getPeriodReport({ store: periodCloseStore(table) }, plant, NOV)).journal).toEqual([]);
  });
});
