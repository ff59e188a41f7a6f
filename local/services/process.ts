/**
 * Child-process plumbing shared by the DynamoDB Local and queue emulator launchers: spawn quietly, keep the tail of
 * the output for error messages, wait until the service answers, and make sure it dies with us.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createServer, Socket } from "node:net";
import { delimiter, join } from "node:path";
import { ServiceExitedError } from "../errors.js";
import { type LocalClientConfig, localClientConfig, PROBE_REQUEST_HANDLER } from "./aws-config.js";

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  readonly error?: NodeJS.ErrnoException;
}

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** Settles once the process is gone, whatever the reason. Never rejects. */
  readonly exited: Promise<ExitInfo>;
  hasExited(): boolean;
  /** Last few KB of stdout+stderr, for error messages only (the output is otherwise discarded). */
  outputTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** What the launchers hand back: where to point clients, and how to shut the service down. */
export interface LocalService {
  readonly endpoint: string;
  readonly pid: number | undefined;
  /** Kills the process (SIGTERM, then SIGKILL) and resolves once it is gone. Idempotent. */
  stop(): Promise<void>;
}

export interface SpawnServiceOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

const TAIL_CHARS = 8192;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * A normal exit, process.exit() or an uncaught exception all fire "exit"; only synchronous work is
 * possible there, so signal and leave. Signals and SIGKILL of this process skip "exit": the watchdog
 * below covers those.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
    }
  });
}

/**
 * A tiny shell that blocks on its stdin, a pipe whose only writer is this Node process. When we die for any
 * reason (even SIGKILL) the kernel closes the pipe, `read` sees EOF and the shell kills the service.
 * It ignores INT/HUP so a Ctrl-C or a closed terminal cannot take it down before it has done its job.
 * It is killed as soon as the service exits, so it never signals a pid that has since been reused.
 */
const WATCHDOG_SCRIPT = [
  "trap '' INT HUP",
  "read -r _ || :",
  'kill -TERM "$1" 2>/dev/null || exit 0',
  // Up to 3 s for a clean shutdown (DynamoDB Local flushes a persistent db), then force.
  "i=0",
  'while [ "$i" -lt 30 ] && kill -0 "$1" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done',
  'kill -KILL "$1" 2>/dev/null',
].join("\n");

function startWatchdog(pid: number): ChildProcess | undefined {
  try {
    const watchdog = spawn("/bin/sh", ["-c", WATCHDOG_SCRIPT, "watchdog", String(pid)], {
      stdio: ["pipe", "ignore", "ignore"],
      detached: false,
    });
    watchdog.on("error", () => {
      // No /bin/sh (e.g. Windows): the exit hook is the only guard then.
    });
    // The watchdog must not keep the event loop alive on its own.
    watchdog.unref();
    watchdog.stdin?.on("error", () => {});
    if (watchdog.stdin instanceof Socket) watchdog.stdin.unref();
    return watchdog;
  } catch {
    return undefined;
  }
}

export function spawnService(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnServiceOptions = {},
): ServiceProcess {
  installExitHook();
  let tail = "";
  let exitInfo: ExitInfo | undefined;
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    // No stdin: nothing reads it, and an inherited TTY would let the service steal keystrokes.
    stdio: ["ignore", "pipe", "pipe"],
    // Same process group as us, so a terminal Ctrl-C reaches the service too.
    detached: false,
  });
  const append = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-TAIL_CHARS);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);

  const watchdog = child.pid === undefined ? undefined : startWatchdog(child.pid);
  if (child.pid !== undefined) live.add(child);

  const exited = new Promise<ExitInfo>((resolve) => {
    const finish = (info: ExitInfo) => {
      if (exitInfo) return;
      exitInfo = info;
      live.delete(child);
      watchdog?.kill("SIGKILL");
      resolve(info);
    };
    // `on`, not `once`: a second "error" with no listener would crash the parent.
    child.on("error", (error: NodeJS.ErrnoException) => {
      // "error" also fires when a kill() fails on a live process; only a failed spawn means "gone".
      if (child.pid === undefined) finish({ code: null, signal: null, error });
    });
    child.once("exit", (code, signal) => finish({ code, signal }));
  });

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5000): Promise<void> => {
    stopping ??= (async () => {
      if (exitInfo) return;
      child.kill("SIGTERM");
      if (await settlesWithin(exited, graceMs)) return;
      child.kill("SIGKILL");
      if (await settlesWithin(exited, 5000)) return;
      throw new Error(`${name} (pid ${child.pid}) did not exit after SIGKILL`);
    })();
    return stopping;
  };

  return {
    name,
    pid: child.pid,
    exited,
    hasExited: () => exitInfo !== undefined,
    outputTail: () => tail,
    stop,
  };
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A port that is free on every interface right now (DynamoDB Local binds 0.0.0.0, not just loopback). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : undefined;
      server.close(() =>
        port === undefined ? reject(new Error("could not read a free port")) : resolve(port),
      );
    });
  });
}

/**
 * For an explicit port: if something already listens there (a sandbox left running, or moto, which also
 * speaks DynamoDB), it would answer the readiness probe and the new process would quietly die.
 */
export function assertPortFree(port: number, service: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`${service}: port ${port} is already in use (an earlier instance still running?)`)
          : error,
      ),
    );
    server.listen(port, () => server.close(() => resolve()));
  });
}

/** Absolute path of `command` if an executable of that name is on PATH (no shell involved). */
export function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/**
 * Polls `probe` until it resolves. Fails fast if the process dies meanwhile, and after `timeoutMs` with
 * the last probe error and the tail of the service's output, which is where the real reason usually is.
 */
export async function waitUntilAnswering(
  service: ServiceProcess,
  endpoint: string,
  probe: () => Promise<unknown>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (service.hasExited()) {
      const exit = await service.exited;
      const how = exit.error
        ? exit.error.message
        : `exited with ${exit.signal ?? `code ${exit.code}`} before answering`;
      throw new ServiceExitedError(
        `${service.name} ${how}${formatTail(service.outputTail())}`,
        exit,
        service.outputTail(),
      );
    }
    try {
      await probe();
      // An answer from a process that has already died came from someone else on the port.
      if (!service.hasExited()) return;
      continue;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await Promise.race([service.exited, new Promise((resolve) => setTimeout(resolve, 150))]);
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(
    `${service.name} did not answer at ${endpoint} within ${Math.round(timeoutMs / 1000)} s ` +
      `(last error: ${reason})${formatTail(service.outputTail())}`,
  );
}

function formatTail(output: string): string {
  const lines = output.trim().split("\n").slice(-15);
  return lines.length === 0 || lines[0] === "" ? "" : `\n--- last output ---\n${lines.join("\n")}`;
}

/** The port a launcher serves on: the one asked for (refused when taken), else a free one. */
export async function servicePort(
  name: string,
  port: number | undefined,
): Promise<{ port: number; endpoint: string }> {
  if (port !== undefined) await assertPortFree(port, name);
  const chosen = port ?? (await freePort());
  return { port: chosen, endpoint: `http://127.0.0.1:${chosen}` };
}

/** What startAnswering spawns and how it knows the service is up. */
export interface AnsweringService<C extends { destroy(): void }> {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly options?: SpawnServiceOptions;
  readonly endpoint: string;
  /** An SDK client of the service on the given config (one attempt, the probe's short timeouts). */
  readonly client: (config: LocalClientConfig & ProbeClientConfig) => C;
  /** A cheap call that succeeds once the service serves requests. */
  readonly probe: (client: C) => Promise<unknown>;
  readonly timeoutMs: number;
}

export interface ProbeClientConfig {
  readonly maxAttempts: number;
  readonly requestHandler: typeof PROBE_REQUEST_HANDLER;
}

/**
 * The launchers' start/probe/stop: spawns the service, waits until `probe` answers (waitUntilAnswering),
 * and stops the process again when it never does; the probe client is destroyed either way.
 */
export async function startAnswering<C extends { destroy(): void }>(
  spec: AnsweringService<C>,
): Promise<LocalService> {
  const service = spawnService(spec.name, spec.command, spec.args, spec.options);
  const client = spec.client({
    ...localClientConfig(spec.endpoint),
    maxAttempts: 1,
    requestHandler: PROBE_REQUEST_HANDLER,
  });
  try {
    await waitUntilAnswering(service, spec.endpoint, () => spec.probe(client), spec.timeoutMs);
  } catch (error) {
    await service.stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint: spec.endpoint, pid: service.pid, stop: () => service.stop() };
}
