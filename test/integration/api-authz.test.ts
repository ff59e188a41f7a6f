/**
 * The authorization matrix of docs/api.md#authentication-and-roles: every route of infra/routes.ts ×
 * {no token, wrong plant, wrong role, right role}, through the router as functions/api/handler.ts
 * builds it, with claims exactly as API Gateway's JWT authorizer passes them (array claims flattened to
 * "[a b]"). A right-role request runs for real against DynamoDB Local and a private queue set: it may
 * be refused for its content (400, 404 ...) but never for who sent it, and never with a 5xx.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Problem } from "../../functions/api/http/problem.js";
import type { ApiHandler } from "../../functions/api/http/router.js";
import { ROUTES, type Role, type RouteDefinition, routeKeyOf } from "../../infra/routes.js";
import { createQueues } from "../../local/services/provision.js";
import { recordingErrorLogger, testApiRouter } from "../fixtures/api.js";
import { type Claims, DEFAULT_CLAIMS, httpEvent } from "../fixtures/apigw.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";

const ALL_ROLES: readonly Role[] = ["operator", "planner", "controller"];

let clients: TestClients;
let router: ApiHandler;
const { logger, logged: unexpected } = recordingErrorLogger();

beforeAll(async () => {
  clients = testClients();
  const queues = await createQueues(clients.sqsEndpoint, `${freshPlant("authz")}-`);
  router = testApiRouter(clients, { queues, logger });
});
afterAll(() => clients.destroy());

/** Path parameter values other than the plant; the period is the fixed clock's month. */
const PARAMS: Readonly<Record<string, string>> = {
  material: "M-1",
  wc: "WC-1",
  order: "O-1",
  id: "C-1",
  period: "2026-11",
};

/** A plausible body per route with one: valid in shape, so the right-role case reaches its use case. */
const BODIES: Readonly<Record<string, unknown>> = {
  "PUT /v1/plants/{plant}/materials/{material}": {
    description: "Part",
    uom: "PC",
    decimals: 0,
    standardPrice: "1.00",
    currency: "USD",
  },
  "PUT /v1/plants/{plant}/work-centers/{wc}": { description: "Press", rates: { labor: "45.00" } },
  "PUT /v1/plants/{plant}/boms/{material}": {
    baseQty: "1",
    items: [{ item: "0010", component: "M-2", qty: "1" }],
  },
  "PUT /v1/plants/{plant}/routings/{material}": { operations: [{ op: "0010", workCenter: "WC-1" }] },
  "POST /v1/plants/{plant}/orders": { order: "O-1", material: "M-1", qty: "1", dueDate: "2026-12-01" },
  "PATCH /v1/plants/{plant}/orders/{order}": { qty: "2" },
  "POST /v1/plants/{plant}/goods-receipts": { receiptId: "GR-1", material: "M-1", location: "L", qty: "1" },
  "POST /v1/plants/{plant}/transfers": { transferId: "T-1", material: "M-1", from: "A", to: "B", qty: "1" },
  "POST /v1/plants/{plant}/inventory-counts": {
    countId: "CC-1",
    material: "M-1",
    location: "L",
    counted: "1",
  },
  "POST /v1/plants/{plant}/confirmations": {
    confirmationId: "C-1",
    order: "O-1",
    operation: "0010",
    yield: "1",
  },
  "POST /v1/plants/{plant}/confirmations/{id}/reversal": {},
};

type Expectation = { readonly status: 200 | 401 | 403 } | { readonly allowed: true };

interface Case {
  readonly name: string;
  readonly route: RouteDefinition;
  /** Authorizer claims; null: no token, so API Gateway sends no authorizer block. */
  readonly claims: (plant: string) => Claims | null;
  readonly expect: Expectation;
}

const token =
  (plants: (plant: string) => string, roles: readonly string[]) =>
  (plant: string): Claims => ({ ...DEFAULT_CLAIMS, plants: plants(plant), roles: `[${roles.join(" ")}]` });
const ownPlant = (plant: string) => `[${plant}]`;
const everyPlant = () => "[*]";
const otherPlant = (plant: string) => `[${plant}-OTHER]`;
/** A plants claim as sent in the token, and as API Gateway's JWT authorizer passes it on. */
const SMUGGLED: readonly (readonly [string, (plant: string) => string])[] = [
  ['"*"', () => "*"],
  ['["ZZ *"]', () => "[ZZ *]"],
  ['["ZZ,*"]', () => "[ZZ,*]"],
  ['[plant, "*"]', (plant) => `[${plant} *]`],
  ['"<plant>" (a string)', (plant) => plant],
  ['"<plant>,ZZ" (a string)', (plant) => `${plant},ZZ`],
  ['["<plant>,ZZ"]', (plant) => `[${plant},ZZ]`],
  ["JSON in a string", (plant) => `["${plant}"]`],
];

function casesOf(route: RouteDefinition): Case[] {
  const at = (name: string, claims: Case["claims"], expect: Expectation): Case => ({
    name,
    route,
    claims,
    expect,
  });
  if (route.roles === "public") {
    return [
      at("no token → 200", () => null, { status: 200 }),
      at("another plant's token → 200", token(otherPlant, ALL_ROLES), { status: 200 }),
    ];
  }
  const allowed: readonly Role[] = route.roles === "any" ? ALL_ROLES : route.roles;
  const others = ALL_ROLES.filter((role) => !allowed.includes(role));
  return [
    at("no token → 401", () => null, { status: 401 }),
    at(
      "token without a plants claim → 401",
      (plant) => {
        const { plants: _none, ...claims } = token(ownPlant, ALL_ROLES)(plant);
        return claims;
      },
      { status: 401 },
    ),
    // Wildcard smuggling (issue 11 point 12): signed tokens whose plants claim is not an array of
    // plant ids or exactly ["*"], as API Gateway hands them over; each grants no plant at all.
    ...SMUGGLED.map(([shape, plants]) =>
      at(`plants ${shape} → 403`, token(plants, ALL_ROLES), { status: 403 }),
    ),
    at("wrong plant, every role → 403", token(otherPlant, ALL_ROLES), { status: 403 }),
    // "any" routes take any of the contract's roles; a token with none of them (here: a foreign role) reads nothing
    ...(others.length > 0
      ? [at(`wrong role [${others.join(" ")}] → 403`, token(ownPlant, others), { status: 403 })]
      : [at("no known role [auditor] → 403", token(ownPlant, ["auditor"]), { status: 403 })]),
    ...allowed.map((role) =>
      at(`right role [${role}] → not 401/403`, token(ownPlant, [role]), { allowed: true }),
    ),
    at(`right role, plants [*] → not 401/403`, token(everyPlant, allowed), { allowed: true }),
  ];
}

const CASES = ROUTES.flatMap((route) => casesOf(route));

function eventFor(c: Case, plant: string) {
  const key = routeKeyOf(c.route);
  const names = [...c.route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "");
  const pathParameters = Object.fromEntries(names.map((n) => [n, n === "plant" ? plant : (PARAMS[n] ?? "")]));
  const body = BODIES[key];
  return httpEvent({
    routeKey: key,
    claims: c.claims(plant),
    ...(names.length > 0 && { pathParameters }),
    ...(body !== undefined && { body }),
  });
}

describe("authorization matrix over every route of infra/routes.ts", () => {
  it("covers every route with no token, wrong plant, wrong role and right role", () => {
    expect(new Set(CASES.map((c) => routeKeyOf(c.route)))).toEqual(new Set(ROUTES.map(routeKeyOf)));
    // 2 public routes × 2; 20 protected routes × (2 unauthenticated + wrong plant + roles + wildcard)
    expect(CASES.length).toBeGreaterThan(ROUTES.length * 4);
  });

  it.each(CASES.map((c) => [`${routeKeyOf(c.route)} · ${c.name}`, c] as const))("%s", async (_name, c) => {
    const plant = freshPlant();
    const result = await router(eventFor(c, plant));
    const status = result.statusCode ?? 0;
    const body: unknown = JSON.parse(result.body ?? "null");

    if ("allowed" in c.expect) {
      expect(status, JSON.stringify(body)).not.toBe(401);
      expect(status, JSON.stringify(body)).not.toBe(403);
      expect(status, JSON.stringify(body)).toBeLessThan(500);
      expect(unexpected).toEqual([]);
      return;
    }
    expect(status, JSON.stringify(body)).toBe(c.expect.status);
    if (c.expect.status === 200) return;
    expect(result.headers?.["content-type"]).toBe("application/problem+json");
    const code = c.expect.status === 401 ? "UNAUTHORIZED" : "FORBIDDEN";
    expect((body as Problem).code).toBe(code);
    if (c.expect.status === 401) expect(result.headers?.["www-authenticate"]).toMatch(/^Bearer /);
  });
});
