import { type Decimal, roundMoney, ZERO } from "./decimal.js";
import type { MasterData } from "./model.js";
import { lastOperation, type Order, requireMaterial, scrapFactor } from "./order.js";

/**
 * One work center's share of an order's (or a period's) scrap and usage variance.
 * `workCenter` is null for the implicit operation of a material without routing.
 */
export interface WorkCenterVariance {
  readonly workCenter: string | null;
  readonly scrap: Decimal;
  readonly usage: Decimal;
}

interface Unrounded {
  scrapComponentsPerBase: Decimal;
  scrapActivities: Decimal;
  usage: Decimal;
}

/**
 * Scrap and usage by work center (docs/ledger.md, "Variance by work center"):
 * - the scrap of operation k (its scrap × the planned unit cost up to and including k) goes to
 *   k's work center;
 * - a component line's usage ((issued − planned) × standard price) to the work center of the
 *   operation it is backflushed at: a substitute line and an unplanned line are recorded at
 *   the confirmation's operation, which is the replaced item's;
 * - an activity's usage ((actual − planned hours) × rate) to its operation's work center.
 * Each work center's figures are summed unrounded, then rounded to 2 places; what the rounded
 * rows miss of `totals` (the order's rounded scrap and usage) goes to the work center of the
 * last operation, so the rows add up to `totals` exactly. Rows in routing order; a work center
 * with nothing in either column is left out.
 */
export function varianceByWorkCenter(
  order: Order,
  md: MasterData,
  totals: { readonly scrap: Decimal; readonly usage: Decimal },
): WorkCenterVariance[] {
  const { snapshot, state } = order;
  const wcOf = new Map(snapshot.operations.map((o) => [o.op, o.workCenter ?? null]));
  const acc = new Map<string | null, Unrounded>();
  const at = (wc: string | null): Unrounded => {
    let cur = acc.get(wc);
    if (!cur) {
      cur = { scrapComponentsPerBase: ZERO, scrapActivities: ZERO, usage: ZERO };
      acc.set(wc, cur);
    }
    return cur;
  };
  for (const wc of wcOf.values()) at(wc);

  // Scrap: the cumulative planned cost up to each operation, as the order-level rule builds it.
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
    const scrap = state.operations[op.op]?.confirmedScrap ?? ZERO;
    const cur = at(op.workCenter ?? null);
    cur.scrapComponentsPerBase = cur.scrapComponentsPerBase.plus(scrap.times(componentsPerBase));
    cur.scrapActivities = cur.scrapActivities.plus(scrap.times(activitiesPerUnit));
  }

  // Usage of component lines, at the work center of their backflush operation.
  for (const c of Object.values(state.components)) {
    const price = requireMaterial(md.materials, c.component).standardPrice;
    const cur = at(wcOf.get(c.operation) ?? wcOf.get(lastOperation(snapshot)) ?? null);
    cur.usage = cur.usage.plus(c.issued.minus(c.planned).times(price));
  }
  // Usage of activities, at their operation's work center.
  for (const op of snapshot.operations) {
    const s = state.operations[op.op];
    if (!s || !op.workCenter) continue;
    const rates = md.workCenters.get(op.workCenter)?.rates ?? {};
    const cur = at(op.workCenter);
    for (const act of new Set([...Object.keys(s.actualHours), ...Object.keys(s.plannedHours)])) {
      const diff = (s.actualHours[act] ?? ZERO).minus(s.plannedHours[act] ?? ZERO);
      cur.usage = cur.usage.plus(diff.times(rates[act] ?? ZERO));
    }
  }

  const rows = [...acc].map(([workCenter, u]) => ({
    workCenter,
    scrap: roundMoney(u.scrapComponentsPerBase.div(snapshot.baseQty).plus(u.scrapActivities)),
    usage: roundMoney(u.usage),
  }));
  const last = wcOf.get(lastOperation(snapshot)) ?? null;
  const lastRow = rows.find((r) => r.workCenter === last);
  if (lastRow) {
    lastRow.scrap = lastRow.scrap.plus(totals.scrap.minus(sumOf(rows, "scrap")));
    lastRow.usage = lastRow.usage.plus(totals.usage.minus(sumOf(rows, "usage")));
  }
  return rows.filter((r) => !r.scrap.isZero() || !r.usage.isZero());
}

/**
 * What a re-settlement adds per work center: the allocation of the order's cumulative totals
 * minus what earlier settlements already gave each work center. The rows add up to the
 * re-settlement's own scrap and usage because both allocations add up to their totals.
 */
export function subtractByWorkCenter(
  full: readonly WorkCenterVariance[],
  settled: readonly WorkCenterVariance[],
): WorkCenterVariance[] {
  const before = new Map(settled.map((r) => [r.workCenter, r]));
  const keys = [...full.map((r) => r.workCenter), ...settled.map((r) => r.workCenter)];
  const out: WorkCenterVariance[] = [];
  for (const wc of new Set(keys)) {
    const now = full.find((r) => r.workCenter === wc);
    const was = before.get(wc);
    const row = {
      workCenter: wc,
      scrap: (now?.scrap ?? ZERO).minus(was?.scrap ?? ZERO),
      usage: (now?.usage ?? ZERO).minus(was?.usage ?? ZERO),
    };
    if (!row.scrap.isZero() || !row.usage.isZero()) out.push(row);
  }
  return out;
}

/**
 * A period's `varianceByWorkCenter`: the settled orders' rows summed per work center, sorted
 * by work center (null, the implicit operation, last); rows that sum to zero are left out.
 */
export function sumByWorkCenter(rows: Iterable<readonly WorkCenterVariance[]>): WorkCenterVariance[] {
  const acc = new Map<string | null, { scrap: Decimal; usage: Decimal }>();
  for (const list of rows) {
    for (const r of list) {
      const cur = acc.get(r.workCenter) ?? { scrap: ZERO, usage: ZERO };
      acc.set(r.workCenter, { scrap: cur.scrap.plus(r.scrap), usage: cur.usage.plus(r.usage) });
    }
  }
  return [...acc]
    .map(([workCenter, v]) => ({ workCenter, ...v }))
    .filter((r) => !r.scrap.isZero() || !r.usage.isZero())
    .sort((a, b) => compareWorkCenter(a.workCenter, b.workCenter));
}

function compareWorkCenter(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

function sumOf(rows: readonly { scrap: Decimal; usage: Decimal }[], field: "scrap" | "usage"): Decimal {
  return rows.reduce((n, r) => n.plus(r[field]), ZERO);
}
