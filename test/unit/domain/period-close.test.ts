/**
 * The period-close rules outside settlement (domain/period-close.ts, domain/period.ts,
 * domain/reorder.ts), each figure worked out by hand in the comments.
 */
import { describe, expect, it } from "vitest";
import {
  type Closability,
  closability,
  dec,
  FALLBACK_CURRENCY,
  hasTotalsAfter,
  isClosedThrough,
  isPeriodClosedFor,
  isReorderCandidate,
  type JournalTotals,
  leavesCloseIndex,
  needsPostedPeriods,
  type OrderState,
  type PeriodLock,
  periodsWithPostings,
  plantCurrency,
  type StockItemTotals,
  stockJournal,
  turnoverLines,
  wipThrough,
} from "../../../domain/index.js";
import { parseAggregates } from "../../../functions/adapters/table/stock.js";
import { masterData, material, product, releasedOrder } from "../../fixtures/domain.js";

const locked = (entries: Record<string, PeriodLock>) => ({ locked: new Map(Object.entries(entries)) });
const totals = (rows: Record<string, [string, string]>): JournalTotals =>
  Object.fromEntries(Object.entries(rows).map(([a, [d, c]]) => [a, { debit: dec(d), credit: dec(c) }]));

/** The released default order with the given journal totals per period and status. */
function stateWith(
  periods: Record<string, JournalTotals>,
  status: OrderState["status"] = "in_process",
): OrderState {
  const base = releasedOrder(masterData()).state;
  let wipDebit = dec(0);
  let wipCredit = dec(0);
  for (const t of Object.values(periods)) {
    wipDebit = wipDebit.plus(t.WIP?.debit ?? 0);
    wipCredit = wipCredit.plus(t.WIP?.credit ?? 0);
  }
  return { ...base, status, periods, wipDebit, wipCredit };
}

describe("which periods may be closed", () => {
  it("refuses a future period, reports a closed one done, and refuses one before a locked period", () => {
    expect(closability(locked({}), "2026-12", "2026-11")).toEqual({ kind: "future", current: "2026-11" });
    expect(closability(locked({}), "2026-11", "2026-11")).toEqual({ kind: "open" });
    expect(closability(locked({ "2026-10": "closed" }), "2026-10", "2026-11")).toEqual({ kind: "closed" });
    expect(closability(locked({ "2026-11": "closing" }), "2026-10", "2026-11")).toEqual({
      kind: "later_locked",
      later: "2026-11",
    });
    // A closing period may be asked again (the request is idempotent while it runs).
    expect(closability(locked({ "2026-11": "closing" }), "2026-11", "2026-11")).toEqual({ kind: "open" });
  });

  it("goes in order: refused while an earlier period with postings is not closed, naming the earliest", () => {
    const posted = ["2026-09", "2026-10", "2026-12"];
    expect(closability(locked({}), "2026-11", "2026-12", posted)).toEqual({
      kind: "earlier_open",
      earlier: "2026-09",
    });
    expect(closability(locked({ "2026-09": "closed" }), "2026-11", "2026-12", posted)).toEqual({
      kind: "earlier_open",
      earlier: "2026-10",
    });
    // Closing is not closed yet.
    expect(
      closability(locked({ "2026-09": "closed", "2026-10": "closing" }), "2026-11", "2026-12", posted),
    ).toEqual({
      kind: "earlier_open",
      earlier: "2026-10",
    } satisfies Closability);
    expect(
      closability(locked({ "2026-09": "closed", "2026-10": "closed" }), "2026-11", "2026-12", posted),
    ).toEqual({
      kind: "open",
    });
    // Later postings and periods up to the latest closed one do not count.
    expect(
      closability(locked({ "2026-10": "closed" }), "2026-11", "2026-12", ["2026-08", "2026-12"]),
    ).toEqual({
      kind: "open",
    });
    expect(needsPostedPeriods(locked({ "2026-10": "closed" }), "2026-11")).toBe(false);
    expect(needsPostedPeriods(locked({ "2026-09": "closed" }), "2026-11")).toBe(true);
  });

  it("finds the periods with postings no close has taken, on orders and stock items", () => {
    const order = stateWith({
      "2026-09": totals({ WIP: ["1.00", "0"], RAW_MATERIALS: ["0", "1.00"] }),
      "2026-10": totals({ WIP: ["2.00", "0"], RAW_MATERIALS: ["0", "2.00"] }),
      "2026-11": {},
    });
    const stockItem: StockItemTotals = {
      material: "RAW-A",
      onHand: dec("1"),
      aggregates: {
        qtyChange: new Map([["2026-07", dec("0")]]),
        issuedValue: new Map(),
        journal: new Map([["2026-08", {}]]),
      },
    };
    expect(
      [...periodsWithPostings([{ state: order, closedThrough: "2026-09" }], [stockItem])].sort(),
    ).toEqual(["2026-07", "2026-08", "2026-10"]);
  });

  it("isPeriodClosedFor: a locked period, anything before the latest locked one, and the order's closedThrough", () => {
    const closed = isPeriodClosedFor(locked({ "2026-09": "closed", "2026-11": "closing" }), "2026-12");
    expect(["2026-08", "2026-10", "2026-11", "2026-12"].map(closed)).toEqual([true, true, true, true]);
    expect(closed("2027-01")).toBe(false);
    expect(isPeriodClosedFor(locked({}), undefined)("2026-01")).toBe(false);
  });

  it("isClosedThrough: done for the period and every earlier one", () => {
    expect(isClosedThrough("2026-11", "2026-11")).toBe(true);
    expect(isClosedThrough("2026-11", "2026-10")).toBe(true);
    expect(isClosedThrough("2026-10", "2026-11")).toBe(false);
    expect(isClosedThrough(undefined, "2026-11")).toBe(false);
  });
});

describe("WIP through a period", () => {
  // November: Dr WIP 1000.00 (issues). December: Dr WIP 200.00 (labour), Cr WIP 1100.00 (receipt).
  const state = stateWith({
    "2026-11": totals({ WIP: ["1000.00", "0"], RAW_MATERIALS: ["0", "1000.00"] }),
    "2026-12": totals({
      WIP: ["200.00", "1100.00"],
      APPLIED_LABOR: ["0", "200.00"],
      FINISHED_GOODS: ["1100.00", "0"],
    }),
  });

  it("sums the WIP side of the periods up to it", () => {
    expect(wipThrough(state, "2026-10").toFixed(2)).toBe("0.00");
    expect(wipThrough(state, "2026-11").toFixed(2)).toBe("1000.00");
    // 1000.00 + 200.00 − 1100.00 = 100.00
    expect(wipThrough(state, "2026-12").toFixed(2)).toBe("100.00");
  });

  it("knows whether a later period has totals", () => {
    expect(hasTotalsAfter(state, "2026-11")).toBe(true);
    expect(hasTotalsAfter(state, "2026-12")).toBe(false);
    expect(hasTotalsAfter(stateWith({ "2026-12": {} }), "2026-11")).toBe(false);
  });

  it("lets an order leave the close index only when closed, at WIP 0, with nothing later", () => {
    const settled = stateWith({ "2026-11": totals({ WIP: ["50.00", "50.00"] }) }, "closed");
    expect(leavesCloseIndex(settled, "2026-11")).toBe(true);
    expect(leavesCloseIndex({ ...settled, status: "completed" }, "2026-11")).toBe(false);
    expect(
      leavesCloseIndex(stateWith({ "2026-11": totals({ WIP: ["50.00", "40.00"] }) }, "closed"), "2026-11"),
    ).toBe(false);
    const later = stateWith(
      { "2026-11": totals({ WIP: ["50.00", "50.00"] }), "2026-12": totals({ WIP: ["5.00", "5.00"] }) },
      "closed",
    );
    expect(leavesCloseIndex(later, "2026-11")).toBe(false);
  });
});

describe("the plant's currency", () => {
  it("is its first material's, else the fallback", () => {
    expect(plantCurrency({ currency: "EUR" })).toBe("EUR");
    expect(plantCurrency(undefined)).toBe(FALLBACK_CURRENCY);
    expect(FALLBACK_CURRENCY).toBe("USD");
  });
});

describe("stock aggregates", () => {
  it("are parsed from the stored attribute names into typed totals per period", () => {
    const agg = parseAggregates({
      pk: "P#X#STK#GLUE",
      sk: "LOC#MACH-01",
      onHand: "10",
      "qc#2026-11": "12.5",
      "qc#2026-12": "-2.5",
      "iv#2026-11": "30.00",
      "j#2026-11#RAW_MATERIALS#dr": "40.00",
      "j#2026-11#GRIR#cr": "41.00",
      "j#2026-11#PURCHASE_PRICE_VARIANCE#cr": "-1.00",
      "j#2026-12#INVENTORY_ADJUSTMENT#dr": "10.00",
    });
    expect([...agg.qtyChange].map(([p, v]) => [p, v.toFixed()])).toEqual([
      ["2026-11", "12.5"],
      ["2026-12", "-2.5"],
    ]);
    expect(agg.issuedValue.get("2026-11")?.toFixed(2)).toBe("30.00");
    const nov = agg.journal.get("2026-11") ?? {};
    expect(Object.keys(nov).sort()).toEqual(["GRIR", "PURCHASE_PRICE_VARIANCE", "RAW_MATERIALS"]);
    expect(nov.RAW_MATERIALS?.debit.toFixed(2)).toBe("40.00");
    expect(nov.GRIR?.credit.toFixed(2)).toBe("41.00");
    expect(agg.journal.get("2026-12")?.INVENTORY_ADJUSTMENT?.debit.toFixed(2)).toBe("10.00");
  });

  const item = (
    m: string,
    onHand: string,
    spec: { qc?: Record<string, string>; iv?: Record<string, string>; j?: Record<string, JournalTotals> },
  ): StockItemTotals => ({
    material: m,
    onHand: dec(onHand),
    aggregates: {
      qtyChange: new Map(Object.entries(spec.qc ?? {}).map(([p, v]) => [p, dec(v)])),
      issuedValue: new Map(Object.entries(spec.iv ?? {}).map(([p, v]) => [p, dec(v)])),
      journal: new Map(Object.entries(spec.j ?? {})),
    },
  });

  it("give the period's stock journal over every item", () => {
    const stock = [
      item("A", "1", { j: { "2026-11": totals({ RAW_MATERIALS: ["40.00", "0"], GRIR: ["0", "40.00"] }) } }),
      item("A", "1", { j: { "2026-11": totals({ RAW_MATERIALS: ["5.00", "0"], GRIR: ["0", "5.00"] }) } }),
      item("B", "1", { j: { "2026-12": totals({ RAW_MATERIALS: ["7.00", "0"], GRIR: ["0", "7.00"] }) } }),
    ];
    const nov = stockJournal(stock, "2026-11");
    expect(nov.RAW_MATERIALS?.debit.toFixed(2)).toBe("45.00");
    expect(nov.GRIR?.credit.toFixed(2)).toBe("45.00");
    expect(Object.keys(stockJournal(stock, "2026-10"))).toEqual([]);
  });

  it("give inventory turnover: issued value over the average of opening and closing value", () => {
    // RAW-A at 1.00: on hand now 150 at two locations; December added 50 → November closing 100.
    // November's change −100 (issued 200, received 100) → opening 200. Issued 200.00.
    // Average (200.00 + 100.00) / 2 = 150.00; turnover 200.00 / 150.00 = 1.333… → 1.33.
    // FG (has a BOM) issued nothing: no line. RAW-B: nothing at all: no line.
    const md = masterData({ materials: [product(), material(), material({ material: "RAW-B" })] });
    const stock = [
      item("RAW-A", "100", { qc: { "2026-11": "-60", "2026-12": "50" }, iv: { "2026-11": "120.00" } }),
      item("RAW-A", "50", { qc: { "2026-11": "-40" }, iv: { "2026-11": "80.00" } }),
      item("FG", "20", { qc: { "2026-11": "20" } }),
      item("RAW-B", "0", {}),
    ];
    expect(turnoverLines(stock, md.materials, "2026-11")).toEqual([
      { material: "RAW-A", issuedValue: "200.00", averageValue: "150.00", turnover: "1.33" },
    ]);
    // December: closing 150, opening 150 − 50 = 100, nothing issued: 0.00 over an average of 125.00.
    expect(turnoverLines(stock, md.materials, "2026-12")).toEqual([
      { material: "RAW-A", issuedValue: "0.00", averageValue: "125.00", turnover: "0.00" },
    ]);
  });
});

describe("reorder candidates", () => {
  it("are stock decreases of materials with reorder settings", () => {
    const withReorder = material({
      material: "R",
      reorder: { reorderPoint: dec("5"), policy: "fixed", lotSize: dec("10"), leadTimeDays: 2 },
    });
    const materials = new Map([
      ["R", withReorder],
      ["RAW-A", material()],
    ]);
    const delta = (m: string, qty: string) => ({
      material: m,
      location: "L",
      qty: dec(qty),
      guardNonNegative: true,
    });
    expect(isReorderCandidate(delta("R", "-1"), materials)).toBe(true);
    expect(isReorderCandidate(delta("R", "1"), materials)).toBe(false);
    expect(isReorderCandidate(delta("RAW-A", "-1"), materials)).toBe(false);
    expect(isReorderCandidate(delta("UNKNOWN", "-1"), materials)).toBe(false);
  });
});
