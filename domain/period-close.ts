/**
 * The rules of the period close that are not settlement itself (docs/rules.md, "Period
 * close"): which periods may be closed, WIP through a period, the report row of an order,
 * the stock journal, inventory turnover and the plant's currency. Pure: the close use case
 * (functions/use-cases/close-run.ts) reads and writes, these decide.
 */
import { dropChangesThrough, wipThrough } from "./cutoff.js";
import { type Decimal, formatMoney, roundMoney, ZERO } from "./decimal.js";
import { type JournalTotals, mergeJournals } from "./journal.js";
import { type MasterData, type Material, ownValue } from "./model.js";
import { type Order, type OrderState, type OrderStatus, wipBalance } from "./order.js";
import { type PeriodState, previousPeriod } from "./period.js";
import { inventoryTurnover, settle, statusThrough, type Variance } from "./settlement.js";
import type { WorkCenterVariance } from "./variance-by-work-center.js";

/** The currency of a plant whose materials name none (then it has nothing to report either). */
export const FALLBACK_CURRENCY = "USD";

/**
 * The plant's currency: that of its first material by id (the system does not convert
 * currencies, so every material of a plant is priced in one).
 */
export const plantCurrency = (firstMaterial: Pick<Material, "currency"> | undefined): string =>
  firstMaterial?.currency ?? FALLBACK_CURRENCY;

/** Why a close of a period may not start, or that it is already done. */
export type Closability =
  | { readonly kind: "open" }
  | { readonly kind: "closed" }
  | { readonly kind: "future"; readonly current: string }
  | { readonly kind: "later_locked"; readonly later: string }
  | { readonly kind: "earlier_open"; readonly earlier: string };

/**
 * Whether `period` may be closed today (period `current`): not before it has begun; a closed
 * one is done; not while a later period is already closing or closed (orders that close
 * processed no longer take postings in the earlier one, so it could never close completely);
 * closes go in order, so not while an earlier period that has postings (`posted`) is not
 * closed (the earliest such one is named). Periods up to the latest closed one no longer count:
 * nothing can close them any more, and no posting can land in them.
 */
export function closability(
  state: PeriodState,
  period: string,
  current: string,
  posted: Iterable<string> = [],
): Closability {
  if (period > current) return { kind: "future", current };
  if (state.locked.get(period) === "closed") return { kind: "closed" };
  const later = [...state.locked.keys()].filter((p) => p > period).sort()[0];
  if (later !== undefined) return { kind: "later_locked", later };
  const latestClosed = latestClosedPeriod(state);
  const earlier = [...posted]
    .filter(
      (p) =>
        p < period && state.locked.get(p) !== "closed" && (latestClosed === undefined || p > latestClosed),
    )
    .sort()[0];
  if (earlier !== undefined) return { kind: "earlier_open", earlier };
  return { kind: "open" };
}

const latestClosedPeriod = (state: PeriodState): string | undefined =>
  [...state.locked]
    .filter(([, lock]) => lock === "closed")
    .map(([p]) => p)
    .sort()
    .at(-1);

/**
 * Whether deciding the close of `period` needs the periods that have postings: not when the
 * period just before it is closed (nothing in between can be open).
 */
export const needsPostedPeriods = (state: PeriodState, period: string): boolean =>
  state.locked.get(previousPeriod(period)) !== "closed";

/**
 * The periods that have postings no close has taken yet: those of an order's journal totals
 * after its `closedThrough`, and those of the stock items' aggregates (receipts, transfers,
 * counts, issues).
 */
export function periodsWithPostings(
  orders: Iterable<{ readonly state: OrderState; readonly closedThrough?: string | undefined }>,
  stock: Iterable<StockItemTotals>,
): Set<string> {
  const out = new Set<string>();
  for (const { state, closedThrough } of orders) {
    for (const [p, totals] of Object.entries(state.periods)) {
      if (Object.keys(totals).length > 0 && !isClosedThrough(closedThrough, p)) out.add(p);
    }
  }
  for (const { aggregates } of stock) {
    for (const map of [aggregates.qtyChange, aggregates.issuedValue, aggregates.journal]) {
      for (const p of map.keys()) out.add(p);
    }
  }
  return out;
}

/** An order whose `closedThrough` reaches the period was closed for it: never settled twice. */
export const isClosedThrough = (closedThrough: string | undefined, period: string): boolean =>
  closedThrough !== undefined && closedThrough >= period;

/** True when the order carries journal totals of a period after `period`. */
export const hasTotalsAfter = (state: OrderState, period: string): boolean =>
  Object.entries(state.periods).some(([p, totals]) => p > period && Object.keys(totals).length > 0);

/**
 * After its close of `period` an order leaves the close index when nothing can reach a later
 * close any more: closed, WIP 0 and no totals of a later period.
 */
export const leavesCloseIndex = (state: OrderState, period: string): boolean =>
  state.status === "closed" && wipBalance(state).isZero() && !hasTotalsAfter(state, period);

/** What a close records about one order (formatted only in the report view). */
export interface CloseRow {
  readonly order: string;
  readonly material: string;
  readonly status: OrderStatus;
  /** WIP at the end of the period (0 once settled). */
  readonly wip: Decimal;
  /** Its `byWorkCenter` is absent on rows closed before variance by work center existed. */
  readonly variance: Omit<Variance, "byWorkCenter"> & {
    readonly byWorkCenter?: readonly WorkCenterVariance[] | undefined;
  };
  /** The order's journal totals of the period, its settlement included. */
  readonly journal: JournalTotals;
}

export const NO_VARIANCE: Variance = { total: ZERO, scrap: ZERO, usage: ZERO, other: ZERO, byWorkCenter: [] };

/**
 * The close of one order for `period`: the settled (or carried) order and its report row;
 * no row for an order with nothing in or for the period.
 */
export function closeOrder(order: Order, md: MasterData, period: string): { next: Order; row?: CloseRow } {
  const result = settle(order, md, period);
  // The quantities' changes of periods ≤ period are no later close's business.
  const next: Order = {
    snapshot: result.order.snapshot,
    state: dropChangesThrough(result.order.state, period),
  };
  const journal = next.state.periods[period] ?? {};
  if (result.kind === "nothing" && Object.keys(journal).length === 0) return { next };
  return {
    next,
    row: {
      order: next.snapshot.order,
      material: next.snapshot.material,
      // The status for the period: a carried order may already be completed by a later period.
      status: result.kind === "carried" ? statusThrough(order, period) : next.state.status,
      wip: wipThrough(next.state, period),
      variance: result.kind === "settled" ? result.variance : NO_VARIANCE,
      journal,
    },
  };
}

/**
 * An order's row in a period that is not closed yet, to date (docs/api.md#periods): its status
 * for the period, WIP through it and the period's journal so far; no variance until a close
 * settles it. None for a closed order with nothing in or for the period.
 */
export function rowToDate(order: Order, period: string): CloseRow | undefined {
  const journal = ownValue(order.state.periods, period) ?? {};
  const status = statusThrough(order, period);
  const wip = wipThrough(order.state, period);
  if (status === "closed" && wip.isZero() && Object.keys(journal).length === 0) return undefined;
  return {
    order: order.snapshot.order,
    material: order.snapshot.material,
    status,
    wip,
    variance: NO_VARIANCE,
    journal,
  };
}

/** A stock item's per-period aggregates, by period `YYYY-MM` (docs/data-model.md, stock item). */
export interface StockAggregates {
  /** On-hand change of the period. */
  readonly qtyChange: ReadonlyMap<string, Decimal>;
  /** Value issued from the item in the period (inventory turnover). */
  readonly issuedValue: ReadonlyMap<string, Decimal>;
  /** Journal totals of the period's stock-only postings (receipts, counts). */
  readonly journal: ReadonlyMap<string, JournalTotals>;
}

/** A stock item as the close sees it: on-hand now and the aggregates of every period. */
export interface StockItemTotals {
  readonly material: string;
  readonly onHand: Decimal;
  readonly aggregates: StockAggregates;
}

/** The period's journal of stock-only postings (receipts, counts), over every stock item. */
export const stockJournal = (stock: readonly StockItemTotals[], period: string): JournalTotals =>
  mergeJournals(stock.map((s) => s.aggregates.journal.get(period)));

export interface TurnoverLine {
  readonly material: string;
  readonly issuedValue: string;
  readonly averageValue: string;
  /** Null when the average stock value is zero (turnover undefined). */
  readonly turnover: string | null;
}

/**
 * Inventory turnover per component (docs/rules.md): issued value / average of opening and
 * closing value. Closing quantity = on-hand now minus the changes of later periods; opening =
 * closing minus the period's change; both valued at today's standard price. A manufactured
 * material that nothing consumed is not a component; a line with no stock and no issue says
 * nothing. Lines by material id.
 */
export function turnoverLines(
  stock: readonly StockItemTotals[],
  materials: ReadonlyMap<string, Material>,
  period: string,
): TurnoverLine[] {
  const byMaterial = new Map<string, { onHand: Decimal; later: Decimal; change: Decimal; issued: Decimal }>();
  for (const row of stock) {
    const agg = byMaterial.get(row.material) ?? { onHand: ZERO, later: ZERO, change: ZERO, issued: ZERO };
    agg.onHand = agg.onHand.plus(row.onHand);
    agg.issued = agg.issued.plus(row.aggregates.issuedValue.get(period) ?? ZERO);
    for (const [p, change] of row.aggregates.qtyChange) {
      if (p === period) agg.change = agg.change.plus(change);
      else if (p > period) agg.later = agg.later.plus(change);
    }
    byMaterial.set(row.material, agg);
  }
  const lines: TurnoverLine[] = [];
  for (const [id, agg] of [...byMaterial].sort(([a], [b]) => a.localeCompare(b))) {
    const material = materials.get(id);
    if (!material) continue;
    const closingQty = agg.onHand.minus(agg.later);
    const openingQty = closingQty.minus(agg.change);
    const closing = roundMoney(closingQty.times(material.standardPrice));
    const opening = roundMoney(openingQty.times(material.standardPrice));
    if (material.hasBom && agg.issued.isZero()) continue;
    if (agg.issued.isZero() && closing.isZero() && opening.isZero()) continue;
    const turnover = inventoryTurnover(agg.issued, opening, closing);
    lines.push({
      material: id,
      issuedValue: formatMoney(agg.issued),
      averageValue: formatMoney(roundMoney(opening.plus(closing).div(2))),
      turnover: turnover === null ? null : formatMoney(turnover),
    });
  }
  return lines;
}
