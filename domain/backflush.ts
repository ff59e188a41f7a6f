import { type Decimal, maxDec, minDec, roundMoney, ZERO } from "./decimal.js";
import {
  InvalidInputError,
  InvalidQuantityError,
  OrderClosedError,
  UnknownItemError,
  UnknownOperationError,
} from "./errors.js";
import { appliedAccount } from "./journal.js";
import {
  type ActivityMap,
  DEFAULT_LOCATION,
  type JournalEntry,
  type MasterData,
  type Material,
  type Movement,
  ownRecord,
  ownValue,
  type StockDelta,
  type StockView,
  stockKey,
} from "./model.js";
import {
  assertQuantity,
  bookOnOrder,
  type ComponentState,
  cumulativeStandard,
  extraLineKey,
  lastOperation,
  type OperationState,
  type Order,
  requireMaterial,
  statusAfterPosting,
} from "./order.js";

/** A per-line change on a confirmation (docs/api.md#confirmations): override, scrap, substitute, unplanned. */
export type ComponentLine =
  | {
      readonly item: string;
      readonly qty?: Decimal | undefined;
      readonly scrap?: Decimal | undefined;
      readonly location?: string | undefined;
    }
  | {
      readonly component: string;
      readonly qty: Decimal;
      readonly scrap?: Decimal | undefined;
      readonly location?: string | undefined;
      readonly replaces?: string | undefined;
    };

export interface Confirmation {
  readonly confirmationId: string;
  readonly order: string;
  readonly operation: string;
  readonly yield: Decimal;
  readonly scrap: Decimal;
  /** Actual hours per activity; an activity not given takes its planned hours. */
  readonly activities?: ActivityMap | undefined;
  readonly components?: readonly ComponentLine[] | undefined;
}

export interface PostingContext extends MasterData {
  readonly stock: StockView;
  /** The open period the posting lands in (postingPeriod() of its date). */
  readonly period: string;
}

/** A line (or the part of one) that could not be issued for lack of stock. */
export interface BacklogLine {
  readonly line: string;
  readonly material: string;
  readonly location: string;
  readonly qty: Decimal;
}

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

/** A line to issue before the shortage policy is applied. */
export interface IssueLine {
  readonly line: string;
  readonly item?: string | undefined;
  readonly component: string;
  readonly operation: string;
  readonly planned: Decimal;
  readonly issue: Decimal;
  readonly location: string;
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

/** location: line, else BOM item, else the component's default, else MAIN. */
export function resolveLocation(
  line: string | undefined,
  item: string | undefined,
  material: Material,
): string {
  return line ?? item ?? material.defaultLocation ?? DEFAULT_LOCATION;
}

/** Lines to issue at this operation, before the shortage policy (docs/rules.md#line-changes). */
export function issueLines(order: Order, conf: Confirmation, cumulative: Decimal, ctx: PostingContext) {
  const { snapshot, state } = order;
  const itemsOfOp = snapshot.items.filter((it) => it.backflush && it.operation === conf.operation);
  const overrides = new Map<
    string,
    { qty?: Decimal | undefined; scrap?: Decimal | undefined; location?: string | undefined }
  >();
  const replaced = new Set<string>();
  const extras: IssueLine[] = [];

  (conf.components ?? []).forEach((line, i) => {
    const path = `components[${i}]`;
    if ("item" in line) {
      const item = snapshot.items.find((it) => it.item === line.item);
      if (!item) throw new UnknownItemError(snapshot.order, line.item);
      if (!itemsOfOp.includes(item)) {
        throw new InvalidInputError(
          `${path}.item`,
          `item ${line.item} is not backflushed at operation ${conf.operation}`,
        );
      }
      if (overrides.has(line.item))
        throw new InvalidInputError(`${path}.item`, `item ${line.item} appears twice`);
      overrides.set(line.item, line);
      return;
    }
    const material = requireMaterial(ctx.materials, line.component);
    if (line.replaces !== undefined) {
      const item = itemsOfOp.find((it) => it.item === line.replaces);
      if (!item) throw new UnknownItemError(snapshot.order, line.replaces);
      replaced.add(line.replaces);
    }
    assertQuantity(line.qty, material.decimals, `${path}.qty`);
    if (line.scrap) assertQuantity(line.scrap, material.decimals, `${path}.scrap`);
    const issue = line.qty.plus(line.scrap ?? ZERO);
    extras.push({
      line: extraLineKey(line.component),
      component: line.component,
      operation: conf.operation,
      planned: ZERO,
      issue,
      location: resolveLocation(line.location, undefined, material),
    });
  });

  const bomLines = itemsOfOp.map((it): IssueLine => {
    const material = requireMaterial(ctx.materials, it.component);
    const before = ownValue(state.components, it.item)?.planned ?? ZERO;
    const planned = cumulativeStandard(snapshot, it, cumulative).minus(before);
    const o = overrides.get(it.item);
    if (o?.qty) assertQuantity(o.qty, material.decimals, `components.${it.item}.qty`);
    if (o?.scrap) assertQuantity(o.scrap, material.decimals, `components.${it.item}.scrap`);
    const base = replaced.has(it.item) ? ZERO : (o?.qty ?? planned);
    return {
      line: it.item,
      item: it.item,
      component: it.component,
      operation: it.operation,
      planned,
      issue: base.plus(o?.scrap ?? ZERO),
      location: resolveLocation(o?.location, it.location, material),
    };
  });
  return [...bomLines, ...extras];
}

interface PostedIssue {
  readonly line: string;
  readonly component: string;
  readonly location: string;
  readonly qty: Decimal;
}

/**
 * Shortage (docs/rules.md#shortage): `backlog` posts none of a short line, `split` posts what is on
 * hand, `negative` posts all. Lines of one stock item draw on it in order. Returns (negative planned
 * after a reversal) are always posted.
 */
export function applyShortagePolicies(
  lines: readonly IssueLine[],
  ctx: PostingContext,
): { posted: PostedIssue[]; backlog: BacklogLine[] } {
  const available = new Map(ctx.stock);
  const posted: PostedIssue[] = [];
  const backlog: BacklogLine[] = [];
  for (const l of lines) {
    if (l.issue.isZero()) continue;
    const material = requireMaterial(ctx.materials, l.component);
    const key = stockKey(l.component, l.location);
    const onHand = available.get(key) ?? ZERO;
    let post = l.issue;
    if (l.issue.isPositive() && material.shortage !== "negative" && onHand.lessThan(l.issue)) {
      post = material.shortage === "split" ? minDec(maxDec(onHand, ZERO), l.issue) : ZERO;
      backlog.push({ line: l.line, material: l.component, location: l.location, qty: l.issue.minus(post) });
    }
    available.set(key, onHand.minus(post));
    if (!post.isZero())
      posted.push({ line: l.line, component: l.component, location: l.location, qty: post });
  }
  return { posted, backlog };
}

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
