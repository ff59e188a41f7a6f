import { describe, expect, it } from "vitest";
import {
  backflush,
  dec,
  type Order,
  settle,
  subtractByWorkCenter,
  sumByWorkCenter,
  varianceByWorkCenter,
  type WorkCenterVariance,
} from "../../../domain/index.js";
import {
  bom,
  bomItem,
  confirmation,
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
 * The worked two-work-center order (every figure by hand):
 *   FG standard 20.00. BOM base 1: A 3 per unit at op 0010 (2.00), B 2 per unit at op 0020 (1.00).
 *   Op 0010 on WC-1: labour 0.1 h/unit at 41.15. Op 0020 on WC-2: machine 0.2 h/unit at 25.00.
 *   Order qty 10.
 *   Confirmation 1, op 0010: yield 13, scrap 1 → C = 14
 *     A planned 3 × 14 = 42, override qty 44 → 88.00
 *     labour planned 0.1 × 14 = 1.4 h, actual 1.7 h → 1.7 × 41.15 = 69.955 → 69.96
 *   Confirmation 2, op 0020: yield 10, scrap 3 → C = 13
 *     B planned 2 × 13 = 26, extra line scrap 3 → issued 29 → 29.00
 *     machine 0.2 × 13 = 2.6 h → 65.00; receipt 10 × 20.00 = 200.00
 *   WIP = 88.00 + 69.96 + 29.00 + 65.00 − 200.00 = 51.96
 *   planned unit cost up to 0010 = 3 × 2.00 + 0.1 × 41.15 = 10.115; up to 0020 = 10.115 + 2 + 5 = 17.115
 *   scrap = 1 × 10.115 + 3 × 17.115 = 10.115 + 51.345 = 61.46
 *   usage = (44 − 42) × 2.00 + (29 − 26) × 1.00 + (1.7 − 1.4) × 41.15 = 4 + 3 + 12.345 = 19.345 → 19.35
 *   other = 51.96 − 61.46 − 19.35 = −28.85
 * By work center:
 *   WC-1 scrap 1 × 10.115 = 10.115 → 10.12; usage 4 + 12.345 = 16.345 → 16.35
 *   WC-2 scrap 3 × 17.115 = 51.345 → 51.35; usage 3.00
 *   Σ scrap 10.12 + 51.35 = 61.47, the order's is 61.46: −0.01 to WC-2 (last operation) → 51.34
 *   Σ usage 16.35 + 3.00 = 19.35 = the order's: nothing to move.
 */
const md = twoWorkCenterMasterData(
  material({ material: "C", decimals: 0, standardPrice: dec("3.00") }),
  material({ material: "D", decimals: 0, standardPrice: dec("0.50") }),
);
const stock = { "A@MAIN": "100", "B@MAIN": "100", "C@MAIN": "100", "D@MAIN": "100" };

const view = (rows: readonly WorkCenterVariance[]) =>
  rows.map((r) => `${r.workCenter} ${r.scrap.toFixed(2)} ${r.usage.toFixed(2)}`);

function workedOrder(): Order {
  const c1 = backflush(
    releasedOrder(md, { qty: dec("10") }),
    confirmation({
      operation: "0010",
      yield: dec("13"),
      scrap: dec("1"),
      components: [{ item: "0010", qty: dec("44") }],
      activities: hours({ labor: "1.7" }),
    }),
    postingContext(md, stock),
  );
  return backflush(
    c1.order,
    confirmation({
      operation: "0020",
      yield: dec("10"),
      scrap: dec("3"),
      components: [{ item: "0020", scrap: dec("3") }],
    }),
    postingContext(md, stock),
  ).order;
}

describe("variance by work center", () => {
  it("splits a two-work-center order's scrap and usage; the rounding difference goes to the last operation", () => {
    const order = workedOrder();
    const r = settled(settle(order, md, "2026-11"));
    expect(r.variance.total.toFixed(2)).toBe("51.96");
    expect(r.variance.scrap.toFixed(2)).toBe("61.46");
    expect(r.variance.usage.toFixed(2)).toBe("19.35");
    expect(r.variance.other.toFixed(2)).toBe("-28.85");

    const rows = varianceByWorkCenter(order, md, { scrap: dec("61.46"), usage: dec("19.35") });
    expect(view(rows)).toEqual(["WC-1 10.12 16.35", "WC-2 51.34 3.00"]);
  });

  it("gives a substitute line's usage to the replaced item's work center and an unplanned line's to its confirmation's", () => {
    /*
     * Op 0010, yield 10: C 30 replaces A (planned 3 × 10 = 30, issued 0) → A (0 − 30) × 2.00 = −60,
     *   +C (30 − 0) × 3.00 = +90 → WC-1 usage 30.00; labour planned = actual.
     * Op 0020, yield 10: B as planned; unplanned D 4 × 0.50 = 2.00 → WC-2 usage 2.00.
     * No scrap. Order usage 32.00.
     */
    const c1 = backflush(
      releasedOrder(md, { qty: dec("10") }),
      confirmation({
        operation: "0010",
        yield: dec("10"),
        components: [{ component: "C", qty: dec("30"), replaces: "0010" }],
      }),
      postingContext(md, stock),
    );
    const c2 = backflush(
      c1.order,
      confirmation({ operation: "0020", yield: dec("10"), components: [{ component: "D", qty: dec("4") }] }),
      postingContext(md, stock),
    );
    const rows = varianceByWorkCenter(c2.order, md, { scrap: dec("0"), usage: dec("32.00") });
    expect(view(rows)).toEqual(["WC-1 0.00 30.00", "WC-2 0.00 2.00"]);
  });

  it("puts an order without routing on one row without work center", () => {
    /*
     * No routing: one implicit operation 0010 without work center. A 3 per unit; yield 10, scrap 1,
     * A override 35 (planned 3 × 11 = 33): usage 2 × 2.00 = 4.00; scrap 1 × 3 × 2.00 = 6.00.
     */
    const plain = masterData({
      materials: [product(), material({ material: "A", decimals: 0, standardPrice: dec("2.00") })],
      bom: bom({ items: [bomItem({ item: "0010", component: "A", qty: dec("3") })] }),
    });
    const order = backflush(
      releasedOrder(plain, { qty: dec("10") }),
      confirmation({ yield: dec("10"), scrap: dec("1"), components: [{ item: "0010", qty: dec("35") }] }),
      postingContext(plain, { "A@MAIN": "100" }),
    ).order;
    expect(view(varianceByWorkCenter(order, plain, { scrap: dec("6.00"), usage: dec("4.00") }))).toEqual([
      "null 6.00 4.00",
    ]);
  });

  it("a re-settlement's rows are the new allocation minus what each work center already got", () => {
    const full = [
      { workCenter: "WC-1", scrap: dec("10.12"), usage: dec("18.35") },
      { workCenter: "WC-2", scrap: dec("51.34"), usage: dec("3.00") },
    ];
    const before = [
      { workCenter: "WC-1", scrap: dec("10.12"), usage: dec("16.35") },
      { workCenter: "WC-2", scrap: dec("51.34"), usage: dec("3.00") },
    ];
    // Only WC-1's usage moved: 18.35 − 16.35 = 2.00.
    expect(view(subtractByWorkCenter(full, before))).toEqual(["WC-1 0.00 2.00"]);
  });

  it("sums a period's orders per work center, sorted, the implicit operation last", () => {
    const rows = sumByWorkCenter([
      [
        { workCenter: "WC-2", scrap: dec("51.34"), usage: dec("3.00") },
        { workCenter: "WC-1", scrap: dec("10.12"), usage: dec("16.35") },
      ],
      [
        { workCenter: null, scrap: dec("6.00"), usage: dec("4.00") },
        { workCenter: "WC-1", scrap: dec("0.88"), usage: dec("-16.35") },
      ],
    ]);
    // WC-1: 10.12 + 0.88 = 11.00, 16.35 − 16.35 = 0.00
    expect(view(rows)).toEqual(["WC-1 11.00 0.00", "WC-2 51.34 3.00", "null 6.00 4.00"]);
  });
});
