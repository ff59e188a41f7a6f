/**
 * The sandbox gateway against a recording stand-in for the API function: routing from
 * infra/routes.ts, the JWT authorizer's answers and claims, the v2 event, and the response mapping.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ROUTES, routeKeyOf } from "../../infra/routes.js";
import { type Gateway, matchRoute, startGateway } from "../../local/gateway.js";
import { loadOrCreateSecret, SANDBOX_AUDIENCE, SANDBOX_ISSUER, signToken } from "../../local/jwt.js";
import type { LambdaFunction } from "../../local/lambda.js";

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;

describe("sandbox gateway", () => {
  let dir: string;
  let secret: Uint8Array;
  let gateway: Gateway;
  let events: Event[];
  let reply: unknown;

  const api: LambdaFunction = {
    name: "api",
    timeoutSeconds: 5,
    invoke: async (event) => {
      events.push(event as Event);
      if (reply instanceof Error) throw reply;
      return reply;
    },
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "backflush-gateway-"));
    secret = loadOrCreateSecret(dir);
    gateway = await startGateway({ api, secret, port: 0, onError: () => {} });
  });
  afterAll(async () => {
    await gateway.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    events = [];
    reply = { statusCode: 200, headers: { "content-type": "application/json" }, body: '{"ok":true}' };
  });

  const lastEvent = (): Event => {
    const event = events.at(-1);
    if (!event) throw new Error("the function was not invoked");
    return event;
  };

  it("matches every contract route to its own route key", () => {
    for (const route of ROUTES) {
      const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => `x-${name}`);
      expect(matchRoute(route.method, path)?.routeKey).toBe(routeKeyOf(route));
    }
  });

  it("builds the v2 event with routeKey, decoded path parameters, query and verified claims", async () => {
    const token = await signToken(secret, {
      plants: ["P100", "P200"],
      roles: ["operator", "planner"],
      subject: "u1",
    });
    const response = await fetch(
      `${gateway.url}/v1/plants/P100/confirmations/PRESS1%3A7/reversal?a=1&a=2&b=x%20y`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "X-Custom": "v" },
        body: '{"postingDate":"2026-11-25"}',
      },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    const event = lastEvent();
    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "POST /v1/plants/{plant}/confirmations/{id}/reversal",
      rawPath: "/v1/plants/P100/confirmations/PRESS1%3A7/reversal",
      rawQueryString: "a=1&a=2&b=x%20y",
      pathParameters: { plant: "P100", id: "PRESS1:7" },
      queryStringParameters: { a: "1,2", b: "x y" },
      body: '{"postingDate":"2026-11-25"}',
      isBase64Encoded: false,
      headers: { "content-type": "application/json", "x-custom": "v" },
      requestContext: {
        routeKey: "POST /v1/plants/{plant}/confirmations/{id}/reversal",
        stage: "$default",
        http: { method: "POST", path: "/v1/plants/P100/confirmations/PRESS1%3A7/reversal" },
      },
    });
    // API Gateway flattens every claim to a string; arrays as "[a b]".
    expect(event.requestContext.authorizer.jwt.claims).toMatchObject({
      plants: "[P100 P200]",
      roles: "[operator planner]",
      sub: "u1",
      iss: SANDBOX_ISSUER,
      aud: SANDBOX_AUDIENCE,
    });
    expect(typeof event.requestContext.authorizer.jwt.claims.exp).toBe("string");
  });

  it("answers 404 like API Gateway for an unknown path or method, without invoking", async () => {
    for (const [method, path] of [
      ["GET", "/v1/nothing"],
      ["DELETE", "/v1/health"],
      ["GET", "/v1/health/"],
      ["GET", "/v1/plants//stock"],
    ] as const) {
      const response = await fetch(`${gateway.url}${path}`, { method });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ message: "Not Found" });
    }
    expect(events).toEqual([]);
  });

  it("answers 401 like the JWT authorizer for a missing, foreign, expired or misaddressed token", async () => {
    const foreign = await signToken(new TextEncoder().encode("f".repeat(43)), {
      plants: ["P100"],
      roles: ["planner"],
    });
    const expired = await signToken(secret, { plants: ["P100"], roles: ["planner"], ttlSeconds: -10 });
    for (const authorization of [
      undefined,
      "Bearer",
      "Bearer not.a.jwt",
      `Bearer ${foreign}`,
      `Bearer ${expired}`,
    ]) {
      const response = await fetch(`${gateway.url}/v1/plants/P100/stock`, {
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ message: "Unauthorized" });
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    expect(events).toEqual([]);
  });

  it("passes public routes without an authorizer block", async () => {
    const response = await fetch(`${gateway.url}/v1/health`);
    expect(response.status).toBe(200);
    expect(lastEvent().requestContext).not.toHaveProperty("authorizer");
    expect(lastEvent().routeKey).toBe("GET /v1/health");
  });

  it("maps the function's response: headers, cookies, base64 bodies and inferred 200s", async () => {
    const token = await signToken(secret, { plants: ["P100"], roles: ["planner"] });
    const get = () =>
      fetch(`${gateway.url}/v1/plants/P100/backlog`, { headers: { authorization: `Bearer ${token}` } });

    reply = {
      statusCode: 202,
      headers: { "X-Correlation-Id": "c1", "content-type": "application/problem+json" },
      cookies: ["a=1", "b=2"],
      body: Buffer.from('{"x":1}').toString("base64"),
      isBase64Encoded: true,
    };
    let response = await get();
    expect(response.status).toBe(202);
    expect(response.headers.get("x-correlation-id")).toBe("c1");
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await response.json()).toEqual({ x: 1 });

    reply = { items: [] };
    response = await get();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ items: [] });

    reply = new Error("boom");
    response = await get();
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: "Internal Server Error" });
  });

  it("passes a binary body base64-encoded", async () => {
    const token = await signToken(secret, { plants: ["P100"], roles: ["planner"] });
    await fetch(`${gateway.url}/v1/plants/P100/goods-receipts`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
      body: new Uint8Array([0xff, 0x00, 0x01]),
    });
    expect(lastEvent()).toMatchObject({
      isBase64Encoded: true,
      body: Buffer.from([0xff, 0x00, 0x01]).toString("base64"),
    });
  });
});
