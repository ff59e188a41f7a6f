import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { ScheduledEvent } from "aws-lambda";
import { publishRequisition } from "../adapters/topic.js";
import { documentClient, snsClient } from "../shared/clients.js";
import { loadConfig } from "../shared/config.js";
import { createPowertools } from "../shared/powertools.js";
import { runReordersForAllPlants } from "../use-cases/reorder.js";

const { logger, metrics, logPort, metricsPort } = createPowertools();

const config = loadConfig(["TABLE_NAME", "REORDER_TOPIC_ARN"]);
const topic = { sns: snsClient(), topicArn: config.REORDER_TOPIC_ARN };
const deps = {
  table: { ddb: documentClient(), tableName: config.TABLE_NAME },
  now: () => new Date(),
  log: logPort,
  metrics: metricsPort,
  publish: (message: Parameters<typeof publishRequisition>[1]) => publishRequisition(topic, message),
};

/**
 * EventBridge schedule → a reorder run for every registered plant, dated by the event's time.
 * A failed plant fails the invocation (after the others ran) so the async retry runs it again;
 * a run is idempotent.
 */
const lambdaHandler = (event: ScheduledEvent) => runReordersForAllPlants(deps, event.time.slice(0, 10));

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
