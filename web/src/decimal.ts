/**
 * Decimal strings from the API are shown exactly as given. Sums the page itself makes (journal totals,
 * available stock) use decimal.js, like the service. `geometry` is the one place a number becomes a
 * float: the length of a bar, never a label.
 */
import { Decimal } from "decimal.js";

export const sum = (values: readonly (string | undefined)[]): Decimal =>
  values.reduce((total: Decimal, v) => (v === undefined || v === "" ? total : total.plus(v)), new Decimal(0));

export const isNegative = (value: string | undefined): boolean =>
  value !== undefined && value !== "" && new Decimal(value).isNegative() && !new Decimal(value).isZero();

export const isZero = (value: string | undefined): boolean =>
  value === undefined || value === "" || new Decimal(value).isZero();

export const same = (a: Decimal, b: Decimal): boolean => a.equals(b);

/** For drawing only. */
export const geometry = (value: string | Decimal | undefined): number =>
  value === undefined || value === "" ? 0 : new Decimal(value).toNumber();

/** A sum shown with the scale of its inputs (the most decimals among them), e.g. "1234.50". */
export function show(total: Decimal, like: readonly (string | undefined)[]): string {
  const places = Math.max(0, ...like.map((v) => (v?.includes(".") ? (v.split(".")[1]?.length ?? 0) : 0)));
  return total.toFixed(places);
}

export { Decimal };
