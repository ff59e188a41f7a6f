/**
 * Starts `local/start.ts` as a child process the way `npm start` does (supervisor and all), in a
 * directory of the test's own, and talks to it over HTTP. Nothing here reaches into the sandbox's
 * internals: what a test knows comes from its output and `endpoints.json`.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

export interface Endpoints {
  readonly apiUrl: string;
  readonly pid: number;
  readonly dynamodb: { readonly endpoint: string; readonly pid: number };
  readonly sqs: { readonly endpoint: string; readonly pid: number };
  readonly region: string;
  readonly tableName: string;
  readonly postingsQueueUrl: string;
  readonly postingsDlqUrl: string;
  readonly closeQueueUrl: string;
  readonly reorderTopicArn: string;
  readonly notificationsFile: string;
}

export interface RunningSandbox {
  readonly url: string;
  readonly endpoints: Endpoints;
  readonly startSeconds: number;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM (what Ctrl-C becomes), then the exit code once the process is gone. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL, for cleanup after a failed test. */
  kill(): void;
}

export interface StartOptions {
  readonly dir: string;
  readonly port: number;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

export async function startSandbox(options: StartOptions): Promise<RunningSandbox> {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "local/start.ts", "--port", String(options.port), ...(options.args ?? [])],
    { cwd: ROOT, env: childEnv(options), stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  const url = await waitForReady(child, () => output, exited, options.timeoutMs ?? 90_000);
  const endpoints = JSON.parse(readFileSync(join(options.dir, "endpoints.json"), "utf8")) as Endpoints;
  return {
    url,
    endpoints,
    startSeconds: (Date.now() - started) / 1000,
    output: () => output,
    stop: async (timeoutMs = 45_000) => {
      child.kill("SIGTERM");
      return withTimeout(exited, timeoutMs, "the sandbox did not stop after SIGTERM");
    },
    kill: () => {
      child.kill("SIGKILL");
    },
  };
}

/** The developer's own AWS settings and the integration setup's endpoints must not leak in. */
function childEnv(options: StartOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("AWS_ENDPOINT_URL") && !key.startsWith("INTEGRATION_")) env[key] = value;
  }
  return { ...env, SANDBOX_DIR: options.dir, POWERTOOLS_LOG_LEVEL: "ERROR", ...options.env };
}

async function waitForReady(
  child: ChildProcess,
  output: () => string,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  while (Date.now() < deadline) {
    const ready = /^ready (http:\/\/\S+)$/m.exec(output());
    if (ready?.[1]) return ready[1];
    if (exitCode !== undefined) throw new Error(`sandbox exited (${exitCode}) before ready:\n${output()}`);
    await sleep(100);
  }
  child.kill("SIGKILL");
  throw new Error(`sandbox not ready after ${timeoutMs} ms:\n${output()}`);
}

/** Whether a process with this pid still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Command lines of processes matching `pattern` (pgrep -f), none when pgrep finds nothing. */
export function processesMatching(pattern: string): string[] {
  try {
    return execFileSync("pgrep", ["-af", pattern], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.trim() !== "");
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Leftovers of a stopped sandbox: its own pids and any Java/fauxqs process on its ports. */
export function leftovers(endpoints: Endpoints): string[] {
  const pids = [endpoints.pid, endpoints.dynamodb.pid, endpoints.sqs.pid]
    .filter(alive)
    .map((p) => `pid ${p}`);
  const dynamoPort = new URL(endpoints.dynamodb.endpoint).port;
  const sqsPort = new URL(endpoints.sqs.endpoint).port;
  return [
    ...pids,
    ...processesMatching(`DynamoDBLocal.jar -port ${dynamoPort} `),
    ...processesMatching(`fauxqs-server.ts ${sqsPort}`),
  ];
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

export function apiClient(baseUrl: string) {
  return async (method: string, path: string, token?: string, body?: unknown): Promise<ApiResponse> => {
    const response = await fetch(new URL(path, baseUrl), {
      method,
      headers: {
        ...(token !== undefined && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { "content-type": "application/json" }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: keep the text.
    }
    return { status: response.status, body: parsed };
  };
}

/** Retries `probe` until it returns a value (not undefined), or fails with the last observation. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
