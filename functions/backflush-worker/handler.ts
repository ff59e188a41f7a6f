import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { workerStore } from "../adapters/table/index.js";
import { documentClient } from "../common/clients.js";
import { loadConfig } from "../common/config.js";
import { createPowertools } from "../common/powertools.js";
import { processPostingBatch } from "./process-batch.js";

const { logger, metrics, logPort, metricsPort } = createPowertools();

const config = loadConfig(["TABLE_NAME"]);
const deps = {
  store: workerStore({ ddb: documentClient(), tableName: config.TABLE_NAME }),
  now: () => new Date(),
  log: logPort,
  metrics: metricsPort,
};

/** SQS FIFO postings queue → one posting per record; failures reported per record (ReportBatchItemFailures). */
const lambdaHandler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  metricsPort.add("RecordsReceived", "Count", event.Records.length);
  return processPostingBatch(deps, event, context, logger);
};

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
