/**
 * The benchmark's output: machine facts, one line per figure (median of the runs, with their
 * spread), and bench/results.json with the same figures as plain numbers (README.md#performance).
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";

export interface MachineFacts {
  readonly cpuModel: string;
  readonly cores: number;
  readonly nodeVersion: string;
  readonly platform: string;
  readonly memoryGb: number;
  /** 1-minute load average when the bench started and ended: a busy machine skews every figure. */
  readonly loadAverage: { readonly start: number; end?: number };
}

export function machineFacts(): MachineFacts {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    nodeVersion: process.version,
    platform: `${process.platform}-${process.arch}`,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    loadAverage: { start: round(loadavg()[0] ?? 0, 2) },
  };
}

export interface FigureSpec {
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  readonly digits: number;
  readonly goal?: string;
}

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: readonly number[];
}

export function summarize(runs: readonly number[], median = medianOf(runs)): Summary {
  return { median, min: Math.min(...runs), max: Math.max(...runs), runs };
}

export function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}

export interface BenchResults {
  readonly generatedAt: string;
  readonly quick: boolean;
  readonly runsPerFigure: number;
  readonly durationSeconds: number;
  readonly machine: MachineFacts;
  readonly figures: ReadonlyMap<string, Summary>;
  readonly details: Record<string, unknown>;
}

/** The JSON document: every figure's median as a top-level number, then spread, runs and details. */
export function writeResults(file: string, specs: readonly FigureSpec[], results: BenchResults): void {
  const top: Record<string, number> = {};
  const spread: Record<string, { min: number; max: number }> = {};
  const runs: Record<string, number[]> = {};
  for (const spec of specs) {
    const s = results.figures.get(spec.key);
    if (!s) continue;
    top[spec.key] = round(s.median, spec.digits + 2);
    spread[spec.key] = { min: round(s.min, spec.digits + 2), max: round(s.max, spec.digits + 2) };
    runs[spec.key] = s.runs.map((r) => round(r, spec.digits + 2));
  }
  const document = {
    generatedAt: results.generatedAt,
    quick: results.quick,
    runsPerFigure: results.runsPerFigure,
    durationSeconds: round(results.durationSeconds, 0),
    machine: results.machine,
    ...top,
    goals: Object.fromEntries(specs.flatMap((s) => (s.goal ? [[s.key, s.goal]] : []))),
    spread,
    runs,
    details: results.details,
  };
  // Written aside, then renamed: an interrupted run never leaves a half-written file.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(document, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/**
 * BENCH_MERGE=1 with BENCH_ONLY: the figures of this partial run replace those of the same keys
 * in the existing file; everything else stays, and `partialRuns` says which scenarios were redone when.
 */
export function mergeResults(
  file: string,
  specs: readonly FigureSpec[],
  results: BenchResults,
  scenarios: readonly string[],
): void {
  const old = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  const section = (name: string) => (old[name] ?? {}) as Record<string, unknown>;
  const spread = section("spread");
  const runs = section("runs");
  const goals = section("goals");
  const details = section("details");
  const top: Record<string, number> = {};
  for (const spec of specs) {
    const s = results.figures.get(spec.key);
    if (!s) continue;
    top[spec.key] = round(s.median, spec.digits + 2);
    spread[spec.key] = { min: round(s.min, spec.digits + 2), max: round(s.max, spec.digits + 2) };
    runs[spec.key] = s.runs.map((r) => round(r, spec.digits + 2));
    if (spec.goal) goals[spec.key] = spec.goal;
  }
  const partialRuns = [
    ...((old.partialRuns as unknown[] | undefined) ?? []),
    {
      scenarios,
      generatedAt: results.generatedAt,
      quick: results.quick,
      runsPerFigure: results.runsPerFigure,
    },
  ];
  const document = {
    ...old,
    ...top,
    goals,
    spread,
    runs,
    details: { ...details, ...results.details },
    partialRuns,
  };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(document, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** A fixed-width table: figure, median, spread of the runs, unit, goal. */
export function renderTable(specs: readonly FigureSpec[], results: BenchResults): string {
  const m = results.machine;
  const rows = specs.flatMap((spec) => {
    const s = results.figures.get(spec.key);
    if (!s) return [];
    const f = (x: number) => x.toFixed(spec.digits);
    return [[spec.label, f(s.median), `${f(s.min)} – ${f(s.max)}`, spec.unit, spec.goal ?? ""]];
  });
  const header = ["figure", "median", "min – max", "unit", "goal"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ");
  return [
    `machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.nodeVersion} (${m.platform})`,
    `load average: ${m.loadAverage.start} at start, ${m.loadAverage.end ?? "?"} at end` +
      `; ${results.runsPerFigure} runs per figure${results.quick ? "; QUICK run (smoke sizes)" : ""}`,
    "",
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
  ].join("\n");
}

export const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export const currentLoad = () => round(loadavg()[0] ?? 0, 2);
