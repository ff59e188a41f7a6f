import { type PeriodChange, recordPeriodChange } from "./cutoff.js";
import { Decimal, roundQty, scaleOf, ZERO } from "./decimal.js";
import {
  InvalidInputError,
  InvalidQuantityError,
  OrderClosedError,
  UnknownMaterialError,
  UnknownOperationError,
  UnknownWorkCenterError,
} from "./errors.js";
import { addToJournal, type JournalTotals } from "./journal.js";
import {
  type ActivityMap,
  type Bom,
  IMPLICIT_OPERATION,
  type JournalEntry,
  type MasterData,
  type Material,
  ownRecord,
  ownValue,
  type Routing,
} from "./model.js";
import type { WorkCenterVariance } from "./variance-by-work-center.js";

export type OrderStatus = "released" | "in_process" | "completed" | "closed";

/** A BOM item as frozen at release, with its backflush operation already resolved. */
export interface SnapshotItem {
  readonly item: string;
  readonly component: string;
  readonly qty: Decimal;
  readonly scrapPct: Decimal;
  /** The operation it is backflushed with: its own, or the last one (assembly pull). */
  readonly operation: string;
  readonly location?: string | undefined;
  readonly backflush: boolean;
  readonly fixedQty: boolean;
  /** The component's quantity decimals at release. */
  readonly decimals: number;
}

export interface SnapshotOperation {
  readonly op: string;
  /** Absent only for the implicit operation of a material without routing. */
  readonly workCenter?: string | undefined;
  readonly hoursPerUnit: ActivityMap;
  readonly setupHours: ActivityMap;
}

/** What release freezes: later BOM or routing edits never change a released order. */
export interface OrderSnapshot {
  readonly order: string;
  readonly material: string;
  readonly productDecimals: number;
  readonly receivingLocation: string;
  readonly baseQty: Decimal;
  readonly items: readonly SnapshotItem[];
  /** In routing sequence; the last one receives the finished goods. */
  readonly operations: readonly SnapshotOperation[];
  /** When the order was released (ISO instant), set by the store; orders list newest release first. */
  readonly releasedAt?: string | undefined;
}

export interface OperationState {
  readonly confirmedYield: Decimal;
  readonly confirmedScrap: Decimal;
  /** Confirmations posted and not reversed. */
  readonly postings: number;
  /**
   * Whether a standing posting carries the operation's setup hours. Setup goes with the first
   * confirmation; if that one is reversed, the setup went back with it and the next one plans it.
   */
  readonly setupPlanned: boolean;
  readonly plannedHours: ActivityMap;
  readonly actualHours: ActivityMap;
}

/** Running quantities of a component line: a BOM item, or an extra line keyed `+COMPONENT`. */
export interface ComponentState {
  readonly item?: string | undefined;
  readonly component: string;
  readonly operation: string;
  /** Cumulative planned quantity of all postings so far. */
  readonly planned: Decimal;
  /** Cumulative quantity actually taken out of stock. */
  readonly issued: Decimal;
}

export interface SettledVariance {
  readonly scrap: Decimal;
  readonly usage: Decimal;
  readonly other: Decimal;
  /** What settlements so far gave each work center (absent before the first one). */
  readonly byWorkCenter?: readonly WorkCenterVariance[] | undefined;
}

export interface OrderState {
  readonly qty: Decimal;
  /** Optional (docs/api.md): an order may be released without one. */
  readonly dueDate?: string | undefined;
  readonly status: OrderStatus;
  readonly operations: Readonly<Record<string, OperationState>>;
  readonly components: Readonly<Record<string, ComponentState>>;
  readonly receivedQty: Decimal;
  readonly wipDebit: Decimal;
  readonly wipCredit: Decimal;
  /** Variance already settled, by category, so a re-settlement only posts what is new. */
  readonly settled: SettledVariance;
  /** Journal totals per period, riding on the order item the posting writes anyway. */
  readonly periods: Readonly<Record<string, JournalTotals>>;
  /**
   * What each period's postings changed on the quantities, for the cut-off of a close
   * (domain/cutoff.ts); periods a close has passed are dropped. Absent on orders without any.
   */
  readonly byPeriod?: Readonly<Record<string, PeriodChange>> | undefined;
}

export interface Order {
  readonly snapshot: OrderSnapshot;
  readonly state: OrderState;
}

export interface ReleaseInput {
  readonly order: string;
  readonly material: string;
  readonly qty: Decimal;
  readonly receivingLocation?: string | undefined;
  readonly dueDate?: string | undefined;
}

export interface ReleaseMasterData extends MasterData {
  readonly bom?: Bom | undefined;
  readonly routing?: Routing | undefined;
}

/** The line key of an extra (substitute or unplanned) component line. */
export const extraLineKey = (component: string): string => `+${component}`;

export const wipBalance = (state: OrderState): Decimal => state.wipDebit.minus(state.wipCredit);

export function requireMaterial(materials: ReadonlyMap<string, Material>, material: string): Material {
  const found = materials.get(material);
  if (!found) throw new UnknownMaterialError(material);
  return found;
}

export function assertQuantity(value: Decimal, decimals: number, path: string): void {
  if (value.isNegative()) throw new InvalidQuantityError(path, `${path} must not be negative`);
  if (scaleOf(value.toFixed()) > decimals) {
    throw new InvalidQuantityError(path, `${path} has more than ${decimals} decimals`);
  }
}

/**
 * Release: freeze BOM and routing into the order and start its running state.
 * Every component and work center must exist; every routed activity must have a rate.
 */
export function release(input: ReleaseInput, md: ReleaseMasterData): Order {
  const product = requireMaterial(md.materials, input.material);
  if (!input.qty.greaterThan(0)) throw new InvalidQuantityError("qty", "qty must be greater than 0");
  assertQuantity(input.qty, product.decimals, "qty");

  const operations: SnapshotOperation[] =
    md.routing && md.routing.operations.length > 0
      ? md.routing.operations.map((op, i) => {
          const wc = md.workCenters.get(op.workCenter);
          if (!wc) throw new UnknownWorkCenterError(op.workCenter);
          for (const activity of new Set([...Object.keys(op.hoursPerUnit), ...Object.keys(op.setupHours)])) {
            if (!ownValue(wc.rates, activity)) {
              throw new InvalidInputError(
                `routing.operations[${i}]`,
                `work center ${op.workCenter} has no rate for activity ${activity}`,
              );
            }
          }
          return {
            op: op.op,
            workCenter: op.workCenter,
            hoursPerUnit: op.hoursPerUnit,
            setupHours: op.setupHours,
          };
        })
      : [{ op: IMPLICIT_OPERATION, hoursPerUnit: {}, setupHours: {} }];
  const opIds = operations.map((o) => o.op);
  if (new Set(opIds).size !== opIds.length)
    throw new InvalidInputError("routing", "operation numbers repeat");
  const lastOp = opIds[opIds.length - 1] ?? IMPLICIT_OPERATION;
  // Every quantity is q × C / baseQty: a zero base would issue Infinity.
  if (md.bom && !md.bom.baseQty.greaterThan(0))
    throw new InvalidQuantityError("bom.baseQty", "baseQty must be greater than 0");
  const itemIds = (md.bom?.items ?? []).map((it) => it.item);
  if (new Set(itemIds).size !== itemIds.length) throw new InvalidInputError("bom", "item numbers repeat");

  const items: SnapshotItem[] = (md.bom?.items ?? []).map((it, i) => {
    const component = requireMaterial(md.materials, it.component);
    const operation = it.operation ?? lastOp;
    if (!opIds.includes(operation)) throw new UnknownOperationError(input.order, operation);
    if (it.component === input.material) {
      throw new InvalidInputError(`bom.items[${i}].component`, "a material cannot be its own component");
    }
    return {
      item: it.item,
      component: it.component,
      qty: it.qty,
      scrapPct: it.scrapPct,
      operation,
      location: it.location,
      backflush: it.backflush,
      fixedQty: it.fixedQty,
      decimals: component.decimals,
    };
  });

  const snapshot: OrderSnapshot = {
    order: input.order,
    material: input.material,
    productDecimals: product.decimals,
    receivingLocation: input.receivingLocation ?? product.defaultLocation ?? "MAIN",
    baseQty: md.bom?.baseQty ?? new Decimal(1),
    items,
    operations,
  };
  const state: OrderState = {
    qty: input.qty,
    dueDate: input.dueDate,
    status: "released",
    operations: Object.fromEntries(
      operations.map((o) => [
        o.op,
        {
          confirmedYield: ZERO,
          confirmedScrap: ZERO,
          postings: 0,
          setupPlanned: false,
          plannedHours: {},
          actualHours: {},
        },
      ]),
    ),
    components: Object.fromEntries(
      items.map((it) => [
        it.item,
        { item: it.item, component: it.component, operation: it.operation, planned: ZERO, issued: ZERO },
      ]),
    ),
    receivedQty: ZERO,
    wipDebit: ZERO,
    wipCredit: ZERO,
    settled: { scrap: ZERO, usage: ZERO, other: ZERO },
    periods: {},
  };
  return { snapshot, state };
}

/** Σ(1 + s/100) factor of an item. */
export const scrapFactor = (item: SnapshotItem): Decimal => item.scrapPct.div(100).plus(1);

/**
 * Cumulative standard quantity T_i of an item after `cumulative` yield + scrap on its
 * operation: round_d(q × C / B × (1 + s/100)); a fixedQty item: round_d(q × (1 + s/100)).
 */
export function cumulativeStandard(
  snapshot: OrderSnapshot,
  item: SnapshotItem,
  cumulative: Decimal,
): Decimal {
  if (item.fixedQty)
    return cumulative.isZero() ? ZERO : roundQty(item.qty.times(scrapFactor(item)), item.decimals);
  // Divide last: q × C × (1 + s/100) is exact, so a true half (4.75) is never seen as 4.7499…
  return roundQty(item.qty.times(cumulative).times(scrapFactor(item)).div(snapshot.baseQty), item.decimals);
}

/** plannedTotal of every item for order quantity `qty` (recomputed from the snapshot on a qty change). */
export function plannedTotals(snapshot: OrderSnapshot, qty: Decimal): Map<string, Decimal> {
  return new Map(snapshot.items.map((it) => [it.item, cumulativeStandard(snapshot, it, qty)]));
}

/** Planned hours of the whole order per operation and activity: hoursPerUnit × qty + setup. */
export function plannedOrderHours(
  snapshot: OrderSnapshot,
  qty: Decimal,
): Map<string, Record<string, Decimal>> {
  return new Map(
    snapshot.operations.map((o) => {
      const hours = new Map<string, Decimal>();
      for (const [act, perUnit] of Object.entries(o.hoursPerUnit)) hours.set(act, perUnit.times(qty));
      for (const [act, setup] of Object.entries(o.setupHours))
        hours.set(act, (hours.get(act) ?? ZERO).plus(setup));
      return [o.op, ownRecord(hours)];
    }),
  );
}

export const lastOperation = (snapshot: OrderSnapshot): string =>
  snapshot.operations[snapshot.operations.length - 1]?.op ?? IMPLICIT_OPERATION;

/** completed once the last operation's cumulative yield reaches the order quantity. */
export function statusAfterPosting(
  snapshot: OrderSnapshot,
  state: Omit<OrderState, "status">,
  current: OrderStatus,
) {
  if (current === "closed") return "closed" as const;
  const last = state.operations[lastOperation(snapshot)];
  if (last?.confirmedYield.greaterThanOrEqualTo(state.qty)) return "completed" as const;
  const anyPosting = Object.values(state.operations).some((o) => o.postings > 0);
  return anyPosting ? ("in_process" as const) : ("released" as const);
}

/**
 * Order change (PATCH): a new quantity recomputes plannedTotal and planned hours from the
 * frozen snapshot (they are derived from `qty`); what was confirmed, planned and issued stays.
 */
export function changeOrder(
  order: Order,
  change: { qty?: Decimal | undefined; dueDate?: string | undefined },
): Order {
  const { snapshot, state } = order;
  if (state.status === "closed") throw new OrderClosedError(snapshot.order);
  let next: OrderState = state;
  if (change.qty !== undefined) {
    if (!change.qty.greaterThan(0)) throw new InvalidQuantityError("qty", "qty must be greater than 0");
    assertQuantity(change.qty, snapshot.productDecimals, "qty");
    next = { ...next, qty: change.qty };
  }
  if (change.dueDate !== undefined) next = { ...next, dueDate: change.dueDate };
  return { snapshot, state: { ...next, status: statusAfterPosting(snapshot, next, state.status) } };
}

/**
 * Adds journal entries and their WIP side to the order's running state. Amounts are signed:
 * a reversal carries the negated amount on the original sides, so WIP debits and credits
 * return exactly to what they were before the reversed posting. Given the state `before` the
 * posting changed its quantities, the change is also recorded under its period (cut-off).
 */
export function bookOnOrder(
  state: OrderState,
  period: string,
  entries: readonly JournalEntry[],
  before?: OrderState,
): OrderState {
  let wipDebit = state.wipDebit;
  let wipCredit = state.wipCredit;
  for (const e of entries) {
    if (e.debit === "WIP") wipDebit = wipDebit.plus(e.amount);
    if (e.credit === "WIP") wipCredit = wipCredit.plus(e.amount);
  }
  const booked: OrderState = {
    ...state,
    wipDebit,
    wipCredit,
    periods: ownRecord([
      ...Object.entries(state.periods),
      [period, addToJournal(ownValue(state.periods, period), entries)] as const,
    ]),
  };
  return before ? recordPeriodChange(before, booked, period) : booked;
}
