import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context, ScheduledEvent, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { sendCloseRequest } from "../adapters/queue.js";
import { periodCloseStore } from "../adapters/table/index.js";
import { documentClient, sqsClient } from "../shared/clients.js";
import { loadConfig } from "../shared/config.js";
import { PoisonCloseRequestError } from "../shared/errors.js";
import { CloseRequest } from "../shared/messages.js";
import { createPowertools } from "../shared/powertools.js";
import { requestScheduledCloses, runClose } from "../use-cases/period-close.js";

const { logger, metrics, logPort, metricsPort } = createPowertools();

const config = loadConfig(["TABLE_NAME", "CLOSE_QUEUE_URL"]);
const queue = { sqs: sqsClient(), url: config.CLOSE_QUEUE_URL };
const deps = {
  store: periodCloseStore({ ddb: documentClient(), tableName: config.TABLE_NAME }),
  now: () => new Date(),
  log: logPort,
  metrics: metricsPort,
  enqueueClose: (plant: string, period: string) => sendCloseRequest(queue, { plant, period }),
};
/** Time kept back from the Lambda's remaining time: one page and the checkpoint write fit in it. */
const MARGIN_MS = 60_000;

/** EventBridge monthly schedule → a close request per plant; close-requests queue → the close itself. */
async function lambdaHandler(event: ScheduledEvent | SQSEvent, context: Context) {
  if (!("Records" in event)) return requestScheduledCloses(deps, event.time);
  const response: SQSBatchResponse = { batchItemFailures: [] };
  for (const record of event.Records) {
    const request = CloseRequest.safeParse(safeJson(record.body));
    try {
      // A poison message fails every time: after maxReceiveCount the redrive parks it in the DLQ.
      if (!request.success) throw new PoisonCloseRequestError(record.messageId, { cause: request.error });
      const remaining = context.getRemainingTimeInMillis();
      const deadline = Date.now() + remaining - Math.min(MARGIN_MS, remaining / 4);
      const result = await runClose({ ...deps, deadline }, request.data.plant, request.data.period);
      logger.info("close request done", { ...request.data, status: result.status });
    } catch (error) {
      logger.error("close request failed, SQS will deliver it again", { messageId: record.messageId, error });
      response.batchItemFailures.push({ itemIdentifier: record.messageId });
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

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
