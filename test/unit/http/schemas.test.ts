import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { Decimal } from "../../../domain/decimal.js";
import { type FieldError, ValidationError } from "../../../functions/api/http/errors.js";
import { validate } from "../../../functions/api/http/request.js";
import {
  assertScale,
  bomBody,
  confirmationBody,
  goodsReceiptBody,
  inventoryCountBody,
  materialBody,
  materialParams,
  orderBody,
  orderPatchBody,
  periodParams,
  reversalBody,
  routingBody,
  transferBody,
  workCenterBody,
} from "../../../functions/api/schemas.js";

/** The example bodies of docs/api.md#example-bodies exactly as written there (jsonc comments removed). */
const EXAMPLES = {
  material: {
    description: "Rim base, roll",
    uom: "M",
    decimals: 2,
    standardPrice: "0.85",
    currency: "USD",
    defaultLocation: "RAW",
    shortage: "backlog",
    reorder: { reorderPoint: "500", policy: "fixed", lotSize: "2000", leadTimeDays: 5, supplier: "ACME" },
  },
  workCenter: { description: "Lid press 1", rates: { labor: "45.00", machine: "30.00" } },
  bom: {
    baseQty: "1000",
    items: [
      {
        item: "0010",
        component: "INSERT",
        qty: "1000",
        scrapPct: "2",
        operation: "0010",
        location: "MACH-01",
        backflush: true,
        fixedQty: false,
      },
    ],
  },
  routing: {
    operations: [
      {
        op: "0010",
        workCenter: "PRESS-1",
        hoursPerUnit: { labor: "0.0005", machine: "0.001" },
        setupHours: { labor: "0.5" },
      },
    ],
  },
  order: {
    order: "1000001",
    material: "LID-90",
    qty: "20000",
    receivingLocation: "FG",
    dueDate: "2026-12-01",
  },
  goodsReceipt: {
    receiptId: "GR-1",
    material: "ADHESIVE",
    location: "MACH-01",
    qty: "50",
    unitCost: "4.10",
    reference: "REQ-...",
  },
  transfer: { transferId: "T-1", material: "RIM-BASE", from: "RAW", to: "MACH-01", qty: "1200" },
  inventoryCount: { countId: "CC-7", material: "ADHESIVE", location: "MACH-01", counted: "41.5" },
  confirmation: {
    confirmationId: "PRESS1-0001",
    order: "1000001",
    operation: "0010",
    yield: "5000",
    scrap: "120",
    postingDate: "2026-11-25",
    activities: { labor: "3.5" },
    components: [
      { item: "0020", qty: "130.5" },
      { item: "0030", scrap: "4" },
      { component: "ADH-ALT", qty: "2", location: "MACH-01", replaces: "0040" },
      { component: "TAPE", qty: "1" },
    ],
  },
};

const MINIMAL_CONFIRMATION = { confirmationId: "C-1", order: "1000001", operation: "0010", yield: "10" };

function validationErrorOf(run: () => unknown): FieldError[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return [...error.errors];
    throw error;
  }
  throw new Error("expected a ValidationError");
}

const errorsOf = (schema: z.ZodType, input: unknown) => validationErrorOf(() => validate(schema, input));

const pathsOf = (schema: z.ZodType, input: unknown) => errorsOf(schema, input).map((e) => e.path);
const confirmationErrors = (patch: Record<string, unknown>) =>
  errorsOf(confirmationBody, { ...MINIMAL_CONFIRMATION, ...patch });

describe("docs/api.md example bodies", () => {
  it.each([
    ["material", materialBody, EXAMPLES.material],
    ["work center", workCenterBody, EXAMPLES.workCenter],
    ["bom", bomBody, EXAMPLES.bom],
    ["routing", routingBody, EXAMPLES.routing],
    ["order", orderBody, EXAMPLES.order],
    ["goods receipt", goodsReceiptBody, EXAMPLES.goodsReceipt],
    ["transfer", transferBody, EXAMPLES.transfer],
    ["inventory count", inventoryCountBody, EXAMPLES.inventoryCount],
    ["confirmation", confirmationBody, EXAMPLES.confirmation],
  ] as const)("accepts the %s example", (_, schema, body) => {
    expect(() => validate(schema, body)).not.toThrow();
  });

  it("turns the confirmation into domain decimals", () => {
    const c = validate(confirmationBody, EXAMPLES.confirmation);
    expect(c.yield).toBeInstanceOf(Decimal);
    expect(c.yield.toFixed()).toBe("5000");
    expect(c.activities?.labor?.toFixed()).toBe("3.5");
    expect(c.components?.[2]).toEqual({
      component: "ADH-ALT",
      qty: new Decimal("2"),
      location: "MACH-01",
      replaces: "0040",
    });
  });

  it("fills the material and BOM defaults", () => {
    const { shortage, ...rest } = EXAMPLES.material;
    expect(shortage).toBe("backlog");
    expect(validate(materialBody, rest).shortage).toBe("backlog");
    const [item] = validate(bomBody, { baseQty: 1, items: [{ item: "0010", component: "C", qty: 2 }] }).items;
    expect(item).toMatchObject({ backflush: true, fixedQty: false });
    expect(item?.scrapPct.toFixed()).toBe("0");
  });

  it("defaults scrap to 0 and leaves postingDate to the use case", () => {
    const c = validate(confirmationBody, MINIMAL_CONFIRMATION);
    expect(c.scrap.toFixed()).toBe("0");
    expect(c.postingDate).toBeUndefined();
  });

  it("takes the max reorder policy", () => {
    const reorder = { reorderPoint: "500", policy: "max", maxLevel: "3000", leadTimeDays: 5 };
    const m = validate(materialBody, { ...EXAMPLES.material, reorder });
    expect(m.reorder?.policy).toBe("max");
  });

  it("defaults routing hours to none", () => {
    const r = validate(routingBody, { operations: [{ op: "0010", workCenter: "PRESS-1" }] });
    expect(r.operations[0]).toEqual({ op: "0010", workCenter: "PRESS-1", hoursPerUnit: {}, setupHours: {} });
  });
});

describe("quantities", () => {
  it.each([
    ["12.5", "12.5"],
    [12.5, "12.5"],
    [0.1, "0.1"],
    ["007", "7"],
    [1e-7, "0.0000001"],
  ])("accepts %j as %s", (qty, expected) => {
    expect(validate(confirmationBody, { ...MINIMAL_CONFIRMATION, yield: qty }).yield.toFixed()).toBe(
      expected,
    );
  });

  it.each([
    "-1",
    -1,
    "1e3",
    "NaN",
    "Infinity",
    "0x10",
    "",
    " 1",
    "1.",
    ".5",
    "1,5",
    true,
    null,
    [],
    {},
    "1".repeat(40),
    1e300,
    0.1 + 0.2,
  ])("refuses %j", (qty) => {
    expect(pathsOf(confirmationBody, { ...MINIMAL_CONFIRMATION, yield: qty })).toEqual(["yield"]);
  });

  it("refuses negative money", () => {
    expect(pathsOf(materialBody, { ...EXAMPLES.material, standardPrice: "-0.85" })).toEqual([
      "standardPrice",
    ]);
    expect(pathsOf(workCenterBody, { ...EXAMPLES.workCenter, rates: { labor: -1 } })).toEqual([
      "rates.labor",
    ]);
  });

  it("assertScale refuses more decimals than the material has, ignoring trailing zeros", () => {
    expect(() => assertScale(new Decimal("1.50"), 1, "yield")).not.toThrow();
    expect(validationErrorOf(() => assertScale(new Decimal("1.255"), 2, "components[0].qty"))).toEqual([
      { path: "components[0].qty", message: "must have at most 2 decimals" },
    ]);
  });
});

describe("confirmation", () => {
  it('refuses a misspelt "yeild" instead of posting nothing', () => {
    const { yield: _, ...rest } = MINIMAL_CONFIRMATION;
    expect(errorsOf(confirmationBody, { ...rest, yeild: "10" })).toEqual([
      { path: "yield", message: "required" },
      { path: "yeild", message: "unknown field" },
    ]);
  });

  it("refuses yield 0 with scrap 0, takes scrap only", () => {
    expect(confirmationErrors({ yield: "0", scrap: "0" })).toEqual([
      { path: "yield", message: "yield + scrap must be greater than 0" },
    ]);
    expect(pathsOf(confirmationBody, { ...MINIMAL_CONFIRMATION, yield: 0 })).toEqual(["yield"]);
    expect(
      validate(confirmationBody, { ...MINIMAL_CONFIRMATION, yield: 0, scrap: "3" }).scrap.toFixed(),
    ).toBe("3");
  });

  it.each(["2026-02-30", "2026-13-01", "2026-1-01", "26-01-01", "2026-01-01T00:00:00Z", 20260101])(
    "refuses posting date %j",
    (postingDate) => {
      expect(confirmationErrors({ postingDate }).map((e) => e.path)).toEqual(["postingDate"]);
    },
  );

  it("accepts a leap day", () => {
    expect(
      validate(confirmationBody, { ...MINIMAL_CONFIRMATION, postingDate: "2028-02-29" }).postingDate,
    ).toBe("2028-02-29");
  });

  it.each(["", "-lead", "a b", "P100#1", "x".repeat(65), "ü", 7])("refuses identifier %j", (order) => {
    expect(confirmationErrors({ order }).map((e) => e.path)).toEqual(["order"]);
  });

  it("accepts the widest identifier", () => {
    const id = `A${"a0._:-".repeat(10)}bcd`;
    expect(id).toHaveLength(64);
    expect(validate(confirmationBody, { ...MINIMAL_CONFIRMATION, confirmationId: id }).confirmationId).toBe(
      id,
    );
  });

  it("refuses a line with both item and component", () => {
    expect(confirmationErrors({ components: [{ item: "0020", component: "TAPE", qty: "1" }] })).toEqual([
      {
        path: "components[0]",
        message: 'a line names either "item" (a BOM line) or "component" (substitute or extra), not both',
      },
    ]);
  });

  it("places line errors on the line's field", () => {
    const components = [{ item: "0020", qty: "-1" }, { component: "TAPE" }, { item: "0030", qtty: "1" }, "x"];
    expect(confirmationErrors({ components }).map((e) => e.path)).toEqual([
      "components[0].qty",
      "components[1].qty",
      "components[2].qtty",
      "components[3]",
    ]);
  });

  it("refuses badly named activities", () => {
    expect(confirmationErrors({ activities: { Labor: "1", "a b": "2" } }).map((e) => e.path)).toEqual([
      "activities.Labor",
      'activities["a b"]',
    ]);
  });

  it("refuses a non-object body", () => {
    expect(pathsOf(confirmationBody, [])).toEqual([""]);
    expect(pathsOf(confirmationBody, undefined)).toEqual([""]);
  });
});

describe("master data and stock bodies", () => {
  it("refuses a duplicate BOM item and routing operation where it repeats", () => {
    const items = [EXAMPLES.bom.items[0], { item: "0010", component: "X", qty: "1" }];
    expect(pathsOf(bomBody, { ...EXAMPLES.bom, items })).toEqual(["items[1].item"]);
    const ops = [
      { op: "0010", workCenter: "A" },
      { op: "0020", workCenter: "A" },
      { op: "0010", workCenter: "B" },
    ];
    expect(pathsOf(routingBody, { operations: ops })).toEqual(["operations[2].op"]);
  });

  it("refuses a zero BOM base and an empty routing", () => {
    expect(pathsOf(bomBody, { ...EXAMPLES.bom, baseQty: 0 })).toEqual(["baseQty"]);
    expect(pathsOf(routingBody, { operations: [] })).toEqual(["operations"]);
  });

  it("refuses material decimals, currency and reorder out of shape", () => {
    expect(pathsOf(materialBody, { ...EXAMPLES.material, decimals: 7 })).toEqual(["decimals"]);
    expect(pathsOf(materialBody, { ...EXAMPLES.material, decimals: 1.5 })).toEqual(["decimals"]);
    expect(pathsOf(materialBody, { ...EXAMPLES.material, currency: "usd" })).toEqual(["currency"]);
    expect(pathsOf(materialBody, { ...EXAMPLES.material, shortage: "wait" })).toEqual(["shortage"]);
    const reorder = { reorderPoint: "500", policy: "max", lotSize: "2000", leadTimeDays: -1 };
    expect(pathsOf(materialBody, { ...EXAMPLES.material, reorder }).sort()).toEqual([
      "reorder.leadTimeDays",
      "reorder.lotSize",
      "reorder.maxLevel",
    ]);
  });

  it("takes an order patch of qty, dueDate or both, never neither", () => {
    expect(validate(orderPatchBody, { qty: 5 }).qty?.toFixed()).toBe("5");
    expect(validate(orderPatchBody, { dueDate: "2026-12-24" }).dueDate).toBe("2026-12-24");
    expect(errorsOf(orderPatchBody, {})).toEqual([{ path: "", message: "give qty, dueDate or both" }]);
    expect(pathsOf(orderPatchBody, { qty: 0 })).toEqual(["qty"]);
    expect(pathsOf(orderPatchBody, { status: "closed" })).toContain("status");
  });

  it("refuses a transfer to the same location and a zero receipt", () => {
    expect(pathsOf(transferBody, { ...EXAMPLES.transfer, to: "RAW" })).toEqual(["to"]);
    expect(pathsOf(goodsReceiptBody, { ...EXAMPLES.goodsReceipt, qty: "0" })).toEqual(["qty"]);
  });

  it("takes a count of zero", () => {
    expect(validate(inventoryCountBody, { ...EXAMPLES.inventoryCount, counted: 0 }).counted.isZero()).toBe(
      true,
    );
  });

  it("takes a reversal with no body, {} or a posting date, nothing else", () => {
    expect(validate(reversalBody, undefined)).toEqual({});
    expect(validate(reversalBody, {})).toEqual({});
    expect(validate(reversalBody, { postingDate: "2026-11-30" })).toEqual({ postingDate: "2026-11-30" });
    expect(pathsOf(reversalBody, { reason: "oops" })).toEqual(["reason"]);
    expect(pathsOf(reversalBody, { postingDate: "2026-11-31" })).toEqual(["postingDate"]);
  });
});

describe("path parameters", () => {
  it("validates identifiers and periods, with path.* error paths", () => {
    expect(validate(periodParams, { plant: "P100", period: "2026-11" }, "path")).toEqual({
      plant: "P100",
      period: "2026-11",
    });
    expect(pathsOf(periodParams, { plant: "P100", period: "2026-13" })).toEqual(["period"]);
    expect(pathsOf(periodParams, { plant: "P100", period: "2026-00" })).toEqual(["period"]);
    expect(pathsOf(periodParams, { plant: "P100", period: "2026-1" })).toEqual(["period"]);
    const errors = validationErrorOf(() => validate(materialParams, { plant: "P 100" }, "path"));
    expect(errors.map((e) => e.path)).toEqual(["path.plant", "path.material"]);
  });
});
