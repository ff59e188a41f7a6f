/**
 * What a confirmation issues (docs/rules.md#line-changes, #location, #shortage): its lines before
 * the shortage policy, their locations, and the policies that decide what posts and what waits in
 * the backlog. domain/backflush.ts turns the outcome into movements, stock, WIP and the journal.
 */
import { type Decimal, maxDec, minDec, ZERO } from "./decimal.js";
import { InvalidInputError, UnknownItemError } from "./errors.js";
import {
  type ActivityMap,
  DEFAULT_LOCATION,
  type MasterData,
  type Material,
  ownValue,
  type StockView,
  stockKey,
} from "./model.js";
import { assertQuantity, cumulativeStandard, extraLineKey, type Order, requireMaterial } from "./order.js";

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

export interface PostedIssue {
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
