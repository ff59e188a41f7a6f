/**
 * `npm start`: the whole pipeline on this machine. DynamoDB Local (persistent under the sandbox
 * directory), moto for SQS/SNS, the gateway in front of the API handler, the event source pollers in
 * front of the worker and the period-close function, and timers for the schedules. The handlers are the
 * modules Lambda runs; only endpoints and environment differ.
 *
 *   npm start [-- --port 3000] [--reset] [--empty]
 *
 * Two processes: this one (the supervisor) only starts the sandbox in its own process group and forwards
 * Ctrl-C / SIGTERM to it. A terminal's Ctrl-C goes to the whole foreground group, which would kill Java
 * and moto at once; kept out of that group, the sandbox can drain the queue before it stops them.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import {
  CLOSE_BATCH,
  CLOSE_QUEUE,
  CLOSE_WORKER_TIMEOUT_SECONDS,
  METRICS,
  POSTINGS_QUEUE,
  SCHEDULES,
  WORKER_BATCH,
  WORKER_TIMEOUT_SECONDS,
} from "../infra/messaging.js";
import { callApi, type Gateway, startGateway } from "./gateway.js";
import { ALL_ROLES, loadOrCreateSecret, signToken } from "./jwt.js";
import { type LambdaFunction, loadFunction } from "./lambda.js";
import { loadCalls, plantsOf, readCalls } from "./load.js";
import { type BatchReport, SqsPoller } from "./poller.js";
import { type Schedule, startCron, startRate } from "./schedules.js";
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localClientConfig,
  silenceSdkNodeVersionWarning,
} from "./services/aws-config.js";
import { startDynamoDbLocal } from "./services/dynamodb-local.js";
import { startMoto } from "./services/moto.js";
import type { LocalService } from "./services/process.js";
import {
  createQueues,
  createTable,
  createTopic,
  type QueueUrls,
  subscribeQueue,
} from "./services/provision.js";
import { consoleLink, WEB_DIR } from "./static-site.js";

const ROLE_ENV = "BACKFLUSH_SANDBOX_ROLE";
const TABLE_NAME = "backflush-sandbox";
/** A plain subscriber of the reorder topic: what procurement would receive, copied to a file. */
const NOTIFICATIONS_QUEUE = "backflush-sandbox-procurement";
const DEMO_FILE = fileURLToPath(new URL("../demo/p100.json", import.meta.url));
/** As the API stack's function (below the HTTP API's 30 s integration limit). */
const API_TIMEOUT_SECONDS = 25;
const REORDER_TIMEOUT_SECONDS = 300;
/** The API stack's EventBridge targets retry twice. */
const SCHEDULE_RETRIES = 2;
/** What the sandbox's own reads (the status of a processed posting) may see. */
const SANDBOX_CLAIMS = { sub: "sandbox", plants: "[*]", roles: `[${ALL_ROLES.join(" ")}]` };

interface Options {
  readonly dir: string;
  readonly port: number;
  readonly reset: boolean;
  readonly empty: boolean;
  readonly dynamoPort?: number;
  readonly motoPort?: number;
  readonly reorderSeconds: number;
  readonly visibilitySeconds: number;
  readonly drainSeconds: number;
}

const USAGE = "usage: npm start [-- --port 3000] [--reset] [--empty]";

function parseOptions(args: readonly string[], env: NodeJS.ProcessEnv): Options {
  let port = numberEnv(env, "PORT") ?? 3000;
  let reset = false;
  let empty = false;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = (args[i] ?? "").split("=", 2);
    if (flag === "--reset") reset = true;
    else if (flag === "--empty") empty = true;
    else if (flag === "--port") port = toPort(inline ?? args[++i], "--port");
    else throw new Error(`unknown argument ${args[i]}\n${USAGE}`);
  }
  const dynamoPort = numberEnv(env, "SANDBOX_DYNAMODB_PORT");
  const motoPort = numberEnv(env, "SANDBOX_MOTO_PORT");
  return {
    dir: resolve(env.SANDBOX_DIR ?? ".sandbox"),
    port,
    reset,
    empty,
    ...(dynamoPort !== undefined && { dynamoPort }),
    ...(motoPort !== undefined && { motoPort }),
    reorderSeconds: numberEnv(env, "REORDER_INTERVAL_SECONDS") ?? 60,
    visibilitySeconds: numberEnv(env, "SANDBOX_VISIBILITY_TIMEOUT_SECONDS") ?? 2,
    drainSeconds: numberEnv(env, "SANDBOX_DRAIN_SECONDS") ?? 20,
  };
}

function numberEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value === "") return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0)
    throw new Error(`${name} must be a whole number, got ${value}`);
  return number;
}

function toPort(value: string | undefined, name: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${name} needs a port number\n${USAGE}`);
  return port;
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------------
// Supervisor

function supervise(): void {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...process.execArgv, script, ...process.argv.slice(2)], {
    // stdin is the sandbox's lifeline: if this process dies, even by SIGKILL, it sees EOF and stops.
    stdio: ["pipe", "inherit", "inherit"],
    detached: true,
    env: { ...process.env, [ROLE_ENV]: "sandbox" },
  });
  child.stdin?.on("error", () => {});
  let lastSignal = 0;
  const forward = () => {
    // npm and tsx relay the terminal's Ctrl-C too: one press can arrive two or three times.
    const now = Date.now();
    if (now - lastSignal < 1000) return;
    const first = lastSignal === 0;
    lastSignal = now;
    child.kill(first ? "SIGTERM" : "SIGINT");
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, forward);
  child.on("error", (error) => {
    warn(`sandbox: could not start: ${error.message}`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    process.exit(code ?? (signal ? 128 + constants.signals[signal] : 1));
  });
}

// ---------------------------------------------------------------------------------------------------
// Sandbox

interface Functions {
  readonly api: LambdaFunction;
  readonly worker: LambdaFunction;
  readonly periodClose: LambdaFunction;
  readonly reorder: LambdaFunction;
}

interface Resources {
  readonly queues: QueueUrls;
  readonly postingsQueueArn: string;
  readonly closeQueueArn: string;
  readonly reorderTopicArn: string;
  readonly notificationsQueueUrl: string;
  readonly notificationsQueueArn: string;
}

/** What is running, for shutdown() to stop (it knows the order). */
class Parts {
  services: LocalService[] = [];
  gateway: Gateway | undefined;
  schedules: Schedule[] = [];
  postings: SqsPoller | undefined;
  closes: SqsPoller | undefined;
  notifications: SqsPoller | undefined;
  sqs: SQSClient | undefined;
  resources: Resources | undefined;
}

async function runSandbox(options: Options): Promise<void> {
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
  // The JVM and Python take seconds to come up; load the handlers' libraries meanwhile.
  const [[dynamo, moto]] = await Promise.all([startServices(parts, options), preloadLibraries()]);
  const sqs = new SQSClient(localClientConfig(moto.endpoint));
  parts.sqs = sqs;
  const tableReady = createTable(dynamo.endpoint, TABLE_NAME);
  tableReady.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"
  const resources = await provisionMessaging(sqs, moto.endpoint);
  parts.resources = resources;
  await restoreSpilled(sqs, options.dir, resources);
  const functions = await loadFunctions(handlerEnv(dynamo.endpoint, moto.endpoint, resources));
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
  startSchedules(parts, functions, options);
  await waitForHealth(parts.gateway.url);
  await loadDemo(parts.gateway.url, secret, options);

  writeEndpoints(options.dir, {
    apiUrl: parts.gateway.url,
    pid: process.pid,
    supervisorPid: process.ppid,
    dynamodb: { endpoint: dynamo.endpoint, pid: dynamo.pid },
    moto: { endpoint: moto.endpoint, pid: moto.pid },
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

/** Third-party modules only: none of them reads the environment when loaded, unlike the handlers. */
async function preloadLibraries(): Promise<void> {
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

/** Both emulators at once; if one fails the other is stopped and the first failure is reported. */
async function startServices(parts: Parts, options: Options): Promise<[LocalService, LocalService]> {
  const [dynamo, moto] = await Promise.allSettled([
    startDynamoDbLocal({
      dbPath: join(options.dir, "dynamodb"),
      ...(options.dynamoPort !== undefined && { port: options.dynamoPort }),
    }),
    startMoto(options.motoPort !== undefined ? { port: options.motoPort } : {}),
  ]);
  for (const result of [dynamo, moto]) if (result.status === "fulfilled") parts.services.push(result.value);
  if (dynamo.status === "rejected") throw dynamo.reason;
  if (moto.status === "rejected") throw moto.reason;
  return [dynamo.value, moto.value];
}

/** Queues and topic from the stack's definitions (infra/); every step is idempotent. */
async function provisionMessaging(sqs: SQSClient, motoEndpoint: string): Promise<Resources> {
  const [queues, topic] = await Promise.all([
    createQueues(motoEndpoint),
    createTopic(motoEndpoint).then(async (arn) => ({
      arn,
      subscription: await subscribeQueue(motoEndpoint, arn, NOTIFICATIONS_QUEUE),
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

/** What the stack gives the functions, pointed at the emulators through the SDK's own variables. */
function handlerEnv(
  dynamoEndpoint: string,
  motoEndpoint: string,
  resources: Resources,
): Record<string, string> {
  return {
    TABLE_NAME,
    POSTINGS_QUEUE_URL: resources.queues.postingsQueueUrl,
    CLOSE_QUEUE_URL: resources.queues.closeQueueUrl,
    REORDER_TOPIC_ARN: resources.reorderTopicArn,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: motoEndpoint,
    AWS_ENDPOINT_URL_SNS: motoEndpoint,
    POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace,
    // Quiet by default so the per-posting lines stay readable; set either variable to see more.
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "WARN",
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? "true",
  };
}

/** One import per function, each after its own service name is set (handlers read env at cold start). */
async function loadFunctions(env: Record<string, string>): Promise<Functions> {
  const withService = (name: string) => ({ ...env, POWERTOOLS_SERVICE_NAME: name });
  const api = await loadFunction(
    "backflush-api",
    API_TIMEOUT_SECONDS,
    withService("backflush-api"),
    () => import("../functions/api/handler.js"),
  );
  const worker = await loadFunction(
    "backflush-worker",
    WORKER_TIMEOUT_SECONDS,
    withService("backflush-worker"),
    () => import("../functions/backflush-worker/handler.js"),
  );
  const periodClose = await loadFunction(
    "backflush-period-close",
    CLOSE_WORKER_TIMEOUT_SECONDS,
    withService("backflush-period-close"),
    () => import("../functions/period-close/handler.js"),
  );
  const reorder = await loadFunction(
    "backflush-reorder",
    REORDER_TIMEOUT_SECONDS,
    withService("backflush-reorder"),
    () => import("../functions/reorder/handler.js"),
  );
  return { api, worker, periodClose, reorder };
}

function startPollers(
  parts: Parts,
  sqs: SQSClient,
  resources: Resources,
  functions: Functions,
  options: Options,
): void {
  const common = { sqs, region: LOCAL_REGION, visibilitySeconds: options.visibilitySeconds };
  const onError = (name: string) => (error: unknown) => warn(`${name}: ${describeError(error)}`);
  parts.postings = new SqsPoller({
    name: "postings",
    sqs,
    region: common.region,
    queueUrl: resources.queues.postingsQueueUrl,
    queueArn: resources.postingsQueueArn,
    batchSize: WORKER_BATCH.batchSize,
    concurrency: WORKER_BATCH.maximumConcurrency,
    visibilityTimeoutSeconds: common.visibilitySeconds,
    invoke: (event) => functions.worker.invoke(event),
    onBatch: (report) => reportPostings(report, functions.api),
    onError: onError("postings"),
  });
  parts.closes = new SqsPoller({
    name: "close-requests",
    sqs,
    region: common.region,
    queueUrl: resources.queues.closeQueueUrl,
    queueArn: resources.closeQueueArn,
    batchSize: CLOSE_BATCH.batchSize,
    concurrency: CLOSE_BATCH.maximumConcurrency,
    visibilityTimeoutSeconds: common.visibilitySeconds,
    invoke: (event) => functions.periodClose.invoke(event),
    onBatch: reportCloses,
    onError: onError("close-requests"),
  });
  parts.notifications = new SqsPoller({
    name: "notifications",
    sqs,
    region: common.region,
    queueUrl: resources.notificationsQueueUrl,
    queueArn: resources.notificationsQueueArn,
    batchSize: 10,
    concurrency: 1,
    visibilityTimeoutSeconds: common.visibilitySeconds,
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

// ---------------------------------------------------------------------------------------------------
// Output

interface Posting {
  readonly label: string;
  readonly plant?: string;
  readonly confirmationId?: string;
}

/** One line per record: `processed PRESS1-0001 posted_with_backlog 142ms`. */
async function reportPostings(report: BatchReport, api: LambdaFunction): Promise<void> {
  if (report.error !== undefined) warn(`worker: invocation failed: ${describeError(report.error)}`);
  for (const record of report.records) {
    const posting = describePosting(record);
    if (report.failed.has(record.messageId)) {
      say(`processed ${posting.label} failed ${report.durationMs}ms (${receiveNote(record)})`);
      continue;
    }
    const status = await postingStatus(api, posting);
    say(`processed ${posting.label} ${status} ${report.durationMs}ms`);
  }
}

function receiveNote(record: SQSRecord): string {
  const count = Number(record.attributes.ApproximateReceiveCount);
  const max = POSTINGS_QUEUE.maxReceiveCount;
  return count >= max ? `receive ${count} of ${max}: next it moves to the DLQ` : `receive ${count} of ${max}`;
}

function describePosting(record: SQSRecord): Posting {
  const body = parseJson(record.body);
  const plant = typeof body?.plant === "string" ? body.plant : undefined;
  const confirmation = isRecord(body?.confirmation) ? body.confirmation : undefined;
  if (body?.type === "confirmation" && typeof confirmation?.confirmationId === "string") {
    const id = confirmation.confirmationId;
    return { label: id, confirmationId: id, ...(plant !== undefined && { plant }) };
  }
  if (body?.type === "reversal" && typeof body.confirmationId === "string") {
    const id = body.confirmationId;
    return { label: `reversal:${id}`, confirmationId: id, ...(plant !== undefined && { plant }) };
  }
  if (typeof body?.type === "string") return { label: `${body.type}:${plant ?? "?"}` };
  return { label: `message:${record.messageId}` };
}

/** The confirmation's status as GET .../confirmations/{id} reports it; "ok" when there is nothing to read. */
async function postingStatus(api: LambdaFunction, posting: Posting): Promise<string> {
  if (posting.plant === undefined || posting.confirmationId === undefined) return "ok";
  try {
    const reply = await callApi(api, {
      method: "GET",
      path: `/v1/plants/${encodeURIComponent(posting.plant)}/confirmations/${encodeURIComponent(posting.confirmationId)}`,
      claims: SANDBOX_CLAIMS,
    });
    const body = reply?.statusCode === 200 ? parseJson(reply.body.toString("utf8")) : undefined;
    return typeof body?.status === "string" ? body.status : "ok";
  } catch {
    return "ok";
  }
}

function reportCloses(report: BatchReport): void {
  for (const record of report.records) {
    const body = parseJson(record.body);
    const what = `${String(body?.plant ?? "?")} ${String(body?.period ?? "?")}`;
    const outcome = report.failed.has(record.messageId) ? "failed" : "done";
    say(`period close ${what} ${outcome} ${report.durationMs}ms`);
  }
}

/** Each reorder notification as one JSON line, the message procurement receives (raw delivery). */
function appendNotifications(dir: string, records: readonly SQSRecord[]): void {
  const file = join(dir, "notifications.jsonl");
  for (const record of records) {
    const message = parseJson(record.body) ?? { raw: record.body };
    writeFileSync(file, `${JSON.stringify(message)}\n`, { flag: "a" });
    const fields = ["plant", "material", "qty", "requisitionId"]
      .map((key) => message[key])
      .filter((v) => v !== undefined);
    say(`reorder notification ${fields.map(String).join(" ")} -> ${file}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Shutdown

interface ShutdownControl {
  readonly started: boolean;
  run(hurry: AbortSignal, exitCode: number, options?: { drain: boolean }): Promise<void>;
}

function shutdownOnce(parts: Parts, options: Options): ShutdownControl {
  let running: Promise<void> | undefined;
  return {
    get started() {
      return running !== undefined;
    },
    run(hurry, exitCode, runOptions = { drain: true }) {
      running ??= shutdown(parts, options, hurry, runOptions.drain)
        .catch((error: unknown) => warn(`while stopping: ${describeError(error)}`))
        .then(() => process.exit(exitCode));
      return running;
    },
  };
}

/**
 * Stop taking requests, let the pollers empty the queues (bounded; a second Ctrl-C cuts it short),
 * write whatever is still queued to the sandbox directory (moto keeps nothing across a restart; the
 * next start sends it again), then stop the emulators.
 */
async function shutdown(parts: Parts, options: Options, hurry: AbortSignal, drain: boolean): Promise<void> {
  if (drain)
    say(`stopping: draining queued postings (up to ${options.drainSeconds} s; Ctrl-C again to skip)`);
  await parts.gateway?.close(3000);
  await Promise.allSettled(parts.schedules.map((s) => s.stop()));
  const pollers = [parts.postings, parts.closes].filter((p) => p !== undefined);
  if (drain) {
    const deadline = Date.now() + options.drainSeconds * 1000;
    await Promise.allSettled(pollers.map((p) => p.drain(deadline, hurry)));
  }
  await Promise.allSettled(pollers.map((p) => p.stop()));
  // Notifications published during the drain still reach the file.
  await parts.notifications?.drain(Date.now() + 2000, hurry);
  await parts.notifications?.stop();
  if (parts.sqs && parts.resources) await spillQueues(parts.sqs, options, parts.resources);
  parts.sqs?.destroy();
  await Promise.allSettled(parts.services.map((s) => s.stop()));
  rmSync(join(options.dir, "endpoints.json"), { force: true });
  say("stopped");
}

// ---------------------------------------------------------------------------------------------------
// Queued messages across restarts (moto keeps them in memory only)

interface SpilledMessage {
  readonly body: string;
  readonly groupId?: string;
  readonly deduplicationId?: string;
  readonly attributes?: Record<string, { dataType: string; stringValue?: string; binaryValue?: string }>;
}

const SPILL_FILE = "queued-messages.json";

function spillTargets(resources: Resources): Record<string, string> {
  // Source queue before its DLQ: receiving from a source can redrive into the DLQ.
  return {
    [POSTINGS_QUEUE.name]: resources.queues.postingsQueueUrl,
    [POSTINGS_QUEUE.dlqName]: resources.queues.postingsDlqUrl,
    [CLOSE_QUEUE.name]: resources.queues.closeQueueUrl,
    [CLOSE_QUEUE.dlqName]: resources.queues.closeDlqUrl,
  };
}

async function spillQueues(sqs: SQSClient, options: Options, resources: Resources): Promise<void> {
  const spilled: Record<string, SpilledMessage[]> = {};
  let count = 0;
  for (const [name, url] of Object.entries(spillTargets(resources))) {
    const messages = inSendOrder(await receiveAll(sqs, url, options.visibilitySeconds));
    if (messages.length === 0) continue;
    spilled[name] = messages.map(toSpilled);
    count += messages.length;
  }
  if (count === 0) return;
  writeFileSync(join(options.dir, SPILL_FILE), `${JSON.stringify(spilled)}\n`);
  say(
    `kept ${count} queued message(s) in ${join(options.dir, SPILL_FILE)}; the next start queues them again`,
  );
}

/** Every message of a queue, waiting out the ones still invisible after a failed attempt. */
async function receiveAll(sqs: SQSClient, queueUrl: string, visibilitySeconds: number): Promise<Message[]> {
  const deadline = Date.now() + (visibilitySeconds + 3) * 1000;
  const all: Message[] = [];
  while (Date.now() < deadline) {
    const { Messages: batch = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        // Long enough that nothing comes back before the emulator is stopped.
        VisibilityTimeout: 300,
        AttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    all.push(...batch);
    if (batch.length > 0) continue;
    // What we received ourselves counts as not visible; anything beyond it waits for its retry.
    const counts = await queueCounts(sqs, queueUrl);
    if (counts.visible + counts.delayed === 0 && counts.notVisible <= all.length) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return all;
}

async function queueCounts(sqs: SQSClient, queueUrl: string) {
  const { Attributes: a = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    notVisible: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** FIFO messages by sequence number: moto can hand back a group's retried messages out of order. */
function inSendOrder(messages: Message[]): Message[] {
  const sequence = (m: Message) => BigInt(m.Attributes?.SequenceNumber ?? "0");
  return [...messages].sort((a, b) => (sequence(a) < sequence(b) ? -1 : sequence(a) > sequence(b) ? 1 : 0));
}

function toSpilled(message: Message): SpilledMessage {
  const attributes: NonNullable<SpilledMessage["attributes"]> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    attributes[name] = {
      dataType: value.DataType ?? "String",
      ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
      ...(value.BinaryValue !== undefined && {
        binaryValue: Buffer.from(value.BinaryValue).toString("base64"),
      }),
    };
  }
  const system = message.Attributes ?? {};
  return {
    body: message.Body ?? "",
    ...(system.MessageGroupId !== undefined && { groupId: system.MessageGroupId }),
    ...(system.MessageDeduplicationId !== undefined && { deduplicationId: system.MessageDeduplicationId }),
    ...(Object.keys(attributes).length > 0 && { attributes }),
  };
}

async function restoreSpilled(sqs: SQSClient, dir: string, resources: Resources): Promise<void> {
  const file = join(dir, SPILL_FILE);
  if (!existsSync(file)) return;
  const spilled = JSON.parse(readFileSync(file, "utf8")) as Record<string, SpilledMessage[]>;
  const targets = spillTargets(resources);
  let count = 0;
  for (const [name, messages] of Object.entries(spilled)) {
    const url = targets[name];
    if (url === undefined) continue;
    for (const message of messages) {
      await sqs.send(new SendMessageCommand(sendInput(url, name.endsWith(".fifo"), message)));
      count++;
    }
  }
  unlinkSync(file);
  if (count > 0) say(`queued ${count} message(s) kept from the last run again`);
}

function sendInput(queueUrl: string, fifo: boolean, message: SpilledMessage) {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.attributes ?? {})) {
    attributes[name] = {
      DataType: value.dataType,
      ...(value.stringValue !== undefined && { StringValue: value.stringValue }),
      ...(value.binaryValue !== undefined && { BinaryValue: Buffer.from(value.binaryValue, "base64") }),
    };
  }
  return {
    QueueUrl: queueUrl,
    MessageBody: message.body,
    ...(fifo && message.groupId !== undefined && { MessageGroupId: message.groupId }),
    ...(fifo && message.deduplicationId !== undefined && { MessageDeduplicationId: message.deduplicationId }),
    ...(Object.keys(attributes).length > 0 && { MessageAttributes: attributes }),
  };
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.name === "Error" ? error.message : `${error.name}: ${error.message}`;
}

/** A failed start is one clear line (the emulators' own output follows only when it explains it). */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.includes("--- last output ---") ? message : (message.split("\n")[0] ?? message);
}

// ---------------------------------------------------------------------------------------------------

if (process.env[ROLE_ENV] === "sandbox" || process.env.SANDBOX_INLINE === "1") {
  let options: Options | undefined;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    warn(firstLine(error));
    process.exit(2);
  }
  await runSandbox(options);
} else {
  supervise();
}
