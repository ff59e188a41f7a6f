/**
 * The sandbox process: DynamoDB Local (persistent under the sandbox directory), fauxqs for SQS/SNS
 * (persistent too), the gateway in front of the API handler, the event source pollers in front of the
 * worker and the period-close function, and timers for the schedules.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { CLOSE_BATCH, SCHEDULES, WORKER_BATCH } from "../../infra/messaging.js";
import { startGateway } from "../gateway.js";
import { loadOrCreateSecret, signToken } from "../jwt.js";
import { loadCalls, plantsOf, readCalls } from "../load.js";
import { SqsPoller } from "../poller.js";
import { scheduledEvent, startCron, startRate } from "../schedules.js";
import { LOCAL_REGION, localClientConfig, silenceSdkNodeVersionWarning } from "../services/aws-config.js";
import { startDynamoDbLocal } from "../services/dynamodb-local.js";
import { startFauxqs } from "../services/fauxqs.js";
import type { LocalService } from "../services/process.js";
import { createQueues, createTable, createTopic, subscribeQueue } from "../services/provision.js";
import { consoleLink, WEB_DIR } from "../static-site.js";
import {
  type Functions,
  handlerEnv,
  loadFunctions,
  preloadLibraries,
  provideLocalClients,
  type Resources,
  TABLE_NAME,
} from "./functions.js";
import type { Options } from "./options.js";
import { describeError, firstLine, say, warn } from "./output.js";
import { appendNotifications, reportCloses, reportPostings } from "./report.js";
import { Parts, shutdownOnce } from "./shutdown.js";
import { ROLE_ENV } from "./supervisor.js";

/** A plain subscriber of the reorder topic: what procurement would receive, copied to a file. */
const NOTIFICATIONS_QUEUE = "backflush-sandbox-procurement";
const DEMO_FILE = fileURLToPath(new URL("../../demo/p100.json", import.meta.url));
/** The API stack's EventBridge targets retry twice. */
const SCHEDULE_RETRIES = 2;

export async function runSandbox(options: Options): Promise<void> {
  silenceSdkNodeVersionWarning();
  process.stdout.on("error", () => {});
  if (options.reset) rmSync(options.dir, { recursive: true, force: true });
  mkdirSync(options.dir, { recursive: true });

  const parts = new Parts();
  const stop = shutdownOnce(parts, options);
  const hurry = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => (stop.started ? hurry.abort() : void stop.run(hurry.signal, 0)));
  }
  // The supervisor holds our stdin open; EOF means it is gone, so nobody would stop us otherwise.
  if (process.env[ROLE_ENV] === "sandbox") {
    process.stdin.on("end", () => void stop.run(hurry.signal, 0));
    process.stdin.resume();
  }

  try {
    await start(parts, options);
  } catch (error) {
    warn(firstLine(error));
    await stop.run(hurry.signal, 1, { drain: false });
  }
}

async function start(parts: Parts, options: Options): Promise<void> {
  const started = Date.now();
  // The JVM takes seconds to come up; load the handlers' libraries meanwhile.
  const [[dynamo, queues]] = await Promise.all([startServices(parts, options), preloadLibraries()]);
  const sqs = new SQSClient(localClientConfig(queues.endpoint));
  parts.sqs = sqs;
  const tableReady = createTable(dynamo.endpoint, TABLE_NAME);
  tableReady.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"
  const resources = await provisionMessaging(sqs, queues.endpoint);
  provideLocalClients(dynamo.endpoint, queues.endpoint);
  const functions = await loadFunctions(
    handlerEnv(dynamo.endpoint, queues.endpoint, resources, options.outboxSeconds),
  );
  await tableReady;

  const secret = loadOrCreateSecret(options.dir);
  parts.gateway = await startGateway({
    api: functions.api,
    secret,
    port: options.port,
    webDir: WEB_DIR,
    onError: (error, routeKey) => warn(`gateway: ${routeKey}: ${describeError(error)}`),
  });
  startPollers(parts, sqs, resources, functions, options);
  // A pass at start-up: whatever was accepted before a crash and is not posted goes to the queue again.
  await sweepOnce(functions);
  startSchedules(parts, functions, options);
  await waitForHealth(parts.gateway.url);
  await loadDemo(parts.gateway.url, secret, options);

  writeEndpoints(options.dir, {
    apiUrl: parts.gateway.url,
    pid: process.pid,
    supervisorPid: process.ppid,
    dynamodb: { endpoint: dynamo.endpoint, pid: dynamo.pid },
    sqs: { endpoint: queues.endpoint, pid: queues.pid },
    region: LOCAL_REGION,
    tableName: TABLE_NAME,
    ...resources.queues,
    reorderTopicArn: resources.reorderTopicArn,
    notificationsQueueUrl: resources.notificationsQueueUrl,
    notificationsFile: join(options.dir, "notifications.jsonl"),
  });
  say(`ready ${parts.gateway.url}`);
  say(`console ${await consoleLink(parts.gateway.url, secret, plantsOf(readCalls(DEMO_FILE)))}`);
  say(`(started in ${((Date.now() - started) / 1000).toFixed(1)} s; data in ${options.dir}; Ctrl-C stops)`);
}

/** Both emulators at once; if one fails the other is stopped and the first failure is reported. */
async function startServices(parts: Parts, options: Options): Promise<[LocalService, LocalService]> {
  const [dynamo, queues] = await Promise.allSettled([
    startDynamoDbLocal({
      dbPath: join(options.dir, "dynamodb"),
      ...(options.dynamoPort !== undefined && { port: options.dynamoPort }),
    }),
    startFauxqs({
      ...(options.persistQueues && { dataDir: join(options.dir, "queues") }),
      ...(options.sqsPort !== undefined && { port: options.sqsPort }),
    }),
  ]);
  for (const result of [dynamo, queues]) if (result.status === "fulfilled") parts.services.push(result.value);
  if (dynamo.status === "rejected") throw dynamo.reason;
  if (queues.status === "rejected") throw queues.reason;
  return [dynamo.value, queues.value];
}

/** Queues and topic from the stack's definitions (infra/); every step is idempotent. */
async function provisionMessaging(sqs: SQSClient, endpoint: string): Promise<Resources> {
  const [queues, topic] = await Promise.all([
    createQueues(endpoint),
    createTopic(endpoint).then(async (arn) => ({
      arn,
      subscription: await subscribeQueue(endpoint, arn, NOTIFICATIONS_QUEUE),
    })),
  ]);
  const [postingsQueueArn, closeQueueArn] = await Promise.all([
    queueArn(sqs, queues.postingsQueueUrl),
    queueArn(sqs, queues.closeQueueUrl),
  ]);
  return {
    queues,
    postingsQueueArn,
    closeQueueArn,
    reorderTopicArn: topic.arn,
    notificationsQueueUrl: topic.subscription.queueUrl,
    notificationsQueueArn: topic.subscription.queueArn,
  };
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  if (!Attributes?.QueueArn) throw new Error(`no QueueArn for ${queueUrl}`);
  return Attributes.QueueArn;
}

function startPollers(
  parts: Parts,
  sqs: SQSClient,
  resources: Resources,
  functions: Functions,
  options: Options,
): void {
  const common = { sqs, region: LOCAL_REGION, visibilityTimeoutSeconds: options.visibilitySeconds };
  const onError = (name: string) => (error: unknown) => warn(`${name}: ${describeError(error)}`);
  parts.postings = new SqsPoller({
    ...common,
    name: "postings",
    queueUrl: resources.queues.postingsQueueUrl,
    queueArn: resources.postingsQueueArn,
    batchSize: WORKER_BATCH.batchSize,
    concurrency: WORKER_BATCH.maximumConcurrency,
    // One DynamoDB Local and two cores serve both: requests first (README, "Performance").
    yieldTo: { busy: () => (parts.gateway?.active ?? 0) > 0, maxMs: options.workerYieldMs },
    invoke: (event) => functions.worker.invoke(event),
    onBatch: (report) => reportPostings(report, functions.api),
    onError: onError("postings"),
  });
  parts.closes = new SqsPoller({
    ...common,
    name: "close-requests",
    queueUrl: resources.queues.closeQueueUrl,
    queueArn: resources.closeQueueArn,
    batchSize: CLOSE_BATCH.batchSize,
    concurrency: CLOSE_BATCH.maximumConcurrency,
    invoke: (event) => functions.periodClose.invoke(event),
    onBatch: reportCloses,
    onError: onError("close-requests"),
  });
  parts.notifications = new SqsPoller({
    ...common,
    name: "notifications",
    queueUrl: resources.notificationsQueueUrl,
    queueArn: resources.notificationsQueueArn,
    batchSize: 10,
    concurrency: 1,
    invoke: async (event) => appendNotifications(options.dir, event.Records),
    onError: onError("notifications"),
  });
  parts.postings.start();
  parts.closes.start();
  parts.notifications.start();
}

function startSchedules(parts: Parts, functions: Functions, options: Options): void {
  const onError = (error: unknown, rule: string) => warn(`${rule}: ${describeError(error)}`);
  if (options.reorderSeconds > 0) {
    parts.schedules.push(
      startRate(
        {
          rule: "ReorderSchedule",
          invoke: (e) => functions.reorder.invoke(e),
          retryAttempts: SCHEDULE_RETRIES,
          onError,
        },
        options.reorderSeconds,
      ),
    );
  }
  if (options.outboxSeconds > 0) {
    parts.schedules.push(
      startRate(
        {
          rule: "OutboxSweepSchedule",
          invoke: async (e) => reportSweep(await functions.outboxSweeper.invoke(e)),
          retryAttempts: 0,
          onError,
        },
        options.outboxSeconds,
      ),
    );
  }
  // The daily sweep (rule ReorderSweep): the same function with the rule's input, every material
  // with reorder settings (docs/rules.md#reorder); it follows the reorder timer's switch.
  if (options.reorderSeconds > 0) {
    parts.schedules.push(
      startCron(
        {
          rule: "ReorderSweep",
          invoke: (e) => functions.reorder.invoke({ scope: "all", time: e.time }),
          retryAttempts: SCHEDULE_RETRIES,
          onError,
        },
        SCHEDULES.reorderSweep,
      ),
    );
  }
  parts.schedules.push(
    startCron(
      {
        rule: "PeriodCloseSchedule",
        invoke: (e) => functions.periodClose.invoke(e),
        retryAttempts: SCHEDULE_RETRIES,
        onError,
      },
      SCHEDULES.periodClose,
    ),
  );
}

async function sweepOnce(functions: Functions): Promise<void> {
  reportSweep(await functions.outboxSweeper.invoke(scheduledEvent("OutboxSweepSchedule")));
}

function reportSweep(report: unknown): void {
  const resent = (report as { resent?: number } | undefined)?.resent;
  if (resent) say(`outbox: sent ${resent} accepted posting(s) to the queue again`);
}

async function waitForHealth(apiUrl: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${apiUrl}/v1/health`);
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = describeError(error);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the API did not answer GET /v1/health: ${last}`);
}

/** The demo plant, through the public API, once per sandbox directory (a marker file remembers it). */
async function loadDemo(apiUrl: string, secret: Uint8Array, options: Options): Promise<void> {
  const marker = join(options.dir, "demo-loaded");
  if (options.empty || existsSync(marker)) return;
  const calls = readCalls(DEMO_FILE);
  const token = await signToken(secret, {
    plants: plantsOf(calls),
    roles: ["planner"],
    subject: "demo-loader",
  });
  await loadCalls(calls, { baseUrl: apiUrl, token });
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  say(`demo plant loaded: ${calls.length} calls from demo/p100.json`);
}

function writeEndpoints(dir: string, endpoints: Record<string, unknown>): void {
  writeFileSync(join(dir, "endpoints.json"), `${JSON.stringify(endpoints, null, 2)}\n`);
}
