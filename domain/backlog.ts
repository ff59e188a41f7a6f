import { journalFor, stockDeltas } from "./backflush.js";
import { type Decimal, maxDec, minDec, roundMoney, ZERO } from "./decimal.js";
import type { BacklogLine } from "./issue-lines.js";
import type { JournalEntry, Material, Movement, StockDelta } from "./model.js";
import { ownRecord, ownValue, type StockView, stockKey } from "./model.js";
import { bookOnOrder, type Order, requireMaterial } from "./order.js";

export interface BacklogPostingResult {
  /** The issue that posted now, or null when there is still not enough stock. */
  readonly movement: (Movement & { kind: "issue" }) | null;
  /** What stays in the backlog (zero when the line cleared). */
  readonly remaining: Decimal;
  readonly journal: readonly JournalEntry[];
  readonly stock: readonly StockDelta[];
  readonly order: Order;
}

/**
 * Posts a backlog line that stock may now cover, in the period it posts in (docs/rules.md#shortage),
 * under the component's shortage policy as it is today. A closed order takes it too: its WIP
 * is then no longer zero and the next close settles it again.
 */
export function postBacklog(
  order: Order,
  line: BacklogLine,
  ctx: {
    readonly materials: ReadonlyMap<string, Material>;
    readonly stock: StockView;
    readonly period: string;
  },
): BacklogPostingResult {
  const material = requireMaterial(ctx.materials, line.material);
  const onHand = ctx.stock.get(stockKey(line.material, line.location)) ?? ZERO;
  let qty = line.qty;
  if (material.shortage === "backlog" && onHand.lessThan(line.qty)) qty = ZERO;
  if (material.shortage === "split") qty = minDec(maxDec(onHand, ZERO), line.qty);
  if (qty.isZero()) return { movement: null, remaining: line.qty, journal: [], stock: [], order };

  const movement = {
    kind: "issue" as const,
    item: line.line,
    material: line.material,
    location: line.location,
    qty,
    value: roundMoney(qty.times(material.standardPrice)),
  };
  const journal = journalFor([movement], ctx.materials);
  const cur = ownValue(order.state.components, line.line);
  const components = ownRecord([
    ...Object.entries(order.state.components),
    [
      line.line,
      {
        item: cur?.item,
        component: cur?.component ?? line.material,
        operation: cur?.operation ?? "",
        planned: cur?.planned ?? ZERO,
        issued: (cur?.issued ?? ZERO).plus(qty),
      },
    ] as const,
  ]);
  const state = bookOnOrder({ ...order.state, components }, ctx.period, journal, order.state);
  return {
    movement,
    remaining: line.qty.minus(qty),
    journal,
    stock: stockDeltas([movement], ctx.materials),
    order: { snapshot: order.snapshot, state },
  };
}

/**
 * Takes issues back off the order that a chunked posting planned but could not commit (their
 * stock item's `onHand >= need` guard failed at commit): issued and WIP go back in the
 * posting's period, and the lines go to the backlog, where they post as any backlog line does
 * (docs/rules.md, shortage). The planned quantities stay: the plan was right, the stock was not there.
 */
export function withdrawIssues(
  order: Order,
  issues: readonly (Movement & { kind: "issue" })[],
  ctx: { readonly materials: ReadonlyMap<string, Material>; readonly period: string },
): Order {
  const journal = journalFor(
    issues.map((m) => ({ ...m, qty: m.qty.neg(), value: m.value.neg() })),
    ctx.materials,
  );
  const components = new Map(Object.entries(order.state.components));
  for (const m of issues) {
    const cur = components.get(m.item);
    if (cur) components.set(m.item, { ...cur, issued: cur.issued.minus(m.qty) });
  }
  const state = bookOnOrder(
    { ...order.state, components: ownRecord(components) },
    ctx.period,
    journal,
    order.state,
  );
  return { snapshot: order.snapshot, state };
}
