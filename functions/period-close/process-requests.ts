import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { CLOSE_QUEUE } from "../../infra/messaging.js";
import type { RetryLater } from "../adapters/queue.js";
import { PoisonCloseRequestError } from "../common/errors.js";
import { CloseRequest } from "../common/messages.js";
import type { LogPort } from "../common/ports.js";

export interface CloseRequestPorts {
  /** Runs (or continues) the close of one plant and period until `deadline` (epoch ms). */
  readonly close: (plant: string, period: string, deadline: number) => Promise<{ status: string }>;
  /** Makes a received request visible again after some seconds (the close queue's ChangeMessageVisibility). */
  readonly retryLater: RetryLater;
  readonly log: LogPort;
  readonly now?: (() => number) | undefined;
  readonly random?: (() => number) | undefined;
}

/** Time kept back from the Lambda's remaining time: one page and the checkpoint write fit in it. */
const MARGIN_MS = 60_000;

/**
 * Seconds until a request that failed on its `receiveCount`-th receive comes back: exponential in
 * the receives (infra/messaging.ts, CLOSE_QUEUE.retry), between half and all of the step (jitter,
 * so closes of many plants that failed together do not come back together).
 */
export function closeRetryDelaySeconds(receiveCount: number, random: () => number = Math.random): number {
  const { firstSeconds, factor, maxSeconds } = CLOSE_QUEUE.retry;
  const step = Math.min(maxSeconds, firstSeconds * factor ** Math.max(0, receiveCount - 1));
  return Math.ceil(step / 2 + (random() * step) / 2);
}

/**
 * The close-requests queue's records, one close each. A failed one is a batch item failure, as
 * before, and is also made visible again after closeRetryDelaySeconds instead of the queue's
 * visibility timeout (6 × 15 minutes): a transient failure is retried within seconds to minutes,
 * and a permanent one still reaches the DLQ after maxReceiveCount receives (README.md#reliability).
 */
export async function processCloseRequests(
  ports: CloseRequestPorts,
  event: SQSEvent,
  remainingMs: () => number,
): Promise<SQSBatchResponse> {
  const now = ports.now ?? Date.now;
  const response: SQSBatchResponse = { batchItemFailures: [] };
  for (const record of event.Records) {
    const request = CloseRequest.safeParse(safeJson(record.body));
    try {
      // A poison message fails every time: after maxReceiveCount the redrive parks it in the DLQ.
      if (!request.success) throw new PoisonCloseRequestError(record.messageId, { cause: request.error });
      const remaining = remainingMs();
      const deadline = now() + remaining - Math.min(MARGIN_MS, remaining / 4);
      const result = await ports.close(request.data.plant, request.data.period, deadline);
      ports.log.info("close request done", { ...request.data, status: result.status });
    } catch (error) {
      response.batchItemFailures.push({ itemIdentifier: record.messageId });
      const receives = Number(record.attributes.ApproximateReceiveCount) || 1;
      const seconds = closeRetryDelaySeconds(receives, ports.random);
      ports.log.error("close request failed, SQS will deliver it again", {
        messageId: record.messageId,
        receives,
        retryInSeconds: seconds,
        error,
      });
      try {
        await ports.retryLater(record.receiptHandle, seconds);
      } catch (visibilityError) {
        // Then it comes back after the queue's visibility timeout, as without this.
        ports.log.warn("could not shorten the failed close request's visibility", {
          messageId: record.messageId,
          error: visibilityError,
        });
      }
    }
  }
  return response;
}

const safeJson = (body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
};
