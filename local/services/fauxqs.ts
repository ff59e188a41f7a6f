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
import { type LocalService, servicePort, startAnswering } from "./process.js";

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
  const { port, endpoint } = await servicePort("fauxqs", options.port);
  return startAnswering({
    name: "fauxqs",
    command: process.execPath,
    // node:sqlite still prints an ExperimentalWarning on Node 24.
    args: ["--disable-warning=ExperimentalWarning", SERVER_SCRIPT, String(port), options.dataDir ?? ""],
    endpoint,
    client: (config) => new SQSClient(config),
    probe: (client) => client.send(new ListQueuesCommand({ MaxResults: 1 })),
    timeoutMs: options.startTimeoutMs ?? 20_000,
  });
}

function assertNodeVersion(): void {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  if (major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])) return;
  throw new Error(
    `fauxqs needs Node ${MIN_NODE.join(".")}+ (this is ${process.version}); run through npm ` +
      "(npm start, npm test), whose scripts use the project's Node 24 from node_modules",
  );
}
