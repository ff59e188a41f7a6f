/**
 * fauxqs (npm, SQS + SNS in Node) as the sandbox's and the tests' queue endpoint, in a child process of
 * its own so a test can kill or restart it like any other service. It keeps FIFO order per message
 * group, deduplication ids for 5 minutes, visibility timeouts, redrive to the DLQ after maxReceiveCount
 * receives and SNS -> SQS delivery with message attributes; with a data directory, every change is
 * written through to SQLite and survives a restart (also kill -9). It needs Node >= 22.5 (node:sqlite):
 * the project's npm scripts run on the `node` devDependency (Node 24).
 */
import { fileURLToPath } from "node:url";
import { ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { localClientConfig, PROBE_REQUEST_HANDLER } from "./aws-config.js";
import { assertPortFree, freePort, type LocalService, spawnService, waitUntilAnswering } from "./process.js";

export interface FauxqsOptions {
  /** Defaults to a free port. */
  readonly port?: number;
  /** Directory of the SQLite store (created if missing). Omit to keep everything in memory. */
  readonly dataDir?: string;
  readonly startTimeoutMs?: number;
}

const SERVER_SCRIPT = fileURLToPath(new URL("./fauxqs-server.ts", import.meta.url));
const MIN_NODE = [22, 5] as const;

export async function startFauxqs(options: FauxqsOptions = {}): Promise<LocalService> {
  assertNodeVersion();
  if (options.port !== undefined) await assertPortFree(options.port, "fauxqs");
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const service = spawnService(
    "fauxqs",
    process.execPath,
    // node:sqlite still prints an ExperimentalWarning on Node 24.
    ["--disable-warning=ExperimentalWarning", SERVER_SCRIPT, String(port), options.dataDir ?? ""],
  );
  const client = new SQSClient({
    ...localClientConfig(endpoint),
    maxAttempts: 1,
    requestHandler: PROBE_REQUEST_HANDLER,
  });
  try {
    await waitUntilAnswering(
      service,
      endpoint,
      () => client.send(new ListQueuesCommand({ MaxResults: 1 })),
      options.startTimeoutMs ?? 20_000,
    );
  } catch (error) {
    await service.stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, pid: service.pid, stop: () => service.stop() };
}

function assertNodeVersion(): void {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  if (major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])) return;
  throw new Error(
    `fauxqs needs Node ${MIN_NODE.join(".")}+ (this is ${process.version}); run through npm ` +
      "(npm start, npm test), whose scripts use the project's Node 24 from node_modules",
  );
}
