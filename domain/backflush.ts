import { type Decimal, roundMoney, ZERO } from "./decimal.js";
import {
  InvalidInputError,
  InvalidQuantityError,
  OrderClosedError,
  UnknownOperationError,
} from "./errors.js";
import {
  applyShortagePolicies,
  type BacklogLine,
  type Confirmation,
  type IssueLine,
  issueLines,
  type PostingContext,
} from "./issue-lines.js";
import { appliedAccount } from "./journal.js";
import {
  type ActivityMap,
  type JournalEntry,
  type Material,
  type Movement,
  ownRecord,
  ownValue,
  type StockDelta,
  stockKey,
} from "./model.js";
import {
  assertQuantity,
  bookOnOrder,
  type ComponentState,
  lastOperation,
  type OperationState,
  type Order,
  requireMaterial,
  statusAfterPosting,
} from "./order.js";

/** What a posted confirmation keeps so it can be reversed exactly. */
export interface PostedConfirmation {
  readonly confirmationId: string;
  readonly order: string;
  readonly operation: string;
  readonly yield: Decimal;
  readonly scrap: Decimal;
  readonly period: string;
  readonly movements: readonly Movement[];
  /** Planned quantity this posting added per component line. */
  readonly planned: Readonly<Record<string, Decimal>>;
  readonly plannedHours: ActivityMap;
  readonly actualHours: ActivityMap;
  /** This posting planned the operation's setup hours. */
  readonly setup: boolean;
}

export interface PostingResult {
  readonly status: "posted" | "posted_with_backlog";
  readonly movements: readonly Movement[];
  readonly backlog: readonly BacklogLine[];
  readonly journal: readonly JournalEntry[];
  readonly stock: readonly StockDelta[];
  readonly order: Order;
  readonly record: PostedConfirmation;
}

/**
 * Backflush one confirmation (docs/rules.md#backflush): components of the operation at cumulative
 * standard, line overrides, activities, the receipt at the last operation, and the
 * shortage policy of each component against `ctx.stock`.
 */
export function backflush(order: Order, conf: Confirmation, ctx: PostingContext): PostingResult {
  const { snapshot, state } = order;
  if (state.status === "closed") throw new OrderClosedError(snapshot.order);
  const operation = snapshot.operations.find((o) => o.op === conf.operation);
  const opState = ownValue(state.operations, conf.operation);
  if (!operation || !opState) throw new UnknownOperationError(snapshot.order, conf.operation);
  const product = requireMaterial(ctx.materials, snapshot.material);
  assertQuantity(conf.yield, product.decimals, "yield");
  assertQuantity(conf.scrap, product.decimals, "scrap");
  const quantity = conf.yield.plus(conf.scrap);
  if (!quantity.greaterThan(0))
    throw new InvalidQuantityError("yield", "yield + scrap must be greater than 0");
  const cumulative = opState.confirmedYield.plus(opState.confirmedScrap).plus(quantity);

  const lines = issueLines(order, conf, cumulative, ctx);
  const { posted, backlog } = applyShortagePolicies(lines, ctx);

  const movements: Movement[] = [];
  for (const p of posted) {
    const material = requireMaterial(ctx.materials, p.component);
    const value = roundMoney(p.qty.times(material.standardPrice));
    movements.push({
      kind: "issue",
      item: p.line,
      material: p.component,
      location: p.location,
      qty: p.qty,
      value,
    });
  }

  // Activities: standard hours for yield + scrap, setup with the first posting of the operation.
  // Maps keyed by activity name: an activity called `constructor` is a name, not a prototype lookup.
  const plannedMap = new Map<string, Decimal>();
  for (const [act, perUnit] of Object.entries(operation.hoursPerUnit))
    plannedMap.set(act, perUnit.times(quantity));
  const setup = !opState.setupPlanned;
  if (setup) {
    for (const [act, setup] of Object.entries(operation.setupHours)) {
      plannedMap.set(act, (plannedMap.get(act) ?? ZERO).plus(setup));
    }
  }
  const actual = new Map(plannedMap);
  for (const [act, hours] of Object.entries(conf.activities ?? {})) actual.set(act, hours);
  const plannedHours = ownRecord(plannedMap);
  const actualHours = ownRecord(actual);
  const workCenter = operation.workCenter ? ctx.workCenters.get(operation.workCenter) : undefined;
  for (const [act, hours] of actual) {
    if (hours.isNegative()) throw new InvalidQuantityError(`activities.${act}`, "hours must not be negative");
    const rate = workCenter ? ownValue(workCenter.rates, act) : undefined;
    if (!operation.workCenter || !rate) {
      throw new InvalidInputError(
        `activities.${act}`,
        `operation ${conf.operation} has no rate for activity ${act}`,
      );
    }
    if (hours.isZero()) continue;
    const value = roundMoney(hours.times(rate));
    movements.push({
      kind: "activity",
      operation: conf.operation,
      workCenter: operation.workCenter,
      activity: act,
      qty: hours,
      value,
    });
  }

  const isLast = conf.operation === lastOperation(snapshot);
  if (isLast && conf.yield.greaterThan(0)) {
    const value = roundMoney(conf.yield.times(product.standardPrice));
    movements.push({
      kind: "receipt",
      material: snapshot.material,
      location: snapshot.receivingLocation,
      qty: conf.yield,
      value,
    });
  }

  const plannedByLine = new Map<string, Decimal>();
  for (const l of lines) plannedByLine.set(l.line, (plannedByLine.get(l.line) ?? ZERO).plus(l.planned));
  const planned = ownRecord(plannedByLine);
  const record: PostedConfirmation = {
    confirmationId: conf.confirmationId,
    order: snapshot.order,
    operation: conf.operation,
    yield: conf.yield,
    scrap: conf.scrap,
    period: ctx.period,
    movements,
    planned,
    plannedHours,
    actualHours,
    setup,
  };
  const journal = journalFor(movements, ctx.materials);
  const next = applyPosting(order, record, lines, +1, ctx.period, journal);
  return {
    status: backlog.length > 0 ? "posted_with_backlog" : "posted",
    movements,
    backlog,
    journal,
    stock: stockDeltas(movements, ctx.materials),
    order: next,
    record,
  };
}

/**
 * The journal of goods and activity movements: issue Dr WIP / Cr inventory, activity Dr WIP /
 * Cr APPLIED_<ACTIVITY>, receipt Dr FINISHED_GOODS / Cr WIP. Signed: a reversed movement (negative
 * value) yields the negated entry on the same sides.
 */
export function journalFor(
  movements: readonly Movement[],
  materials: ReadonlyMap<string, Material>,
): JournalEntry[] {
  return movements.map((m): JournalEntry => {
    if (m.kind === "activity") return { debit: "WIP", credit: appliedAccount(m.activity), amount: m.value };
    // The order's product is received as finished goods (docs/rules.md#receipt-and-completion),
    // whatever its master data says.
    if (m.kind === "receipt") return { debit: "FINISHED_GOODS", credit: "WIP", amount: m.value };
    return {
      debit: "WIP",
      credit: inventoryAccount(requireMaterial(materials, m.material)),
      amount: m.value,
    };
  });
}

/** RAW_MATERIALS, or FINISHED_GOODS for a material that has a BOM (docs/rules.md#inventory-account). */
export const inventoryAccount = (m: Material) =>
  m.hasBom ? ("FINISHED_GOODS" as const) : ("RAW_MATERIALS" as const);

/** Net on-hand change per stock item; the adapter ADDs these under the guard each one names. */
export function stockDeltas(
  movements: readonly Movement[],
  materials: ReadonlyMap<string, Material>,
): StockDelta[] {
  const byKey = new Map<string, StockDelta>();
  for (const m of movements) {
    if (m.kind === "activity") continue;
    const change = m.kind === "issue" ? m.qty.neg() : m.qty;
    const key = stockKey(m.material, m.location);
    const guard = change.isNegative() && requireMaterial(materials, m.material).shortage !== "negative";
    const cur = byKey.get(key);
    byKey.set(key, {
      material: m.material,
      location: m.location,
      qty: (cur?.qty ?? ZERO).plus(change),
      guardNonNegative: (cur?.guardNonNegative ?? false) || guard,
    });
  }
  return [...byKey.values()].filter((d) => !d.qty.isZero());
}

/**
 * Applies (sign +1) or takes back (sign −1) a posting's quantities, hours and journal on the
 * order state. One function for both directions is what makes a reversal exact.
 */
export function applyPosting(
  order: Order,
  record: PostedConfirmation,
  lines: readonly Pick<IssueLine, "line" | "item" | "component" | "operation">[],
  sign: 1 | -1,
  period: string,
  journal: readonly JournalEntry[],
): Order {
  const { snapshot, state } = order;
  const s = (d: Decimal) => (sign === 1 ? d : d.neg());
  const opState = ownValue(state.operations, record.operation);
  if (!opState) throw new UnknownOperationError(snapshot.order, record.operation);

  const components = new Map<string, ComponentState>(Object.entries(state.components));
  const touch = (line: string, seed: Pick<IssueLine, "item" | "component" | "operation">) =>
    components.get(line) ?? {
      item: seed.item,
      component: seed.component,
      operation: seed.operation,
      planned: ZERO,
      issued: ZERO,
    };
  for (const l of lines) {
    const cur = touch(l.line, l);
    components.set(l.line, {
      ...cur,
      planned: cur.planned.plus(s(ownValue(record.planned, l.line) ?? ZERO)),
    });
  }
  let received = state.receivedQty;
  for (const m of record.movements) {
    if (m.kind === "issue") {
      const cur = touch(m.item, { item: undefined, component: m.material, operation: record.operation });
      components.set(m.item, { ...cur, issued: cur.issued.plus(s(m.qty)) });
    } else if (m.kind === "receipt") {
      received = received.plus(s(m.qty));
    }
  }

  const nextOp: OperationState = {
    confirmedYield: opState.confirmedYield.plus(s(record.yield)),
    confirmedScrap: opState.confirmedScrap.plus(s(record.scrap)),
    postings: opState.postings + sign,
    setupPlanned: sign === 1 ? opState.setupPlanned || record.setup : opState.setupPlanned && !record.setup,
    plannedHours: addHours(opState.plannedHours, record.plannedHours, sign),
    actualHours: addHours(opState.actualHours, record.actualHours, sign),
  };
  const operations = new Map(Object.entries(state.operations)).set(record.operation, nextOp);
  const booked = bookOnOrder(
    {
      ...state,
      components: ownRecord(components),
      receivedQty: received,
      operations: ownRecord(operations),
    },
    period,
    journal,
    state,
  );
  return { snapshot, state: { ...booked, status: statusAfterPosting(snapshot, booked, state.status) } };
}

function addHours(base: ActivityMap, delta: ActivityMap, sign: 1 | -1): ActivityMap {
  const next = new Map(Object.entries(base));
  for (const [act, h] of Object.entries(delta))
    next.set(act, (next.get(act) ?? ZERO).plus(sign === 1 ? h : h.neg()));
  return ownRecord(next);
}
