import { describe, expect, it } from "vitest";
import { backflush, dec, postBacklog, type ShortagePolicy } from "../../../domain/index.js";
import {
  at,
  bom,
  bomItem,
  confirmation,
  entries,
  lineOf,
  masterData,
  material,
  postingContext,
  product,
  releasedOrder,
} from "../../fixtures/domain.js";

// A: 30 per unit at MACH-01, 1.50 each. Confirmation of 1 with 0 on hand → line 0010 backlogged.
const setup = (policy: ShortagePolicy) => {
  const md = masterData({
    materials: [
      product(),
      material({
        material: "A",
        decimals: 0,
        standardPrice: dec("1.50"),
        defaultLocation: "MACH-01",
        shortage: policy,
      }),
    ],
    bom: bom({ items: [bomItem({ component: "A", qty: dec("30") })] }),
  });
  const posted = backflush(releasedOrder(md), confirmation(), postingContext(md, { "A@MACH-01": "0" }));
  return { md, posted, line: at(posted.backlog, 0) };
};

describe("postBacklog: a backlog line posts when stock covers it, under today's policy", () => {
  it.each([
    { policy: "backlog" as const, onHand: "20", posted: null, remaining: "30", delta: null },
    { policy: "backlog" as const, onHand: "30", posted: "30", remaining: "0", delta: "-30 guarded" },
    { policy: "split" as const, onHand: "20", posted: "20", remaining: "10", delta: "-20 guarded" },
    { policy: "split" as const, onHand: "45", posted: "30", remaining: "0", delta: "-30 guarded" },
    { policy: "split" as const, onHand: "0", posted: null, remaining: "30", delta: null },
  ])(
    "$policy with $onHand on hand: posts $posted, $remaining remain",
    ({ policy, onHand, posted, remaining, delta }) => {
      const { md, posted: first, line } = setup(policy);
      expect(`${line.line} ${line.material}@${line.location} ${line.qty.toFixed()}`).toBe(
        "0010 A@MACH-01 30",
      );
      const r = postBacklog(first.order, line, {
        materials: md.materials,
        stock: postingContext(md, { "A@MACH-01": onHand }).stock,
        period: "2026-12",
      });
      expect(r.movement ? r.movement.qty.toFixed() : null).toBe(posted);
      expect(r.remaining.toFixed()).toBe(remaining);
      expect(
        r.stock.map((d) => `${d.qty.toFixed()} ${d.guardNonNegative ? "guarded" : "free"}`)[0] ?? null,
      ).toBe(delta);
      expect(lineOf(r.order, "0010").issued.toFixed()).toBe(posted ?? "0");
      expect(lineOf(r.order, "0010").planned.toFixed()).toBe("30");
      if (posted === null) expect(r.order).toBe(first.order);
    },
  );

  it("books in the period it finally posts in", () => {
    const { md, posted, line } = setup("backlog");
    const r = postBacklog(posted.order, line, {
      materials: md.materials,
      stock: postingContext(md, { "A@MACH-01": "30" }).stock,
      period: "2026-12",
    });
    // 30 × 1.50 = 45.00
    expect(entries(r.journal)).toEqual(["WIP/RAW_MATERIALS 45.00"]);
    expect(r.order.state.periods["2026-12"]?.WIP?.debit.toFixed(2)).toBe("45.00");
    expect(r.order.state.periods["2026-11"]?.RAW_MATERIALS).toBeUndefined();
    // WIP debit: nothing issued in November, 45.00 in December
    expect(r.order.state.wipDebit.toFixed(2)).toBe("45.00");
  });

  it("negative policy posts all of it even with nothing on hand", () => {
    const { md, posted, line } = setup("backlog");
    const negative = new Map(md.materials);
    negative.set(
      "A",
      material({ material: "A", decimals: 0, standardPrice: dec("1.50"), shortage: "negative" }),
    );
    const r = postBacklog(posted.order, line, {
      materials: negative,
      stock: postingContext(md).stock,
      period: "2026-11",
    });
    expect(r.movement?.qty.toFixed()).toBe("30");
    expect(r.stock.map((d) => `${d.qty.toFixed()} ${d.guardNonNegative}`)).toEqual(["-30 false"]);
  });
});
