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
  | "reversing"
  | "conflict"
  | "throttled"
  | "other";

/**
 * The transaction was cancelled; `kind` says why, by the first reason that explains it.
 * `reversing`: the posting a backlog line belongs to is reversed or being reversed.
 */
export class TransactionCancelledError extends Error {
  constructor(
    readonly kind: CancellationKind,
    readonly failedKeys: readonly string[],
    options?: { cause?: unknown },
    /** The items that failed, by role and key, with DynamoDB's reason code. */
    readonly failures: readonly { role: string; key: string; code: string }[] = [],
  ) {
    super(`transaction cancelled: ${kind} (${failedKeys.join(", ")})`, options);
    this.name = "TransactionCancelledError";
  }
}
