/**
 * The outbox settles a posting only once its ledger lines are there (functions/use-cases/outbox-sweep.ts,
 * ledgerGaps): a queue that lost the message after the posting committed but before its lines were
 * projected (the fault-injection auditor's queue restart found it) gets the message again, and its
 * delivery writes the lines. The file owns its table: the sweeper reads every plant's outbox.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec } from "../../domain/index.js";
import type { EnqueuePosting } from "../../functions/adapters/queue.js";
import {
  documentLines,
  getConfirmationItems,
  intakeRecords,
  type LedgerStore,
  ledgerStore,
  type TableContext,
} from "../../functions/adapters/table/index.js";
import type { PostingMessage } from "../../functions/common/messages.js";
import { noMetrics, silentLog } from "../../functions/common/ports.js";
import { acceptConfirmation, tableIntakeDeps } from "../../functions/use-cases/confirmation-intake.js";
import { sweepOutbox } from "../../functions/use-cases/outbox-sweep.js";
import { postConfirmation } from "../../functions/use-cases/post-confirmation.js";
import { reverseConfirmation } from "../../functions/use-cases/reverse-confirmation.js";
import { createTable } from "../../local/services/provision.js";
import { addStock, NOW, releaseOrder, seedMasterData } from "../fixtures/plant.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { postingDeps } from "../support/posting.js";

let clients: TestClients;
let table: TableContext;
let clock = Date.parse(NOW);
const now = () => new Date(clock);
const sent: PostingMessage[] = [];
const enqueue: EnqueuePosting = async (message) => void sent.push(message);

beforeAll(async () => {
  clients = testClients();
  const tableName = `${freshPlant("outboxledger")}-table`;
  await createTable(clients.dynamoEndpoint, tableName);
  table = { ddb: clients.ddb, tableName };
});
afterAll(() => clients.destroy());

const sweep = () =>
  sweepOutbox({
    intakes: intakeRecords(table),
    confirmationItems: (plant, id) => getConfirmationItems(table, plant, id),
    enqueuePosting: enqueue,
    now,
    resendAfterSeconds: 180,
    log: silentLog,
    metrics: noMetrics,
    ledger: ledgerStore(table),
  });

/**
 * The worker whose projection dies right after the commit; its message is then lost. Its lines
 * go after the commit, as a posting's do when they do not fit its transaction.
 */
function crashingWorker() {
  const base = { ...postingDeps(table, NOW), faults: { linesAfterCommit: true } };
  const ledger: LedgerStore = {
    ...base.store.ledger,
    write: async () => {
      throw new Error("the queue emulator restarted: message and worker gone");
    },
  };
  return { ...base, store: { ...base.store, ledger } };
}

describe("the outbox and the ledger", () => {
  it("sends a posting again whose lines were lost with its message, and settles it once they are written", async () => {
    const plant = freshPlant();
    await seedMasterData(table, plant);
    await releaseOrder(table, plant, { order: "1000001" });
    await addStock(table, plant, "RIM", "MACH-01", "1000");
    await addStock(table, plant, "ADH", "MACH-01", "10");
    const intake = tableIntakeDeps(table, enqueue, now, 180);
    await acceptConfirmation(intake, plant, {
      confirmationId: "C-LOST",
      order: "1000001",
      operation: "0010",
      yield: dec("1000"),
      scrap: dec("0"),
    });
    const [message] = sent.splice(0);
    if (message?.type !== "confirmation") throw new Error("intake sent no confirmation");
    await expect(
      postConfirmation(crashingWorker(), plant, message.confirmation, message.receivedAt),
    ).rejects.toThrow("message and worker gone");
    expect(await documentLines(table, plant, "C-LOST")).toEqual([]);

    // Past the visibility timeout: recorded, but its lines are missing, so it is sent again.
    clock += 181_000;
    expect(await sweep()).toMatchObject({ read: 1, settled: 0, resent: 1 });
    const [again] = sent.splice(0);
    if (again?.type !== "confirmation") throw new Error("the sweeper sent no confirmation");
    expect(again.confirmation.confirmationId).toBe("C-LOST");
    const outcome = await postConfirmation(
      postingDeps(table, NOW),
      plant,
      again.confirmation,
      again.receivedAt,
    );
    expect(outcome.status).toBe("duplicate");
    // RIM, ADH and TAPE issued, labour and machine, LID received.
    expect(await documentLines(table, plant, "C-LOST")).toHaveLength(6);

    clock += 400_000;
    expect(await sweep()).toMatchObject({ read: 1, settled: 1, resent: 0 });
    expect(sent).toEqual([]);
  });

  it("sends a reversal again whose opposite lines were lost", async () => {
    const plant = freshPlant();
    await seedMasterData(table, plant);
    await releaseOrder(table, plant, { order: "1000001" });
    const intake = tableIntakeDeps(table, enqueue, now, 180);
    const { requestReversal } = await import("../../functions/use-cases/confirmation-intake.js");
    await acceptConfirmation(intake, plant, {
      confirmationId: "C-REV",
      order: "1000001",
      operation: "0010",
      yield: dec("10"),
      scrap: dec("0"),
    });
    const [confirmation] = sent.splice(0);
    if (confirmation?.type !== "confirmation") throw new Error("intake sent no confirmation");
    await postConfirmation(
      postingDeps(table, NOW),
      plant,
      confirmation.confirmation,
      confirmation.receivedAt,
    );
    await requestReversal(intake, plant, "C-REV", undefined);
    const [reversal] = sent.splice(0);
    if (reversal?.type !== "reversal") throw new Error("intake sent no reversal");
    await expect(
      reverseConfirmation(crashingWorker(), plant, "C-REV", reversal.postingDate, reversal.receivedAt),
    ).rejects.toThrow("message and worker gone");
    expect((await documentLines(table, plant, "C-REV")).filter((l) => l.reverses !== null)).toEqual([]);

    clock += 181_000;
    expect(await sweep()).toMatchObject({ settled: 0, resent: 1 });
    const resent = sent.splice(0);
    expect(resent.map((m) => m.type)).toEqual(["reversal"]);
    const [r] = resent;
    if (r?.type !== "reversal") throw new Error("unreachable");
    expect(
      (await reverseConfirmation(postingDeps(table, NOW), plant, "C-REV", r.postingDate, r.receivedAt))
        .status,
    ).toBe("duplicate");
    const lines = await documentLines(table, plant, "C-REV");
    expect(lines.filter((l) => l.reverses === "C-REV")).toHaveLength(
      lines.filter((l) => l.reverses === null).length,
    );

    clock += 400_000;
    expect(await sweep()).toMatchObject({ settled: 1, resent: 0 });
  });
});
