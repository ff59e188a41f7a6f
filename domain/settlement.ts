import { stateThrough, wipThrough } from "./cutoff.js";
import { type Decimal, roundMoney, ZERO } from "./decimal.js";
import type { JournalEntry, MasterData } from "./model.js";
import {
  bookOnOrder,
  type Order,
  type OrderStatus,
  requireMaterial,
  scrapFactor,
  statusAfterPosting,
} from "./order.js";
import {
  subtractByWorkCenter,
  varianceByWorkCenter,
  type WorkCenterVariance,
} from "./variance-by-work-center.js";

export interface Variance {
  readonly total: Decimal;
  readonly scrap: Decimal;
  readonly usage: Decimal;
  readonly other: Decimal;
  /** Scrap and usage by work center; the rows add up to `scrap` and `usage` exactly. */
  readonly byWorkCenter: readonly WorkCenterVariance[];
}

export type SettlementResult =
  | { readonly kind: "carried"; readonly wip: Decimal; readonly order: Order }
  | {
      readonly kind: "settled";
      readonly variance: Variance;
      readonly journal: readonly JournalEntry[];
      readonly order: Order;
    }
  | { readonly kind: "nothing"; readonly order: Order };

/**
 * The order's status for a close of `period` (docs/rules.md#cut-off): a closed order stays
 * closed; otherwise completed when the last operation's yield reached the order quantity with
 * postings of periods ≤ period, in process when any such posting stands, else released.
 */
export function statusThrough(order: Order, period: string): OrderStatus {
  if (order.state.status === "closed") return "closed";
  return statusAfterPosting(order.snapshot, stateThrough(order.state, period), "released");
}

/**
 * Period-end settlement of one order for `period` (docs/rules.md#settlement), on the order as
 * the postings of periods ≤ period left it (cut-off; later postings stay for later closes).
 * - not completed for the period: WIP carried = debits − credits through it, no entry;
 * - completed (or closed with WIP posted since it was settled): the WIP balance V through it is the
 *   variance, split into scrap, usage and other; Dr VARIANCE_* / Cr WIP, signs flipped for
 *   favourable parts; the order becomes `closed` with WIP 0.
 * A re-settlement posts only the scrap and usage not yet settled; other takes the rest.
 */
export function settle(order: Order, md: MasterData, period: string): SettlementResult {
  const { state } = order;
  // Cut-off: only postings of periods ≤ period count, for the status and for the amounts.
  const wip = wipThrough(state, period);
  const status = statusThrough(order, period);
  if (status === "released" || status === "in_process") return { kind: "carried", wip, order };
  if (status === "closed" && wip.isZero()) return { kind: "nothing", order };

  const through: Order = { snapshot: order.snapshot, state: stateThrough(state, period) };
  const scrap = roundMoney(scrapVarianceUnrounded(through, md)).minus(state.settled.scrap);
  const usage = roundMoney(usageVarianceUnrounded(through, md)).minus(state.settled.usage);
  const other = wip.minus(scrap).minus(usage);
  const journal = (
    [
      ["VARIANCE_SCRAP", scrap],
      ["VARIANCE_USAGE", usage],
      ["VARIANCE_OTHER", other],
    ] as const
  )
    .filter(([, amount]) => !amount.isZero())
    .map(
      ([account, amount]): JournalEntry =>
        amount.isPositive()
          ? { debit: account, credit: "WIP", amount }
          : { debit: "WIP", credit: account, amount: amount.neg() },
    );
  const booked = bookOnOrder(state, period, journal);
  // By work center: the allocation of the order's totals so far, less what earlier settlements gave.
  const allocated = varianceByWorkCenter(through, md, {
    scrap: state.settled.scrap.plus(scrap),
    usage: state.settled.usage.plus(usage),
  });
  const byWorkCenter = subtractByWorkCenter(allocated, state.settled.byWorkCenter ?? []);
  return {
    kind: "settled",
    variance: { total: wip, scrap, usage, other, byWorkCenter },
    journal,
    order: {
      snapshot: order.snapshot,
      state: {
        ...booked,
        status: "closed",
        settled: {
          scrap: state.settled.scrap.plus(scrap),
          usage: state.settled.usage.plus(usage),
          other: state.settled.other.plus(other),
          byWorkCenter: allocated,
        },
      },
    },
  };
}

/**
 * Planned cost of one unit of the parent up to and including each operation: components
 * backflushed at that operation or earlier at standard (with their planned scrap), plus
 * hoursPerUnit × rate. Fixed-quantity items and setup are per order, not per unit.
 */
export function plannedUnitCostUpTo(order: Order, md: MasterData): Map<string, Decimal> {
  const baseQty = order.snapshot.baseQty;
  const result = new Map<string, Decimal>();
  for (const [op, cost] of plannedCostParts(order, md)) {
    result.set(op, cost.componentsPerBase.div(baseQty).plus(cost.activitiesPerUnit));
  }
  return result;
}

/**
 * The cumulative planned cost per operation in two parts: components per BOM base quantity
 * (still to be divided by it) and activities per unit. Keeping the division apart lets the
 * scrap variance divide once, last, so an exact half cent is never seen as 0.4999….
 */
function plannedCostParts(
  order: Order,
  md: MasterData,
): Map<string, { componentsPerBase: Decimal; activitiesPerUnit: Decimal }> {
  const { snapshot } = order;
  const result = new Map<string, { componentsPerBase: Decimal; activitiesPerUnit: Decimal }>();
  let componentsPerBase = ZERO;
  let activitiesPerUnit = ZERO;
  for (const op of snapshot.operations) {
    for (const it of snapshot.items) {
      if (it.operation !== op.op || !it.backflush || it.fixedQty) continue;
      const price = requireMaterial(md.materials, it.component).standardPrice;
      componentsPerBase = componentsPerBase.plus(it.qty.times(scrapFactor(it)).times(price));
    }
    const rates = op.workCenter ? (md.workCenters.get(op.workCenter)?.rates ?? {}) : {};
    for (const [act, perUnit] of Object.entries(op.hoursPerUnit))
      activitiesPerUnit = activitiesPerUnit.plus(perUnit.times(rates[act] ?? ZERO));
    result.set(op.op, { componentsPerBase, activitiesPerUnit });
  }
  return result;
}

/** scrap = Σ_k scrap_k × planned unit cost up to and including k (unrounded). */
export function scrapVarianceUnrounded(order: Order, md: MasterData): Decimal {
  const parts = plannedCostParts(order, md);
  let components = ZERO;
  let activities = ZERO;
  for (const [op, s] of Object.entries(order.state.operations)) {
    const cost = parts.get(op);
    if (!cost) continue;
    components = components.plus(s.confirmedScrap.times(cost.componentsPerBase));
    activities = activities.plus(s.confirmedScrap.times(cost.activitiesPerUnit));
  }
  return components.div(order.snapshot.baseQty).plus(activities);
}

/** usage = Σ_i (issued_i − planned_i) × standard price + Σ (actual − planned hours) × rate (unrounded). */
export function usageVarianceUnrounded(order: Order, md: MasterData): Decimal {
  let total = ZERO;
  for (const c of Object.values(order.state.components)) {
    const price = requireMaterial(md.materials, c.component).standardPrice;
    total = total.plus(c.issued.minus(c.planned).times(price));
  }
  for (const op of order.snapshot.operations) {
    const s = order.state.operations[op.op];
    if (!s || !op.workCenter) continue;
    const rates = md.workCenters.get(op.workCenter)?.rates ?? {};
    for (const act of new Set([...Object.keys(s.actualHours), ...Object.keys(s.plannedHours)])) {
      const diff = (s.actualHours[act] ?? ZERO).minus(s.plannedHours[act] ?? ZERO);
      total = total.plus(diff.times(rates[act] ?? ZERO));
    }
  }
  return total;
}

/**
 * Inventory turnover of a component in a period: issued value / ((opening + closing) / 2),
 * to 2 places; null when the average stock value is zero (turnover undefined).
 */
export function inventoryTurnover(
  issuedValue: Decimal,
  openingValue: Decimal,
  closingValue: Decimal,
): Decimal | null {
  const average = openingValue.plus(closingValue).div(2);
  if (average.isZero()) return null;
  return roundMoney(issuedValue.div(average));
}
