/** The sandbox's command line and environment (README "Environment variables"). */
import { resolve } from "node:path";

export interface Options {
  readonly dir: string;
  readonly port: number;
  readonly reset: boolean;
  readonly empty: boolean;
  readonly dynamoPort?: number;
  readonly sqsPort?: number;
  readonly reorderSeconds: number;
  readonly visibilitySeconds: number;
  readonly drainSeconds: number;
  /** Outbox sweeper: period of the timer, and how long a queued posting waits before it is sent again. */
  readonly outboxSeconds: number;
  /** False: the queue emulator keeps nothing across a restart (the outbox still loses nothing). */
  readonly persistQueues: boolean;
  /** How long the postings poller holds a batch back while the API serves requests (local/poller.ts). */
  readonly workerYieldMs: number;
}

export const USAGE = "usage: npm start [-- --port 3000] [--reset] [--empty]";

export function parseOptions(args: readonly string[], env: NodeJS.ProcessEnv): Options {
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
  const sqsPort = numberEnv(env, "SANDBOX_SQS_PORT");
  return {
    dir: resolve(env.SANDBOX_DIR ?? ".sandbox"),
    port,
    reset,
    empty,
    ...(dynamoPort !== undefined && { dynamoPort }),
    ...(sqsPort !== undefined && { sqsPort }),
    reorderSeconds: numberEnv(env, "REORDER_INTERVAL_SECONDS") ?? 60,
    visibilitySeconds: numberEnv(env, "SANDBOX_VISIBILITY_TIMEOUT_SECONDS") ?? 2,
    drainSeconds: numberEnv(env, "SANDBOX_DRAIN_SECONDS") ?? 20,
    outboxSeconds: numberEnv(env, "SANDBOX_OUTBOX_SECONDS") ?? 10,
    persistQueues: env.SANDBOX_PERSIST_QUEUES !== "0",
    workerYieldMs: numberEnv(env, "SANDBOX_WORKER_YIELD_MS") ?? 5000,
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
