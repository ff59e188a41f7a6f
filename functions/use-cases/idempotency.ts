import { createHash } from "node:crypto";
import { Decimal } from "../../domain/index.js";

/**
 * The fingerprint of a request body for idempotency: canonical JSON (keys sorted, decimals
 * normalized so "12.50" and 12.5 are the same request), hashed. Same key + same fingerprint
 * = a retry; same key + another fingerprint = a different request reusing the key.
 */
export function fingerprint(body: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify(canonical(body)))
    .digest("hex");
}

function canonical(value: unknown): unknown {
  if (value instanceof Decimal) return value.toFixed();
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}
