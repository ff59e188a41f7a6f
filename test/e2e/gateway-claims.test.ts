/**
 * Wildcard smuggling through the sandbox gateway (issue 11 point 12): tokens signed by the
 * sandbox issuer whose `plants` claim is not an array of plant ids or exactly ["*"]. The gateway
 * flattens the claim the way API Gateway's JWT authorizer does ("[a b]"), the API function (the
 * router as functions/api/handler.ts builds it, on DynamoDB Local and a private queue set) reads
 * it, and every shape is a 403 on material PUT, goods receipt, confirmation and stock read,
 * leaving the plant untouched.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Gateway, startGateway } from "../../local/gateway.js";
import { loadOrCreateSecret, SANDBOX_AUDIENCE, SANDBOX_ISSUER } from "../../local/jwt.js";
import { createQueues } from "../../local/services/provision.js";
import { testApiRouter } from "../fixtures/api.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";

let dir: string;
let secret: Uint8Array;
let clients: TestClients;
let gateway: Gateway;
const events: APIGatewayProxyEventV2WithJWTAuthorizer[] = [];
const failures: unknown[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "backflush-claims-"));
  secret = loadOrCreateSecret(dir);
  clients = testClients();
  const queues = await createQueues(clients.sqsEndpoint, `${freshPlant("claims")}-`);
  const router = testApiRouter(clients, {
    queues,
    logger: { error: (message, attributes) => failures.push({ message, ...attributes }) },
  });
  gateway = await startGateway({
    api: {
      name: "api",
      timeoutSeconds: 30,
      invoke: async (event) => {
        events.push(event as APIGatewayProxyEventV2WithJWTAuthorizer);
        return router(event as APIGatewayProxyEventV2WithJWTAuthorizer);
      },
    },
    secret,
    port: 0,
    onError: (error) => failures.push(error),
  });
});
afterAll(async () => {
  await gateway?.close();
  clients?.destroy();
  rmSync(dir, { recursive: true, force: true });
  expect(failures).toEqual([]);
});

/** A token the sandbox issuer signed, with any `plants` claim at all. */
async function tokenWith(plants: unknown): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ plants, roles: ["operator", "planner", "controller"] })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(SANDBOX_ISSUER)
    .setAudience(SANDBOX_AUDIENCE)
    .setSubject("smuggler")
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(secret);
}

const MATERIAL = {
  description: "Part",
  uom: "PC",
  decimals: 0,
  standardPrice: "1.00",
  currency: "USD",
  shortage: "negative",
};

interface Call {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
}

/** The four calls of the report, each of which succeeded against any plant before the fix. */
const calls = (plant: string, n: number): Call[] => [
  { method: "PUT", path: `/v1/plants/${plant}/materials/M-1`, body: MATERIAL },
  {
    method: "POST",
    path: `/v1/plants/${plant}/goods-receipts`,
    body: { receiptId: `GR-${n}`, material: "M-1", location: "RAW", qty: "5", unitCost: "1.00" },
  },
  {
    method: "POST",
    path: `/v1/plants/${plant}/confirmations`,
    body: { confirmationId: `C-${n}`, order: "O-1", operation: "0010", yield: "1" },
  },
  { method: "GET", path: `/v1/plants/${plant}/stock` },
];

async function send(token: string, call: Call) {
  const response = await fetch(`${gateway.url}${call.path}`, {
    method: call.method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(call.body !== undefined && { body: JSON.stringify(call.body) }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, type: response.headers.get("content-type"), body };
}

/** A plants claim as the token carries it, and as the gateway must hand it to the function. */
const SHAPES: readonly (readonly [unknown, string])[] = [
  ["*", "*"],
  [["ZZ *"], "[ZZ *]"],
  [["ZZ,*"], "[ZZ,*]"],
  [["ZZ", "*"], "[ZZ *]"],
  [["*", "ZZ"], "[* ZZ]"],
  [["*", "*"], "[* *]"],
  ["ZZ", "ZZ"],
  ["ZZ,*", "ZZ,*"],
  ['["*"]', '["*"]'],
  ["[*] ", "[*] "],
  [[], "[]"],
];

describe("plants claims that grant no plant, through the sandbox gateway", () => {
  it.each(SHAPES.map(([claim, flat], n) => [JSON.stringify(claim), claim, flat, n] as const))(
    "plants %s: 403 FORBIDDEN on material PUT, goods receipt, confirmation and stock read",
    async (_, claim, flattened, n) => {
      const plant = freshPlant("ZZ");
      const token = await tokenWith(claim);
      for (const call of calls(plant, n)) {
        events.length = 0;
        const res = await send(token, call);
        expect(res.status, `${call.method} ${call.path}: ${JSON.stringify(res.body)}`).toBe(403);
        expect(res.type).toBe("application/problem+json");
        expect(res.body.code).toBe("FORBIDDEN");
        // The gateway passed the claim on exactly as API Gateway's authorizer flattens it.
        expect(events[0]?.requestContext.authorizer.jwt.claims.plants).toBe(flattened);
      }
      // Nothing changed: the plant's own planner sees no material, no stock, no confirmation.
      const own = await tokenWith([plant]);
      expect((await send(own, { method: "GET", path: `/v1/plants/${plant}/stock` })).body).toEqual({
        items: [],
        next: null,
      });
      const confirmation = await send(own, {
        method: "GET",
        path: `/v1/plants/${plant}/confirmations/C-${n}`,
      });
      expect(confirmation.status).toBe(404);
    },
  );

  it('still lets ["*"] and the plant\'s own id in, flattened as "[*]" and "[ZZ-…]"', async () => {
    for (const [claims, flat] of [
      [(_: string) => ["*"], (_: string) => "[*]"],
      [(p: string) => [p], (p: string) => `[${p}]`],
      [(p: string) => ["OTHER", p], (p: string) => `[OTHER ${p}]`],
    ] as const) {
      const plant = freshPlant("ZZ");
      const token = await tokenWith(claims(plant));
      const [put, receipt, , stock] = calls(plant, 1) as [Call, Call, Call, Call];
      events.length = 0;
      expect((await send(token, put)).status).toBe(200);
      expect(events[0]?.requestContext.authorizer.jwt.claims.plants).toBe(flat(plant));
      expect((await send(token, receipt)).status).toBe(201);
      // 5 received at 1.00: on hand 5, value 5.00.
      expect((await send(token, stock)).body).toEqual({
        items: [{ material: "M-1", location: "RAW", onHand: "5", value: "5.00" }],
        next: null,
      });
    }
  });
});
