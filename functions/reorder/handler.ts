import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { ScheduledEvent } from "aws-lambda";
import { reorderStore } from "../adapters/table/index.js";
import { publishRequisition } from "../adapters/topic.js";
import { documentClient, snsClient } from "../common/clients.js";
import { loadConfig } from "../common/config.js";
import { createPowertools } from "../common/powertools.js";
import { runReordersForAllPlants, scheduledScope } from "../use-cases/reorder.js";

const { logger, metrics, logPort, metricsPort } = createPowertools();

const config = loadConfig(["TABLE_NAME", "REORDER_TOPIC_ARN"]);
const topic = { sns: snsClient(), topicArn: config.REORDER_TOPIC_ARN };
const deps = {
  store: reorderStore({ ddb: documentClient(), tableName: config.TABLE_NAME }),
  now: () => new Date(),
  log: logPort,
  metrics: metricsPort,
  publish: (message: Parameters<typeof publishRequisition>[1]) => publishRequisition(topic, message),
};

/**
 * The daily sweep's input (cdk/stateless-stack.ts, rule ReorderSweep): every material with
 * reorder settings. The frequent rule sends the plain Scheduled Event: the change index only.
 */
export interface ReorderSweepEvent {
  readonly scope: "all";
  readonly time: string;
}

/**
 * EventBridge schedule → a reorder run for every registered plant, dated by the event's time.
 * A failed plant fails the invocation (after the others ran) so the async retry runs it again;
 * a run is idempotent.
 */
const reorderRun = (event: ScheduledEvent | ReorderSweepEvent) =>
  runReordersForAllPlants(deps, event.time.slice(0, 10), scheduledScope(event));

export const handler = middy(reorderRun)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
