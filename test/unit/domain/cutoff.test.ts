/**
 * Cut-off (docs/rules.md#cut-off): the close of P sees the order as postings of periods ≤ P
 * left it. Figures by hand in the comments.
 */
import { describe, expect, it } from "vitest";
import {
  backflush,
  closeOrder,
  dec,
  type Order,
  reverse,
  settle,
  stateThrough,
  statusThrough,
  wipThrough,
} from "../../../domain/index.js";
import {
  bom,
  confirmation,
  entries,
  hours,
  masterData,
  postingContext,
  releasedOrder,
  routing,
  routingOperation,
} from "../../fixtures/domain.js";

/*
 * FG 10.00 from RAW-A (1 per unit, 1.00) at op 0010 on WC-1, labour 0.1 h per unit at 40.00.
 * Planned unit cost up to 0010 = 1.00 + 0.1 × 40.00 = 5.00. Order qty 10.
 *   November: yield 10 → RAW-A 10 → 10.00, labour 1 h → 40.00, receipt 10 × 10.00 = 100.00 Cr WIP.
 *             WIP −50.00; completed.
 *   December (posted before November's close): scrap 2 → RAW-A 2 → 2.00, labour 0.2 h → 8.00.
 *             WIP +10.00.
 */
const md = masterData({
  bom: bom(),
  routing: routing({ operations: [routingOperation({ hoursPerUnit: hours({ labor: "0.1" }) })] }),
});
const stock = { "RAW-A@MAIN": "1000" };

function postedInTwoPeriods(): Order {
  const nov = backflush(
    releasedOrder(md, { qty: dec("10") }),
    confirmation({ yield: dec("10") }),
    postingContext(md, stock, "2026-11"),
  );
  return backflush(
    nov.order,
    confirmation({ yield: dec("0"), scrap: dec("2") }),
    postingContext(md, stock, "2026-12"),
  ).order;
}

describe("the order through a period", () => {
  it("takes later periods' quantities back out", () => {
    const order = postedInTwoPeriods();
    const op = order.state.operations["0010"];
    expect([op?.confirmedYield.toFixed(), op?.confirmedScrap.toFixed(), op?.postings]).toEqual([
      "10",
      "2",
      2,
    ]);
    const nov = stateThrough(order.state, "2026-11");
    const novOp = nov.operations["0010"];
    expect([novOp?.confirmedYield.toFixed(), novOp?.confirmedScrap.toFixed(), novOp?.postings]).toEqual([
      "10",
      "0",
      1,
    ]);
    expect(novOp?.plannedHours.labor?.toFixed()).toBe("1");
    expect(nov.components["0010"]?.issued.toFixed()).toBe("10");
    expect(stateThrough(order.state, "2026-12")).toBe(order.state);
    expect(wipThrough(order.state, "2026-11").toFixed(2)).toBe("-50.00");
    expect(wipThrough(order.state, "2026-12").toFixed(2)).toBe("-40.00");
  });

  it("is completed for a period only by that period's postings", () => {
    // November: op 0010 yield 4; December: yield 6 completes the order of 10.
    const nov = backflush(
      releasedOrder(md, { qty: dec("10") }),
      confirmation({ yield: dec("4") }),
      postingContext(md, stock, "2026-11"),
    );
    const dec1 = backflush(
      nov.order,
      confirmation({ yield: dec("6") }),
      postingContext(md, stock, "2026-12"),
    );
    expect(dec1.order.state.status).toBe("completed");
    expect(statusThrough(dec1.order, "2026-10")).toBe("released");
    expect(statusThrough(dec1.order, "2026-11")).toBe("in_process");
    expect(statusThrough(dec1.order, "2026-12")).toBe("completed");
    // November carries its own WIP: RAW-A 4.00 + labour 0.4 h × 40 = 16.00 − receipt 40.00 = −20.00.
    const result = settle(dec1.order, md, "2026-11");
    expect(result.kind).toBe("carried");
    if (result.kind === "carried") expect(result.wip.toFixed(2)).toBe("-20.00");
    expect(closeOrder(dec1.order, md, "2026-11").row).toMatchObject({ status: "in_process" });
  });

  it("leaves nothing behind when a posting is reversed in its own period", () => {
    const c = backflush(
      releasedOrder(md, { qty: dec("10") }),
      confirmation({ yield: dec("3") }),
      postingContext(md, stock, "2026-11"),
    );
    expect(Object.keys(c.order.state.byPeriod ?? {})).toEqual(["2026-11"]);
    const r = reverse(c.order, c.record, { period: "2026-11", materials: md.materials, reversed: false });
    expect(r.order.state.byPeriod).toBeUndefined();
  });
});

describe("settlement with postings of a later period already in", () => {
  it("splits November's variance on November's quantities and leaves December's scrap to December", () => {
    const order = postedInTwoPeriods();
    // November: V = −50.00; scrap 0 (no scrap through November), usage 0 (10 issued = 10 planned,
    // 1 h actual = 1 h planned), other −50.00 = 10 × (5.00 − 10.00). Dr WIP / Cr VARIANCE_OTHER.
    const nov = closeOrder(order, md, "2026-11");
    expect(nov.row?.variance).toEqual({
      total: dec("-50"),
      scrap: dec("0"),
      usage: dec("0"),
      other: dec("-50"),
      byWorkCenter: [],
    });
    expect(nov.row).toMatchObject({ status: "closed" });
    expect(nov.row?.wip.toFixed(2)).toBe("0.00");
    // What November's close no longer needs is gone; December's changes stay for December.
    expect(Object.keys(nov.next.state.byPeriod ?? {})).toEqual(["2026-12"]);
    // December: WIP through December = −50.00 + 50.00 + 10.00 = 10.00; scrap 2 × 5.00 = 10.00.
    const result = settle(nov.next, md, "2026-12");
    if (result.kind !== "settled") throw new Error(`expected a settlement, got ${result.kind}`);
    expect(entries(result.journal)).toEqual(["VARIANCE_SCRAP/WIP 10.00"]);
    expect(result.variance.other.toFixed(2)).toBe("0.00");
  });
});
