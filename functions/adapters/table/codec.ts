import { gunzipSync, gzipSync } from "node:zlib";
import { NumberValue } from "@aws-sdk/lib-dynamodb";
import { Decimal } from "../../../domain/index.js";

/**
 * Domain objects are stored as one gzip'd JSON attribute: decimals tagged `{"$d":"1.25"}` so
 * they come back as Decimals and never pass through a JS number, and compressed so a big
 * order or a 40-line confirmation still fits in one or two 1 KB write units.
 */
export function pack(value: unknown): Uint8Array {
  return gzipSync(Buffer.from(JSON.stringify(encode(value)), "utf8"));
}

export function unpack<T>(data: Uint8Array): T {
  return decode(JSON.parse(gunzipSync(data).toString("utf8"))) as T;
}

function encode(value: unknown): unknown {
  if (value instanceof Decimal) return { $d: value.toFixed() };
  if (value instanceof Map) return { $m: [...value.entries()].map(([k, v]) => [k, encode(v)]) };
  if (Array.isArray(value)) return value.map(encode);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encode(v);
    return out;
  }
  return value;
}

function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (typeof obj.$d === "string") return new Decimal(obj.$d);
    if (Array.isArray(obj.$m))
      return new Map((obj.$m as [string, unknown][]).map(([k, v]) => [k, decode(v)]));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = decode(v);
    return out;
  }
  return value;
}

/** A DynamoDB number from a Decimal, exact (lib-dynamodb writes NumberValue as its string). */
export const num = (value: Decimal): NumberValue => NumberValue.from(value.toFixed());

/** A Decimal from a DynamoDB number read with `wrapNumbers: true` (or absent = 0). */
export function fromNum(value: unknown): Decimal {
  if (value === undefined || value === null) return new Decimal(0);
  if (value instanceof NumberValue) return new Decimal(value.toString());
  if (typeof value === "string") return new Decimal(value);
  // A plain JS number here means a client without wrapNumbers: refuse rather than risk a float.
  throw new TypeError(`expected a wrapped DynamoDB number, got ${typeof value}`);
}
