import { inventoryAccount } from "./backflush.js";
import { type Decimal, roundMoney } from "./decimal.js";
import { InsufficientStockError, InvalidInputError, InvalidQuantityError } from "./errors.js";
import type { JournalEntry, Material, StockDelta } from "./model.js";
import { assertQuantity } from "./order.js";

export interface StockPosting {
  readonly stock: readonly StockDelta[];
  readonly journal: readonly JournalEntry[];
}

/**
 * Goods receipt (docs/rules.md#goods-receipt): Dr inventory at standard × qty, Cr GRIR at unitCost ×
 * qty (standard when absent); the difference goes to PURCHASE_PRICE_VARIANCE and is returned as
 * `purchasePriceVariance` (invoiced − standard: positive when paid above standard).
 */
export function goodsReceipt(
  material: Material,
  input: { readonly location: string; readonly qty: Decimal; readonly unitCost?: Decimal | undefined },
): StockPosting & { readonly value: Decimal; readonly purchasePriceVariance: Decimal } {
  assertQuantity(input.qty, material.decimals, "qty");
  if (!input.qty.greaterThan(0)) throw new InvalidQuantityError("qty", "qty must be greater than 0");
  if (input.unitCost?.isNegative())
    throw new InvalidQuantityError("unitCost", "unitCost must not be negative");
  const account = inventoryAccount(material);
  const standard = roundMoney(input.qty.times(material.standardPrice));
  const invoiced = roundMoney(input.qty.times(input.unitCost ?? material.standardPrice));
  const ppv = invoiced.minus(standard);
  const journal: JournalEntry[] = [{ debit: account, credit: "GRIR", amount: standard }];
  // decimal.js: 0 isPositive(), so compare with 0 (no zero PPV line on a receipt at standard).
  if (ppv.greaterThan(0)) journal.push({ debit: "PURCHASE_PRICE_VARIANCE", credit: "GRIR", amount: ppv });
  if (ppv.lessThan(0)) journal.push({ debit: "GRIR", credit: "PURCHASE_PRICE_VARIANCE", amount: ppv.neg() });
  return {
    value: standard,
    // Signed as the journal reads it: positive is a debit to PURCHASE_PRICE_VARIANCE (paid above standard).
    purchasePriceVariance: ppv,
    stock: [
      { material: material.material, location: input.location, qty: input.qty, guardNonNegative: false },
    ],
    journal,
  };
}

/**
 * Transfer (docs/rules.md#transfer): on-hand moves between two locations at no value change (no
 * journal); refused when it would take `from` below zero, unless the material allows negative stock.
 */
export function transfer(
  material: Material,
  input: { readonly from: string; readonly to: string; readonly qty: Decimal },
  onHandFrom: Decimal,
): StockPosting {
  assertQuantity(input.qty, material.decimals, "qty");
  if (!input.qty.greaterThan(0)) throw new InvalidQuantityError("qty", "qty must be greater than 0");
  if (input.from === input.to) throw new InvalidInputError("to", "from and to are the same location");
  const guard = material.shortage !== "negative";
  if (guard && onHandFrom.lessThan(input.qty)) {
    throw new InsufficientStockError(
      material.material,
      input.from,
      onHandFrom.toFixed(),
      input.qty.toFixed(),
    );
  }
  return {
    stock: [
      { material: material.material, location: input.from, qty: input.qty.neg(), guardNonNegative: guard },
      { material: material.material, location: input.to, qty: input.qty, guardNonNegative: false },
    ],
    journal: [],
  };
}

/**
 * Inventory count (docs/rules.md#inventory-count): the counted quantity replaces the book one; the
 * difference × standard price posts against INVENTORY_ADJUSTMENT.
 */
export function inventoryCount(
  material: Material,
  input: { readonly location: string; readonly counted: Decimal },
  onHand: Decimal,
): StockPosting & { readonly difference: Decimal; readonly value: Decimal } {
  assertQuantity(input.counted, material.decimals, "counted");
  const difference = input.counted.minus(onHand);
  const value = roundMoney(difference.times(material.standardPrice));
  const account = inventoryAccount(material);
  const journal: JournalEntry[] = value.isZero()
    ? []
    : value.isPositive()
      ? [{ debit: account, credit: "INVENTORY_ADJUSTMENT", amount: value }]
      : [{ debit: "INVENTORY_ADJUSTMENT", credit: account, amount: value.neg() }];
  return {
    difference,
    value,
    stock: difference.isZero()
      ? []
      : [{ material: material.material, location: input.location, qty: difference, guardNonNegative: false }],
    journal,
  };
}

/** Stock value at standard, as GET stock shows it. */
export const stockValue = (material: Material, onHand: Decimal): Decimal =>
  roundMoney(onHand.times(material.standardPrice));
