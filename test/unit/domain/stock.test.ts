import { describe, expect, it } from "vitest";
import {
  dec,
  goodsReceipt,
  InsufficientStockError,
  InvalidInputError,
  InvalidQuantityError,
  inventoryCount,
  stockValue,
  transfer,
} from "../../../domain/index.js";
import { entries, material, product } from "../../fixtures/domain.js";

const deltas = (
  stock: readonly {
    material: string;
    location: string;
    qty: { toFixed(): string };
    guardNonNegative: boolean;
  }[],
) =>
  stock.map(
    (d) => `${d.material}@${d.location} ${d.qty.toFixed()} ${d.guardNonNegative ? "guarded" : "free"}`,
  );

describe("goods receipt: Dr inventory at standard, Cr GRIR at unit cost, difference to PPV", () => {
  const adhesive = material({ material: "ADHESIVE", decimals: 1, standardPrice: dec("4.00") });

  it.each([
    {
      name: "invoice above standard: unfavourable PPV",
      mat: adhesive,
      qty: "50",
      unitCost: "4.10",
      // standard 50 × 4.00 = 200.00; invoiced 50 × 4.10 = 205.00; PPV 5.00 debit
      journal: ["RAW_MATERIALS/GRIR 200.00", "PURCHASE_PRICE_VARIANCE/GRIR 5.00"],
      value: "200.00",
      ppv: "5.00",
    },
    {
      name: "invoice below standard: favourable PPV",
      mat: adhesive,
      qty: "50",
      unitCost: "3.95",
      // invoiced 50 × 3.95 = 197.50; PPV 2.50 credit
      journal: ["RAW_MATERIALS/GRIR 200.00", "GRIR/PURCHASE_PRICE_VARIANCE 2.50"],
      value: "200.00",
      ppv: "-2.50",
    },
    {
      name: "without unitCost: at standard, no PPV",
      mat: adhesive,
      qty: "12.5",
      unitCost: undefined,
      // 12.5 × 4.00 = 50.00
      journal: ["RAW_MATERIALS/GRIR 50.00"],
      value: "50.00",
      ppv: "0.00",
    },
    {
      name: "values rounded to 2 places each",
      mat: material({ material: "SCREW", decimals: 0, standardPrice: dec("0.333") }),
      qty: "3",
      unitCost: "0.3349",
      // standard 3 × 0.333 = 0.999 → 1.00; invoiced 3 × 0.3349 = 1.0047 → 1.00; no PPV
      journal: ["RAW_MATERIALS/GRIR 1.00"],
      value: "1.00",
      ppv: "0.00",
    },
    {
      name: "a material with a BOM goes to FINISHED_GOODS",
      mat: product({ standardPrice: dec("12.00") }),
      qty: "2",
      unitCost: "12.50",
      // 2 × 12.00 = 24.00; 2 × 12.50 = 25.00; PPV 1.00
      journal: ["FINISHED_GOODS/GRIR 24.00", "PURCHASE_PRICE_VARIANCE/GRIR 1.00"],
      value: "24.00",
      ppv: "1.00",
    },
  ])("$name", ({ mat, qty, unitCost, journal, value, ppv }) => {
    const r = goodsReceipt(mat, {
      location: "MACH-01",
      qty: dec(qty),
      unitCost: unitCost === undefined ? undefined : dec(unitCost),
    });
    expect(entries(r.journal)).toEqual(journal);
    expect(r.value.toFixed(2)).toBe(value);
    expect(r.purchasePriceVariance.toFixed(2)).toBe(ppv);
    expect(deltas(r.stock)).toEqual([`${mat.material}@MACH-01 ${qty} free`]);
  });

  it.each([
    { qty: "0", unitCost: undefined },
    { qty: "-1", unitCost: undefined },
    { qty: "1.25", unitCost: undefined },
    { qty: "1", unitCost: "-0.01" },
  ])("refuses qty $qty / unitCost $unitCost", ({ qty, unitCost }) => {
    expect(() =>
      goodsReceipt(adhesive, {
        location: "MAIN",
        qty: dec(qty),
        unitCost: unitCost === undefined ? undefined : dec(unitCost),
      }),
    ).toThrow(InvalidQuantityError);
  });
});

describe("transfer: moves on-hand at no value change", () => {
  const rim = (shortage: "backlog" | "split" | "negative") =>
    material({ material: "RIM-BASE", decimals: 2, standardPrice: dec("0.85"), shortage });

  it("moves the quantity, guards the source, posts no journal", () => {
    const r = transfer(rim("backlog"), { from: "RAW", to: "MACH-01", qty: dec("1200") }, dec("1500"));
    expect(deltas(r.stock)).toEqual(["RIM-BASE@RAW -1200 guarded", "RIM-BASE@MACH-01 1200 free"]);
    expect(r.journal).toEqual([]);
  });

  it("allows taking exactly all of the source", () => {
    const r = transfer(rim("split"), { from: "RAW", to: "MACH-01", qty: dec("1200") }, dec("1200"));
    expect(deltas(r.stock)).toEqual(["RIM-BASE@RAW -1200 guarded", "RIM-BASE@MACH-01 1200 free"]);
  });

  it.each(["backlog" as const, "split" as const])("refuses to take the source below zero (%s)", (policy) => {
    let caught: unknown;
    try {
      transfer(rim(policy), { from: "RAW", to: "MACH-01", qty: dec("1200") }, dec("1000"));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InsufficientStockError);
    const error = caught as InsufficientStockError;
    expect([error.material, error.location, error.onHand, error.requested]).toEqual([
      "RIM-BASE",
      "RAW",
      "1000",
      "1200",
    ]);
  });

  it("lets a material with negative policy go below zero, unguarded", () => {
    const r = transfer(rim("negative"), { from: "RAW", to: "MACH-01", qty: dec("1200") }, dec("1000"));
    expect(deltas(r.stock)).toEqual(["RIM-BASE@RAW -1200 free", "RIM-BASE@MACH-01 1200 free"]);
  });

  it("refuses the same location and a bad quantity", () => {
    expect(() => transfer(rim("negative"), { from: "RAW", to: "RAW", qty: dec("1") }, dec("5"))).toThrow(
      InvalidInputError,
    );
    expect(() => transfer(rim("negative"), { from: "RAW", to: "B", qty: dec("0") }, dec("5"))).toThrow(
      InvalidQuantityError,
    );
    expect(() => transfer(rim("negative"), { from: "RAW", to: "B", qty: dec("0.001") }, dec("5"))).toThrow(
      InvalidQuantityError,
    );
  });
});

describe("inventory count: counted replaces book, difference × standard against INVENTORY_ADJUSTMENT", () => {
  const adhesive = material({ material: "ADHESIVE", decimals: 1, standardPrice: dec("4.00") });

  it.each([
    {
      name: "loss",
      onHand: "50",
      counted: "41.5",
      // 41.5 − 50 = −8.5; × 4.00 = −34.00
      difference: "-8.5",
      journal: ["INVENTORY_ADJUSTMENT/RAW_MATERIALS 34.00"],
      stock: ["ADHESIVE@MACH-01 -8.5 free"],
    },
    {
      name: "gain",
      onHand: "40",
      counted: "41.5",
      // +1.5 × 4.00 = 6.00
      difference: "1.5",
      journal: ["RAW_MATERIALS/INVENTORY_ADJUSTMENT 6.00"],
      stock: ["ADHESIVE@MACH-01 1.5 free"],
    },
    {
      name: "count where there was none",
      onHand: "0",
      counted: "12",
      // 12 × 4.00 = 48.00
      difference: "12",
      journal: ["RAW_MATERIALS/INVENTORY_ADJUSTMENT 48.00"],
      stock: ["ADHESIVE@MACH-01 12 free"],
    },
    {
      name: "count that repairs a negative book on-hand",
      onHand: "-3",
      counted: "0",
      // +3 × 4.00 = 12.00
      difference: "3",
      journal: ["RAW_MATERIALS/INVENTORY_ADJUSTMENT 12.00"],
      stock: ["ADHESIVE@MACH-01 3 free"],
    },
    { name: "no difference", onHand: "41.5", counted: "41.5", difference: "0", journal: [], stock: [] },
  ])("$name", ({ onHand, counted, difference, journal, stock }) => {
    const r = inventoryCount(adhesive, { location: "MACH-01", counted: dec(counted) }, dec(onHand));
    expect(r.difference.toFixed()).toBe(difference);
    expect(entries(r.journal)).toEqual(journal);
    expect(deltas(r.stock)).toEqual(stock);
  });

  it("refuses a negative or too precise count", () => {
    expect(() => inventoryCount(adhesive, { location: "M", counted: dec("-1") }, dec("0"))).toThrow(
      InvalidQuantityError,
    );
    expect(() => inventoryCount(adhesive, { location: "M", counted: dec("1.25") }, dec("0"))).toThrow(
      InvalidQuantityError,
    );
  });

  it("stock value at standard: 123 × 0.85 = 104.55", () => {
    expect(stockValue(material({ standardPrice: dec("0.85") }), dec("123")).toFixed(2)).toBe("104.55");
  });
});
