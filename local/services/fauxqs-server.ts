/**
 * The queue emulator's own process: fauxqs (SQS + SNS) on the port given as the first argument, with its
 * write-through SQLite store in the directory given as the second (omit it to keep everything in memory).
 * Started by fauxqs.ts with the project's Node (24, from the `node` devDependency): plain erasable
 * TypeScript, so Node runs it without a loader.
 *
 * Queue URLs: fauxqs names them `http://sqs.<region>.localhost:<port>/...`, a host that does not resolve
 * without DNS help, and the AWS SDK sends to the QueueUrl's host when it differs from the client's
 * endpoint. So its URL builder is replaced with the one AWS-compatible emulators use without a DNS
 * name: `http://<the host the request came to>/<account>/<name>`, the endpoint every client already has.
 */
const [portArg, dataDir] = process.argv.slice(2);
const port = Number(portArg);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write("usage: node fauxqs-server.ts <port> [dataDir]\n");
  process.exit(2);
}

const appUrl = import.meta.resolve("fauxqs");
interface StorePrototype {
  buildQueueUrl(name: string, port: string, requestHost: string): string;
  createQueue(name: string, url: string, ...rest: unknown[]): unknown;
}
interface FifoMessage {
  readonly sequenceNumber?: string;
}
interface Received {
  readonly ReceiptHandle: string;
}
interface QueuePrototype {
  fifoMessages: Map<string, FifoMessage[]>;
  fifoLockedGroups: Map<string, number>;
  inflightMessages: Map<string, { message: { messageGroupId?: string } }>;
  processTimers(): void;
  changeVisibility(...args: unknown[]): void;
  dequeueFifo(maxCount: number, ...rest: unknown[]): Received[];
}
const { SqsStore, SqsQueue } = (await import(new URL("./sqs/sqsStore.js", appUrl).href)) as {
  SqsStore: { prototype: StorePrototype };
  SqsQueue: { prototype: QueuePrototype };
};
const ACCOUNT = "000000000000";
const here = `127.0.0.1:${port}`;
SqsStore.prototype.buildQueueUrl = (name: string) => `http://${here}/${ACCOUNT}/${name}`;
// Queues restored from the SQLite store carry the URL of the run that created them (another port).
const createQueue = SqsStore.prototype.createQueue;
SqsStore.prototype.createQueue = function (this: unknown, name: string, _url: string, ...rest: unknown[]) {
  return createQueue.call(this, name, `http://${here}/${ACCOUNT}/${name}`, ...rest);
};

// Messages of a FIFO group whose visibility ran out together are put back in front of the group one by
// one, which reverses them (c, b, a). SQS hands them out again in sequence order: restore it.
const bySequence = (a: FifoMessage, b: FifoMessage) => {
  const x = BigInt(a.sequenceNumber ?? "0");
  const y = BigInt(b.sequenceNumber ?? "0");
  return x < y ? -1 : x > y ? 1 : 0;
};
function inSequence(this: QueuePrototype): void {
  for (const group of this.fifoMessages.values()) if (group.length > 1) group.sort(bySequence);
}
for (const method of ["processTimers", "changeVisibility"] as const) {
  const original = SqsQueue.prototype[method] as (this: QueuePrototype, ...args: unknown[]) => void;
  SqsQueue.prototype[method] = function (this: QueuePrototype, ...args: unknown[]) {
    original.apply(this, args);
    inSequence.call(this);
  };
}

// fauxqs hands out one message per FIFO group per receive. SQS (and the Lambda event source mapping)
// return several messages of one group in one batch, in order, while the group stays locked for other
// receivers. So a receive takes more rounds, each time hiding only the locks it set itself.
const dequeueFifo = SqsQueue.prototype.dequeueFifo;
SqsQueue.prototype.dequeueFifo = function (this: QueuePrototype, maxCount: number, ...rest: unknown[]) {
  const limit = Math.min(maxCount, 10);
  const mine = new Map<string, number>();
  const result: Received[] = [];
  try {
    while (result.length < limit) {
      for (const group of mine.keys()) this.fifoLockedGroups.delete(group);
      const round = dequeueFifo.call(this, limit - result.length, ...rest);
      for (const received of round) {
        const group = this.inflightMessages.get(received.ReceiptHandle)?.message.messageGroupId ?? "";
        mine.set(group, (mine.get(group) ?? 0) + 1);
      }
      for (const [group, count] of mine) this.fifoLockedGroups.set(group, count);
      result.push(...round);
      if (round.length === 0) break;
      // Later rounds must not expire what this receive just handed out (VisibilityTimeout 0).
      this.processTimers = () => {};
    }
  } finally {
    delete (this as Partial<QueuePrototype>).processTimers;
  }
  return result;
};

const { startFauxqs } = (await import(appUrl)) as typeof import("fauxqs");
const server = await startFauxqs({
  port,
  logger: false,
  ...(dataDir !== undefined && dataDir !== "" && { dataDir }),
});
process.stdout.write(`fauxqs listening on ${server.address}\n`);

const stop = () => {
  void server.stop().finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
