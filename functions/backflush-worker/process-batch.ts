import { processPartialResponse, SqsFifoPartialProcessorAsync } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { PoisonMessageError } from "../common/errors.js";
import { PostingMessage } from "../common/messages.js";
import { postConfirmation } from "../use-cases/post-confirmation.js";
import type { PostingDeps } from "../use-cases/posting-support.js";
import { reprocessBacklog } from "../use-cases/reprocess-backlog.js";
import { reverseConfirmation } from "../use-cases/reverse-confirmation.js";

/**
 * Runs a batch through the FIFO partial processor: records of one message group stay in
 * order, and a failed record fails the rest of its group only (skipGroupOnError).
 * A thrown error is never swallowed: it becomes a batchItemFailure and SQS redelivers.
 */
export async function processPostingBatch(
  deps: PostingDeps,
  event: SQSEvent,
  context: Context,
  logger: Pick<Logger, "appendKeys" | "removeKeys" | "info" | "error">,
): Promise<SQSBatchResponse> {
  const processor = new SqsFifoPartialProcessorAsync();
  return processPartialResponse(event, (record: SQSRecord) => handleRecord(deps, record, logger), processor, {
    context,
    skipGroupOnError: true,
    throwOnFullBatchFailure: false,
  });
}

async function handleRecord(
  deps: PostingDeps,
  record: SQSRecord,
  logger: Pick<Logger, "appendKeys" | "removeKeys" | "info" | "error">,
) {
  const message = parse(record);
  const started = Date.now();
  const keys = {
    plant: message.plant,
    ...(message.type === "confirmation"
      ? { order: message.confirmation.order, confirmationId: message.confirmation.confirmationId }
      : message.type === "reversal"
        ? { confirmationId: message.confirmationId }
        : {}),
  };
  logger.appendKeys(keys);
  try {
    const outcome = await dispatch(deps, message);
    logger.info("posting processed", { type: message.type, outcome, durationMs: Date.now() - started });
    return outcome;
  } catch (error) {
    logger.error("posting failed, SQS will deliver it again", { type: message.type, error });
    throw error;
  } finally {
    logger.removeKeys(Object.keys(keys));
  }
}

function parse(record: SQSRecord): PostingMessage {
  try {
    return PostingMessage.parse(JSON.parse(record.body));
  } catch (error) {
    throw new PoisonMessageError(record.messageId, { cause: error });
  }
}

function dispatch(deps: PostingDeps, message: PostingMessage) {
  switch (message.type) {
    case "confirmation":
      return postConfirmation(deps, message.plant, message.confirmation, message.receivedAt);
    case "reversal":
      return reverseConfirmation(
        deps,
        message.plant,
        message.confirmationId,
        message.postingDate,
        message.receivedAt,
      );
    case "backlog":
      return reprocessBacklog(
        deps,
        message.plant,
        message.material && message.location
          ? { material: message.material, location: message.location }
          : undefined,
      );
  }
}
