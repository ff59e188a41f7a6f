/**
 * Errors of the adapters (functions/adapters/): what a store or queue answered, in terms the use
 * cases can act on. The HTTP edge maps them in functions/api/http/problem.ts.
 */

/** An order with this id is already released. */
export class OrderExistsError extends Error {
  constructor(
    readonly order: string,
    options?: { cause?: unknown },
  ) {
    super(`order ${order} already exists`, options);
    this.name = "OrderExistsError";
  }
}

export type CancellationKind =
  | "duplicate"
  | "version"
  | "period_locked"
  | "stock"
  | "backlog"
  | "conflict"
  | "throttled"
  | "other";

/** The transaction was cancelled; `kind` says why, by the first reason that explains it. */
export class TransactionCancelledError extends Error {
  constructor(
    readonly kind: CancellationKind,
    readonly failedKeys: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`transaction cancelled: ${kind} (${failedKeys.join(", ")})`, options);
    this.name = "TransactionCancelledError";
  }
}
