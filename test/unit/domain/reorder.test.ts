import { describe, expect, it } from "vitest";
import { dec, type ReorderParams, reorderDecision } from "../../../domain/index.js";
import { material } from "../../fixtures/domain.js";

const fixed: ReorderParams = {
  reorderPoint: dec("500"),
  policy: "fixed",
  lotSize: dec("2000"),
  leadTimeDays: 5,
  supplier: "ACME",
};
const max: ReorderParams = {
  reorderPoint: dec("500"),
  policy: "max",
  maxLevel: dec("3000"),
  leadTimeDays: 5,
};

describe("reorderDecision", () => {
  it.each([
    // smallest multiple of lotSize that lifts available ABOVE the reorder point
    { name: "fixed, just below ROP", params: fixed, onHand: "450", open: "0", qty: "2000", available: "450" },
    { name: "fixed, exactly at ROP", params: fixed, onHand: "500", open: "0", qty: "2000", available: "500" },
    // −2000 + 2000 = 0 ≤ 500, so two lots: −2000 + 4000 = 2000 > 500
    {
      name: "fixed, deep negative",
      params: fixed,
      onHand: "-2000",
      open: "0",
      qty: "4000",
      available: "-2000",
    },
    // −1500 + 2000 = 500 is not above 500: two lots
    {
      name: "fixed, one lot only reaches ROP",
      params: fixed,
      onHand: "-1500",
      open: "0",
      qty: "4000",
      available: "-1500",
    },
    {
      name: "fixed, open requisitions count",
      params: fixed,
      onHand: "300",
      open: "100",
      qty: "2000",
      available: "400",
    },
    {
      name: "max: maxLevel − available",
      params: max,
      onHand: "450",
      open: "0",
      qty: "2550",
      available: "450",
    },
    {
      name: "max with open requisitions",
      params: max,
      onHand: "200",
      open: "250",
      qty: "2550",
      available: "450",
    },
    {
      name: "max with negative stock",
      params: max,
      onHand: "-100",
      open: "0",
      qty: "3100",
      available: "-100",
    },
  ])("$name: orders $qty", ({ params, onHand, open, qty, available }) => {
    const r = reorderDecision(
      material({ decimals: 0, reorder: params }),
      dec(onHand),
      dec(open),
      "2026-11-25",
    );
    expect(r?.qty.toFixed()).toBe(qty);
    expect(r?.available.toFixed()).toBe(available);
    expect(r?.reorderPoint.toFixed()).toBe("500");
    expect(r?.material).toBe("RAW-A");
  });

  it.each([
    { name: "above ROP", params: fixed, onHand: "501", open: "0" },
    { name: "an open requisition still covers the shortfall", params: fixed, onHand: "300", open: "2000" },
    { name: "max above ROP", params: max, onHand: "600", open: "0" },
  ])("none when $name", ({ params, onHand, open }) => {
    expect(reorderDecision(material({ reorder: params }), dec(onHand), dec(open), "2026-11-25")).toBeNull();
  });

  it("none without reorder parameters", () => {
    expect(reorderDecision(material(), dec("-100"), dec("0"), "2026-11-25")).toBeNull();
  });

  it.each([
    { today: "2026-11-25", lead: 5, neededBy: "2026-11-30" },
    { today: "2026-11-28", lead: 5, neededBy: "2026-12-03" }, // across a month end
    { today: "2026-12-30", lead: 5, neededBy: "2027-01-04" }, // across a year end
    { today: "2026-02-26", lead: 3, neededBy: "2026-03-01" }, // 2026 is not a leap year
    { today: "2028-02-28", lead: 1, neededBy: "2028-02-29" }, // 2028 is
    { today: "2026-11-25", lead: 0, neededBy: "2026-11-25" },
  ])("neededBy = $today + $lead days = $neededBy", ({ today, lead, neededBy }) => {
    const r = reorderDecision(
      material({ reorder: { ...fixed, leadTimeDays: lead } }),
      dec("0"),
      dec("0"),
      today,
    );
    expect(r?.neededBy).toBe(neededBy);
    expect(r?.supplier).toBe("ACME");
  });
});
