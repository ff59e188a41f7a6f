/**
 * docs/api.md#bounds at the edge: magnitudes below 10^12 with at most 12 decimals, scrapPct 0 to
 * 100, and names that would look up an inherited property instead of an own key refused. Each
 * bound is tested at the edge: accepted at it, refused just past it.
 */
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { ValidationError } from "../../../functions/api/http/errors.js";
import { validate } from "../../../functions/api/http/request.js";
import {
  bomBody,
  confirmationBody,
  goodsReceiptBody,
  inventoryCountBody,
  materialBody,
  materialParams,
  orderBody,
  routingBody,
  transferBody,
  workCenterBody,
} from "../../../functions/api/schemas.js";

function pathsOf(schema: z.ZodType, input: unknown): string[] {
  try {
    validate(schema, input);
  } catch (error) {
    if (error instanceof ValidationError) return error.errors.map((e) => e.path);
    throw error;
  }
  return [];
}

const CONFIRMATION = { confirmationId: "C-1", order: "1000001", operation: "0010", yield: "10" };
const MATERIAL = { description: "Part", uom: "PC", decimals: 0, standardPrice: "1", currency: "USD" };
const BOM_ITEM = { item: "0010", component: "RIM", qty: "1" };
const ROUTING_OP = { op: "0010", workCenter: "PRESS" };

/** Largest accepted: 12 nines, a point, 12 nines. Just past: 10^12; and 13 decimals. */
const MAX = "999999999999.999999999999";
const TOO_BIG = "1000000000000";
const TOO_PRECISE = "0.0000000000001";
const FINEST = "0.000000000001";

/** Every decimal field of the contract, with the body that carries it and the error path. */
const FIELDS: readonly [string, z.ZodType, (v: unknown) => unknown, string][] = [
  ["confirmation yield", confirmationBody, (v) => ({ ...CONFIRMATION, yield: v }), "yield"],
  ["confirmation scrap", confirmationBody, (v) => ({ ...CONFIRMATION, scrap: v }), "scrap"],
  [
    "confirmation activity hours",
    confirmationBody,
    (v) => ({ ...CONFIRMATION, activities: { labor: v } }),
    "activities.labor",
  ],
  [
    "confirmation line qty",
    confirmationBody,
    (v) => ({ ...CONFIRMATION, components: [{ item: "0010", qty: v }] }),
    "components[0].qty",
  ],
  ["standard price", materialBody, (v) => ({ ...MATERIAL, standardPrice: v }), "standardPrice"],
  [
    "reorder lot size",
    materialBody,
    (v) => ({ ...MATERIAL, reorder: { reorderPoint: "1", policy: "fixed", lotSize: v } }),
    "reorder.lotSize",
  ],
  ["work center rate", workCenterBody, (v) => ({ description: "W", rates: { labor: v } }), "rates.labor"],
  ["BOM base", bomBody, (v) => ({ baseQty: v, items: [BOM_ITEM] }), "baseQty"],
  ["BOM item qty", bomBody, (v) => ({ baseQty: "1", items: [{ ...BOM_ITEM, qty: v }] }), "items[0].qty"],
  [
    "routing hours per unit",
    routingBody,
    (v) => ({ operations: [{ ...ROUTING_OP, hoursPerUnit: { labor: v } }] }),
    "operations[0].hoursPerUnit.labor",
  ],
  [
    "routing setup hours",
    routingBody,
    (v) => ({ operations: [{ ...ROUTING_OP, setupHours: { machine: v } }] }),
    "operations[0].setupHours.machine",
  ],
  ["order qty", orderBody, (v) => ({ order: "1", material: "LID", qty: v }), "qty"],
  [
    "receipt qty",
    goodsReceiptBody,
    (v) => ({ receiptId: "GR-1", material: "M", location: "RAW", qty: v }),
    "qty",
  ],
  [
    "receipt unit cost",
    goodsReceiptBody,
    (v) => ({ receiptId: "GR-1", material: "M", location: "RAW", qty: "1", unitCost: v }),
    "unitCost",
  ],
  [
    "transfer qty",
    transferBody,
    (v) => ({ transferId: "T-1", material: "M", from: "A", to: "B", qty: v }),
    "qty",
  ],
  [
    "counted",
    inventoryCountBody,
    (v) => ({ countId: "CC-1", material: "M", location: "RAW", counted: v }),
    "counted",
  ],
];

describe("magnitudes: below 10^12, at most 12 decimals", () => {
  it.each(FIELDS)("%s takes the largest and the finest value", (_, schema, body) => {
    for (const value of [MAX, FINEST, 999999999999, 0.000000000001]) {
      expect(pathsOf(schema, body(value))).toEqual([]);
    }
  });

  it.each(FIELDS)("%s refuses 10^12, 13 decimals and huge numbers", (_, schema, body, path) => {
    for (const value of [
      TOO_BIG,
      "999999999999.9999999999999",
      TOO_PRECISE,
      1e12,
      1e-13,
      1e300,
      "9".repeat(38),
    ]) {
      expect(pathsOf(schema, body(value)), `${JSON.stringify(value)}`).toEqual([path]);
    }
  });
});

describe("scrapPct: 0 to 100", () => {
  const bom = (scrapPct: unknown) => ({ baseQty: "1", items: [{ ...BOM_ITEM, scrapPct }] });

  it.each(["0", "100", "100.000000000000", "99.999999999999", 100, 0])("takes %j", (pct) => {
    expect(pathsOf(bomBody, bom(pct))).toEqual([]);
  });

  it.each(["100.000000000001", "101", 100.5, "-1", "1000"])("refuses %j at items[0].scrapPct", (pct) => {
    expect(pathsOf(bomBody, bom(pct))).toEqual(["items[0].scrapPct"]);
  });
});

describe("own keys: names of inherited properties are refused", () => {
  const INHERITED = ["constructor", "__proto__", "prototype", "toString", "valueOf", "hasOwnProperty"];

  it.each(["constructor", "__proto__", "prototype", "tostring"])(
    "refuses the activity %j in a confirmation, work center rates and routing hours, from raw JSON too",
    (name) => {
      // JSON.parse makes "__proto__" an own key, as API Gateway's body does after parsing.
      const hours = JSON.parse(`{"${name}": "1"}`) as unknown;
      const expected = name === "tostring" ? [] : [`activities.${name}`];
      expect(pathsOf(confirmationBody, { ...CONFIRMATION, activities: hours })).toEqual(expected);
      expect(pathsOf(workCenterBody, { description: "W", rates: hours })).toEqual(
        expected.map(() => `rates.${name}`),
      );
      expect(pathsOf(routingBody, { operations: [{ ...ROUTING_OP, setupHours: hours }] })).toEqual(
        expected.map(() => `operations[0].setupHours.${name}`),
      );
    },
  );

  it.each(INHERITED)("refuses %j as an operation, BOM item, routing op and path identifier", (name) => {
    expect(pathsOf(confirmationBody, { ...CONFIRMATION, operation: name })).toEqual(["operation"]);
    expect(pathsOf(confirmationBody, { ...CONFIRMATION, components: [{ item: name, qty: "1" }] })).toEqual([
      "components[0].item",
    ]);
    expect(pathsOf(bomBody, { baseQty: "1", items: [{ ...BOM_ITEM, item: name }] })).toEqual([
      "items[0].item",
    ]);
    expect(pathsOf(routingBody, { operations: [{ ...ROUTING_OP, op: name }] })).toEqual(["operations[0].op"]);
    expect(pathsOf(materialParams, { plant: "P100", material: name })).toEqual(["material"]);
  });

  it("takes names that merely look like them", () => {
    for (const name of ["Constructor", "constructors", "proto", "to_string"]) {
      expect(pathsOf(materialParams, { plant: "P100", material: name })).toEqual([]);
    }
    expect(pathsOf(confirmationBody, { ...CONFIRMATION, activities: { constructors: "1" } })).toEqual([]);
  });

  it("refuses a __proto__ member of a strict body as an unknown field, never as a prototype", () => {
    const body = JSON.parse(
      `{"confirmationId":"C-1","order":"1","operation":"0010","yield":"1","__proto__":{"scrap":"5"}}`,
    );
    expect(pathsOf(confirmationBody, body)).not.toEqual([]);
  });
});
