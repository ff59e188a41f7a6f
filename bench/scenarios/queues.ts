/**
 * The local queue candidates side by side (README.md#performance): each emulator started fresh, one FIFO
 * queue with DeduplicationScope=messageGroup and FifoThroughputLimit=perMessageGroupId, 16 concurrent
 * senders of 800-byte bodies over 16 message groups, then receive (10 per call) and delete in batches.
 * The send rate is measured while the queue fills, so an emulator whose send slows with the number of
 * messages it holds shows it.
 *
 * Candidates: fauxqs 2.4.1 (what the sandbox and tests use; Node 24) in memory and with its SQLite
 * store, fauxqs 1.9.2 on Node 20 (the newest 1.x the registry has; 1.x still runs on Node 20), and
 * moto_server when it is installed. A candidate that cannot start here is reported as skipped.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { localClientConfig, PROBE_REQUEST_HANDLER } from "../../local/services/aws-config.js";
import { startFauxqs } from "../../local/services/fauxqs.js";
import { startMoto } from "../../local/services/moto.js";
import {
  findOnPath,
  freePort,
  type LocalService,
  spawnService,
  waitUntilAnswering,
} from "../../local/services/process.js";
import { forEachLimited, timed } from "../timing.js";

export interface QueueFigures {
  readonly candidate: string;
  readonly messages: number;
  readonly sendPerSec?: number;
  readonly receiveDeletePerSec?: number;
  readonly skipped?: string;
}

export interface QueueCandidate {
  /** Figure key suffix: queueSendPerSec_<key>. */
  readonly key: string;
  readonly label: string;
  start(): Promise<LocalService>;
}

const SENDERS = 16;
const GROUPS = 16;
const BODY = "x".repeat(800);

export function queueCandidates(): QueueCandidate[] {
  return [
    { key: "fauxqs2", label: "fauxqs 2.4.1, in memory (Node 24)", start: () => startFauxqs() },
    {
      key: "fauxqs2Sqlite",
      label: "fauxqs 2.4.1, SQLite store (Node 24)",
      start: async () => {
        const dir = mkdtempSync(join(tmpdir(), "backflush-bench-fauxqs-"));
        const service = await startFauxqs({ dataDir: dir });
        return {
          ...service,
          stop: async () => {
            await service.stop();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    },
    { key: "fauxqs1Node20", label: "fauxqs 1.9.2, in memory (Node 20)", start: startFauxqsOnNode20 },
    { key: "moto", label: "moto_server (Python)", start: () => startMoto() },
  ];
}

export async function runQueueCandidate(candidate: QueueCandidate, messages: number): Promise<QueueFigures> {
  let service: LocalService;
  try {
    service = await candidate.start();
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error);
    return { candidate: candidate.label, messages, skipped: reason };
  }
  // The candidates' queue URLs name hosts of their own; the endpoint is where they listen.
  const sqs = new SQSClient({ ...localClientConfig(service.endpoint), useQueueUrlAsEndpoint: false });
  try {
    const { QueueUrl: url } = await sqs.send(
      new CreateQueueCommand({
        QueueName: "bench-candidate.fifo",
        Attributes: {
          FifoQueue: "true",
          ContentBasedDeduplication: "false",
          DeduplicationScope: "messageGroup",
          FifoThroughputLimit: "perMessageGroupId",
        },
      }),
    );
    if (url === undefined) throw new Error("CreateQueue returned no QueueUrl");
    const ids = Array.from({ length: messages }, (_, i) => i);
    const send = await timed(() =>
      forEachLimited(ids, SENDERS, (i) =>
        sqs.send(
          new SendMessageCommand({
            QueueUrl: url,
            MessageBody: BODY,
            MessageGroupId: `G${i % GROUPS}`,
            MessageDeduplicationId: `m-${i}`,
          }),
        ),
      ),
    );
    let received = 0;
    const drain = await timed(async () => {
      for (let empty = 0; received < messages && empty < 20; ) {
        const { Messages: batch = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
        );
        if (batch.length === 0) {
          empty++;
          continue;
        }
        received += batch.length;
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
          }),
        );
      }
    });
    return {
      candidate: candidate.label,
      messages,
      sendPerSec: messages / send.seconds,
      receiveDeletePerSec: received / drain.seconds,
    };
  } finally {
    sqs.destroy();
    await service.stop();
  }
}

/** fauxqs 1.9.2 (installed as fauxqs-node20) under a Node 20 found on this machine's PATH. */
async function startFauxqsOnNode20(): Promise<LocalService> {
  const node = node20();
  if (node === undefined) throw new Error("no Node 20 on PATH outside node_modules");
  const cli = fileURLToPath(new URL("./cli.js", import.meta.resolve("fauxqs-node20")));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const service = spawnService("fauxqs 1.9.2", node, [cli], {
    env: { ...process.env, FAUXQS_PORT: String(port), FAUXQS_LOGGER: "false" },
  });
  const probe = new SQSClient({
    ...localClientConfig(endpoint),
    maxAttempts: 1,
    requestHandler: PROBE_REQUEST_HANDLER,
  });
  try {
    await waitUntilAnswering(service, endpoint, () => probe.send(new ListQueuesCommand({})), 20_000);
  } catch (error) {
    await service.stop();
    throw error;
  } finally {
    probe.destroy();
  }
  return { endpoint, pid: service.pid, stop: () => service.stop() };
}

function node20(): string | undefined {
  const candidates = [findOnPathOutsideNodeModules("node"), "/usr/bin/node", "/usr/local/bin/node"];
  for (const path of candidates) {
    if (path === undefined) continue;
    try {
      const version = execFileSync(path, ["--version"], { encoding: "utf8" }).trim();
      if (version.startsWith("v20.")) return path;
    } catch {
      // Not there.
    }
  }
  return undefined;
}

function findOnPathOutsideNodeModules(command: string): string | undefined {
  const saved = process.env.PATH;
  try {
    process.env.PATH = (saved ?? "")
      .split(":")
      .filter((dir) => !dir.includes("node_modules"))
      .join(":");
    return findOnPath(command);
  } finally {
    process.env.PATH = saved;
  }
}
