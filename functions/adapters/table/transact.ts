import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { TransactWriteCommand, type TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { type CancellationKind, TransactionCancelledError } from "../errors.js";
import type { TableContext } from "./client.js";
import { markPostedPeriods, type PostedPeriods } from "./posted-periods.js";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** What an item in a transaction stands for, so a cancellation can be explained. */
export type ItemRole =
  | "record"
  | "order"
  | "stock"
  | "backlog"
  | "document"
  | "marker"
  | "period"
  | "reversing"
  | "other";

export interface TaggedItem {
  readonly role: ItemRole;
  readonly key: string;
  readonly item: TransactItem;
  /** The periods this item posts stock or WIP in: marked before the transaction is sent. */
  readonly posts?: PostedPeriods | undefined;
}

/** The largest transaction DynamoDB accepts. */
export const MAX_TRANSACTION_ITEMS = 100;

/**
 * One TransactWriteItems. Reads CancellationReasons (docs/api.md#reliability): a failed condition on the
 * idempotency record is a duplicate, on the order a version conflict, on the period state
 * a period locked since it was read, on a stock item a shortfall; TransactionConflict and
 * throttling are retryable.
 */
export async function transactWrite(table: TableContext, items: readonly TaggedItem[]): Promise<void> {
  // Ahead of the commit, so no posting is ever without its period's marker (posted-periods.ts).
  await markPostedPeriods(
    table,
    items.flatMap((i) => (i.posts ? [i.posts] : [])),
  );
  try {
    await table.ddb.send(new TransactWriteCommand({ TransactItems: items.map((i) => i.item) }));
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    throw explain(items, error);
  }
}

function explain(
  items: readonly TaggedItem[],
  error: TransactionCanceledException,
): TransactionCancelledError {
  const reasons = error.CancellationReasons ?? [];
  const failed = reasons.flatMap((r, i) =>
    r.Code && r.Code !== "None" ? [{ code: r.Code, tagged: items[i] }] : [],
  );
  const keys = failed.map((f) => `${f.tagged?.role ?? "?"}:${f.tagged?.key ?? "?"}:${f.code}`);
  const conditional = failed.filter((f) => f.code === "ConditionalCheckFailed");
  const has = (role: ItemRole) => conditional.some((f) => f.tagged?.role === role);
  let kind: CancellationKind = "other";
  if (has("record") || has("marker")) kind = "duplicate";
  else if (has("order")) kind = "version";
  else if (has("period")) kind = "period_locked";
  else if (has("reversing")) kind = "reversing";
  else if (has("stock")) kind = "stock";
  else if (has("backlog") || has("document")) kind = "backlog";
  else if (failed.some((f) => f.code === "TransactionConflict")) kind = "conflict";
  else if (failed.some((f) => f.code === "ThrottlingError" || f.code === "ProvisionedThroughputExceeded")) {
    kind = "throttled";
  }
  const failures = failed.map((f) => ({
    role: f.tagged?.role ?? "other",
    key: f.tagged?.key ?? "?",
    code: f.code,
  }));
  return new TransactionCancelledError(kind, keys, { cause: error }, failures);
}

const RETRYABLE_ERRORS = new Set([
  "TransactionConflictException",
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
]);

/** Retryable without recomputing: a conflict with another transaction or throttling. */
export function isTransient(error: unknown): boolean {
  if (error instanceof TransactionCancelledError)
    return error.kind === "conflict" || error.kind === "throttled";
  return error instanceof Error && RETRYABLE_ERRORS.has(error.name);
}
