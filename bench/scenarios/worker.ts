/**
 * Worker throughput and write units per confirmation (README.md#performance). Every confirmation of the
 * mix goes through the API's intake use case (its DynamoDB writes are part of the bill) onto the
 * postings queue (an in-process stand-in, see ../queue.ts). Then only the worker is timed: batches of
 * each message group are handed straight to the handler body (processPostingBatch), `concurrency`
 * batches at a time, never two of one group at once, as the FIFO event source mapping does. No queue
 * emulator is in what is measured.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import type { SQSRecord } from "aws-lambda";
import { postingsQueue } from "../../functions/adapters/queue.js";
import { workerStore } from "../../functions/adapters/table/index.js";
import { processPostingBatch } from "../../functions/backflush-worker/process-batch.js";
import { type MetricsPort, silentLog } from "../../functions/common/ports.js";
import { acceptConfirmation, tableIntakeDeps } from "../../functions/use-cases/confirmation-intake.js";
import type { PostingDeps } from "../../functions/use-cases/posting-support.js";
import { WORKER_TIMEOUT_SECONDS } from "../../infra/messaging.js";
import { lambdaContext } from "../../local/lambda.js";
import { billWrites, CapacityMeter, type RoleBill, type WriteBill } from "../capacity.js";
import type { WorkerSizes } from "../config.js";
import { CapturedQueue } from "../queue.js";
import type { BenchServices } from "../services.js";
import { forEachLimited, timed } from "../timing.js";
import {
  HOT_COMPONENTS,
  itemFamily,
  type PlannedConfirmation,
  seedWorkload,
  type Workload,
} from "../workload.js";

/** What the raw-engine benchmark copies from a worker run: the transactions the worker committed. */
export interface TransactionShape {
  readonly itemsPerTransaction: number;
  readonly orderItemBytes: number;
  readonly recordItemBytes: number;
  readonly stockItemsPerPlant: number;
  readonly hotItems: number;
  readonly plants: number;
  readonly concurrency: number;
  /**
   * Of `itemsPerTransaction`, the ledger lines a posting commits with its stock (docs/ledger.md,
   * "When lines are written"); 0 or absent: none.
   */
  readonly ledgerLinesPerTransaction?: number;
}

export interface FamilyFigures {
  readonly writesPerConfirmation: number;
  readonly writeUnitsPerConfirmation: number;
  readonly indexWriteUnitsPerConfirmation: number;
  readonly averageItemBytes: number;
}

/** Per DynamoDB command: calls per confirmation and milliseconds per call. */
export type CallFigures = Readonly<Record<string, { readonly perConfirmation: number; readonly ms: number }>>;

export interface WorkerFigures {
  readonly confirmations: number;
  readonly seconds: number;
  readonly confirmationsPerSec: number;
  readonly retriesPerConfirmation: number;
  /** CPU time of this Node process (the worker's own work: parsing, domain, marshalling, gzip). */
  readonly nodeCpuMsPerConfirmation: number;
  /** Seconds spent seeding the plants and in intake; not the worker's time. */
  readonly setupSeconds: { readonly seed: number; readonly intake: number };
  /** Intake and the posting's writes, the ledger lines apart (they are the next figures). */
  readonly writeUnitsPerConfirmation: number;
  readonly minimumWriteUnitsPerConfirmation: number;
  readonly indexWriteUnitsPerConfirmation: number;
  /** The ledger lines projected after the posting committed (docs/ledger.md). */
  readonly ledgerLinesPerConfirmation: number;
  readonly ledgerWriteUnitsPerConfirmation: number;
  readonly ledgerIndexWriteUnitsPerConfirmation: number;
  readonly readUnitsPerConfirmation: number;
  /** The plants the run posted to (fresh each run). */
  readonly plantIds: readonly string[];
  /** DynamoDB calls per confirmation and their average latency, intake and worker apart. */
  readonly calls: { readonly intake: CallFigures; readonly worker: CallFigures };
  readonly byFamily: Readonly<Record<string, FamilyFigures>>;
  readonly shape: TransactionShape;
}

const SILENT_LOGGER = new Logger({ serviceName: "backflush-worker", logLevel: "SILENT" });

export async function runWorker(
  services: BenchServices,
  sizes: WorkerSizes,
  tag: string,
): Promise<WorkerFigures> {
  const prepared = await prepare(services, sizes, tag);
  const posted = await post(services, prepared.records, sizes);
  if (posted.failed > 0 || posted.committed !== prepared.records.length) {
    throw new Error(
      `worker run ${tag}: ${posted.committed} of ${prepared.records.length} posted, ${posted.failed} records failed`,
    );
  }
  const bills = {
    intake: await billWrites(prepared.meter, services.raw, services.table.tableName, itemFamily),
    worker: await billWrites(posted.meter, services.raw, services.table.tableName, itemFamily),
  };
  return figures(prepared, posted, sizes, bills);
}

interface Prepared {
  readonly workload: Workload;
  readonly records: readonly SQSRecord[];
  readonly meter: CapacityMeter;
  readonly setupSeconds: WorkerFigures["setupSeconds"];
}

/** Fresh plants, then every confirmation through intake; the queue's records are what the worker gets. */
async function prepare(services: BenchServices, sizes: WorkerSizes, tag: string): Promise<Prepared> {
  const now = () => new Date();
  // Goods receipts of the seeding queue backlog retries; they are no part of the run.
  const seedQueue = new CapturedQueue(`bench-${tag}-seed.fifo`);
  const queue = new CapturedQueue(`bench-${tag}-postings.fifo`);
  try {
    const seeded = await timed(() =>
      seedWorkload({ table: services.table, queue: seedQueue.context, now }, tag, sizes),
    );
    const meter = new CapacityMeter();
    const intaken = await timed(() =>
      metered(meter, services, () => intakeAll(services, queue, seeded.result, sizes.concurrency)),
    );
    return {
      workload: seeded.result,
      records: queue.records(),
      meter,
      setupSeconds: { seed: seeded.seconds, intake: intaken.seconds },
    };
  } finally {
    seedQueue.destroy();
    queue.destroy();
  }
}

interface Posted {
  readonly seconds: number;
  readonly cpuMs: number;
  readonly committed: number;
  readonly retries: number;
  readonly failed: number;
  readonly meter: CapacityMeter;
}

/** The timed part: the records through the worker's handler body. */
async function post(
  services: BenchServices,
  records: readonly SQSRecord[],
  sizes: WorkerSizes,
): Promise<Posted> {
  const counts = new Map<string, number>();
  const metrics: MetricsPort = {
    add: (name, _unit, value) => counts.set(name, (counts.get(name) ?? 0) + value),
  };
  const deps: PostingDeps = {
    store: workerStore(services.table),
    now: () => new Date(),
    log: silentLog,
    metrics,
  };
  const meter = new CapacityMeter();
  const cpu = process.cpuUsage();
  const run = await metered(meter, services, () => timed(() => postAll(deps, records, sizes)));
  const used = process.cpuUsage(cpu);
  return {
    seconds: run.seconds,
    cpuMs: (used.user + used.system) / 1000,
    committed: counts.get("PostingsCommitted") ?? 0,
    retries: counts.get("TransactionRetries") ?? 0,
    failed: run.result,
    meter,
  };
}

async function metered<T>(meter: CapacityMeter, services: BenchServices, fn: () => Promise<T>): Promise<T> {
  const detach = meter.attach(services.ddb);
  try {
    return await fn();
  } finally {
    detach();
  }
}

/** POST .../confirmations as the API runs it, each order's confirmations in sequence. */
async function intakeAll(
  services: BenchServices,
  queue: CapturedQueue,
  workload: Workload,
  concurrency: number,
) {
  const deps = tableIntakeDeps(services.table, postingsQueue(queue.context), () => new Date());
  await forEachLimited([...byOrder(workload.confirmations).values()], concurrency, async (sequence) => {
    for (const c of sequence) await acceptConfirmation(deps, c.plant, c.request);
  });
}

function byOrder(confirmations: readonly PlannedConfirmation[]): Map<string, PlannedConfirmation[]> {
  const groups = new Map<string, PlannedConfirmation[]>();
  for (const c of confirmations) {
    const key = `${c.plant}#${c.request.order}`;
    const group = groups.get(key) ?? [];
    group.push(c);
    groups.set(key, group);
  }
  return groups;
}

/**
 * Batches of one message group each, spread over `concurrency` lanes by group: a lane runs its
 * groups' batches in turn, so batches in flight never share a group. Returns the failed records.
 */
async function postAll(
  deps: PostingDeps,
  records: readonly SQSRecord[],
  sizes: WorkerSizes,
): Promise<number> {
  const lanes: SQSRecord[][][] = Array.from({ length: sizes.concurrency }, () => []);
  [...byGroup(records).values()].forEach((group, i) => {
    lanes[i % sizes.concurrency]?.push(group);
  });
  let failed = 0;
  await forEachLimited(lanes, sizes.concurrency, async (groups) => {
    for (const batch of interleave(groups, sizes.batchSize)) {
      const context = lambdaContext("backflush-worker", WORKER_TIMEOUT_SECONDS);
      const response = await processPostingBatch(deps, { Records: batch }, context, SILENT_LOGGER);
      failed += response.batchItemFailures.length;
    }
  });
  return failed;
}

/** Records per message group, in sequence-number order (the order FIFO delivers them). */
function byGroup(records: readonly SQSRecord[]): Map<string, SQSRecord[]> {
  const sorted = [...records].sort((a, b) =>
    compareSequence(a.attributes.SequenceNumber, b.attributes.SequenceNumber),
  );
  const groups = new Map<string, SQSRecord[]>();
  for (const r of sorted) {
    const id = r.attributes.MessageGroupId ?? "";
    const group = groups.get(id) ?? [];
    group.push(r);
    groups.set(id, group);
  }
  return groups;
}

const compareSequence = (a = "", b = "") => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/** Batches of `size`, taking one batch of each group in turn. */
function* interleave(groups: readonly SQSRecord[][], size: number): Generator<SQSRecord[]> {
  for (let start = 0; groups.some((g) => g.length > start); start += size) {
    for (const g of groups) if (g.length > start) yield g.slice(start, start + size);
  }
}

function figures(
  prepared: Prepared,
  posted: Posted,
  sizes: WorkerSizes,
  bills: { intake: WriteBill; worker: WriteBill },
): WorkerFigures {
  const { workload } = prepared;
  const n = workload.confirmations.length;
  const per = (x: number) => x / n;
  const intake = prepared.meter;
  const worker = posted.meter;
  const ledger = bills.worker.byRole.get("ledger") ?? { writes: 0, units: 0, indexUnits: 0, bytes: 0 };
  return {
    confirmations: n,
    seconds: posted.seconds,
    confirmationsPerSec: n / posted.seconds,
    retriesPerConfirmation: per(posted.retries),
    nodeCpuMsPerConfirmation: per(posted.cpuMs),
    setupSeconds: prepared.setupSeconds,
    writeUnitsPerConfirmation: per(bills.intake.units + bills.worker.units - ledger.units),
    minimumWriteUnitsPerConfirmation: per(minimumUnits(worker)),
    indexWriteUnitsPerConfirmation: per(
      bills.intake.indexUnits + bills.worker.indexUnits - ledger.indexUnits,
    ),
    ledgerLinesPerConfirmation: per(ledger.writes),
    ledgerWriteUnitsPerConfirmation: per(ledger.units),
    ledgerIndexWriteUnitsPerConfirmation: per(ledger.indexUnits),
    plantIds: workload.plants,
    readUnitsPerConfirmation: per(intake.reads.units + worker.reads.units),
    calls: { intake: callFigures(intake, n), worker: callFigures(worker, n) },
    byFamily: byFamily(bills, n),
    shape: {
      itemsPerTransaction: mean(worker.transactionSizes),
      ledgerLinesPerTransaction: ledgerLinesPerTransaction(worker),
      orderItemBytes: averagePutBytes(worker, "order"),
      recordItemBytes: averagePutBytes(worker, "record"),
      stockItemsPerPlant: workload.stockItemsPerPlant,
      hotItems: HOT_COMPONENTS,
      plants: workload.plants.length,
      concurrency: sizes.concurrency,
    },
  };
}

/** README.md#performance: 2 × (distinct stock items + order + record) per committed posting transaction. */
function minimumUnits(worker: CapacityMeter): number {
  const stockKeys = new Map<number, Set<string>>();
  for (const w of worker.writes) {
    if (w.transaction === undefined || itemFamily(w.key) !== "stock") continue;
    stockKeys.set(w.transaction, (stockKeys.get(w.transaction) ?? new Set()).add(w.key));
  }
  return worker.transactionSizes.reduce((sum, _, tx) => sum + 2 * ((stockKeys.get(tx)?.size ?? 0) + 2), 0);
}

/** Ledger-line Puts inside the committed transactions, per transaction. */
function ledgerLinesPerTransaction(worker: CapacityMeter): number {
  const inTransactions = worker.writes.filter(
    (w) => w.transaction !== undefined && itemFamily(w.key) === "ledger",
  ).length;
  return worker.transactionSizes.length === 0 ? 0 : inTransactions / worker.transactionSizes.length;
}

/** The bill per item family, intake and worker together, per confirmation. */
function byFamily(bills: { intake: WriteBill; worker: WriteBill }, n: number): Record<string, FamilyFigures> {
  const merged = new Map<string, RoleBill>();
  for (const [family, b] of [...bills.intake.byRole, ...bills.worker.byRole]) {
    const m = merged.get(family) ?? { writes: 0, units: 0, indexUnits: 0, bytes: 0 };
    merged.set(family, {
      writes: m.writes + b.writes,
      units: m.units + b.units,
      indexUnits: m.indexUnits + b.indexUnits,
      bytes: m.bytes + b.bytes,
    });
  }
  return Object.fromEntries(
    [...merged].map(([family, b]) => [
      family,
      {
        writesPerConfirmation: b.writes / n,
        writeUnitsPerConfirmation: b.units / n,
        indexWriteUnitsPerConfirmation: b.indexUnits / n,
        averageItemBytes: b.writes === 0 ? 0 : b.bytes / b.writes,
      },
    ]),
  );
}

function callFigures(meter: CapacityMeter, n: number): CallFigures {
  return Object.fromEntries(
    [...meter.calls].map(([command, c]) => [
      command.replace(/Command$/, ""),
      { perConfirmation: c.count / n, ms: c.ms / c.count },
    ]),
  );
}

function averagePutBytes(meter: CapacityMeter, family: string): number {
  return mean(
    meter.writes
      .filter((w) => w.operation === "Put" && itemFamily(w.key) === family)
      .map((w) => w.putBytes ?? 0),
  );
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
