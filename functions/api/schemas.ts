/**
 * Request schemas of the HTTP contract (docs/api.md; bodies in docs/openapi.json). Bodies are strict:
 * an unknown field is refused, so a misspelt "yeild" can never post a zero confirmation. Quantities and
 * money come out as domain `Decimal`s; what needs master data (a material's decimals) is checked by the
 * use case with `assertScale`.
 */
import { z } from "zod";
import { type Decimal, dec, scaleOf } from "../../domain/decimal.js";
import { isValidDate, isValidPeriod } from "../../domain/period.js";
import { MAX_CURSOR_LENGTH, PAGE_LIMITS } from "../common/paging.js";
import { ValidationError } from "./http/errors.js";

/** Size limits that keep one request inside one DynamoDB item and one bounded transaction plan. */
export const LIMITS = {
  /**
   * Quantities, prices, rates and hours are below 10^12 with at most 12 decimals
   * (docs/api.md#bounds): products of two of them, and sums of many, stay inside DynamoDB's 38
   * significant digits, so whatever is accepted can post.
   */
  integerDigits: 12,
  fractionDigits: 12,
  /** `scrapPct` is a percentage: 0 to 100. */
  maxScrapPct: 100,
  bomItems: 500,
  routingOperations: 100,
  confirmationLines: 500,
  activities: 20,
  text: 200,
} as const;

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
/** Lower case keeps "labor" and "LABOR" from landing on the same APPLIED_LABOR account. */
const ACTIVITY = /^[a-z][a-z0-9_]{0,31}$/;
const PLAIN_DECIMAL = /^\d+(\.\d+)?$/;

/**
 * Names an object has before anything is stored in it (`constructor`, `toString`, `__proto__`,
 * `prototype` ...). Identifiers and activity names become keys of maps (an order's operations and
 * components, a work center's rates); such a name would look up an inherited property instead of
 * an own key (docs/api.md#bounds), so it is refused at the edge.
 */
const INHERITED_NAMES: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  "prototype",
  "__proto__",
]);
export const isInheritedName = (name: string): boolean => INHERITED_NAMES.has(name);
const NOT_INHERITED = {
  error:
    "must not be the name of a built-in object property (constructor, __proto__, prototype, toString ...)",
  abort: true,
} as const;

export const identifier = z
  .string()
  .regex(IDENTIFIER, {
    error: "must be 1-64 characters: letters, digits and . _ : - (starting with a letter or digit)",
    abort: true,
  })
  .refine((name) => !isInheritedName(name), NOT_INHERITED)
  .meta({ id: "Identifier", example: "LID-90" });

export const date = z
  .string()
  .refine(isValidDate, "must be a calendar date YYYY-MM-DD")
  .meta({ id: "Date", format: "date", example: "2026-11-25" });

export const period = z
  .string()
  .refine(isValidPeriod, "must be a period YYYY-MM with month 01-12")
  .meta({ id: "Period", pattern: "^\\d{4}-(0[1-9]|1[0-2])$", example: "2026-11" });

const DECIMAL_MESSAGE = 'must be a non-negative decimal: a string like "12.5" (no exponent) or a JSON number';

/**
 * A non-negative decimal as a plain string or a finite JSON number. Every check aborts, so an
 * object-level refinement never sees the raw input in place of a Decimal.
 */
function nonNegativeDecimal(id: string, example: string) {
  const text = z
    .string()
    .max(LIMITS.integerDigits + LIMITS.fractionDigits + 1, { error: DECIMAL_MESSAGE, abort: true })
    .regex(PLAIN_DECIMAL, { error: DECIMAL_MESSAGE, abort: true });
  const number = z.number().nonnegative({ error: DECIMAL_MESSAGE, abort: true });
  return z
    .union([text, number], { error: (issue) => (issue.input === undefined ? "required" : DECIMAL_MESSAGE) })
    .transform((value) => dec(value))
    .refine(
      (value) => value.lt(10 ** LIMITS.integerDigits) && value.decimalPlaces() <= LIMITS.fractionDigits,
      `must be below 10^${LIMITS.integerDigits} with at most ${LIMITS.fractionDigits} decimals`,
    )
    .meta({ id, example });
}

export const quantity = nonNegativeDecimal("Quantity", "12.5");
export const money = nonNegativeDecimal("Money", "4.10");
export const positiveQuantity = quantity.refine((value) => value.gt(0), "must be greater than 0");

const text = z.string().max(LIMITS.text);
const activityName = z
  .string()
  .regex(ACTIVITY, { error: "must be a lower-case activity name like labor or machine", abort: true })
  .refine((name) => !isInheritedName(name), NOT_INHERITED);
/**
 * zod's record skips a `__proto__` member silently (JSON.parse makes it an own key), so the raw
 * keys are checked first: such a member is a 400 at its path, never dropped or looked up.
 */
const activityMap = (value: typeof quantity) =>
  z.preprocess(
    (map, ctx) => {
      if (isRecord(map)) {
        for (const key of Object.keys(map)) {
          if (isInheritedName(key))
            ctx.addIssue({ code: "custom", path: [key], message: NOT_INHERITED.error });
        }
      }
      return map;
    },
    z
      .record(activityName, value)
      .refine(
        (map) => Object.keys(map).length <= LIMITS.activities,
        `at most ${LIMITS.activities} activities`,
      ),
  );

/** Activity hours ("labor" → hours). */
export const activityHours = activityMap(quantity).meta({ id: "ActivityHours", example: { labor: "0.5" } });
/** Activity rates per hour ("labor" → money). */
export const activityRates = activityMap(money).meta({ id: "ActivityRates", example: { labor: "45.00" } });

// --- master data -------------------------------------------------------------------------------

const reorderCommon = {
  reorderPoint: quantity,
  leadTimeDays: z.number().int().min(0).max(3650).default(0),
  supplier: identifier.optional(),
};

export const reorderParams = z.discriminatedUnion("policy", [
  z.strictObject({ ...reorderCommon, policy: z.literal("fixed"), lotSize: positiveQuantity }),
  z.strictObject({ ...reorderCommon, policy: z.literal("max"), maxLevel: quantity }),
]);

export const materialBody = z
  .strictObject({
    description: text,
    uom: z.string().min(1).max(16),
    decimals: z.number().int().min(0).max(6),
    standardPrice: money,
    currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code like USD"),
    defaultLocation: identifier.optional(),
    shortage: z.enum(["backlog", "split", "negative"]).default("backlog"),
    reorder: reorderParams.optional(),
  })
  .meta({ id: "MaterialBody" });

export const workCenterBody = z
  .strictObject({ description: text, rates: activityRates })
  .meta({ id: "WorkCenterBody" });

export const bomItem = z.strictObject({
  item: identifier,
  component: identifier,
  qty: quantity,
  scrapPct: quantity
    .refine((pct) => pct.lte(LIMITS.maxScrapPct), `must be from 0 to ${LIMITS.maxScrapPct}`)
    .prefault("0"),
  operation: identifier.optional(),
  location: identifier.optional(),
  backflush: z.boolean().default(true),
  /** true: qty per order, not scaled by the order quantity. */
  fixedQty: z.boolean().default(false),
});

export const bomBody = z
  .strictObject({
    baseQty: positiveQuantity,
    items: z.array(bomItem).max(LIMITS.bomItems),
  })
  .superRefine((bom, ctx) => refuseDuplicates(bom.items, "item", "items", ctx))
  .meta({ id: "BomBody" });

export const routingOperation = z.strictObject({
  op: identifier,
  workCenter: identifier,
  hoursPerUnit: activityHours.prefault({}),
  setupHours: activityHours.prefault({}),
});

export const routingBody = z
  .strictObject({ operations: z.array(routingOperation).min(1).max(LIMITS.routingOperations) })
  .superRefine((routing, ctx) => refuseDuplicates(routing.operations, "op", "operations", ctx))
  .meta({ id: "RoutingBody" });

// --- orders and stock --------------------------------------------------------------------------

export const orderBody = z
  .strictObject({
    order: identifier,
    material: identifier,
    qty: positiveQuantity,
    receivingLocation: identifier.optional(),
    dueDate: date.optional(),
  })
  .meta({ id: "OrderBody" });

export const orderPatchBody = z
  .strictObject({ qty: positiveQuantity.optional(), dueDate: date.optional() })
  .refine((patch) => patch.qty !== undefined || patch.dueDate !== undefined, "give qty, dueDate or both")
  .meta({ id: "OrderPatchBody", minProperties: 1 });

export const goodsReceiptBody = z
  .strictObject({
    receiptId: identifier,
    material: identifier,
    location: identifier,
    qty: positiveQuantity,
    unitCost: money.optional(),
    /** A requisition this receipt fills. */
    reference: identifier.optional(),
  })
  .meta({ id: "GoodsReceiptBody" });

export const transferBody = z
  .strictObject({
    transferId: identifier,
    material: identifier,
    from: identifier,
    to: identifier,
    qty: positiveQuantity,
  })
  .refine((t) => t.from !== t.to, { message: "must differ from from", path: ["to"] })
  .meta({ id: "TransferBody" });

export const inventoryCountBody = z
  .strictObject({
    countId: identifier,
    material: identifier,
    location: identifier,
    counted: quantity,
  })
  .meta({ id: "InventoryCountBody" });

// --- confirmations -----------------------------------------------------------------------------

/** Changes a BOM line of the order: replace its quantity and/or add scrap on top of it. */
export const itemLine = z
  .strictObject({
    item: identifier,
    qty: quantity.optional(),
    scrap: quantity.optional(),
    location: identifier.optional(),
  })
  .meta({ id: "ItemLine" });

/** Issues a component outside the BOM: a substitute (`replaces` an item) or an unplanned extra. */
export const extraLine = z
  .strictObject({
    component: identifier,
    qty: quantity,
    scrap: quantity.optional(),
    location: identifier.optional(),
    replaces: identifier.optional(),
  })
  .meta({ id: "ExtraLine" });

const BOTH_KINDS = 'a line names either "item" (a BOM line) or "component" (substitute or extra), not both';

export const componentLine = z.preprocess(
  (line, ctx) => {
    // Checked first: the union alone would only say "unrecognized key" for one of the two.
    if (isRecord(line) && "item" in line && "component" in line)
      ctx.addIssue({ code: "custom", message: BOTH_KINDS });
    return line;
  },
  z.union([itemLine, extraLine], {
    error: 'must be an object with "item" or with "component" and "qty"',
  }),
);

export const confirmationBody = z
  .strictObject({
    confirmationId: identifier,
    order: identifier,
    operation: identifier,
    yield: quantity,
    scrap: quantity.prefault("0"),
    postingDate: date.optional(),
    /** Actual hours per activity; an activity left out takes its planned hours. */
    activities: activityHours.optional(),
    components: z.array(componentLine).max(LIMITS.confirmationLines).optional(),
  })
  .refine((c) => c.yield.plus(c.scrap).gt(0), {
    message: "yield + scrap must be greater than 0",
    path: ["yield"],
  })
  .meta({ id: "ConfirmationBody" });

/** A reversal takes no body, `{}` or `{ "postingDate" }`. */
export const reversalBody = z
  .strictObject({ postingDate: date.optional() })
  .prefault({})
  .meta({ id: "ReversalBody" });

// --- path and query parameters -----------------------------------------------------------------

export const plantParams = z.object({ plant: identifier });
export const materialParams = z.object({ plant: identifier, material: identifier });
export const workCenterParams = z.object({ plant: identifier, wc: identifier });
export const orderParams = z.object({ plant: identifier, order: identifier });
export const confirmationParams = z.object({ plant: identifier, id: identifier });
export const periodParams = z.object({ plant: identifier, period });

/**
 * Paging of every list (docs/api.md, "Paging"): `limit` 1 to 1000 (default 100) and `cursor`,
 * the `next` of the previous page; the list's use case checks the cursor is one of its own.
 */
export const pageQuery = {
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, `must be a whole number from ${PAGE_LIMITS.min} to ${PAGE_LIMITS.max}`)
    .transform(Number)
    .refine(
      (n) => n >= PAGE_LIMITS.min && n <= PAGE_LIMITS.max,
      `must be a whole number from ${PAGE_LIMITS.min} to ${PAGE_LIMITS.max}`,
    )
    .optional()
    .transform((n) => n ?? PAGE_LIMITS.default)
    .meta({
      description: `Page size, ${PAGE_LIMITS.min} to ${PAGE_LIMITS.max}; default ${PAGE_LIMITS.default}`,
    }),
  cursor: z
    .string()
    .min(1)
    .max(MAX_CURSOR_LENGTH)
    .optional()
    .meta({ description: "The `next` of the previous page, as given" }),
};
export const listQuery = z.object(pageQuery);
export const ordersQuery = z.object({
  status: z.enum(["released", "in_process", "completed", "closed"]).optional(),
  material: identifier.optional(),
  ...pageQuery,
});
export const stockQuery = z.object({ material: identifier.optional(), ...pageQuery });
/** GET movements (the stock ledger): at least one of material, order, document, period (the use case checks). */
export const movementsQuery = z.strictObject({
  material: identifier.optional(),
  location: identifier.optional(),
  order: identifier.optional(),
  document: identifier.optional(),
  period: period.optional(),
  from: date.optional(),
  to: date.optional(),
  ...pageQuery,
  format: z.enum(["json", "csv"]).default("json"),
});
/** GET period report: `format` (json or csv, default json) and the paging of its orders. */
export const periodReportQuery = z.object({
  format: z.enum(["json", "csv"]).default("json").meta({ description: "json (default) or csv" }),
  ...pageQuery,
});

// --- parsed types ------------------------------------------------------------------------------

export type MaterialBody = z.output<typeof materialBody>;
export type ReorderParamsBody = z.output<typeof reorderParams>;
export type WorkCenterBody = z.output<typeof workCenterBody>;
export type BomBody = z.output<typeof bomBody>;
export type BomItemBody = z.output<typeof bomItem>;
export type RoutingBody = z.output<typeof routingBody>;
export type OrderBody = z.output<typeof orderBody>;
export type OrderPatchBody = z.output<typeof orderPatchBody>;
export type GoodsReceiptBody = z.output<typeof goodsReceiptBody>;
export type TransferBody = z.output<typeof transferBody>;
export type InventoryCountBody = z.output<typeof inventoryCountBody>;
export type ComponentLineBody = z.output<typeof componentLine>;
export type ConfirmationBody = z.output<typeof confirmationBody>;
export type ReversalBody = z.output<typeof reversalBody>;
export type PlantParams = z.output<typeof plantParams>;
export type MaterialParams = z.output<typeof materialParams>;
export type WorkCenterParams = z.output<typeof workCenterParams>;
export type OrderParams = z.output<typeof orderParams>;
export type ConfirmationParams = z.output<typeof confirmationParams>;
export type PeriodParams = z.output<typeof periodParams>;
export type StockQuery = z.output<typeof stockQuery>;
export type ListQuery = z.output<typeof listQuery>;
export type MovementsQuery = z.output<typeof movementsQuery>;

/**
 * Refuses a quantity more precise than its material allows ("1.255" for a 2-decimal material);
 * trailing zeros do not count. For use cases, which know the material.
 */
export function assertScale(value: Decimal, decimals: number, path: string): void {
  if (scaleOf(value.toFixed()) > decimals) {
    throw new ValidationError([{ path, message: `must have at most ${decimals} decimals` }]);
  }
}

// --- helpers -----------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function refuseDuplicates<K extends string>(
  rows: readonly Readonly<Record<K, unknown>>[],
  key: K,
  arrayPath: string,
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<unknown>();
  rows.forEach((row, index) => {
    if (seen.has(row[key])) {
      ctx.addIssue({
        code: "custom",
        message: `duplicate ${key} ${String(row[key])}`,
        path: [arrayPath, index, key],
      });
    }
    seen.add(row[key]);
  });
}
