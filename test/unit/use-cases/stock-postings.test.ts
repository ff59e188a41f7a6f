/**
 * The stock-posting use cases against an in-memory fake of their table port: conflicts are
 * retried with exponential backoff and jitter and end in 503 + Retry-After when they never
 * stop; a follow-up that failed after the commit is finished by the replay. No DynamoDB here.
 */
import { describe, expect, it } from "vitest";
import { type Decimal, dec, type Material } from "../../../domain/index.js";
import type {
  CommitOutcome,
  DocumentCommit,
  StockDocumentStore,
  StoredDocument,
} from "../../../functions/adapters/table/index.js";
import { toProblem } from "../../../functions/api/http/problem.js";
import { silentLog } from "../../../functions/common/ports.js";
import { FollowUpPendingError, RetriesExhaustedError } from "../../../functions/use-cases/errors.js";
import {
  type EnqueueBacklogRetry,
  postGoodsReceipt,
  type StockDeps,
} from "../../../functions/use-cases/stock-postings.js";

const NOW = "2026-11-25T08:00:00.000Z";
const ADH: Material = {
  material: "ADH",
  description: "Adhesive",
  uom: "KG",
  decimals: 3,
  standardPrice: dec("4.00"),
  currency: "USD",
  shortage: "backlog",
  hasBom: false,
};

/** A store that answers commits from `outcomes` (then "committed") and keeps committed documents. */
function fakeStore(outcomes: CommitOutcome[]) {
  const documents = new Map<
    string,
    StoredDocument<unknown> & { followUps: DocumentCommit<unknown>["followUps"] }
  >();
  const commits: DocumentCommit<unknown>[] = [];
  const store: StockDocumentStore = {
    readDocument: async <R>(_plant: string, kind: string, id: string) =>
      documents.get(`${kind}#${id}`) as StoredDocument<R> | undefined,
    material: async (_plant, id) => (id === ADH.material ? ADH : undefined),
    periodState: async () => ({ locked: new Map() }),
    onHand: async () => dec("0") as Decimal,
    requisition: async () => undefined,
    commit: async <R>(_plant: string, doc: DocumentCommit<R>) => {
      commits.push(doc as DocumentCommit<unknown>);
      const outcome = outcomes.shift() ?? "committed";
      if (outcome === "committed") {
        documents.set(`${doc.kind}#${doc.id}`, {
          hash: doc.hash,
          result: doc.result,
          followUps: doc.followUps,
        });
      }
      return outcome;
    },
    followUpsDone: async (_plant, kind, id) => {
      const doc = documents.get(`${kind}#${id}`);
      if (doc) documents.set(`${kind}#${id}`, { ...doc, followUps: {} });
    },
  };
  return { store, documents, commits };
}

function depsWith(store: StockDocumentStore, enqueue: EnqueueBacklogRetry, delays: number[]): StockDeps {
  return {
    store,
    enqueueBacklogRetry: enqueue,
    now: () => new Date(NOW),
    log: silentLog,
    sleep: async (ms) => {
      delays.push(ms);
    },
  };
}

const receipt = {
  receiptId: "GR-1",
  material: "ADH",
  location: "MACH-01",
  qty: dec("50"),
  unitCost: dec("4.10"),
};

describe("a goods receipt under contention", () => {
  it("backs off with jitter on every conflict and answers 503 with Retry-After when retries run out", async () => {
    const { store, commits, documents } = fakeStore(Array(20).fill("busy"));
    const delays: number[] = [];
    const sent: unknown[] = [];
    const error = await postGoodsReceipt(
      depsWith(store, async (m) => void sent.push(m), delays),
      "P1",
      receipt,
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).attempts).toBe(12);
    expect((error as RetriesExhaustedError).cause).toBe("busy");
    expect(commits).toHaveLength(12);
    // Eleven waits between twelve attempts; attempt a waits a random time below min(1500, 25 × 2^a) ms.
    expect(delays).toHaveLength(11);
    const caps = [50, 100, 200, 400, 800, 1500, 1500, 1500, 1500, 1500, 1500];
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(caps[i] as number);
    });
    expect(documents.size).toBe(0);
    expect(sent).toEqual([]);

    const answer = toProblem(error, "corr-1");
    expect(answer.statusCode).toBe(503);
    expect(answer.headers?.["retry-after"]).toBe("1");
    expect(JSON.parse(answer.body ?? "{}")).toMatchObject({ status: 503, code: "UNAVAILABLE" });
  });

  it("posts once the conflicts stop, after one wait per conflict", async () => {
    const { store, commits } = fakeStore(["busy", "changed"]);
    const delays: number[] = [];
    const result = await postGoodsReceipt(
      depsWith(store, async () => {}, delays),
      "P1",
      receipt,
    );
    // 50 × 4.00 = 200.00 at standard; 50 × 4.10 = 205.00 invoiced: PPV 5.00.
    expect(result).toMatchObject({ value: "200.00", purchasePriceVariance: "5.00", qty: "50.000" });
    expect(commits).toHaveLength(3);
    expect(delays).toHaveLength(2);
  });
});

describe("a follow-up that failed after the commit", () => {
  it("answers 503, keeps the follow-up on the document, and the replay sends it once", async () => {
    const { store, documents, commits } = fakeStore([]);
    const sent: { message: unknown; key: string }[] = [];
    let failures = 1;
    const enqueue: EnqueueBacklogRetry = async (message, key) => {
      if (failures-- > 0) throw new Error("queue down");
      sent.push({ message, key });
    };
    const deps = depsWith(store, enqueue, []);

    const first = await postGoodsReceipt(deps, "P1", receipt).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(FollowUpPendingError);
    expect(toProblem(first, "corr-2").statusCode).toBe(503);
    expect(documents.get("GR#GR-1")?.followUps).toEqual({
      backlogRetry: { material: "ADH", location: "MACH-01" },
    });

    const replay = await postGoodsReceipt(deps, "P1", receipt);
    expect(replay).toMatchObject({ receiptId: "GR-1", value: "200.00" });
    expect(sent).toEqual([
      { message: { plant: "P1", material: "ADH", location: "MACH-01", receivedAt: NOW }, key: "GR:GR-1" },
    ]);
    expect(documents.get("GR#GR-1")?.followUps).toEqual({});
    // Posted once: the replay committed nothing, and a further replay sends nothing.
    await postGoodsReceipt(deps, "P1", receipt);
    expect(commits).toHaveLength(1);
    expect(sent).toHaveLength(1);
  });
});
