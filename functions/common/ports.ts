/**
 * The small ports use cases take as parameters. In Lambda they are Powertools Logger and
 * Metrics; in tests, recording fakes. Use cases never import a logger or a client themselves.
 */
export interface LogPort {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export type MetricUnit = "Count" | "Milliseconds";

export interface MetricsPort {
  add(name: string, unit: MetricUnit, value: number, dimensions?: Record<string, string>): void;
}

export const silentLog: LogPort = { info: () => {}, warn: () => {}, error: () => {} };
export const noMetrics: MetricsPort = { add: () => {} };

/** Bounded exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"). */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  capMs = 2_000,
  random: () => number = Math.random,
) {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
