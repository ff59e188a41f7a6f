import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { documentClient, snsClient, sqsClient } from "../common/clients.js";
import { loadConfig } from "../common/config.js";
import { createPowertools } from "../common/powertools.js";
import { createRouter } from "./http/router.js";
import { apiRoutes } from "./routes.js";

const { logger, metrics, logPort, metricsPort } = createPowertools();

const config = loadConfig([
  "TABLE_NAME",
  "POSTINGS_QUEUE_URL",
  "CLOSE_QUEUE_URL",
  "REORDER_TOPIC_ARN",
  "OUTBOX_RESEND_AFTER_SECONDS",
]);

/** Built once per container: clients and the route table. The router maps every error to a problem. */
const router = createRouter(
  apiRoutes({
    table: { ddb: documentClient(), tableName: config.TABLE_NAME },
    postings: { sqs: sqsClient(), url: config.POSTINGS_QUEUE_URL },
    closeRequests: { sqs: sqsClient(), url: config.CLOSE_QUEUE_URL },
    topic: { sns: snsClient(), topicArn: config.REORDER_TOPIC_ARN },
    now: () => new Date(),
    log: logPort,
    metrics: metricsPort,
    outboxResendAfterSeconds: config.OUTBOX_RESEND_AFTER_SECONDS,
  }),
  { logger },
);

/** Every request counts once, by outcome, so each invocation publishes a metric (and 4xx/5xx trends show). */
const countedRouter: typeof router = async (event, context) => {
  const result = await router(event, context);
  const status = result.statusCode ?? 200;
  metricsPort.add(
    status >= 500 ? "ApiServerErrors" : status >= 400 ? "ApiClientErrors" : "ApiRequestsOk",
    "Count",
    1,
  );
  return result;
};

/** API Gateway HTTP API (payload v2, JWT authorizer) → the contract's routes. */
export const handler = middy(countedRouter)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
