import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  HttpError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "../../../functions/api/http/errors.js";
import { toProblem } from "../../../functions/api/http/problem.js";
import { parseJsonBody, validate } from "../../../functions/api/http/request.js";
import { confirmationBody } from "../../../functions/api/schemas.js";
import { httpEvent } from "../../fixtures/apigw.js";

const LIMIT = 4 * 1024;
const valid = { confirmationId: "C-1", order: "1000001", operation: "0010", yield: "10" };

/** Values a confused or hostile client might put anywhere in a body. */
const nasty = fc.oneof(
  fc.constantFrom(
    "1e3",
    "-1",
    "NaN",
    "Infinity",
    "",
    " ",
    "0x1F",
    "1.",
    "__proto__",
    "constructor",
    "2026-02-30",
  ),
  fc.double(),
  fc.integer(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
);

const key = fc.oneof(
  fc.constantFrom(
    ...Object.keys(valid),
    "scrap",
    "components",
    "activities",
    "postingDate",
    "yeild",
    "__proto__",
  ),
  fc.string({ maxLength: 8 }),
);

/** Mutations of a valid confirmation, then arbitrary JSON, then arbitrary text. */
const body = fc.oneof(
  fc
    .dictionary(key, fc.oneof(nasty, fc.jsonValue({ maxDepth: 3 })))
    .map((patch) => JSON.stringify({ ...valid, ...patch })),
  fc
    .array(
      fc.oneof(
        fc.record({ item: nasty, qty: nasty }),
        fc.record({ component: nasty, qty: nasty, item: nasty }),
        nasty,
      ),
    )
    .map((components) => JSON.stringify({ ...valid, components })),
  fc.jsonValue().map((v) => JSON.stringify(v) ?? ""),
  fc.string({ maxLength: 200 }),
  fc.string({ minLength: LIMIT - 10, maxLength: LIMIT + 10 }),
);

const contentType = fc.constantFrom(
  undefined,
  "application/json",
  "text/plain",
  "application/json; charset=utf-16",
);

describe("fuzz: parseJsonBody + confirmation schema", () => {
  it("answers every body with a 4xx error, never another exception", () => {
    fc.assert(
      fc.property(body, contentType, fc.boolean(), (raw, type, base64) => {
        const event = httpEvent({
          routeKey: "POST /v1/plants/{plant}/confirmations",
          pathParameters: { plant: "P100" },
          body: base64 ? Buffer.from(raw).toString("base64") : raw,
          isBase64Encoded: base64,
          ...(type && { headers: { "content-type": type } }),
        });
        if (type === undefined) delete event.headers["content-type"];
        try {
          validate(confirmationBody, parseJsonBody(event, LIMIT));
        } catch (error) {
          const expected =
            error instanceof ValidationError ||
            error instanceof PayloadTooLargeError ||
            error instanceof UnsupportedMediaTypeError;
          if (!expected) throw error;
          const status = toProblem(error, "fuzz").statusCode ?? 500;
          expect(error).toBeInstanceOf(HttpError);
          expect(status).toBeGreaterThanOrEqual(400);
          expect(status).toBeLessThan(500);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
