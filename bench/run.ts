/**
 * `npm run bench` (README.md#performance): starts what it needs, measures every figure `runs` times,
 * prints a table with the machine's facts and writes bench/results.json.
 *
 *   npm run bench                          the full set (about 10 minutes on 2 cores)
 *   BENCH_QUICK=1 npm run bench            smoke sizes, to see that it works (about 4 minutes)
 *   BENCH_API_SECONDS=5 npm run bench      shorter API load
 *   BENCH_RUNS=5 npm run bench             more runs per figure
 *   BENCH_ONLY=worker,close npm run bench  some scenarios only (backflush, worker, close, ledger, api, e2e,
 *                                          queues):
 *                                          prints the table, leaves results.json as it was
 *   BENCH_MERGE=1 BENCH_ONLY=ledger ...    merges that partial run's figures into results.json
 *
 * Order: the pure engine; then on one in-memory DynamoDB Local the worker and the raw
 * TransactWriteItems rate, alternating run by run so both see the same engine state, and the
 * period close; then the API and the end-to-end path through a fresh sandbox per run; last the
 * local queue candidates side by side.
 */
import { fileURLToPath } from "node:url";
import { silenceSdkNodeVersionWarning } from "../local/services/aws-config.js";
import { type BenchConfig, benchConfig, SCENARIOS } from "./config.js";
import {
  type BenchResults,
  currentLoad,
  type FigureSpec,
  machineFacts,
  medianOf,
  mergeResults,
  renderTable,
  type Summary,
  summarize,
  writeResults,
} from "./report.js";
import { runApi } from "./scenarios/api.js";
import { runBackflush } from "./scenarios/backflush.js";
import { closeOnce, seedClose } from "./scenarios/close.js";
import { runE2e } from "./scenarios/e2e.js";
import { runEngine } from "./scenarios/engine.js";
import { closeWithLedger, readMaterialMovements, seedLedgerClose } from "./scenarios/ledger.js";
import { queueCandidates, runQueueCandidate } from "./scenarios/queues.js";
import { runWorker } from "./scenarios/worker.js";
import { type BenchServices, startBenchServices } from "./services.js";
import { timed } from "./timing.js";

const RESULTS_FILE = fileURLToPath(new URL("./results.json", import.meta.url));

const FIGURES: readonly FigureSpec[] = [
  { key: "engineTxPerSec", label: "raw TransactWriteItems", unit: "tx/s", digits: 1 },
  { key: "workerConfirmationsPerSec", label: "worker", unit: "confirmations/s", digits: 1 },
  { key: "workerToEngineRatio", label: "worker / engine", unit: "", digits: 2, goal: ">= 0.8" },
  {
    key: "intakeRequestsPerConfirmation",
    label: "intake DynamoDB requests",
    unit: "requests/confirmation",
    digits: 2,
  },
  {
    key: "workerRequestsPerConfirmation",
    label: "worker DynamoDB requests",
    unit: "requests/confirmation",
    digits: 2,
  },
  { key: "writeUnitsPerConfirmation", label: "write units", unit: "WRU/confirmation", digits: 2 },
  {
    key: "minimumWriteUnitsPerConfirmation",
    label: "minimum write units",
    unit: "WRU/confirmation",
    digits: 2,
  },
  { key: "writeUnitsToMinimumRatio", label: "write units / minimum", unit: "", digits: 3, goal: "<= 1.2" },
  { key: "indexWriteUnitsPerConfirmation", label: "index write units", unit: "WRU/confirmation", digits: 2 },
  { key: "readUnitsPerConfirmation", label: "read units", unit: "RRU/confirmation", digits: 2 },
  { key: "apiRequestsPerSec", label: "API intake", unit: "req/s (202)", digits: 1 },
  { key: "apiP99Ms", label: "API intake p99", unit: "ms", digits: 0 },
  {
    key: "closeItemsReadPerOrder20",
    label: "close reads, 20 postings/order",
    unit: "items/order",
    digits: 2,
  },
  {
    key: "closeItemsReadPerOrder200",
    label: "close reads, 200 postings/order",
    unit: "items/order",
    digits: 2,
  },
  {
    key: "closeItemsReadPerOrder",
    label: "close reads (largest)",
    unit: "items/order",
    digits: 2,
    goal: "flat",
  },
  { key: "closeReadUnitsPerOrder20", label: "close read units, 20/order", unit: "RRU/order", digits: 2 },
  { key: "closeReadUnitsPerOrder200", label: "close read units, 200/order", unit: "RRU/order", digits: 2 },
  {
    key: "ledgerWriteUnitsPerConfirmation",
    label: "ledger write units",
    unit: "WRU/confirmation",
    digits: 2,
  },
  {
    key: "ledgerWriteUnitsPerLine",
    label: "ledger write units per line",
    unit: "WRU/line",
    digits: 3,
    goal: "<= 1",
  },
  { key: "ledgerIndexWriteUnitsPerLine", label: "ledger index write units", unit: "WRU/line", digits: 2 },
  {
    key: "ledgerTransactionToMinimumRatio",
    label: "posting writes / minimum, with ledger",
    unit: "",
    digits: 3,
    goal: "<= 1.2",
  },
  { key: "movementsReadUnitsPerLine", label: "GET movements, one material", unit: "RRU/line", digits: 3 },
  {
    key: "movementsItemsEvaluatedPerLine",
    label: "GET movements items evaluated",
    unit: "items/line",
    digits: 2,
    goal: "1",
  },
  {
    key: "ledgerSettlementItemsPerOrder20",
    label: "close settlement reads, 20/order",
    unit: "items/order",
    digits: 2,
  },
  {
    key: "ledgerSettlementItemsPerOrder200",
    label: "close settlement reads, 200/order",
    unit: "items/order",
    digits: 2,
    goal: "flat",
  },
  { key: "digestItemsPerLine20", label: "digest pass items, 20/order", unit: "items/line", digits: 3 },
  {
    key: "digestItemsPerLine200",
    label: "digest pass items, 200/order",
    unit: "items/line",
    digits: 3,
    goal: "1",
  },
  { key: "digestReadUnitsPerLine20", label: "digest pass read units, 20/order", unit: "RRU/line", digits: 4 },
  {
    key: "digestReadUnitsPerLine200",
    label: "digest pass read units, 200/order",
    unit: "RRU/line",
    digits: 4,
  },
  {
    key: "sealCheckReadUnitsPerLine200",
    label: "seal completeness check, 200/order",
    unit: "RRU/line",
    digits: 4,
  },
  { key: "backflushMsPer1000Lines", label: "domain backflush", unit: "ms/1,000 lines", digits: 2 },
  { key: "e2eConfirmationsPerSec", label: "end to end (sandbox)", unit: "confirmations/s", digits: 1 },
  { key: "e2eEngineTxPerSec", label: "raw TransactWriteItems, same size", unit: "tx/s", digits: 1 },
  { key: "e2eToEngineRatio", label: "end to end / engine", unit: "", digits: 2, goal: ">= 0.5" },
  {
    key: "e2eEngineBareTxPerSec",
    label: "the same without its ledger lines",
    unit: "tx/s",
    digits: 1,
  },
  { key: "e2eToBareEngineRatio", label: "end to end / engine without ledger", unit: "", digits: 2 },
  { key: "intakeP50Ms16", label: "intake p50, 16 connections", unit: "ms", digits: 0 },
  { key: "intakeP99Ms16", label: "intake p99, 16 connections", unit: "ms", digits: 0, goal: "<= 250" },
  ...queueCandidates().flatMap((c): FigureSpec[] => [
    { key: `queueSendPerSec_${c.key}`, label: `send: ${c.label}`, unit: "msg/s", digits: 0 },
    {
      key: `queueReceiveDeletePerSec_${c.key}`,
      label: `receive+delete: ${c.label}`,
      unit: "msg/s",
      digits: 0,
    },
  ]),
];

/** Every measured value per figure, and what each run reported besides. */
class RunLog {
  readonly values = new Map<string, number[]>();
  readonly details: Record<string, unknown[]> = {};

  add(key: string, value: number): void {
    this.values.set(key, [...(this.values.get(key) ?? []), value]);
  }

  detail(section: string, value: unknown): void {
    this.details[section] = [...(this.details[section] ?? []), value];
  }
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const fixed = (x: number, digits = 1) => x.toFixed(digits);

async function main(): Promise<void> {
  silenceSdkNodeVersionWarning();
  const config = benchConfig();
  const started = Date.now();
  const machine = machineFacts();
  say(`backflush bench: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.nodeVersion}`);
  say(`${config.quick ? "QUICK run, smoke sizes" : "full run"}, ${config.runs} runs per figure\n`);
  const log = new RunLog();
  if (config.only.has("backflush")) measureBackflush(config, log);
  if (config.only.has("worker") || config.only.has("close") || config.only.has("ledger")) {
    const services = await startBenchServices();
    try {
      if (config.only.has("worker")) await measureWorkerAndEngine(services, config, log);
      if (config.only.has("close")) await measureClose(services, config, log);
      if (config.only.has("ledger")) await measureLedger(services, config, log);
    } finally {
      await services.stop();
    }
  }
  if (config.only.has("api")) await measureApi(config, log);
  if (config.only.has("e2e")) await measureE2e(config, log);
  if (config.only.has("queues")) await measureQueues(config, log);
  const results: BenchResults = {
    generatedAt: new Date().toISOString(),
    quick: config.quick,
    runsPerFigure: config.runs,
    durationSeconds: (Date.now() - started) / 1000,
    machine: { ...machine, loadAverage: { ...machine.loadAverage, end: currentLoad() } },
    figures: summaries(log, config),
    details: log.details,
  };
  say(`\n${renderTable(FIGURES, results)}\n`);
  if (config.only.size < SCENARIOS.length) {
    if (process.env.BENCH_MERGE === "1") {
      mergeResults(RESULTS_FILE, FIGURES, results, [...config.only]);
      say(`partial run (BENCH_ONLY, BENCH_MERGE=1): its figures merged into ${RESULTS_FILE}`);
    } else say(`partial run (BENCH_ONLY): ${RESULTS_FILE} left as it was`);
    return;
  }
  writeResults(RESULTS_FILE, FIGURES, results);
  say(`wrote ${RESULTS_FILE}`);
}

function measureBackflush(config: BenchConfig, log: RunLog): void {
  for (let run = 1; run <= config.runs; run++) {
    const f = runBackflush(config.backflush.components, config.backflush.confirmations);
    log.add("backflushMsPer1000Lines", f.msPer1000Lines);
    say(`domain backflush ${run}/${config.runs}: ${fixed(f.msPer1000Lines, 2)} ms per 1,000 lines`);
  }
}

async function measureWorkerAndEngine(services: BenchServices, config: BenchConfig, log: RunLog) {
  // A short unrecorded round first: DynamoDB Local's JVM is many times slower until it is warm.
  const warmup = {
    ...config.worker,
    ordersPerPlant: 6,
    confirmations: Math.min(120, config.worker.confirmations),
  };
  const warm = await runWorker(services, warmup, "WU");
  await runEngine(services, warm.shape, Math.min(3, config.engineSeconds), "EU");
  say("warm-up done");
  for (let run = 1; run <= config.runs; run++) {
    const w = await runWorker(services, config.worker, `W${run}`);
    const e = await runEngine(services, w.shape, config.engineSeconds, `E${run}`);
    log.add("workerConfirmationsPerSec", w.confirmationsPerSec);
    log.add("engineTxPerSec", e.txPerSec);
    log.add("workerToEngineRatio", w.confirmationsPerSec / e.txPerSec);
    log.add("writeUnitsPerConfirmation", w.writeUnitsPerConfirmation);
    log.add("minimumWriteUnitsPerConfirmation", w.minimumWriteUnitsPerConfirmation);
    log.add("writeUnitsToMinimumRatio", w.writeUnitsPerConfirmation / w.minimumWriteUnitsPerConfirmation);
    log.add("indexWriteUnitsPerConfirmation", w.indexWriteUnitsPerConfirmation);
    log.add("readUnitsPerConfirmation", w.readUnitsPerConfirmation);
    log.add("intakeRequestsPerConfirmation", requestsPer(w.calls.intake));
    log.add("workerRequestsPerConfirmation", requestsPer(w.calls.worker));
    log.detail("worker", w);
    log.detail("engine", e);
    say(
      `worker ${run}/${config.runs}: ${w.confirmations} confirmations in ${fixed(w.seconds)} s = ` +
        `${fixed(w.confirmationsPerSec)}/s; engine ${fixed(e.txPerSec)} tx/s of ${e.itemsPerTransaction} items; ` +
        `${fixed(w.writeUnitsPerConfirmation, 2)} WRU/confirmation (minimum ${fixed(w.minimumWriteUnitsPerConfirmation, 2)}); ` +
        `DynamoDB requests per confirmation: intake ${callList(w.calls.intake)}, worker ${callList(w.calls.worker)}`,
    );
  }
}

type Calls = Readonly<Record<string, { readonly perConfirmation: number }>>;
const requestsPer = (calls: Calls) => Object.values(calls).reduce((n, c) => n + c.perConfirmation, 0);
const callList = (calls: Calls) =>
  `${fixed(requestsPer(calls), 2)} (${Object.entries(calls)
    .map(([command, c]) => `${command} ${fixed(c.perConfirmation, 2)}`)
    .join(", ")})`;

async function measureClose(services: BenchServices, config: BenchConfig, log: RunLog) {
  for (const postings of config.close.postingsPerOrder) {
    const seeded = await timed(() => seedClose(services, `C${postings}`, config.close.orders, postings));
    const fixture = seeded.result;
    say(
      `close: seeded ${fixture.orders} orders × ${postings} postings ` +
        `(${fixture.orders * postings} posting records) in ${fixed(seeded.seconds)} s`,
    );
    for (let run = 1; run <= config.runs; run++) {
      const c = await closeOnce(services, fixture);
      log.add(`closeItemsReadPerOrder${postings}`, c.itemsReadPerOrder);
      log.add(`closeReadUnitsPerOrder${postings}`, c.readUnitsPerOrder);
      log.detail("close", c);
      say(
        `close ${run}/${config.runs}, ${c.orders} orders × ${postings} postings: ` +
          `${fixed(c.itemsReadPerOrder, 2)} items read per order in ${fixed(c.seconds)} s`,
      );
    }
  }
}

/** The ledger's figures (docs/ledger.md): its write units, one material's reads, the close's digest pass. */
async function measureLedger(services: BenchServices, config: BenchConfig, log: RunLog) {
  for (let run = 1; run <= config.runs; run++) {
    const w = await runWorker(services, config.ledger.worker, `L${run}`);
    const perLine = w.ledgerWriteUnitsPerConfirmation / w.ledgerLinesPerConfirmation;
    log.add("ledgerWriteUnitsPerConfirmation", w.ledgerWriteUnitsPerConfirmation);
    log.add("ledgerWriteUnitsPerLine", perLine);
    log.add(
      "ledgerIndexWriteUnitsPerLine",
      w.ledgerIndexWriteUnitsPerConfirmation / w.ledgerLinesPerConfirmation,
    );
    log.add(
      "ledgerTransactionToMinimumRatio",
      w.writeUnitsPerConfirmation / w.minimumWriteUnitsPerConfirmation,
    );
    // The hot component: every confirmation of the mix issues it.
    const m = await readMaterialMovements(services, w.plantIds[0] ?? "", "HOT-1");
    log.add("movementsReadUnitsPerLine", m.readUnitsPerLine);
    log.add("movementsItemsEvaluatedPerLine", m.itemsEvaluatedPerLine);
    log.detail("ledgerWorker", w);
    log.detail("movements", m);
    say(
      `ledger ${run}/${config.runs}: ${fixed(w.ledgerLinesPerConfirmation, 1)} lines and ` +
        `${fixed(w.ledgerWriteUnitsPerConfirmation, 2)} WRU per confirmation (${fixed(perLine, 3)} per line); ` +
        `posting ${fixed(w.writeUnitsPerConfirmation, 2)} WRU (minimum ${fixed(w.minimumWriteUnitsPerConfirmation, 2)}); ` +
        `${m.material}: ${m.lines} lines, ${fixed(m.readUnitsPerLine, 3)} RRU per line`,
    );
  }
  for (const postings of config.ledger.close.postingsPerOrder) {
    const fixture = await seedLedgerClose(services, `LC${postings}`, config.ledger.close.orders, postings);
    for (let run = 1; run <= config.runs; run++) {
      const c = await closeWithLedger(services, fixture);
      log.add(`ledgerSettlementItemsPerOrder${postings}`, c.settlementItemsReadPerOrder);
      log.add(`digestItemsPerLine${postings}`, c.digestItemsReadPerLine);
      log.add(`digestReadUnitsPerLine${postings}`, c.digestReadUnitsPerLine);
      log.add(`sealCheckItemsPerPosting${postings}`, c.sealCheckItemsPerPosting);
      log.add(`sealCheckReadUnitsPerLine${postings}`, c.sealCheckReadUnitsPerLine);
      log.detail("ledgerClose", c);
      say(
        `ledger close ${run}/${config.runs}, ${c.orders} orders × ${postings} postings, ${c.lines} lines: ` +
          `settlement ${fixed(c.settlementItemsReadPerOrder, 2)} items/order; digest pass ` +
          `${fixed(c.digestItemsReadPerLine, 3)} items and ${fixed(c.digestReadUnitsPerLine, 4)} RRU per line; ` +
          `seal check ${fixed(c.sealCheckItemsPerPosting, 2)} items per posting, ${fixed(c.sealCheckReadUnitsPerLine, 4)} RRU per line`,
      );
    }
  }
}

async function measureApi(config: BenchConfig, log: RunLog) {
  for (let run = 1; run <= config.runs; run++) {
    const a = await runApi(config.api, `API${run}`);
    log.add("apiRequestsPerSec", a.requestsPerSec);
    log.add("apiP99Ms", a.p99Ms);
    log.detail("api", a);
    say(
      `API ${run}/${config.runs}: ${a.accepted} accepted in ${fixed(a.seconds, 0)} s = ${fixed(a.requestsPerSec)}/s, ` +
        `p99 ${fixed(a.p99Ms, 0)} ms (one connection alone: p50 ${fixed(a.oneConnectionP50Ms, 0)} ms)` +
        (a.non2xx + a.errors > 0 ? ` (${a.non2xx} non-2xx, ${a.errors} errors)` : ""),
    );
  }
}

async function measureE2e(config: BenchConfig, log: RunLog) {
  for (let run = 1; run <= config.runs; run++) {
    const e = await runE2e(config.e2e, `E2E${run}`);
    log.add("e2eConfirmationsPerSec", e.confirmationsPerSec);
    log.add("e2eEngineTxPerSec", e.engineTxPerSec);
    log.add("e2eToEngineRatio", e.ratio);
    log.add("e2eEngineBareTxPerSec", e.bareEngineTxPerSec);
    log.add("e2eToBareEngineRatio", e.bareRatio);
    log.add("intakeP50Ms16", e.intakeP50Ms);
    log.add("intakeP99Ms16", e.intakeP99Ms);
    log.detail("e2e", e);
    say(
      `e2e ${run}/${config.runs}: ${e.confirmations} confirmations of ${e.itemsPerTransaction} items in ` +
        `${fixed(e.seconds)} s = ${fixed(e.confirmationsPerSec)}/s; engine ${fixed(e.engineTxPerSec)} tx/s; ` +
        `ratio ${fixed(e.ratio, 2)}; without its ${e.ledgerLinesPerConfirmation} ledger lines ` +
        `${fixed(e.bareEngineTxPerSec)} tx/s, ratio ${fixed(e.bareRatio, 2)}; intake p50 ${fixed(e.intakeP50Ms, 0)} ms, p99 ${fixed(e.intakeP99Ms, 0)} ms` +
        (e.non202 > 0 ? ` (${e.non202} not 202)` : ""),
    );
  }
}

/** Once per bench run: moto alone takes minutes at these sizes. */
async function measureQueues(config: BenchConfig, log: RunLog) {
  for (const candidate of queueCandidates()) {
    const q = await runQueueCandidate(candidate, config.queueMessages);
    log.detail("queues", q);
    if (q.sendPerSec === undefined || q.receiveDeletePerSec === undefined) {
      say(`queue ${candidate.label}: skipped (${q.skipped ?? "?"})`);
      continue;
    }
    log.add(`queueSendPerSec_${candidate.key}`, q.sendPerSec);
    log.add(`queueReceiveDeletePerSec_${candidate.key}`, q.receiveDeletePerSec);
    say(
      `queue ${candidate.label}: ${q.messages} messages, send ${fixed(q.sendPerSec, 0)}/s, ` +
        `receive+delete ${fixed(q.receiveDeletePerSec, 0)}/s`,
    );
  }
}

/**
 * Medians and spreads. A ratio's headline is the ratio of the medians (as README.md#performance defines
 * it); its spread is that of the paired per-run ratios. The close's headline is its largest size.
 */
function summaries(log: RunLog, config: BenchConfig): Map<string, Summary> {
  const out = new Map<string, Summary>();
  for (const [key, runs] of log.values) out.set(key, summarize(runs));
  const ratioOfMedians = (ratio: string, numerator: string, denominator: string) => {
    const runs = log.values.get(ratio);
    const n = log.values.get(numerator);
    const d = log.values.get(denominator);
    if (runs && n && d) out.set(ratio, summarize(runs, medianOf(n) / medianOf(d)));
  };
  ratioOfMedians("workerToEngineRatio", "workerConfirmationsPerSec", "engineTxPerSec");
  ratioOfMedians("e2eToEngineRatio", "e2eConfirmationsPerSec", "e2eEngineTxPerSec");
  ratioOfMedians("e2eToBareEngineRatio", "e2eConfirmationsPerSec", "e2eEngineBareTxPerSec");
  ratioOfMedians("writeUnitsToMinimumRatio", "writeUnitsPerConfirmation", "minimumWriteUnitsPerConfirmation");
  const largest = Math.max(...config.close.postingsPerOrder);
  const close = out.get(`closeItemsReadPerOrder${largest}`);
  if (close) out.set("closeItemsReadPerOrder", close);
  return out;
}

process.on("SIGINT", () => process.exit(130));
main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
