import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  backflush,
  Decimal,
  DomainError,
  dec,
  formatMoney,
  formatQty,
  goodsReceipt,
  InvalidQuantityError,
  inventoryCount,
  periodOf,
  release,
  roundMoney,
  roundQty,
  scaleOf,
  transfer,
} from "../../../domain/index.js";
import { confirmation, masterData, material, postingContext, releasedOrder } from "../../fixtures/domain.js";

describe("dec(): plain decimal strings or JSON numbers", () => {
  it.each<{ input: string | number; expected: string }>([
    { input: "12.5", expected: "12.5" },
    { input: "12.50", expected: "12.5" },
    { input: " 7 ", expected: "7" },
    { input: "-3.25", expected: "-3.25" },
    { input: "0.000001", expected: "0.000001" },
    {
      input: "123456789012345678901234567890.123456789",
      expected: "123456789012345678901234567890.123456789",
    },
    { input: 0.1, expected: "0.1" }, // the JSON number, not 0.1000000000000000055…
    { input: 0.1 + 0.2, expected: "0.30000000000000004" }, // the shortest round trip of that double
    { input: 12, expected: "12" },
    { input: 1e21, expected: "1000000000000000000000" },
    { input: -0.5, expected: "-0.5" },
  ])("accepts $input as $expected", ({ input, expected }) => {
    expect(dec(input).toFixed()).toBe(expected);
  });

  it("returns a Decimal unchanged", () => {
    const d = new Decimal("4.2");
    expect(dec(d)).toBe(d);
  });

  const label = (input: unknown): string =>
    typeof input === "bigint" || typeof input === "number" || input === undefined
      ? String(input)
      : JSON.stringify(input);
  it.each(
    [
      "1e5",
      "1E5",
      "Infinity",
      "-Infinity",
      "NaN",
      "",
      "   ",
      "abc",
      "0x10",
      "0b1",
      "1,5",
      ".5",
      "5.",
      "+5",
      "1 000",
      "--1",
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      null,
      undefined,
      true,
      {},
      [],
      ["1"],
      10n,
    ].map((input: unknown) => ({ input, label: label(input) })),
  )("refuses $label with InvalidQuantityError", ({ input }) => {
    let caught: unknown;
    try {
      dec(input as string, "yield");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidQuantityError);
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as InvalidQuantityError).code).toBe("INVALID_QUANTITY");
    expect((caught as InvalidQuantityError).path).toBe("yield");
  });

  it("property: any string or JSON value is either a plain decimal or a domain error, never a crash", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.stringMatching(/^-?\d{1,20}(\.\d{1,20})?$/), fc.jsonValue()),
        (input) => {
          try {
            const d = dec(input as string);
            expect(typeof input === "string" || typeof input === "number").toBe(true);
            expect(d.isFinite()).toBe(true);
            if (typeof input === "string") expect(d.equals(new Decimal(input.trim()))).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(DomainError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("malformed input to the rules raises a domain error, never a decimal.js or type error", () => {
    const md = masterData();
    const a = material();
    const attempts: (() => unknown)[] = [
      () => release({ order: "1", material: "FG", qty: dec("1e3"), dueDate: "2026-12-01" }, md),
      () => release({ order: "1", material: "FG", qty: dec("0.5"), dueDate: "2026-12-01" }, md),
      () => backflush(releasedOrder(md), confirmation({ yield: dec("NaN") }), postingContext(md)),
      () => backflush(releasedOrder(md), confirmation({ yield: dec("0.1") }), postingContext(md)),
      () =>
        backflush(
          releasedOrder(md),
          confirmation({ yield: dec(Number.POSITIVE_INFINITY) }),
          postingContext(md),
        ),
      () => goodsReceipt(a, { location: "MAIN", qty: dec("1.0001") }),
      () => goodsReceipt(a, { location: "MAIN", qty: dec("-1") }),
      () => goodsReceipt(a, { location: "MAIN", qty: dec("1"), unitCost: dec("-0.01") }),
      () => transfer(a, { from: "A", to: "B", qty: dec("0") }, dec("10")),
      () => inventoryCount(a, { location: "MAIN", counted: dec("-1") }, dec("0")),
      () => periodOf("2026-02-30"),
      () => periodOf("not a date"),
    ];
    for (const attempt of attempts) {
      expect(attempt).toThrow(DomainError);
    }
  });
});

describe("rounding helpers (ROUND_HALF_UP)", () => {
  it.each([
    { value: "2.345", money: "2.35" },
    { value: "2.344999", money: "2.34" },
    { value: "-2.345", money: "-2.35" }, // half away from zero: a reversal mirrors its posting
    { value: "0.005", money: "0.01" },
    { value: "0.0049", money: "0.00" },
  ])("roundMoney($value) = $money", ({ value, money }) => {
    expect(formatMoney(roundMoney(dec(value)))).toBe(money);
  });

  it.each([
    { value: "0.3333", decimals: 2, qty: "0.33" },
    { value: "0.335", decimals: 2, qty: "0.34" },
    { value: "129.9995", decimals: 3, qty: "130.000" },
    { value: "5.5", decimals: 0, qty: "6" },
  ])("roundQty($value, $decimals) = $qty", ({ value, decimals, qty }) => {
    expect(formatQty(roundQty(dec(value), decimals), decimals)).toBe(qty);
  });

  it.each([
    { text: "12", scale: 0 },
    { text: "1.50", scale: 2 },
    { text: "0.001", scale: 3 },
  ])("scaleOf($text) = $scale", ({ text, scale }) => {
    expect(scaleOf(text)).toBe(scale);
  });
});
