import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context, ScheduledEvent, SQSEvent } from "aws-lambda";
import { retryLater, sendCloseRequest } from "../adapters/queue.js";
import { periodCloseStore } from "../adapters/table/index.js";
import { documentClient, sqsClient } from "../common/clients.js";
import { loadConfig } from "../common/config.js";
import { createPowertools } from "../common/powertools.js";
import { requestScheduledCloses, runClose } from "../use-cases/period-close.js";
import { processCloseRequests } from "./process-requests.js";

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
const ports = {
  close: (plant: string, period: string, deadline: number) => runClose({ ...deps, deadline }, plant, period),
  retryLater: retryLater(queue),
  log: logPort,
};

/** EventBridge monthly schedule → a close request per plant; close-requests queue → the close itself. */
async function lambdaHandler(event: ScheduledEvent | SQSEvent, context: Context) {
  if (!("Records" in event)) return requestScheduledCloses(deps, event.time);
  return processCloseRequests(ports, event, () => context.getRemainingTimeInMillis());
}

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
