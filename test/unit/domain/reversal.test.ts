import { describe, expect, it } from "vitest";
import {
  AlreadyReversedError,
  backflush,
  dec,
  type Order,
  OrderClosedError,
  postBacklog,
  reverse,
} from "../../../domain/index.js";
import {
  at,
  bom,
  bomItem,
  canonical,
  confirmation,
  entries,
  hours,
  issuesOf,
  lineOf,
  masterData,
  material,
  must,
  opOf,
  postingContext,
  product,
  releasedOrder,
  routing,
  routingOperation,
  serialize,
} from "../../fixtures/domain.js";

// A: 2 per unit at 1.50, backlog policy; B: fixed 3 per order at 2.00; TAPE for unplanned lines.
// Labour 0.1 h/unit + 1 h setup at 40.00.
const md = masterData({
  materials: [
    product(),
    material({ material: "A", decimals: 0, standardPrice: dec("1.50") }),
    material({ material: "B", decimals: 0, standardPrice: dec("2.00"), shortage: "negative" }),
    material({ material: "TAPE", decimals: 0, standardPrice: dec("0.10"), shortage: "negative" }),
  ],
  bom: bom({
    items: [
      bomItem({ item: "0010", component: "A", qty: dec("2") }),
      bomItem({ item: "0020", component: "B", qty: dec("3"), fixedQty: true }),
    ],
  }),
  routing: routing({
    operations: [
      routingOperation({ hoursPerUnit: hours({ labor: "0.1" }), setupHours: hours({ labor: "1" }) }),
    ],
  }),
});
const stock = { "A@MAIN": "1000" };
const rev = (order: Order, record: Parameters<typeof reverse>[1], period = "2026-11") =>
  reverse(order, record, { period, materials: md.materials, reversed: false });

describe("reversal", () => {
  it("reversing the latest posting restores the state before it exactly (strict serialization)", () => {
    const c1 = backflush(releasedOrder(md), confirmation({ yield: dec("10") }), postingContext(md, stock));
    const c2 = backflush(
      c1.order,
      confirmation({ yield: dec("5"), scrap: dec("1"), components: [{ item: "0010", qty: dec("13") }] }),
      postingContext(md, stock),
    );
    const r = rev(c2.order, c2.record);
    expect(serialize(r.order)).toEqual(serialize(c1.order));
  });

  it("reversing the only posting returns the order to its release state", () => {
    const released = releasedOrder(md, { qty: dec("10") });
    const c1 = backflush(
      released,
      confirmation({ yield: dec("10"), components: [{ component: "TAPE", qty: dec("2") }] }),
      postingContext(md, stock),
    );
    expect(c1.order.state.status).toBe("completed");
    const r = rev(c1.order, c1.record);
    expect(r.order.state.status).toBe("released");
    // Rows the posting touched stay at 0 (the same fact as no row), everything else is identical.
    expect(canonical(r.order)).toEqual(canonical(released));
    expect(serialize(r.order.snapshot)).toEqual(serialize(released.snapshot));
    expect(lineOf(r.order, "+TAPE").issued.toFixed()).toBe("0");
  });

  it("posts the exact opposite of every movement, and its journal", () => {
    const c1 = backflush(releasedOrder(md), confirmation({ yield: dec("10") }), postingContext(md, stock));
    // A: 2 × 10 = 20 × 1.50 = 30.00; B: fixed 3 × 2.00 = 6.00; labour 0.1 × 10 + 1 = 2 h × 40.00 = 80.00;
    // receipt 10 × 10.00 = 100.00
    expect(entries(c1.journal)).toEqual([
      "WIP/RAW_MATERIALS 30.00",
      "WIP/RAW_MATERIALS 6.00",
      "WIP/APPLIED_LABOR 80.00",
      "FINISHED_GOODS/WIP 100.00",
    ]);
    const r = rev(c1.order, c1.record);
    expect(entries(r.journal)).toEqual([
      "WIP/RAW_MATERIALS -30.00",
      "WIP/RAW_MATERIALS -6.00",
      "WIP/APPLIED_LABOR -80.00",
      "FINISHED_GOODS/WIP -100.00",
    ]);
    expect(r.movements.map((m) => `${m.kind} ${m.qty.toFixed()} ${m.value.toFixed(2)}`)).toEqual([
      "issue -20 -30.00",
      "issue -3 -6.00",
      "activity -2 -80.00",
      "receipt -10 -100.00",
    ]);
    expect(r.stock.every((d) => !d.guardNonNegative)).toBe(true);
  });

  it("in a later period: the original period keeps its totals, the reversal's period gets the opposite", () => {
    const c1 = backflush(releasedOrder(md), confirmation({ yield: dec("10") }), postingContext(md, stock));
    const r = rev(c1.order, c1.record, "2026-12");
    const nov = r.order.state.periods["2026-11"] ?? {};
    const dec26 = r.order.state.periods["2026-12"] ?? {};
    // WIP debit 30.00 + 6.00 + 80.00 = 116.00
    expect(nov.WIP?.debit.toFixed(2)).toBe("116.00");
    expect(dec26.WIP?.debit.toFixed(2)).toBe("-116.00");
    expect(r.order.state.wipDebit.toFixed(2)).toBe("0.00");
    expect(r.order.state.wipCredit.toFixed(2)).toBe("0.00");
  });

  it("a fixed-quantity item is issued again after its first confirmation is reversed", () => {
    const c1 = backflush(releasedOrder(md), confirmation({ yield: dec("4") }), postingContext(md, stock));
    const c2 = backflush(c1.order, confirmation({ yield: dec("4") }), postingContext(md, stock));
    expect(issuesOf(c2.movements).map((m) => m.item)).toEqual(["0010"]); // B only once
    const r = rev(c2.order, c1.record);
    expect(lineOf(r.order, "0020").planned.toFixed()).toBe("0");
    const c3 = backflush(r.order, confirmation({ yield: dec("4") }), postingContext(md, stock));
    expect(issuesOf(c3.movements).map((m) => `${m.item} ${m.qty.toFixed()}`)).toEqual(["0010 8", "0020 3"]);
  });

  it("takes back backlog lines that posted later, and cancels the open ones (issued + backlog = planned)", () => {
    const c1 = backflush(
      releasedOrder(md),
      confirmation({ yield: dec("10") }),
      postingContext(md, { "A@MAIN": "5" }),
    );
    expect(c1.status).toBe("posted_with_backlog");
    const line = at(c1.backlog, 0);
    expect(`${line.line} ${line.qty.toFixed()}`).toBe("0010 20");
    const later = postBacklog(c1.order, line, {
      materials: md.materials,
      stock: postingContext(md, { "A@MAIN": "20" }).stock,
      period: "2026-11",
    });
    expect(lineOf(later.order, "0010").issued.toFixed()).toBe("20");
    const r = reverse(later.order, c1.record, {
      period: "2026-11",
      materials: md.materials,
      reversed: false,
      backlogPostings: [must(later.movement, "backlog posting")],
    });
    expect(lineOf(r.order, "0010").issued.toFixed()).toBe("0");
    expect(lineOf(r.order, "0010").planned.toFixed()).toBe("0");
    expect(r.movements.map((m) => `${m.kind} ${m.qty.toFixed()}`)).toContain("issue -20");
    expect(r.order.state.wipDebit.toFixed(2)).toBe("0.00");
  });

  it("a completed order goes back to in_process when its completing confirmation is reversed", () => {
    const c1 = backflush(
      releasedOrder(md, { qty: dec("10") }),
      confirmation({ yield: dec("6") }),
      postingContext(md, stock),
    );
    const c2 = backflush(c1.order, confirmation({ yield: dec("4") }), postingContext(md, stock));
    expect(c2.order.state.status).toBe("completed");
    const r = rev(c2.order, c2.record);
    expect(r.order.state.status).toBe("in_process");
    expect(opOf(r.order, "0010").confirmedYield.toFixed()).toBe("6");
    expect(opOf(r.order, "0010").postings).toBe(1);
  });

  it("refuses a second reversal of the same confirmation", () => {
    const c1 = backflush(releasedOrder(md), confirmation({ yield: dec("1") }), postingContext(md, stock));
    expect(() =>
      reverse(c1.order, c1.record, { period: "2026-11", materials: md.materials, reversed: true }),
    ).toThrow(AlreadyReversedError);
  });

  it("refuses a reversal on a closed order", () => {
    const c1 = backflush(releasedOrder(md), confirmation({ yield: dec("1") }), postingContext(md, stock));
    const closed: Order = { ...c1.order, state: { ...c1.order.state, status: "closed" } };
    expect(() => rev(closed, c1.record)).toThrow(OrderClosedError);
  });
});
