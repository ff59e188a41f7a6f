/**
 * Plays the Lambda SQS event source mapping: receive batches, invoke the function with a real SQS event,
 * delete only the records that are not in `batchItemFailures` (ReportBatchItemFailures), and leave the
 * failed ones to come back after the visibility timeout, so the queue's redrive policy decides when a
 * message goes to the DLQ.
 *
 * Visibility: the queue keeps CDK's definition (6 x the function timeout). The sandbox passes a short
 * VisibilityTimeout on ReceiveMessage instead, so a failed record is retried after seconds, not minutes,
 * and extends it while the batch is still running (a heartbeat), so a slow batch is never delivered twice
 * at once, which the long queue setting guarantees in AWS.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from "aws-lambda";

export interface PollerOptions {
  /** For messages only. */
  readonly name: string;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  /** The mapping's batch size (at most 10, as ReceiveMessage allows). */
  readonly batchSize: number;
  /** Batches in flight at once: the mapping's maximum concurrency. */
  readonly concurrency: number;
  /**
   * Something more urgent sharing the machine (the sandbox's API serving requests). While `busy()`
   * is true the poller holds at most one received batch, kept invisible, and invokes it once `busy()`
   * turns false or `maxMs` has passed, so a steady stream of requests slows the worker down but
   * cannot stop it. In AWS the API and the worker do not share one DynamoDB Local (whose table
   * takes one write at a time) and two cores, so intake latency does not depend on the worker's load.
   */
  readonly yieldTo?: { readonly busy: () => boolean; readonly maxMs: number };
  readonly visibilityTimeoutSeconds: number;
  /** The function: an SQSEvent in, an SQSBatchResponse (or nothing) out. */
  readonly invoke: (event: SQSEvent) => Promise<unknown>;
  /** After each invocation, with what was deleted and what failed. */
  readonly onBatch?: (report: BatchReport) => void | Promise<void>;
  readonly onError?: (error: unknown) => void;
}

export interface BatchReport {
  readonly records: readonly SQSRecord[];
  /** messageIds left on the queue for a retry. */
  readonly failed: ReadonlySet<string>;
  readonly durationMs: number;
  /** Set when the invocation itself failed (threw, timed out, or answered with an invalid response). */
  readonly error?: unknown;
}

/** Long poll while idle; while our own batches or retries hold FIFO groups, poll briskly instead. */
const LONG_POLL_SECONDS = 10;
const BUSY_POLL_PAUSE_MS = 100;
const ERROR_PAUSE_MS = 1000;
/** While yielding, how often the poller looks again whether it may start more batches. */
const YIELD_RECHECK_MS = 20;

export class SqsPoller {
  private readonly inFlight = new Set<Promise<void>>();
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private stopping = false;
  /** Until then, failed records are invisible and may block their message group. */
  private retriesPendingUntil = 0;

  constructor(private readonly options: PollerOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Number of batches being processed now. */
  get busy(): number {
    return this.inFlight.size;
  }

  /**
   * Waits until the queue is empty (visible, in flight and delayed) and nothing is being processed, or
   * until `deadline` (epoch ms). Resolves whether it got there.
   */
  async drain(deadline: number, hurry?: AbortSignal): Promise<boolean> {
    while (Date.now() < deadline && !hurry?.aborted) {
      if (this.inFlight.size === 0 && (await this.queueIsEmpty())) return true;
      await sleep(200);
    }
    return false;
  }

  /** Stops receiving and waits for the batches in flight: their results are still acted on. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  async queueIsEmpty(): Promise<boolean> {
    const { Attributes: counts = {} } = await this.options.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.options.queueUrl,
        AttributeNames: [
          "ApproximateNumberOfMessages",
          "ApproximateNumberOfMessagesNotVisible",
          "ApproximateNumberOfMessagesDelayed",
        ],
      }),
    );
    return Object.values(counts).every((count) => count === "0");
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const yielding = this.options.yieldTo?.busy() === true;
      if (this.inFlight.size >= (yielding ? 1 : this.options.concurrency)) {
        await Promise.race(yielding ? [...this.inFlight, sleep(YIELD_RECHECK_MS)] : this.inFlight);
        continue;
      }
      const busy = this.inFlight.size > 0 || Date.now() < this.retriesPendingUntil;
      const messages = await this.receive(busy ? 0 : LONG_POLL_SECONDS);
      if (messages === undefined) continue;
      if (messages.length === 0) {
        if (busy) await sleep(BUSY_POLL_PAUSE_MS);
        continue;
      }
      const batch = this.process(messages).catch((error: unknown) => this.options.onError?.(error));
      this.inFlight.add(batch);
      void batch.finally(() => this.inFlight.delete(batch));
    }
  }

  /** Undefined after an error (already reported, with a pause) or when stopping. */
  private async receive(waitSeconds: number): Promise<Message[] | undefined> {
    try {
      const { Messages: messages = [] } = await this.options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: this.options.batchSize,
          WaitTimeSeconds: waitSeconds,
          VisibilityTimeout: this.options.visibilityTimeoutSeconds,
          AttributeNames: ["All"],
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
        { abortSignal: this.abort.signal },
      );
      return messages;
    } catch (error) {
      if (this.stopping) return undefined;
      this.options.onError?.(error);
      await sleep(ERROR_PAUSE_MS);
      return undefined;
    }
  }

  private async process(messages: readonly Message[]): Promise<void> {
    const { options } = this;
    const records = messages.map((m) => toRecord(m, options.queueArn, options.region));
    const heartbeat = this.keepInvisible(messages);
    await this.yieldTurn();
    const started = performance.now();
    let failed: ReadonlySet<string>;
    let error: unknown;
    try {
      failed = failedIds(await options.invoke({ Records: records }), records);
    } catch (invokeError) {
      // A failed invocation fails the whole batch: every record comes back.
      error = invokeError;
      failed = new Set(records.map((r) => r.messageId));
    } finally {
      heartbeat.stop();
    }
    const durationMs = Math.round(performance.now() - started);
    await this.deleteSucceeded(records, failed);
    if (failed.size > 0) {
      this.retriesPendingUntil = Date.now() + (options.visibilityTimeoutSeconds + 2) * 1000;
    }
    await options.onBatch?.({ records, failed, durationMs, ...(error !== undefined && { error }) });
  }

  /** Waits while `yieldTo` is busy, at most its `maxMs` (not while stopping: a drain must finish). */
  private async yieldTurn(): Promise<void> {
    const { yieldTo } = this.options;
    if (yieldTo === undefined) return;
    const until = Date.now() + yieldTo.maxMs;
    while (yieldTo.busy() && Date.now() < until && !this.stopping) await sleep(YIELD_RECHECK_MS);
  }

  /** Extends the visibility of a batch in progress every half timeout, until stopped. */
  private keepInvisible(messages: readonly Message[]): { stop(): void } {
    const { sqs, queueUrl, visibilityTimeoutSeconds } = this.options;
    const entries = messages.flatMap((m, index) =>
      m.ReceiptHandle === undefined
        ? []
        : [
            {
              Id: String(index),
              ReceiptHandle: m.ReceiptHandle,
              VisibilityTimeout: visibilityTimeoutSeconds,
            },
          ],
    );
    const timer = setInterval(
      () => {
        sqs
          .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }))
          .catch(() => {
            // A lost heartbeat only risks an early redelivery, which the worker absorbs (idempotent).
          });
      },
      Math.max(250, (visibilityTimeoutSeconds * 1000) / 2),
    );
    return { stop: () => clearInterval(timer) };
  }

  private async deleteSucceeded(records: readonly SQSRecord[], failed: ReadonlySet<string>): Promise<void> {
    const done = records.filter((r) => !failed.has(r.messageId));
    if (done.length === 0) return;
    const result = await this.options.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: this.options.queueUrl,
        Entries: done.map((r, index) => ({ Id: String(index), ReceiptHandle: r.receiptHandle })),
      }),
    );
    for (const failure of result.Failed ?? []) {
      this.options.onError?.(
        new Error(`${this.options.name}: delete failed: ${failure.Code} ${failure.Message}`),
      );
    }
  }
}

/**
 * messageIds to keep, per Lambda's rules for ReportBatchItemFailures: nothing or an empty list means all
 * succeeded; an entry without a valid itemIdentifier (or one not in the batch) fails the whole batch.
 */
export function failedIds(response: unknown, records: readonly SQSRecord[]): ReadonlySet<string> {
  const all = new Set(records.map((r) => r.messageId));
  if (
    !isRecord(response) ||
    response.batchItemFailures === undefined ||
    response.batchItemFailures === null
  ) {
    return new Set();
  }
  const failures = response.batchItemFailures;
  if (!Array.isArray(failures)) return all;
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = isRecord(failure) ? failure.itemIdentifier : undefined;
    if (typeof id !== "string" || !all.has(id)) return all;
    failed.add(id);
  }
  return failed;
}

/** The record Lambda builds from a received message. */
export function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const recordAttributes: SQSRecordAttributes = {
    ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
    SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
    SenderId: attributes.SenderId ?? "AIDAIENQZJOLO23YVJ4VO",
    ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    ...(attributes.SequenceNumber !== undefined && { SequenceNumber: attributes.SequenceNumber }),
    ...(attributes.MessageGroupId !== undefined && { MessageGroupId: attributes.MessageGroupId }),
    ...(attributes.MessageDeduplicationId !== undefined && {
      MessageDeduplicationId: attributes.MessageDeduplicationId,
    }),
    ...(attributes.AWSTraceHeader !== undefined && { AWSTraceHeader: attributes.AWSTraceHeader }),
  };
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: recordAttributes,
    messageAttributes: messageAttributes(message),
    md5OfBody: message.MD5OfBody ?? "",
    ...(message.MD5OfMessageAttributes !== undefined && {
      md5OfMessageAttributes: message.MD5OfMessageAttributes,
    }),
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/** Lambda's lower-camel form; binary values as base64 strings. */
function messageAttributes(message: Message): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    result[name] = {
      dataType: value.DataType ?? "String",
      ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
      ...(value.BinaryValue !== undefined && {
        binaryValue: Buffer.from(value.BinaryValue).toString("base64"),
      }),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString("base64")),
    };
  }
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
