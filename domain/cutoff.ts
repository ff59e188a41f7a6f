/**
 * Cut-off (docs/rules.md#cut-off): the close of period P sees only postings of periods ≤ P.
 * The order state is cumulative, so every posting also records what it changed in its own
 * period (`byPeriod`); the state *through P* is the cumulative state minus the changes of
 * later periods. A close of P drops the changes of periods ≤ P: closes go in order, so no
 * later close needs them.
 */
import type { Decimal } from "./decimal.js";
import { ZERO } from "./decimal.js";
import { type ActivityMap, ownRecord, ownValue } from "./model.js";
import type { OrderState } from "./order.js";

/** What the postings of one period changed on one operation. */
export interface OperationChange {
  readonly confirmedYield: Decimal;
  readonly confirmedScrap: Decimal;
  readonly postings: number;
  readonly plannedHours: ActivityMap;
  readonly actualHours: ActivityMap;
}

/** What the postings of one period changed on one component line. */
export interface ComponentChange {
  readonly planned: Decimal;
  readonly issued: Decimal;
}

/** What the postings of one period changed on an order's quantities. */
export interface PeriodChange {
  readonly operations: Readonly<Record<string, OperationChange>>;
  readonly components: Readonly<Record<string, ComponentChange>>;
}

const NO_CHANGE: PeriodChange = { operations: {}, components: {} };

/** a − b per activity, only where it is not zero. */
/** a − b per activity, only where it is not zero. */
function diffHours(a: ActivityMap, b: ActivityMap): ActivityMap {
  const out = new Map<string, Decimal>();
  for (const act of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const diff = (ownValue(a, act) ?? ZERO).minus(ownValue(b, act) ?? ZERO);
    if (!diff.isZero()) out.set(act, diff);
  }
  return ownRecord(out);
}

/** base + sign × delta per activity. */
function addHours(base: ActivityMap, delta: ActivityMap, sign: 1 | -1): ActivityMap {
  const out = new Map(Object.entries(base));
  for (const [act, h] of Object.entries(delta))
    out.set(act, (out.get(act) ?? ZERO).plus(sign === 1 ? h : h.neg()));
  return ownRecord(out);
}

const isZeroHours = (h: ActivityMap) => Object.values(h).every((v) => v.isZero());
const isNoOperationChange = (c: OperationChange) =>
  c.confirmedYield.isZero() &&
  c.confirmedScrap.isZero() &&
  c.postings === 0 &&
  isZeroHours(c.plannedHours) &&
  isZeroHours(c.actualHours);

/**
 * `after` with the difference of its operations and component lines to `before` added to the
 * changes of `period` (a posting, a reversal or a backlog line, each in its own period).
 * Changes that net to zero (a posting reversed in its own period) leave no entry behind.
 */
export function recordPeriodChange(before: OrderState, after: OrderState, period: string): OrderState {
  const prev = (after.byPeriod && ownValue(after.byPeriod, period)) ?? NO_CHANGE;
  const operations = new Map(Object.entries(prev.operations));
  for (const [op, a] of Object.entries(after.operations)) {
    const b = ownValue(before.operations, op);
    const step: OperationChange = {
      confirmedYield: a.confirmedYield.minus(b?.confirmedYield ?? ZERO),
      confirmedScrap: a.confirmedScrap.minus(b?.confirmedScrap ?? ZERO),
      postings: a.postings - (b?.postings ?? 0),
      plannedHours: diffHours(a.plannedHours, b?.plannedHours ?? {}),
      actualHours: diffHours(a.actualHours, b?.actualHours ?? {}),
    };
    if (isNoOperationChange(step)) continue;
    const cur = operations.get(op);
    const total: OperationChange = cur
      ? {
          confirmedYield: cur.confirmedYield.plus(step.confirmedYield),
          confirmedScrap: cur.confirmedScrap.plus(step.confirmedScrap),
          postings: cur.postings + step.postings,
          plannedHours: diffHours(addHours(cur.plannedHours, step.plannedHours, 1), {}),
          actualHours: diffHours(addHours(cur.actualHours, step.actualHours, 1), {}),
        }
      : step;
    if (isNoOperationChange(total)) operations.delete(op);
    else operations.set(op, total);
  }
  const components = new Map(Object.entries(prev.components));
  for (const [line, a] of Object.entries(after.components)) {
    const b = ownValue(before.components, line);
    const dPlanned = a.planned.minus(b?.planned ?? ZERO);
    const dIssued = a.issued.minus(b?.issued ?? ZERO);
    if (dPlanned.isZero() && dIssued.isZero()) continue;
    const cur = components.get(line) ?? { planned: ZERO, issued: ZERO };
    const total = { planned: cur.planned.plus(dPlanned), issued: cur.issued.plus(dIssued) };
    if (total.planned.isZero() && total.issued.isZero()) components.delete(line);
    else components.set(line, total);
  }
  const periods = new Map(Object.entries(after.byPeriod ?? {}));
  if (operations.size === 0 && components.size === 0) periods.delete(period);
  else periods.set(period, { operations: ownRecord(operations), components: ownRecord(components) });
  const { byPeriod: _old, ...rest } = after;
  return periods.size === 0 ? rest : { ...rest, byPeriod: ownRecord(periods) };
}

/**
 * The order's quantities as the postings of periods ≤ `period` left them: the cumulative
 * state minus every later period's changes. Journal totals and WIP stay as they are (the
 * close reads them per period); status is not re-derived here.
 */
export function stateThrough(state: OrderState, period: string): OrderState {
  const later = Object.entries(state.byPeriod ?? {}).filter(([p]) => p > period);
  if (later.length === 0) return state;
  const operations = new Map(Object.entries(state.operations));
  const components = new Map(Object.entries(state.components));
  for (const [, change] of later) {
    for (const [op, c] of Object.entries(change.operations)) {
      const cur = operations.get(op);
      if (!cur) continue;
      operations.set(op, {
        ...cur,
        confirmedYield: cur.confirmedYield.minus(c.confirmedYield),
        confirmedScrap: cur.confirmedScrap.minus(c.confirmedScrap),
        postings: cur.postings - c.postings,
        plannedHours: addHours(cur.plannedHours, c.plannedHours, -1),
        actualHours: addHours(cur.actualHours, c.actualHours, -1),
      });
    }
    for (const [line, c] of Object.entries(change.components)) {
      const cur = components.get(line);
      if (!cur) continue;
      components.set(line, {
        ...cur,
        planned: cur.planned.minus(c.planned),
        issued: cur.issued.minus(c.issued),
      });
    }
  }
  return { ...state, operations: ownRecord(operations), components: ownRecord(components) };
}

/** The state without the changes of periods ≤ `period` (once closed, no later close needs them). */
export function dropChangesThrough(state: OrderState, period: string): OrderState {
  if (!state.byPeriod) return state;
  const kept = Object.entries(state.byPeriod).filter(([p]) => p > period);
  if (kept.length === Object.keys(state.byPeriod).length) return state;
  const { byPeriod: _dropped, ...rest } = state;
  return kept.length === 0 ? rest : { ...rest, byPeriod: ownRecord(kept) };
}

/**
 * WIP at the end of `period`: the WIP side of every period's totals up to it. Equal to the
 * order's balance unless postings of a later period already arrived before the close ran.
 */
export function wipThrough(state: OrderState, period: string): Decimal {
  let wip = ZERO;
  for (const [p, totals] of Object.entries(state.periods)) {
    if (p > period) continue;
    const row = totals.WIP;
    if (row) wip = wip.plus(row.debit).minus(row.credit);
  }
  return wip;
}
