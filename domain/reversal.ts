import { applyPosting, journalFor, type PostedConfirmation, stockDeltas } from "./backflush.js";
import { AlreadyReversedError, OrderClosedError } from "./errors.js";
import { type JournalEntry, type Material, type Movement, ownValue, type StockDelta } from "./model.js";
import type { ComponentState, Order, OrderSnapshot } from "./order.js";

export interface ReversalResult {
  readonly movements: readonly Movement[];
  readonly journal: readonly JournalEntry[];
  readonly stock: readonly StockDelta[];
  readonly order: Order;
}

/** A movement's exact opposite: same item, material, location; quantity and value negated. */
export const opposite = (m: Movement): Movement => ({ ...m, qty: m.qty.neg(), value: m.value.neg() });

/**
 * Reversal (docs/rules.md#reversal): the exact opposite of every movement the confirmation posted (and of
 * backlog lines of it that posted later), with quantities, planned amounts and hours taken
 * back, in the reversal's own period. Open backlog lines are cancelled by the adapter.
 * Reversal never guards stock: the opposite of a posting must post, even if it shows a
 * negative on-hand that a count must then explain.
 */
export function reverse(
  order: Order,
  record: PostedConfirmation,
  ctx: {
    readonly period: string;
    readonly materials: ReadonlyMap<string, Material>;
    readonly reversed: boolean;
    /** Issues of this confirmation's backlog lines that posted after it. */
    readonly backlogPostings?: readonly Movement[] | undefined;
  },
): ReversalResult {
  if (ctx.reversed) throw new AlreadyReversedError(record.confirmationId);
  if (order.state.status === "closed") throw new OrderClosedError(order.snapshot.order);
  const posted = [...record.movements, ...(ctx.backlogPostings ?? [])];
  const movements = posted.map(opposite);
  const journal = journalFor(movements, ctx.materials);
  const lines = Object.keys(record.planned).map((line) => {
    const cur = ownValue(order.state.components, line);
    return { line, item: cur?.item, component: cur?.component ?? line, operation: record.operation };
  });
  const next = applyPosting(order, { ...record, movements: posted }, lines, -1, ctx.period, journal);
  return {
    movements,
    journal,
    stock: stockDeltas(movements, ctx.materials).map((d) => ({ ...d, guardNonNegative: false })),
    order: next,
  };
}

/**
 * An extra component line (`+COMPONENT`) that was never planned and is back to zero after a
 * reversal: the order view leaves it out, as if it had never been posted (docs/rules.md).
 */
export const isEmptiedExtraLine = (snapshot: OrderSnapshot, line: string, c: ComponentState): boolean =>
  !snapshot.items.some((it) => it.item === line) && c.planned.isZero() && c.issued.isZero();
