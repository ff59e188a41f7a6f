import {
  type Decimal,
  dec,
  formatMoney,
  formatQty,
  type Material,
  type Movement,
  stockKey,
  ZERO,
} from "../../domain/index.js";
import type { MovementView, WorkerStore } from "../adapters/table/index.js";
import { isTransient, TransactionCancelledError } from "../adapters/table/index.js";
import { backoffDelay, type LogPort, type MetricsPort, sleep } from "../common/ports.js";

/** The worker's ports: its store on the table, a clock, logs and metrics. */
export interface PostingDeps {
  readonly store: WorkerStore;
  readonly now: () => Date;
  readonly log: LogPort;
  readonly metrics: MetricsPort;
  readonly retry?: { readonly maxAttempts: number; readonly baseDelayMs: number };
  readonly sleep?: (ms: number) => Promise<void>;
  /** Fault injection for tests: throwing here simulates a crash between two chunks. */
  readonly faults?: {
    afterChunk?(chunk: number): void | Promise<void>;
    /** Called after a posting read its stock, before it commits (a stale read in tests). */
    beforeCommit?(): void | Promise<void>;
    /** Lines after the commit, as for a posting whose lines do not fit its transaction. */
    linesAfterCommit?: boolean;
  };
}

export const DEFAULT_RETRY = { maxAttempts: 8, baseDelayMs: 25 } as const;

/**
 * Runs one attempt after another until it commits. Re-reading and recomputing is the
 * answer to a version conflict or a stock shortfall; waiting with jitter to a transaction
 * conflict or throttling. After the bound the error goes up, so SQS delivers the record again.
 */
export async function withPostingRetries<T>(deps: PostingDeps, attempt: () => Promise<T>): Promise<T> {
  const { maxAttempts, baseDelayMs } = deps.retry ?? DEFAULT_RETRY;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const reason =
        error instanceof TransactionCancelledError
          ? error.kind
          : isTransient(error)
            ? "transient"
            : undefined;
      const retryable =
        reason !== undefined && reason !== "duplicate" && reason !== "other" && reason !== "reversing";
      if (!retryable || n >= maxAttempts) throw error;
      deps.metrics.add("TransactionRetries", "Count", 1, { reason });
      deps.log.warn("posting retried", { reason, attempt: n });
      await (deps.sleep ?? sleep)(backoffDelay(n, baseDelayMs));
    }
  }
}

/** Retries only what waiting cures (a transaction conflict, throttling); anything else goes up at once. */
export async function withTransientRetries<T>(deps: PostingDeps, attempt: () => Promise<T>): Promise<T> {
  const { maxAttempts, baseDelayMs } = deps.retry ?? DEFAULT_RETRY;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransient(error) || n >= maxAttempts) throw error;
      deps.metrics.add("TransactionRetries", "Count", 1, { reason: "transient" });
      await (deps.sleep ?? sleep)(backoffDelay(n, baseDelayMs));
    }
  }
}

/** Movements in the HTTP contract's shape; quantities to the material's decimals. */
export function movementViews(
  movements: readonly Movement[],
  materials: ReadonlyMap<string, Material>,
): MovementView[] {
  return movements.map((m): MovementView => {
    if (m.kind === "activity") {
      return {
        kind: "activity",
        operation: m.operation,
        workCenter: m.workCenter,
        activity: m.activity,
        qty: m.qty.toFixed(),
        value: formatMoney(m.value),
      };
    }
    const decimals = materials.get(m.material)?.decimals;
    return {
      kind: m.kind,
      material: m.material,
      location: m.location,
      qty: decimals === undefined ? m.qty.toFixed() : formatQty(m.qty, decimals),
      value: formatMoney(m.value),
    };
  });
}

/** Value issued from each stock item by these movements (inventory turnover aggregate). */
export function issuedValueByStockItem(movements: readonly Movement[]): Map<string, Decimal> {
  const out = new Map<string, Decimal>();
  for (const m of movements) {
    if (m.kind !== "issue") continue;
    const key = stockKey(m.material, m.location);
    out.set(key, (out.get(key) ?? ZERO).plus(m.value));
  }
  return out;
}

/** Re-exported for the posting use cases; the rule lives in domain/reorder.ts. */
export { isReorderCandidate } from "../../domain/index.js";

export const decimalOrZero = (value: string | undefined, field: string): Decimal =>
  value === undefined ? ZERO : dec(value, field);

export const isoDate = (d: Date) => d.toISOString().slice(0, 10);
