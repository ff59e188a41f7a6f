import { createHash } from "node:crypto";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { CloseRequest, PostingMessage } from "../shared/messages.js";

export interface QueueContext {
  readonly sqs: SQSClient;
  readonly url: string;
}

/**
 * Enqueues a posting on the FIFO postings queue. One message group per plant and order keeps
 * an order's confirmations and reversals in sequence while orders post in parallel.
 * The deduplication id is the client's business key (never the SQS message id); SQS only
 * dedupes for 5 minutes, so the table's intake record is the lasting guard.
 */
export async function sendPosting(
  q: QueueContext,
  message: PostingMessage,
  ids: { readonly groupId: string; readonly deduplicationId: string },
): Promise<void> {
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

/**
 * A deduplication id from business keys, unique across plants and groups (at most 128
 * characters, as SQS requires; longer keys are hashed).
 */
export function deduplicationId(...parts: string[]): string {
  const id = parts.join(":");
  return id.length <= 128 ? id : createHash("sha256").update(id).digest("hex");
}

/** Message group of everything that changes one order (confirmations, reversals). */
export const orderGroup = (plant: string, order: string) => `${plant}#${order}`;
/** Backlog retries of a plant run in their own group, beside the orders they post to. */
export const backlogGroup = (plant: string) => `${plant}#backlog`;

/**
 * Enqueues a period close on the (standard) close-requests queue. Duplicates are harmless: a
 * close resumes from its checkpoint and a closed period is a no-op.
 */
export async function sendCloseRequest(q: QueueContext, request: CloseRequest): Promise<void> {
  await q.sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: JSON.stringify(request) }));
}

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
