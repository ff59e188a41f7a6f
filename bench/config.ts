/**
 * Sizes of every benchmark, from the environment. `npm run bench` runs the full set (README.md#performance);
 * BENCH_QUICK=1 shrinks everything for a smoke run, whose figures only show that it works.
 */
import { WORKER_BATCH } from "../infra/messaging.js";

export const SCENARIOS = ["backflush", "worker", "close", "ledger", "api", "e2e", "queues"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface BenchConfig {
  readonly quick: boolean;
  /** BENCH_ONLY=worker,close runs only those (a partial results.json; for working on one figure). */
  readonly only: ReadonlySet<Scenario>;
  /** Every figure is measured this many times; the report gives the median and the spread. */
  readonly runs: number;
  readonly worker: WorkerSizes;
  /** How long each raw TransactWriteItems measurement runs. */
  readonly engineSeconds: number;
  readonly close: CloseSizes;
  /** The ledger's own figures: a worker run of these sizes and closes of `close.orders` orders. */
  readonly ledger: { readonly worker: WorkerSizes; readonly close: CloseSizes };
  readonly api: ApiSizes;
  readonly e2e: E2eSizes;
  /** Messages each queue candidate is sent (measured once per run of the bench). */
  readonly queueMessages: number;
  readonly backflush: { readonly components: number; readonly confirmations: number };
}

export interface WorkerSizes {
  readonly plants: number;
  readonly ordersPerPlant: number;
  readonly confirmations: number;
  /** Batches in flight at once, as the event source mapping's maximum concurrency. */
  readonly concurrency: number;
  readonly batchSize: number;
}

export interface CloseSizes {
  readonly orders: number;
  /** Postings per order of each close measured; the keys of `closeItemsReadPerOrder`. */
  readonly postingsPerOrder: readonly number[];
}

export interface E2eSizes {
  readonly confirmations: number;
  readonly connections: number;
  readonly components: number;
  readonly engineSeconds: number;
}

export interface ApiSizes {
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
}

export function benchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const quick = env.BENCH_QUICK === "1" || env.BENCH_QUICK === "true";
  return {
    quick,
    only: scenarios(env.BENCH_ONLY),
    runs: positiveInt(env, "BENCH_RUNS") ?? 3,
    worker: {
      plants: 2,
      ordersPerPlant: quick ? 6 : 12,
      confirmations: quick ? 240 : 2_000,
      concurrency: WORKER_BATCH.maximumConcurrency,
      batchSize: WORKER_BATCH.batchSize,
    },
    engineSeconds: quick ? 4 : 15,
    close: { orders: quick ? 100 : 1_000, postingsPerOrder: [20, 200] },
    ledger: {
      worker: {
        plants: 1,
        ordersPerPlant: 6,
        confirmations: quick ? 120 : 400,
        concurrency: WORKER_BATCH.maximumConcurrency,
        batchSize: WORKER_BATCH.batchSize,
      },
      close: { orders: quick ? 5 : 20, postingsPerOrder: [20, 200] },
    },
    api: {
      connections: 50,
      seconds: positiveInt(env, "BENCH_API_SECONDS") ?? (quick ? 5 : 20),
      warmupSeconds: quick ? 1 : 3,
    },
    e2e: {
      confirmations: quick ? 100 : 300,
      connections: 16,
      components: 20,
      engineSeconds: quick ? 4 : 15,
    },
    queueMessages: quick ? 300 : 600,
    backflush: { components: 1_000, confirmations: quick ? 10 : 40 },
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1, got ${value}`);
  return n;
}

function scenarios(value: string | undefined): ReadonlySet<Scenario> {
  if (value === undefined || value === "") return new Set(SCENARIOS);
  const names = value.split(",").map((s) => s.trim());
  const unknown = names.filter((n) => !SCENARIOS.includes(n as Scenario));
  if (unknown.length > 0)
    throw new Error(`BENCH_ONLY: unknown ${unknown.join(", ")}; use ${SCENARIOS.join(",")}`);
  return new Set(names as Scenario[]);
}
