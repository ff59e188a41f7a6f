import { describe, expect, it } from "vitest";
import {
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "../../../functions/api/http/errors.js";
import {
  MAX_BODY_BYTES,
  parseJsonBody,
  pathParams,
  queryParams,
} from "../../../functions/api/http/request.js";
import { orderParams, stockQuery } from "../../../functions/api/schemas.js";
import { httpEvent } from "../../fixtures/apigw.js";

const ROUTE = "POST /v1/plants/{plant}/confirmations";
const post = (body: unknown, headers?: Record<string, string>, isBase64Encoded = false) =>
  httpEvent({
    routeKey: ROUTE,
    pathParameters: { plant: "P100" },
    body,
    isBase64Encoded,
    ...(headers && { headers }),
  });

describe("parseJsonBody", () => {
  it("parses JSON and returns undefined for no body", () => {
    expect(parseJsonBody(post({ a: 1 }))).toEqual({ a: 1 });
    expect(parseJsonBody(post(undefined))).toBeUndefined();
    expect(parseJsonBody(post(""))).toBeUndefined();
  });

  it("decodes a base64 body", () => {
    const body = Buffer.from('{"qty":"1.5","name":"Größe"}').toString("base64");
    expect(parseJsonBody(post(body, undefined, true))).toEqual({ qty: "1.5", name: "Größe" });
  });

  it("is 413 over the limit, counting bytes after base64 decoding", () => {
    const big = JSON.stringify({ pad: "x".repeat(MAX_BODY_BYTES) });
    expect(() => parseJsonBody(post(big))).toThrow(PayloadTooLargeError);
    expect(() => parseJsonBody(post(Buffer.from(big).toString("base64"), undefined, true))).toThrow(
      PayloadTooLargeError,
    );
    const fits = JSON.stringify({ pad: "x".repeat(MAX_BODY_BYTES - 20) });
    expect(() => parseJsonBody(post(Buffer.from(fits).toString("base64"), undefined, true))).not.toThrow();
    expect(() => parseJsonBody(post({ a: "é".repeat(60) }), 100)).toThrow(PayloadTooLargeError);
  });

  it.each([
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON; charset=UTF-8",
    'application/json;charset="utf-8"',
    "application/merge-patch+json",
    "application/vnd.backflush.v1+json",
  ])("accepts content-type %s", (type) => {
    expect(parseJsonBody(post({ a: 1 }, { "content-type": type }))).toEqual({ a: 1 });
  });

  it.each([
    "text/plain",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/json; charset=latin1",
  ])("is 415 for content-type %s", (type) => {
    expect(() => parseJsonBody(post({ a: 1 }, { "content-type": type }))).toThrow(UnsupportedMediaTypeError);
  });

  it("takes a body without content-type as JSON", () => {
    const event = post({ a: 1 });
    delete event.headers["content-type"];
    expect(parseJsonBody(event)).toEqual({ a: 1 });
  });

  it("reads the content-type whatever its case", () => {
    const event = post({ a: 1 });
    delete event.headers["content-type"];
    event.headers["Content-Type"] = "text/csv";
    expect(() => parseJsonBody(event)).toThrow(UnsupportedMediaTypeError);
  });

  it.each(['{"a":', "{'a':1}", "undefined", "{a:1}", "[1,]", " "])("is 400 for malformed JSON %j", (body) => {
    expect(() => parseJsonBody(post(body))).toThrow(ValidationError);
  });

  it("is 400 for bytes that are not UTF-8", () => {
    const body = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]).toString("base64");
    expect(() => parseJsonBody(post(body, undefined, true))).toThrow(ValidationError);
  });

  it("survives deep nesting", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    expect(() => {
      try {
        parseJsonBody(post(deep));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
      }
    }).not.toThrow();
  });
});

describe("pathParams and queryParams", () => {
  it("validates path parameters, never trusting they exist", () => {
    const event = httpEvent({
      routeKey: "GET /v1/plants/{plant}/orders/{order}",
      pathParameters: { plant: "P100", order: "1000001" },
    });
    expect(pathParams(event, orderParams)).toEqual({ plant: "P100", order: "1000001" });
    expect(() => pathParams({ ...event, pathParameters: undefined }, orderParams)).toThrow(ValidationError);
  });

  it("names bad path parameters path.<name>", () => {
    const event = httpEvent({
      routeKey: "GET /v1/plants/{plant}/orders/{order}",
      pathParameters: { plant: "P100", order: "a b" },
    });
    try {
      pathParams(event, orderParams);
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).errors).toEqual([
        { path: "path.order", message: expect.any(String) },
      ]);
    }
  });

  it("validates query parameters as query.<name>", () => {
    const ok = httpEvent({
      routeKey: "GET /v1/plants/{plant}/stock",
      queryStringParameters: { material: "GLUE" },
    });
    expect(queryParams(ok, stockQuery)).toEqual({ material: "GLUE", limit: 100 });
    expect(queryParams({}, stockQuery)).toEqual({ limit: 100 });
    const bad = httpEvent({
      routeKey: "GET /v1/plants/{plant}/stock",
      queryStringParameters: { material: "$" },
    });
    try {
      queryParams(bad, stockQuery);
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).errors.map((e) => e.path)).toEqual(["query.material"]);
    }
  });
});
