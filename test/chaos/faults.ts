/**
 * Seeded faults for the auditor: a PRNG, a DynamoDB client middleware that fails before the send,
 * fails after a committed TransactWriteItems (the reply lost) or injects a transaction conflict or
 * throttling, an SQS client middleware that drops DeleteMessageBatch, and an invocation wrapper that
 * delivers a batch twice at once or aborts it half way.
 */
import {
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SQSEvent } from "aws-lambda";

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultCounts {
  beforeSend: number;
  afterCommit: number;
  conflict: number;
  throttle: number;
  droppedDeletes: number;
  doubleDeliveries: number;
  abortedBatches: number;
}

export const noFaults = (): FaultCounts => ({
  beforeSend: 0,
  afterCommit: 0,
  conflict: 0,
  throttle: 0,
  droppedDeletes: 0,
  doubleDeliveries: 0,
  abortedBatches: 0,
});

export interface FaultSwitch {
  on: boolean;
}

const metadata = { $metadata: {} };

/** Adds the DynamoDB faults to a document client; each call draws once from `random`. */
export function injectDynamoFaults(
  ddb: DynamoDBDocumentClient,
  random: () => number,
  counts: FaultCounts,
  enabled: FaultSwitch,
  rate = 0.03,
): void {
  ddb.middlewareStack.add(
    (next, context) => async (args) => {
      if (!enabled.on) return next(args);
      const transact = /TransactWrite/.test(context.commandName ?? "");
      const draw = random();
      if (draw < rate) {
        counts.beforeSend++;
        throw Object.assign(new Error("injected: connection reset before the send"), {
          name: "TimeoutError",
        });
      }
      if (transact && draw < 2 * rate) {
        counts.conflict++;
        throw new TransactionCanceledException({
          message: "injected conflict",
          ...metadata,
          CancellationReasons: [{ Code: "TransactionConflict" }],
        });
      }
      if (draw < 2.5 * rate) {
        counts.throttle++;
        throw new ProvisionedThroughputExceededException({ message: "injected throttling", ...metadata });
      }
      const result = await next(args);
      if (transact && draw < 3.5 * rate) {
        counts.afterCommit++;
        throw Object.assign(new Error("injected: reply lost after the commit"), { name: "TimeoutError" });
      }
      return result;
    },
    { step: "initialize", name: "chaosFaults" },
  );
}

/** DeleteMessageBatch answered as if it worked, without reaching the queue: the batch comes back. */
export function dropDeletes(
  sqs: SQSClient,
  random: () => number,
  counts: FaultCounts,
  enabled: FaultSwitch,
  rate = 0.05,
) {
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (enabled.on && context.commandName === "DeleteMessageBatchCommand" && random() < rate) {
        counts.droppedDeletes++;
        return { output: { ...metadata, Successful: [], Failed: [] } } as never;
      }
      return next(args);
    },
    { step: "initialize", name: "chaosDropDeletes" },
  );
}

/** The worker's invocation, sometimes twice at once on the same records, sometimes aborted half way. */
export function chaoticInvoke(
  invoke: (event: SQSEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>,
  random: () => number,
  counts: FaultCounts,
  enabled: FaultSwitch,
  rate = 0.05,
) {
  return async (event: SQSEvent) => {
    const draw = enabled.on ? random() : 1;
    if (draw < rate) {
      counts.doubleDeliveries++;
      const [first, second] = await Promise.all([invoke(event), invoke(event)]);
      const failed = new Set(
        [...first.batchItemFailures, ...second.batchItemFailures].map((f) => f.itemIdentifier),
      );
      return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
    }
    if (draw < 2 * rate && event.Records.length > 1) {
      counts.abortedBatches++;
      await invoke({ Records: event.Records.slice(0, Math.floor(event.Records.length / 2)) });
      throw new Error("injected: invocation aborted mid-batch");
    }
    return invoke(event);
  };
}
