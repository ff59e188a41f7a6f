import { Decimal as DecimalJs } from "decimal.js";
import { InvalidQuantityError } from "./errors.js";

/**
 * The one Decimal constructor of the project: ROUND_HALF_UP (docs/rules.md#rounding) and enough precision
 * that intermediate products (qty × price × rate) are exact before the rule rounds them.
 */
export const Decimal = DecimalJs.clone({
  precision: 64,
  rounding: DecimalJs.ROUND_HALF_UP,
  toExpNeg: -30,
  toExpPos: 40,
});
export type Decimal = InstanceType<typeof Decimal>;

export const ZERO = new Decimal(0);

/** Plain decimal strings only: no exponent, no hex, no "Infinity" (docs/api.md#conventions). */
const DECIMAL_PATTERN = /^-?\d+(\.\d+)?$/;

/**
 * Parses a decimal given as a string or a JSON number. A JSON number is taken through its
 * shortest round-trip string, so 0.1 stays "0.1" and never becomes 0.1000000000000000055.
 */
export function dec(value: string | number | Decimal, field = "value"): Decimal {
  if (value instanceof Decimal) return value;
  // Untyped input (JSON null, true, an object) is a domain error too, never a TypeError.
  if (typeof value !== "string" && typeof value !== "number") {
    throw new InvalidQuantityError(
      field,
      `${field} must be a plain decimal like "12.5", got ${typeof value}`,
    );
  }
  const text = typeof value === "number" ? numberToPlainString(value, field) : value.trim();
  if (!DECIMAL_PATTERN.test(text)) {
    throw new InvalidQuantityError(
      field,
      `${field} must be a plain decimal like "12.5", got ${JSON.stringify(value)}`,
    );
  }
  return new Decimal(text);
}

function numberToPlainString(value: number, field: string): string {
  if (!Number.isFinite(value)) throw new InvalidQuantityError(field, `${field} must be a finite number`);
  // String(1e21) is "1e+21": let decimal.js expand the shortest repr without going through binary again.
  return new Decimal(String(value)).toFixed();
}

/** Number of digits after the decimal point as written (trailing zeros count: "1.50" has 2). */
export function scaleOf(text: string): number {
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** A quantity rounded to its material's decimals. */
export const roundQty = (value: Decimal, decimals: number): Decimal =>
  value.toDecimalPlaces(decimals, Decimal.ROUND_HALF_UP);

/** A value rounded to 2 places, once per movement (docs/rules.md#rounding). */
export const roundMoney = (value: Decimal): Decimal => value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);

/** Quantities in responses: the material's decimals, e.g. "123.00". */
export const formatQty = (value: Decimal, decimals: number): string => value.toFixed(decimals);

/** Money in responses: always 2 places. */
export const formatMoney = (value: Decimal): string => value.toFixed(2);

export const sum = (values: Iterable<Decimal>): Decimal => {
  let total = ZERO;
  for (const v of values) total = total.plus(v);
  return total;
};

export const maxDec = (a: Decimal, b: Decimal): Decimal => (a.greaterThan(b) ? a : b);
export const minDec = (a: Decimal, b: Decimal): Decimal => (a.lessThan(b) ? a : b);
