import { describe, expect, it } from "vitest";
import {
  type CursorShape,
  decodeCursor,
  encodeCursor,
  startKeyOf,
} from "../../../functions/common/paging.js";

const SHAPE: CursorShape = {
  list: "stock",
  fixed: { gsi4pk: "STOCK#P100" },
  free: { gsi4sk: "", pk: "P#P100#STK#", sk: "LOC#" },
};
const KEY = { gsi4pk: "STOCK#P100", gsi4sk: "RIM@RAW", pk: "P#P100#STK#RIM", sk: "LOC#RAW" };
const raw = (value: unknown) => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");

describe("the one cursor codec", () => {
  it("gives back the start key it encoded, and null for no next page", () => {
    const cursor = encodeCursor(SHAPE, { ...KEY });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(SHAPE, cursor ?? undefined)).toEqual(KEY);
    expect(encodeCursor(SHAPE, undefined)).toBeNull();
    expect(decodeCursor(SHAPE, undefined)).toBeUndefined();
  });

  it("takes the start key of a page's last item from its key attributes only", () => {
    expect(startKeyOf(SHAPE, { ...KEY, onHand: 5, material: "RIM" })).toEqual(KEY);
  });

  const refused: [string, string][] = [
    ["not base64url", "%%%"],
    ["empty", ""],
    ["base64 of no JSON", Buffer.from("nope").toString("base64url")],
    ["JSON that is no object", raw([KEY])],
    ["another list's cursor", raw({ l: "backlog", k: KEY })],
    ["no list tag", raw({ k: KEY })],
    ["another plant's partition", raw({ l: "stock", k: { ...KEY, gsi4pk: "STOCK#P200" } })],
    ["a sort key outside the list's prefix", raw({ l: "stock", k: { ...KEY, sk: "REQ#1" } })],
    ["a table key of another plant", raw({ l: "stock", k: { ...KEY, pk: "P#P200#STK#RIM" } })],
    ["a missing attribute", raw({ l: "stock", k: { gsi4pk: KEY.gsi4pk, pk: KEY.pk, sk: KEY.sk } })],
    ["an extra attribute", raw({ l: "stock", k: { ...KEY, onHand: "1" } })],
    ["a number where a string goes", raw({ l: "stock", k: { ...KEY, gsi4sk: 7 } })],
    ["an empty value", raw({ l: "stock", k: { ...KEY, gsi4sk: "" } })],
    ["an inherited name", '{"l":"stock","k":{"__proto__":{"x":"1"}}}'],
    ["over 2048 characters", "A".repeat(2049)],
  ];
  it.each(refused)("refuses %s with a 400 at query.cursor", (_, cursor) => {
    const encoded = cursor.startsWith("{") ? Buffer.from(cursor).toString("base64url") : cursor;
    expect(() => decodeCursor(SHAPE, encoded)).toThrow(
      expect.objectContaining({ name: "InvalidInputError", path: "query.cursor" }),
    );
  });
});
