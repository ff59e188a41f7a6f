import { describe, expect, it } from "vitest";
import {
  backflush,
  changeOrder,
  dec,
  inventoryTurnover,
  journalLines,
  type Order,
  OrderClosedError,
  plannedUnitCostUpTo,
  postBacklog,
  settle,
  wipBalance,
} from "../../../domain/index.js";
import {
  at,
  bom,
  bomItem,
  confirmation,
  entries,
  hours,
  masterData,
  material,
  postingContext,
  product,
  releasedOrder,
  settled,
  twoWorkCenterMasterData,
} from "../../fixtures/domain.js";

/*
 * The worked order (every figure below is by hand):
 *   FG standard price 20.00. BOM base 1: A 3 per unit at op 0010 (2.00 each), B 2 per unit at
 *   op 0020 (1.00 each). Op 0010 on WC-1: labour 0.1 h/unit at 41.15. Op 0020 on WC-2: machine
 *   0.2 h/unit at 25.00. Order qty 10.
 *
 *   Confirmation 1, op 0010: yield 12, scrap 1 → C = 13
 *     A planned 3 × 13 = 39, issued 41 (override) → 41 × 2.00 = 82.00
 *     labour planned 0.1 × 13 = 1.3 h, actual 1.7 h → 1.7 × 41.15 = 69.955 → 69.96
 *   Confirmation 2, op 0020: yield 10, scrap 2 → C = 12
 *     B planned 2 × 12 = 24, issued 24 → 24.00
 *     machine 0.2 × 12 = 2.4 h → 2.4 × 25.00 = 60.00
 *     receipt 10 × 20.00 = 200.00 (Cr WIP)
 *   WIP = 82.00 + 69.96 + 24.00 + 60.00 − 200.00 = 35.96
 *
 *   planned unit cost up to 0010 = 3 × 2.00 + 0.1 × 41.15 = 6 + 4.115 = 10.115
 *   planned unit cost up to 0020 = 10.115 + 2 × 1.00 + 0.2 × 25.00 = 17.115
 *   scrap = 1 × 10.115 + 2 × 17.115 = 10.115 + 34.23 = 44.345 → 44.35
 *   usage = (41 − 39) × 2.00 + (24 − 24) × 1.00 + (1.7 − 1.3) × 41.15 + (2.4 − 2.4) × 25.00
 *         = 4 + 16.46 = 20.46
 *   other = 35.96 − 44.35 − 20.46 = −28.85 (10 × (17.115 − 20.00) = −28.85: the roll-up is below
 *           the product's standard price)
 *   Journal: Dr VARIANCE_SCRAP 44.35 / Cr WIP; Dr VARIANCE_USAGE 20.46 / Cr WIP;
 *            Dr WIP 28.85 / Cr VARIANCE_OTHER (favourable, sides flipped) → WIP 0.
 */
const md = twoWorkCenterMasterData();

const confirm1 = (order: Order, stock: Record<string, string>) =>
  backflush(
    order,
    confirmation({
      operation: "0010",
      yield: dec("12"),
      scrap: dec("1"),
      components: [{ item: "0010", qty: dec("41") }],
      activities: hours({ labor: "1.7" }),
    }),
    postingContext(md, stock),
  );
const confirm2 = (order: Order, stock: Record<string, string>) =>
  backflush(
    order,
    confirmation({ operation: "0020", yield: dec("10"), scrap: dec("2") }),
    postingContext(md, stock),
  );

const lines = (order: Order, period: string) =>
  journalLines(order.state.periods[period] ?? {}).map(
    (l) => `${l.account} ${l.debit.toFixed(2)} ${l.credit.toFixed(2)}`,
  );

describe("period-end settlement", () => {
  const stock = { "A@MAIN": "100", "B@MAIN": "100" };

  it("planned unit cost up to each operation", () => {
    const costs = plannedUnitCostUpTo(releasedOrder(md, { qty: dec("10") }), md);
    expect(costs.get("0010")?.toFixed()).toBe("10.115");
    expect(costs.get("0020")?.toFixed()).toBe("17.115");
  });

  it("settles a completed order: variance split into scrap, usage and other, balanced journal", () => {
    const c1 = confirm1(releasedOrder(md, { qty: dec("10") }), stock);
    const c2 = confirm2(c1.order, stock);
    expect(c2.order.state.status).toBe("completed");
    expect(wipBalance(c2.order.state).toFixed(2)).toBe("35.96");

    const r = settled(settle(c2.order, md, "2026-11"));
    expect(r.variance.total.toFixed(2)).toBe("35.96");
    expect(r.variance.scrap.toFixed(2)).toBe("44.35");
    expect(r.variance.usage.toFixed(2)).toBe("20.46");
    expect(r.variance.other.toFixed(2)).toBe("-28.85");
    expect(entries(r.journal)).toEqual([
      "VARIANCE_SCRAP/WIP 44.35",
      "VARIANCE_USAGE/WIP 20.46",
      "WIP/VARIANCE_OTHER 28.85",
    ]);
    expect(r.order.state.status).toBe("closed");
    expect(wipBalance(r.order.state).toFixed(2)).toBe("0.00");
    // November: RM 82.00 + 24.00; WIP Dr 82.00 + 69.96 + 24.00 + 60.00 + 28.85 = 264.81,
    // Cr 200.00 + 44.35 + 20.46 = 264.81; total debits = credits = 529.62
    expect(lines(r.order, "2026-11")).toEqual([
      "RAW_MATERIALS 0.00 106.00",
      "WIP 264.81 264.81",
      "FINISHED_GOODS 200.00 0.00",
      "APPLIED_LABOR 0.00 69.96",
      "APPLIED_MACHINE 0.00 60.00",
      "VARIANCE_SCRAP 44.35 0.00",
      "VARIANCE_USAGE 20.46 0.00",
      "VARIANCE_OTHER 0.00 28.85",
    ]);

    // closed: no confirmation, no change, nothing more to settle
    expect(() => confirm2(r.order, stock)).toThrow(OrderClosedError);
    expect(() => changeOrder(r.order, { qty: dec("12") })).toThrow(OrderClosedError);
    expect(settle(r.order, md, "2026-12").kind).toBe("nothing");
  });

  it("carries the WIP of an order that is not completed, with no entries", () => {
    const c1 = confirm1(releasedOrder(md, { qty: dec("10") }), stock);
    const r = settle(c1.order, md, "2026-11");
    // 82.00 + 69.96 = 151.96
    expect(r.kind).toBe("carried");
    if (r.kind !== "carried") return;
    expect(r.wip.toFixed(2)).toBe("151.96");
    expect(r.order).toBe(c1.order);
    expect(settle(releasedOrder(md), md, "2026-11").kind).toBe("carried");
  });

  it("settles again what a backlog line posts on a closed order", () => {
    /*
     * B is short at confirmation 2 (backlog policy): its 24 go to the backlog.
     *   WIP = 82.00 + 69.96 + 60.00 − 200.00 = 11.96
     *   scrap 44.35 (as above); usage = 4 + (0 − 24) × 1.00 + 16.46 = −3.54
     *   other = 11.96 − 44.35 + 3.54 = −28.85
     * In December the backlog line posts: 24 × 1.00 = 24.00 into WIP of the closed order.
     *   re-settlement: scrap 44.35 − 44.35 = 0; usage 20.46 − (−3.54) = 24.00; other 24.00 − 24.00 = 0
     */
    const c1 = confirm1(releasedOrder(md, { qty: dec("10") }), stock);
    const c2 = confirm2(c1.order, { "B@MAIN": "0" });
    expect(c2.status).toBe("posted_with_backlog");
    const first = settled(settle(c2.order, md, "2026-11"));
    expect(first.variance.total.toFixed(2)).toBe("11.96");
    expect(entries(first.journal)).toEqual([
      "VARIANCE_SCRAP/WIP 44.35",
      "WIP/VARIANCE_USAGE 3.54",
      "WIP/VARIANCE_OTHER 28.85",
    ]);

    const late = postBacklog(first.order, at(c2.backlog, 0), {
      materials: md.materials,
      stock: postingContext(md, { "B@MAIN": "30" }).stock,
      period: "2026-12",
    });
    expect(late.order.state.status).toBe("closed");
    expect(wipBalance(late.order.state).toFixed(2)).toBe("24.00");

    const again = settled(settle(late.order, md, "2026-12"));
    expect(again.variance.total.toFixed(2)).toBe("24.00");
    expect(again.variance.scrap.toFixed(2)).toBe("0.00");
    expect(again.variance.usage.toFixed(2)).toBe("24.00");
    expect(again.variance.other.toFixed(2)).toBe("0.00");
    expect(entries(again.journal)).toEqual(["VARIANCE_USAGE/WIP 24.00"]);
    expect(wipBalance(again.order.state).toFixed(2)).toBe("0.00");
    expect(again.order.state.settled.usage.toFixed(2)).toBe("20.46");
    expect(again.order.state.settled.other.toFixed(2)).toBe("-28.85");
    expect(lines(again.order, "2026-12")).toEqual([
      "RAW_MATERIALS 0.00 24.00",
      "WIP 24.00 24.00",
      "VARIANCE_USAGE 24.00 0.00",
    ]);
  });

  it("rounds an exact half cent of scrap variance up (division last)", () => {
    /*
     * BOM base 3, A 1 per base with 33 % scrap at 2.50. Order 1: yield 1, scrap 3 → C = 4.
     *   A: 1 × 4 × 1.33 / 3 = 1.77333 → 1.773; 1.773 × 2.50 = 4.4325 → 4.43; receipt 10.00
     *   scrap = 3 × 1 × 1.33 × 2.50 / 3 = 3.325 → 3.33 (not 3.32)
     *   usage 0; other = (4.43 − 10.00) − 3.33 = −8.90
     */
    const m = masterData({
      materials: [
        product(),
        material({ material: "A", decimals: 3, standardPrice: dec("2.50"), shortage: "negative" }),
      ],
      bom: bom({
        baseQty: dec("3"),
        items: [bomItem({ component: "A", qty: dec("1"), scrapPct: dec("33") })],
      }),
    });
    const c = backflush(
      releasedOrder(m, { qty: dec("1") }),
      confirmation({ yield: dec("1"), scrap: dec("3") }),
      postingContext(m),
    );
    const r = settled(settle(c.order, m, "2026-11"));
    expect(r.variance.total.toFixed(2)).toBe("-5.57");
    expect(r.variance.scrap.toFixed(2)).toBe("3.33");
    expect(r.variance.usage.toFixed(2)).toBe("0.00");
    expect(r.variance.other.toFixed(2)).toBe("-8.90");
  });
});

describe("inventory turnover = issued value / ((opening + closing) / 2)", () => {
  it.each([
    { issued: "1200.00", opening: "500.00", closing: "700.00", turnover: "2.00" }, // 1200 / 600
    { issued: "100.00", opening: "200.00", closing: "100.00", turnover: "0.67" }, // 100 / 150 = 0.666…
    { issued: "0.00", opening: "50.00", closing: "50.00", turnover: "0.00" },
    { issued: "1000.00", opening: "0.00", closing: "0.00", turnover: null }, // average 0: undefined
    { issued: "10.00", opening: "-20.00", closing: "20.00", turnover: null },
  ])("$issued / avg($opening, $closing) = $turnover", ({ issued, opening, closing, turnover }) => {
    const t = inventoryTurnover(dec(issued), dec(opening), dec(closing));
    expect(t === null ? null : t.toFixed(2)).toBe(turnover);
  });
});
