/**
 * A close survives transient failures (README.md#reliability): store calls that meet a
 * TransactionConflict or throttling are retried in place with backoff, and a close request
 * that still fails is made visible again after seconds to minutes (by its receive count), not
 * after the close queue's 90-minute visibility timeout. Fakes only; the real queue is in
 * test/integration/close-retry.test.ts.
 */
import type { SQSEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { TransactionCancelledError } from "../../../functions/adapters/table/index.js";
import { silentLog } from "../../../functions/common/ports.js";
import {
  closeRetryDelaySeconds,
  processCloseRequests,
} from "../../../functions/period-close/process-requests.js";
import { retryingCloseStore, withCloseRetries } from "../../../functions/use-cases/close-retry.js";
import { RetriesExhaustedError } from "../../../functions/use-cases/errors.js";
import type { PeriodCloseStore } from "../../../functions/use-cases/period-close.js";

const conflict = () => new TransactionCancelledError("conflict", ["period:lock:TransactionConflict"]);
const throttled = () => Object.assign(new Error("slow down"), { name: "ThrottlingException" });

describe("store calls of a close", () => {
  it("retry a TransactionConflict and throttling with backoff, then answer", async () => {
    const failures = [conflict(), throttled()];
    const waits: number[] = [];
    let calls = 0;
    const result = await withCloseRetries(
      { sleep: async (ms) => void waits.push(ms) },
      "finishClose",
      async () => {
        calls++;
        const next = failures.shift();
        if (next) throw next;
        return true;
      },
    );
    expect(result).toBe(true);
    expect(calls).toBe(3);
    expect(waits).toHaveLength(2);
  });

  it("do not retry what is not transient (a failed condition, a bug)", async () => {
    let calls = 0;
    const fails = withCloseRetries({ sleep: async () => {} }, "x", async () => {
      calls++;
      throw new TransactionCancelledError("version", ["order:1:ConditionalCheckFailed"]);
    });
    await expect(fails).rejects.toBeInstanceOf(TransactionCancelledError);
    expect(calls).toBe(1);
  });

  it("give up after the policy's attempts with RetriesExhaustedError (the request then fails)", async () => {
    let calls = 0;
    const fails = withCloseRetries({ sleep: async () => {}, retry: { maxAttempts: 4 } }, "x", async () => {
      calls++;
      throw conflict();
    });
    await expect(fails).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(calls).toBe(4);
  });

  it("are all wrapped, the ledger seal's too, and the synchronous builder stays synchronous", async () => {
    let states = 0;
    let lines = 0;
    const fake = {
      getPeriodState: async () => {
        if (states++ === 0) throw conflict();
        return { locked: new Map() };
      },
      ledgerSeal: {
        periodLines: async () => {
          if (lines++ === 0) throw throttled();
          return [];
        },
        ledgerSources: async () => [],
        ledger: { put: () => ({ role: "document", key: "k", item: {} }) },
      },
    } as unknown as PeriodCloseStore;
    const store = retryingCloseStore(fake, { sleep: async () => {} });
    expect((await store.getPeriodState("P1")).locked.size).toBe(0);
    expect(await store.ledgerSeal.periodLines("P1", "2026-11")).toEqual([]);
    expect([states, lines]).toEqual([2, 2]);
    const put = store.ledgerSeal.ledger.put as unknown as () => unknown;
    expect(put()).toEqual({ role: "document", key: "k", item: {} });
  });
});

describe("a failed close request", () => {
  it("comes back after 5 s × 4^(receives − 1), jittered between half and all of it, at most 15 minutes", () => {
    expect([1, 2, 3, 4, 5].map((n) => closeRetryDelaySeconds(n, () => 0.999999))).toEqual([
      5, 20, 80, 320, 900,
    ]);
    expect([1, 2, 3, 4, 5].map((n) => closeRetryDelaySeconds(n, () => 0))).toEqual([3, 10, 40, 160, 450]);
    expect(closeRetryDelaySeconds(9, () => 0.999999)).toBe(900);
  });

  const event = (records: { id: string; body: string; receives: number }[]): SQSEvent => ({
    Records: records.map((r) => ({
      messageId: r.id,
      receiptHandle: `handle-${r.id}`,
      body: r.body,
      attributes: {
        ApproximateReceiveCount: String(r.receives),
        SentTimestamp: "0",
        SenderId: "test",
        ApproximateFirstReceiveTimestamp: "0",
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:backflush-close-requests",
      awsRegion: "us-east-1",
    })),
  });

  it("is a batch item failure whose visibility is shortened by its receive count; a closed one is not touched", async () => {
    const later: [string, number][] = [];
    const response = await processCloseRequests(
      {
        close: async (plant) => {
          if (plant === "P-BUSY") throw conflict();
          return { status: "closed" };
        },
        retryLater: async (handle, seconds) => void later.push([handle, seconds]),
        log: silentLog,
        random: () => 0.999999,
      },
      event([
        { id: "ok", body: JSON.stringify({ plant: "P-OK", period: "2026-11" }), receives: 1 },
        { id: "busy", body: JSON.stringify({ plant: "P-BUSY", period: "2026-11" }), receives: 3 },
        { id: "poison", body: "{not json", receives: 1 },
      ]),
      () => 900_000,
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "busy" }, { itemIdentifier: "poison" }]);
    expect(later).toEqual([
      ["handle-busy", 80],
      ["handle-poison", 5],
    ]);
  });

  it("stays a failure when the visibility cannot be changed (it then comes back after the queue's timeout)", async () => {
    const response = await processCloseRequests(
      {
        close: async () => {
          throw throttled();
        },
        retryLater: async () => {
          throw new Error("queue unreachable");
        },
        log: silentLog,
      },
      event([{ id: "a", body: JSON.stringify({ plant: "P-A", period: "2026-11" }), receives: 1 }]),
      () => 900_000,
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "a" }]);
  });
});
