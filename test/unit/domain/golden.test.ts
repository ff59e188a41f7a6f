/**
 * The composite golden case of docs/rules.md#golden-case:
 * BOM base 10 FG, component A 25 kg per base with 4 % component scrap, order 200 FG, A linked
 * to operation 0020; A at 3.20/kg; labour 0.5 h per FG at 40.00/h on operation 0020.
 */
import { describe, expect, it } from "vitest";
import { backflush, dec, journalLines, plannedTotals, reverse } from "../../../domain/index.js";
import {
  activitiesOf,
  bom,
  bomItem,
  confirmation,
  entries,
  hours,
  issuesOf,
  lineOf,
  masterData,
  material,
  postingContext,
  product,
  rates,
  releasedOrder,
  routing,
  routingOperation,
  workCenter,
} from "../../fixtures/domain.js";

const md = (shortage: "backlog" | "split" | "negative" = "backlog") =>
  masterData({
    materials: [
      product({ standardPrice: dec("40.00") }),
      material({
        material: "A",
        uom: "KG",
        decimals: 3,
        standardPrice: dec("3.20"),
        defaultLocation: "RAW",
        shortage,
      }),
    ],
    workCenters: [workCenter({ rates: rates({ labor: "40.00" }) })],
    bom: bom({
      baseQty: dec("10"),
      items: [bomItem({ component: "A", qty: dec("25"), scrapPct: dec("4"), operation: "0020" })],
    }),
    routing: routing({
      operations: [
        routingOperation({ op: "0010" }),
        routingOperation({ op: "0020", hoursPerUnit: hours({ labor: "0.5" }) }),
      ],
    }),
  });
const plenty = { "A@RAW": "10000" };

describe("docs/rules.md golden case", () => {
  it("plans 2.5 × 200 × 1.04 = 520 kg of A", () => {
    const order = releasedOrder(md(), { qty: dec("200") });
    expect(plannedTotals(order.snapshot, order.state.qty).get("0010")?.toFixed(3)).toBe("520.000");
  });

  it("issues 130 / 260 / 130 kg over cumulative 50 / 150 / 200, summing exactly to 520", () => {
    const m = md();
    const c1 = backflush(
      releasedOrder(m, { qty: dec("200") }),
      confirmation({ operation: "0020", yield: dec("48"), scrap: dec("2") }),
      postingContext(m, plenty),
    );
    const a1 = issuesOf(c1.movements)[0];
    expect(a1?.qty.toFixed(3)).toBe("130.000"); // 520 × 50 / 200
    expect(a1?.value.toFixed(2)).toBe("416.00"); // 130 × 3.20
    const labour = activitiesOf(c1.movements)[0];
    expect(labour?.qty.toFixed()).toBe("25"); // 0.5 × 50
    expect(labour?.value.toFixed(2)).toBe("1000.00"); // 25 × 40.00
    // receipt 48 × 40.00 = 1920.00
    expect(entries(c1.journal)).toEqual([
      "WIP/RAW_MATERIALS 416.00",
      "WIP/APPLIED_LABOR 1000.00",
      "FINISHED_GOODS/WIP 1920.00",
    ]);

    const c2 = backflush(
      c1.order,
      confirmation({ operation: "0020", yield: dec("97"), scrap: dec("3") }),
      postingContext(m, plenty),
    );
    expect(issuesOf(c2.movements)[0]?.qty.toFixed(3)).toBe("260.000"); // 390 − 130
    expect(issuesOf(c2.movements)[0]?.value.toFixed(2)).toBe("832.00"); // 260 × 3.20

    const c3 = backflush(
      c2.order,
      confirmation({ operation: "0020", yield: dec("50") }),
      postingContext(m, plenty),
    );
    expect(issuesOf(c3.movements)[0]?.qty.toFixed(3)).toBe("130.000"); // 520 − 390
    expect(lineOf(c3.order, "0010").issued.toFixed(3)).toBe("520.000");
    expect(lineOf(c3.order, "0010").planned.toFixed(3)).toBe("520.000");
    // cumulative yield 48 + 97 + 50 = 195 < 200: not completed yet
    expect(c3.order.state.status).toBe("in_process");
  });

  it("cancelling confirmation #1 is equal and opposite, in the reversal's period", () => {
    const m = md();
    const c1 = backflush(
      releasedOrder(m, { qty: dec("200") }),
      confirmation({ operation: "0020", yield: dec("48"), scrap: dec("2") }),
      postingContext(m, plenty),
    );
    const r = reverse(c1.order, c1.record, { period: "2026-12", materials: m.materials, reversed: false });
    expect(r.movements.map((x) => `${x.kind} ${x.qty.toFixed()} ${x.value.toFixed(2)}`)).toEqual([
      "issue -130 -416.00",
      "activity -25 -1000.00",
      "receipt -48 -1920.00",
    ]);
    // +130 kg back to stock, the 48 FG out again; a reversal is never guarded
    expect(
      r.stock.map((d) => `${d.material}@${d.location} ${d.qty.toFixed()} ${d.guardNonNegative}`),
    ).toEqual(["A@RAW 130 false", "FG@MAIN -48 false"]);
    // December as the controller reads it: Dr RM 416 / Cr WIP 416, Dr APPLIED_LABOR 1000 / Cr WIP 1000,
    // Dr WIP 1920 / Cr FINISHED_GOODS 1920
    expect(
      journalLines(r.order.state.periods["2026-12"] ?? {}).map(
        (l) => `${l.account} ${l.debit.toFixed(2)} ${l.credit.toFixed(2)}`,
      ),
    ).toEqual([
      "RAW_MATERIALS 416.00 0.00",
      "WIP 1920.00 1416.00",
      "FINISHED_GOODS 0.00 1920.00",
      "APPLIED_LABOR 1000.00 0.00",
    ]);
    expect(r.order.state.wipDebit.toFixed(2)).toBe("0.00");
    expect(r.order.state.wipCredit.toFixed(2)).toBe("0.00");
    expect(lineOf(r.order, "0010").issued.toFixed()).toBe("0");
  });

  it("with only 100 kg on hand under split: posts 100 kg and backlogs 30 kg", () => {
    const m = md("split");
    const c1 = backflush(
      releasedOrder(m, { qty: dec("200") }),
      confirmation({ operation: "0020", yield: dec("48"), scrap: dec("2") }),
      postingContext(m, { "A@RAW": "100" }),
    );
    expect(c1.status).toBe("posted_with_backlog");
    expect(issuesOf(c1.movements).map((x) => `${x.qty.toFixed(3)} ${x.value.toFixed(2)}`)).toEqual([
      "100.000 320.00", // 100 × 3.20
    ]);
    expect(c1.backlog.map((b) => `${b.material}@${b.location} ${b.qty.toFixed(3)}`)).toEqual([
      "A@RAW 30.000",
    ]);
  });
});
