import { createHash } from "node:crypto";
import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { CloseRequest, PostingMessage } from "../common/messages.js";

export interface QueueContext {
  readonly sqs: SQSClient;
  readonly url: string;
}

/** Where a posting goes: its FIFO message group and its deduplication id. */
export interface PostingIds {
  readonly groupId: string;
  readonly deduplicationId: string;
}

/** The port use cases enqueue postings through (in tests, an in-memory fake). */
export type EnqueuePosting = (message: PostingMessage, ids: PostingIds) => Promise<void>;

/** An EnqueuePosting on the FIFO postings queue. */
export const postingsQueue =
  (q: QueueContext): EnqueuePosting =>
  (message, ids) =>
    sendPosting(q, message, ids);

/**
 * Enqueues a posting on the FIFO postings queue. One message group per plant and order keeps
 * an order's confirmations and reversals in sequence while orders post in parallel.
 * The deduplication id is the client's business key (never the SQS message id) and always starts
 * with the plant: SQS only dedupes for 5 minutes, and an emulator may dedupe queue-wide, so two
 * plants' equal ids must never meet. The table's intake record is the lasting guard.
 */
export async function sendPosting(q: QueueContext, message: PostingMessage, ids: PostingIds): Promise<void> {
  if (!ids.deduplicationId.startsWith(`${message.plant}:`)) {
    throw new Error(`deduplication id ${ids.deduplicationId} does not start with plant ${message.plant}`);
  }
  await q.sqs.send(
    new SendMessageCommand({
      QueueUrl: q.url,
      MessageBody: JSON.stringify(message),
      MessageGroupId: ids.groupId,
      MessageDeduplicationId: ids.deduplicationId,
      MessageAttributes: { type: { DataType: "String", StringValue: message.type } },
    }),
  );
}

const MAX_DEDUPLICATION_ID = 128;

/**
 * A deduplication id from the plant and business keys, `plant:key:...` (at most 128 characters, as
 * SQS requires; a longer key is hashed, the plant stays readable in front).
 */
export function deduplicationId(plant: string, ...parts: string[]): string {
  const id = [plant, ...parts].join(":");
  if (id.length <= MAX_DEDUPLICATION_ID) return id;
  return `${plant}:${createHash("sha256").update(parts.join(":")).digest("base64url")}`;
}

/** Message group of everything that changes one order (confirmations, reversals). */
export const orderGroup = (plant: string, order: string) => `${plant}#${order}`;
/** Backlog retries of a plant run in their own group, beside the orders they post to. */
export const backlogGroup = (plant: string) => `${plant}#backlog`;

/** The ids of each kind of posting message. */
export const postingIds = {
  confirmation: (plant: string, order: string, id: string): PostingIds => ({
    groupId: orderGroup(plant, order),
    deduplicationId: deduplicationId(plant, "confirmation", id),
  }),
  /** `requestedAt` names the request: a rejected reversal may be asked for again, as a new message. */
  reversal: (plant: string, order: string, id: string, requestedAt: string): PostingIds => ({
    groupId: orderGroup(plant, order),
    deduplicationId: deduplicationId(plant, id, "reversal", requestedAt),
  }),
  backlog: (plant: string, key: string): PostingIds => ({
    groupId: backlogGroup(plant),
    deduplicationId: deduplicationId(plant, key),
  }),
};

/**
 * Enqueues a period close on the (standard) close-requests queue. Duplicates are harmless: a
 * close resumes from its checkpoint and a closed period is a no-op.
 */
export async function sendCloseRequest(q: QueueContext, request: CloseRequest): Promise<void> {
  await q.sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: JSON.stringify(request) }));
}

/**
 * The redelivery port of a queue consumer: the received message (its receipt handle) becomes
 * visible again after `seconds`, instead of after the queue's visibility timeout.
 */
export type RetryLater = (receiptHandle: string, seconds: number) => Promise<void>;

export const retryLater =
  (q: QueueContext): RetryLater =>
  async (receiptHandle, seconds) => {
    await q.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: q.url,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.max(0, Math.round(seconds)),
      }),
    );
  };

/**
 * The backlog-retry port of the synchronous stock postings: one message in the plant's backlog
 * group, deduplicated by the posting's document key (a replay that sends it again is harmless).
 */
export const backlogRetrySender =
  (q: QueueContext) =>
  (
    message: {
      readonly plant: string;
      readonly material: string;
      readonly location: string;
      readonly receivedAt: string;
    },
    key: string,
  ): Promise<void> =>
    sendPosting(
      q,
      { type: "backlog", ...message },
      { groupId: backlogGroup(message.plant), deduplicationId: deduplicationId(message.plant, key) },
    );
