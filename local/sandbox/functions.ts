/**
 * The Lambda functions as the sandbox runs them: the modules Lambda loads, each imported once after its
 * environment is in place (handlers read it at cold start), pointed at the emulators through the SDK's
 * own endpoint variables.
 */

import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createDocumentClient } from "../../functions/adapters/table/client.js";
import { provideClients } from "../../functions/common/clients.js";
import {
  CLOSE_WORKER_TIMEOUT_SECONDS,
  METRICS,
  OUTBOX,
  WORKER_TIMEOUT_SECONDS,
} from "../../infra/messaging.js";
import { type LambdaFunction, loadFunction } from "../lambda.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION, localClientConfig } from "../services/aws-config.js";
import type { QueueUrls } from "../services/provision.js";

export const TABLE_NAME = "backflush-sandbox";
/** As the API stack's function (below the HTTP API's 30 s integration limit). */
const API_TIMEOUT_SECONDS = 25;
const REORDER_TIMEOUT_SECONDS = 300;

export interface Functions {
  readonly api: LambdaFunction;
  readonly worker: LambdaFunction;
  readonly periodClose: LambdaFunction;
  readonly reorder: LambdaFunction;
  readonly outboxSweeper: LambdaFunction;
}

export interface Resources {
  readonly queues: QueueUrls;
  readonly postingsQueueArn: string;
  readonly closeQueueArn: string;
  readonly reorderTopicArn: string;
  readonly notificationsQueueUrl: string;
  readonly notificationsQueueArn: string;
}

/** Third-party modules only: none of them reads the environment when loaded, unlike the handlers. */
export async function preloadLibraries(): Promise<void> {
  await Promise.all([
    import("@aws-sdk/lib-dynamodb"),
    import("@aws-sdk/client-sns"),
    import("@aws-lambda-powertools/logger"),
    import("@aws-lambda-powertools/metrics"),
    import("@aws-lambda-powertools/batch"),
    import("@middy/core"),
    import("zod"),
    import("decimal.js"),
  ]);
}

/** What the stack gives the functions, pointed at the emulators through the SDK's own variables. */
export function handlerEnv(
  dynamoEndpoint: string,
  sqsEndpoint: string,
  resources: Resources,
  outboxSeconds: number,
): Record<string, string> {
  return {
    TABLE_NAME,
    // The sandbox's queue hands a failed record back after seconds, not minutes: so does its outbox.
    OUTBOX_RESEND_AFTER_SECONDS: String(outboxSeconds),
    POSTINGS_QUEUE_URL: resources.queues.postingsQueueUrl,
    CLOSE_QUEUE_URL: resources.queues.closeQueueUrl,
    REORDER_TOPIC_ARN: resources.reorderTopicArn,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: sqsEndpoint,
    AWS_ENDPOINT_URL_SNS: sqsEndpoint,
    POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace,
    // Quiet by default so the per-posting lines stay readable; set either variable to see more.
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "WARN",
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? "true",
  };
}

/**
 * The clients the handlers share, built as every local client is (local/services/aws-config.ts, which
 * skips request signing), before the first handler loads. The endpoint variables above still name the
 * same emulators, for anything that builds its own client.
 */
export function provideLocalClients(dynamoEndpoint: string, sqsEndpoint: string): void {
  provideClients({
    ddb: createDocumentClient(localClientConfig(dynamoEndpoint)),
    sqs: new SQSClient(localClientConfig(sqsEndpoint)),
    sns: new SNSClient(localClientConfig(sqsEndpoint)),
  });
}

/** One import per function, each after its own service name is set (handlers read env at cold start). */
export async function loadFunctions(env: Record<string, string>): Promise<Functions> {
  const withService = (name: string) => ({ ...env, POWERTOOLS_SERVICE_NAME: name });
  const api = await loadFunction(
    "backflush-api",
    API_TIMEOUT_SECONDS,
    withService("backflush-api"),
    () => import("../../functions/api/handler.js"),
  );
  const worker = await loadFunction(
    "backflush-worker",
    WORKER_TIMEOUT_SECONDS,
    withService("backflush-worker"),
    () => import("../../functions/backflush-worker/handler.js"),
  );
  const periodClose = await loadFunction(
    "backflush-period-close",
    CLOSE_WORKER_TIMEOUT_SECONDS,
    withService("backflush-period-close"),
    () => import("../../functions/period-close/handler.js"),
  );
  const reorder = await loadFunction(
    "backflush-reorder",
    REORDER_TIMEOUT_SECONDS,
    withService("backflush-reorder"),
    () => import("../../functions/reorder/handler.js"),
  );
  const outboxSweeper = await loadFunction(
    "backflush-outbox-sweeper",
    OUTBOX.timeoutSeconds,
    withService("backflush-outbox-sweeper"),
    () => import("../../functions/outbox-sweeper/handler.js"),
  );
  return { api, worker, periodClose, reorder, outboxSweeper };
}
