import { stockDocumentStore, type TableContext, workerStore } from "../../functions/adapters/table/index.js";
import { noMetrics, silentLog } from "../../functions/common/ports.js";
import type { PostingDeps } from "../../functions/use-cases/posting-support.js";
import type { EnqueueBacklogRetry, StockDeps } from "../../functions/use-cases/stock-postings.js";

/**
 * The worker's ports for integration tests: the real table, a fixed clock, silent logs and
 * metrics, and a retry bound generous enough for concurrent tests on DynamoDB Local.
 */
export function postingDeps(table: TableContext, now: string): PostingDeps {
  return {
    store: workerStore(table),
    now: () => new Date(now),
    log: silentLog,
    metrics: noMetrics,
    retry: { maxAttempts: 30, baseDelayMs: 5 },
  };
}

/**
 * The ports of receipts, transfers and counts for integration tests: the real table (or one
 * that injects a fault), a fixed clock, silent logs, and `enqueue` for the backlog retry.
 */
export function stockPostingDeps(table: TableContext, now: string, enqueue: EnqueueBacklogRetry): StockDeps {
  return {
    store: stockDocumentStore(table),
    enqueueBacklogRetry: enqueue,
    now: () => new Date(now),
    log: silentLog,
  };
}
