/**
 * Transient failures inside a close (README.md#reliability): a TransactionConflict on the
 * period state (concurrent stock postings ConditionCheck it), or throttling, is retried where it
 * happens, with the project's backoff (retry.ts), instead of failing the whole close request,
 * which would come back only after the close queue's visibility timeout. What is still failing
 * after the retries fails the request; the close handler then asks SQS for an early redelivery.
 */
import { isTransient } from "../adapters/table/index.js";
import type { LedgerSealStore } from "./ledger-seal.js";
import type { PeriodCloseStore } from "./period-close-port.js";
import { backOff, type RetryDeps } from "./retry.js";

/** `fn` again after each transient failure, with backoff; RetriesExhaustedError after the last. */
export async function withCloseRetries<T>(deps: RetryDeps, what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isTransient(error)) throw error;
      await backOff(deps, attempt, what, error);
    }
  }
}

type Methods<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<R> : T[K];
};

/** Every asynchronous method of `target` through withCloseRetries; other members as they are. */
function retrying<T extends object>(
  target: T,
  deps: RetryDeps,
  name: string,
  skip: readonly string[] = [],
): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(target)) {
    out[key] =
      typeof value === "function" && !skip.includes(key)
        ? (...args: unknown[]) => withCloseRetries(deps, `${name}.${key}`, () => value.apply(target, args))
        : value;
  }
  return out as Methods<T> as T;
}

/** The close's store with every call retried on conflicts and throttling (the ledger seal's too). */
export function retryingCloseStore(store: PeriodCloseStore, deps: RetryDeps): PeriodCloseStore {
  const seal: LedgerSealStore = {
    ...retrying(store.ledgerSeal, deps, "ledgerSeal", ["ledger"]),
    // `put` builds a transaction item synchronously: left as it is.
    ledger: retrying(store.ledgerSeal.ledger, deps, "ledger", ["put"]),
  };
  return { ...retrying(store, deps, "close", ["ledgerSeal"]), ledgerSeal: seal };
}
