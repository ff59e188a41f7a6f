/**
 * The auditor's stock and WIP checks (auditor.test.ts), after the DLQ was counted and redriven:
 * every accepted confirmation ends in exactly one terminal state, stock is conserved per material and location, WIP balances, and
 * no location whose policy forbids it is below zero. Returns what GET shows of each confirmation.
 */
import { expect } from "vitest";
import { type Decimal, dec, ZERO } from "../../domain/index.js";
import { type MovementView, readStock, type TableContext } from "../../functions/adapters/table/index.js";
import { getConfirmationView, type tableIntakeDeps } from "../../functions/use-cases/confirmation-intake.js";
import { getOrderView } from "../../functions/use-cases/orders.js";

export interface StockExpectations {
  readonly initial: Readonly<Record<string, string>>;
  readonly orders: readonly string[];
  readonly negativeAllowed: ReadonlySet<string>;
  readonly confirmations: ReadonlyMap<string, { order: string }>;
  /** material@location -> net quantity the stock postings' answers moved. */
  readonly stockMoves: ReadonlyMap<string, Decimal>;
}

export async function audit(
  plant: string,
  table: TableContext,
  intake: ReturnType<typeof tableIntakeDeps>,
  e: StockExpectations,
): Promise<Map<string, { status: string; movements: readonly MovementView[] }>> {
  const views = new Map<string, { status: string; movements: readonly MovementView[] }>();
  const expected = new Map<string, Decimal>(Object.entries(e.initial).map(([k, v]) => [k, dec(v)]));
  const add = (key: string, qty: Decimal) => expected.set(key, (expected.get(key) ?? ZERO).plus(qty));
  for (const [key, qty] of e.stockMoves) add(key, qty);
  const wip = new Map<string, Decimal>(e.orders.map((o) => [o, ZERO]));
  const terminal = new Set(["posted", "posted_with_backlog", "rejected", "reversed", "reversal_rejected"]);

  for (const [id, { order }] of e.confirmations) {
    const view = await getConfirmationView(intake, plant, id);
    expect(terminal.has(view.status), `${id} ends ${view.status}`).toBe(true);
    views.set(id, { status: view.status, movements: view.movements as MovementView[] });
    if (view.status === "rejected" || view.status === "reversed") continue; // no lasting effect
    for (const m of view.movements as {
      kind: string;
      material?: string;
      location?: string;
      qty: string;
      value: string;
    }[]) {
      const value = dec(m.value);
      if (m.kind === "activity") {
        wip.set(order, (wip.get(order) ?? ZERO).plus(value));
        continue;
      }
      const key = `${m.material}@${m.location}`;
      if (m.kind === "issue") {
        add(key, dec(m.qty).neg());
        wip.set(order, (wip.get(order) ?? ZERO).plus(value));
      } else {
        add(key, dec(m.qty));
        wip.set(order, (wip.get(order) ?? ZERO).minus(value));
      }
    }
  }

  const keys = [...expected.keys()].map((k) => {
    const [material = "", location = ""] = k.split("@");
    return { material, location };
  });
  const onHand = await readStock(table, plant, keys);
  const actual = Object.fromEntries(
    keys.map(({ material, location }) => [
      `${material}@${location}`,
      onHand.get(`${material}@${location}`)?.toFixed() ?? "0",
    ]),
  );
  const wanted = Object.fromEntries([...expected].map(([k, v]) => [k, v.toFixed()]));
  expect(actual, "stock conserved per material and location").toEqual(wanted);
  for (const [key, qty] of Object.entries(actual)) {
    const material = key.split("@")[0] ?? "";
    if (!e.negativeAllowed.has(material))
      expect(dec(qty).isNegative(), `${key} below zero: ${qty}`).toBe(false);
  }
  for (const order of e.orders) {
    const view = (await getOrderView({ table } as never, plant, order)) as { wip: string };
    expect(view.wip, `WIP of ${order} = issues + activities - receipts`).toBe(
      (wip.get(order) ?? ZERO).toFixed(2),
    );
  }
  return views;
}
