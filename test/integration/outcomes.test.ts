import type { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec } from "../../domain/index.js";
import { postingsQueue, type QueueContext } from "../../functions/adapters/queue.js";
import {
  getOrder,
  orderWrite,
  readStock,
  type TableContext,
  transactWrite,
} from "../../functions/adapters/table/index.js";
import type { PostingMessage } from "../../functions/common/messages.js";
import {
  acceptConfirmation,
  type ConfirmationRequest,
  getConfirmationView,
  requestReversal,
  tableIntakeDeps,
} from "../../functions/use-cases/confirmation-intake.js";
import { orderView } from "../../functions/use-cases/orders.js";
import { postConfirmation } from "../../functions/use-cases/post-confirmation.js";
import type { PostingDeps } from "../../functions/use-cases/posting-support.js";
import { reprocessBacklog } from "../../functions/use-cases/reprocess-backlog.js";
import { reverseConfirmation } from "../../functions/use-cases/reverse-confirmation.js";
import { addStock, NOW, releaseOrder, seedMasterData } from "../fixtures/plant.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { postingDeps } from "../support/posting.js";

/**
 * What GET confirmation shows of the worker's outcomes (docs/api.md): reversal_rejected with
 * its reason, a new reversal request after a rejection, `posted` once the backlog has posted.
 * Intake runs against a queue that only records what it was given.
 */
let clients: TestClients;
let table: TableContext;
let deps: PostingDeps;
let sent: PostingMessage[];
let clock: string;

const queue: QueueContext = {
  sqs: {
    send: async (command: { input: { MessageBody: string } }) => {
      sent.push(JSON.parse(command.input.MessageBody) as PostingMessage);
      return {};
    },
  } as unknown as SQSClient,
  url: "recorded",
};
const intake = () => tableIntakeDeps(table, postingsQueue(queue), () => new Date(clock));

beforeAll(() => {
  clients = testClients();
  table = { ddb: clients.ddb, tableName: clients.tableName };
  deps = postingDeps(table, NOW);
});
afterAll(() => clients.destroy());

const request = (id: string, overrides: Partial<ConfirmationRequest> = {}): ConfirmationRequest => ({
  confirmationId: id,
  order: "1000001",
  operation: "0010",
  yield: dec("1000"),
  scrap: dec("0"),
  postingDate: "2026-11-25",
  ...overrides,
});

async function plant(rim = "1000") {
  const p = freshPlant();
  sent = [];
  clock = NOW;
  await seedMasterData(table, p);
  await releaseOrder(table, p, { order: "1000001" });
  await addStock(table, p, "RIM", "MACH-01", rim);
  await addStock(table, p, "ADH", "MACH-01", "10");
  return p;
}

/** Runs the worker on everything intake sent since the last call, in order. */
async function work(p: string) {
  const batch = sent.splice(0);
  for (const m of batch) {
    if (m.type === "confirmation") await postConfirmation(deps, p, m.confirmation, m.receivedAt);
    if (m.type === "reversal")
      await reverseConfirmation(deps, p, m.confirmationId, m.postingDate, m.receivedAt);
  }
  return batch;
}

const view = (p: string, id: string) => getConfirmationView(intake(), p, id);
const rimOnHand = async (p: string) =>
  (await readStock(table, p, [{ material: "RIM", location: "MACH-01" }])).get("RIM@MACH-01")?.toFixed();

describe("reversal outcomes are visible", () => {
  it("a closed order's confirmation: reversal_rejected ORDER_CLOSED, the posting stands", async () => {
    const p = await plant();
    await acceptConfirmation(intake(), p, request("C-1"));
    await work(p);
    // 1000 lids take 250.00 m of RIM: 1000 − 250 = 750
    expect(await rimOnHand(p)).toBe("750");
    const stored = await getOrder(table, p, "1000001");
    if (!stored) throw new Error("order missing");
    await transactWrite(table, [
      orderWrite(table, stored, { ...stored.order, state: { ...stored.order.state, status: "closed" } }),
    ]);

    clock = "2026-11-26T09:00:00.000Z";
    expect((await requestReversal(intake(), p, "C-1", undefined)).status).toBe("reversal_queued");
    const [message] = await work(p);
    expect(await view(p, "C-1")).toMatchObject({
      status: "reversal_rejected",
      rejection: { code: "ORDER_CLOSED", message: expect.stringContaining("1000001") },
    });
    expect(await rimOnHand(p)).toBe("750");
    // A redelivery of the refused request changes nothing.
    if (message?.type !== "reversal") throw new Error("no reversal message");
    expect(await reverseConfirmation(deps, p, "C-1", message.postingDate, message.receivedAt)).toEqual({
      status: "duplicate",
    });
    expect((await view(p, "C-1")).status).toBe("reversal_rejected");
  });

  it("a confirmation that never posted (DLQ): NOT_POSTED; once it posts, a new request reverses it", async () => {
    const p = await plant();
    await acceptConfirmation(intake(), p, request("C-1"));
    const parked = sent.splice(0); // the confirmation's message sits in the DLQ
    clock = "2026-11-25T09:00:00.000Z";
    await requestReversal(intake(), p, "C-1", "2026-11-25");
    await work(p);
    expect(await view(p, "C-1")).toMatchObject({
      status: "reversal_rejected",
      rejection: { code: "NOT_POSTED" },
    });

    // Redriven from the DLQ, it posts; the refusal stays the last word until a new request.
    sent.push(...parked);
    await work(p);
    expect(await rimOnHand(p)).toBe("750");
    expect((await view(p, "C-1")).status).toBe("reversal_rejected");

    clock = "2026-11-25T10:00:00.000Z";
    expect((await requestReversal(intake(), p, "C-1", "2026-11-25")).status).toBe("reversal_queued");
    const [again] = sent;
    // A new request is a new message, not a duplicate SQS would drop within its 5-minute window.
    expect(again).toMatchObject({ type: "reversal", receivedAt: "2026-11-25T10:00:00.000Z" });
    await work(p);
    expect(await view(p, "C-1")).toMatchObject({ status: "reversed" });
    expect(await rimOnHand(p)).toBe("1000");
  });

  it("a rejected confirmation: reversal_rejected NOTHING_TO_REVERSE naming the first reason", async () => {
    const p = await plant();
    await acceptConfirmation(intake(), p, request("C-1", { operation: "0099" }));
    await work(p);
    expect((await view(p, "C-1")).status).toBe("rejected");
    clock = "2026-11-25T09:00:00.000Z";
    await requestReversal(intake(), p, "C-1", undefined);
    await work(p);
    expect(await view(p, "C-1")).toMatchObject({
      status: "reversal_rejected",
      rejection: { code: "NOTHING_TO_REVERSE", message: expect.stringContaining("UNKNOWN_OPERATION") },
    });
  });
});

describe("a confirmation's backlog that posts later", () => {
  it("reads posted again, with the late issue among its movements", async () => {
    // RIM (backlog policy): 250.00 needed, 100 on hand → the whole line waits
    const p = await plant("100");
    await acceptConfirmation(intake(), p, request("C-1"));
    await work(p);
    expect(await view(p, "C-1")).toMatchObject({
      status: "posted_with_backlog",
      backlog: [{ material: "RIM", location: "MACH-01", qty: "250.00" }],
    });
    await addStock(table, p, "RIM", "MACH-01", "200");
    await reprocessBacklog(deps, p, { material: "RIM", location: "MACH-01" });
    const after = await view(p, "C-1");
    expect(after.status).toBe("posted");
    expect(after.backlog).toEqual([]);
    // 250.00 m × 0.85 = 212.50, posted from the backlog
    expect(after.movements).toContainEqual({
      kind: "issue",
      material: "RIM",
      location: "MACH-01",
      qty: "250.00",
      value: "212.50",
    });
    expect(after.movements.filter((m) => (m as { material?: string }).material === "RIM")).toHaveLength(1);
  });
});

describe("GET order after a reversal", () => {
  it("drops an unplanned +COMPONENT line that is back to zero", async () => {
    const p = await plant();
    await acceptConfirmation(
      intake(),
      p,
      request("C-1", { components: [{ component: "TAPE", qty: dec("5"), location: "MAIN" }] }),
    );
    await work(p);
    const posted = await getOrder(table, p, "1000001");
    expect(orderView(must(posted).order).components.map((c) => c.component)).toEqual([
      "RIM",
      "ADH",
      "TAPE",
      "TAPE",
    ]);
    clock = "2026-11-25T09:00:00.000Z";
    await requestReversal(intake(), p, "C-1", undefined);
    await work(p);
    const reversed = await getOrder(table, p, "1000001");
    // the BOM's three lines stay (0/0 but planned by the BOM); the unplanned +TAPE line is gone
    expect(orderView(must(reversed).order).components.map((c) => c.item ?? c.component)).toEqual([
      "0010",
      "0020",
      "0030",
    ]);
  });
});

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("missing");
  return value;
}
