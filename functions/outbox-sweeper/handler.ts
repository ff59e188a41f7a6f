import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { postingsQueue } from "../adapters/queue.js";
import { getConfirmationItems, intakeRecords, ledgerStore } from "../adapters/table/index.js";
import { documentClient, sqsClient } from "../common/clients.js";
import { loadConfig } from "../common/config.js";
import { createPowertools } from "../common/powertools.js";
import { sweepOutbox } from "../use-cases/outbox-sweep.js";

const { logger, metrics, logPort, metricsPort } = createPowertools();

const config = loadConfig(["TABLE_NAME", "POSTINGS_QUEUE_URL", "OUTBOX_RESEND_AFTER_SECONDS"]);
const table = { ddb: documentClient(), tableName: config.TABLE_NAME };
const deps = {
  intakes: intakeRecords(table),
  confirmationItems: (plant: string, id: string) => getConfirmationItems(table, plant, id),
  enqueuePosting: postingsQueue({ sqs: sqsClient(), url: config.POSTINGS_QUEUE_URL }),
  now: () => new Date(),
  resendAfterSeconds: config.OUTBOX_RESEND_AFTER_SECONDS,
  log: logPort,
  metrics: metricsPort,
  ledger: ledgerStore(table),
};

/**
 * EventBridge schedule (every minute) → one bounded sweep of the outbox. A failure fails the
 * invocation (alarmed); the next sweep finds the same due entries again.
 */
const lambdaHandler = () => sweepOutbox(deps);

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
