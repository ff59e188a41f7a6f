import { describe, expect, it } from "vitest";
import { ANONYMOUS, authorize, listClaim, plantsOf } from "../../../functions/api/http/auth.js";
import { ForbiddenError, UnauthorizedError } from "../../../functions/api/http/errors.js";
import { ROUTES, type RouteDefinition } from "../../../infra/routes.js";
import { type Claims, httpEvent } from "../../fixtures/apigw.js";

const route = (key: string): RouteDefinition => {
  const found = ROUTES.find((r) => `${r.method} ${r.path}` === key);
  if (!found) throw new Error(`no route ${key}`);
  return found;
};

const CONFIRM = route("POST /v1/plants/{plant}/confirmations");
const GET_ORDER = route("GET /v1/plants/{plant}/orders/{order}");
const CLOSE = route("POST /v1/plants/{plant}/periods/{period}/close");
const HEALTH = route("GET /v1/health");

const eventWith = (claims: Claims | null) =>
  httpEvent({ routeKey: `${CONFIRM.method} ${CONFIRM.path}`, pathParameters: { plant: "P100" }, claims });

describe("listClaim", () => {
  it.each([
    [
      ["P100", "P200"],
      ["P100", "P200"],
    ],
    // API Gateway HTTP API's flattening: entries joined by one space inside brackets, unquoted.
    ["[P100 P200]", ["P100", "P200"]],
    ["[P100]", ["P100"]],
    ["[*]", ["*"]],
    ["[1000 2000]", ["1000", "2000"]],
    // The flattening of ["P100,P200"]: one entry, which plantsOf then refuses as no plant id.
    ["[P100,P200]", ["P100,P200"]],
    ["[]", []],
    [[], []],
  ])("reads %j", (claim, expected) => {
    expect(listClaim(claim)).toEqual(expected);
  });

  it.each([
    undefined,
    null,
    7,
    true,
    { a: 1 },
    [1, 2],
    ["P100", 7],
    // Not API Gateway's form: a plain string, commas, JSON inside the string, stray spaces.
    "P100",
    "*",
    "",
    "P100,P200",
    "P100, P200",
    '["P100","P200"]',
    "[P100  P200]",
    "[ P100]",
    "[P100 ]",
    "[P100\tP200]",
    "[[P100]]",
  ])("refuses %j", (claim) => {
    expect(listClaim(claim)).toBeUndefined();
  });
});

describe("plantsOf", () => {
  it.each([
    [["P100"], ["P100"]],
    [
      ["P100", "P200"],
      ["P100", "P200"],
    ],
    ["[P100 P200]", ["P100", "P200"]],
    [["*"], ["*"]],
    ["[*]", ["*"]],
  ])("grants %j: %j", (claim, expected) => {
    expect(plantsOf(claim)).toEqual(expected);
  });

  it.each([
    // The wildcard smuggled in a string, beside other entries, or inside an entry (issue 11 point 12).
    ["the string *", "*"],
    ["a plant id string", "P100"],
    ['["ZZ *"] as sent', ["ZZ *"]],
    ['["ZZ *"] flattened', "[ZZ *]"],
    ['["ZZ,*"] as sent', ["ZZ,*"]],
    ['["ZZ,*"] flattened', "[ZZ,*]"],
    ['["P100","*"] as sent', ["P100", "*"]],
    ['["P100","*"] flattened', "[P100 *]"],
    ['["*","*"]', ["*", "*"]],
    ['["**"]', ["**"]],
    ['[" *"]', [" *"]],
    ["a comma list", "P100,*"],
    ["a JSON string", '["*"]'],
    ["an entry that is no identifier", ["P100", "-X"]],
    ["an empty array", []],
    ["an empty flattened array", "[]"],
    ["a number", 100],
    ["an object", { "*": true }],
  ])("grants no plant for %s", (_, claim) => {
    expect(plantsOf(claim)).toEqual([]);
  });
});

describe("authorize", () => {
  it.each([
    ["an array", { sub: "u", plants: ["P100"], roles: ["operator"] }],
    ["API Gateway's flattening", { sub: "u", plants: "[P100 P200]", roles: "[operator planner]" }],
    ["the wildcard, flattened", { sub: "u", plants: "[*]", roles: "[operator]" }],
    ["the wildcard, as sent", { sub: "u", plants: ["*"], roles: ["operator"] }],
  ])("lets an operator of P100 confirm with claims as %s", (_, claims) => {
    const principal = authorize(eventWith(claims), CONFIRM, "P100");
    expect(principal.subject).toBe("u");
    expect(principal.roles).toContain("operator");
  });

  it("returns the principal with known roles only", () => {
    const claims = { sub: "u-7", plants: "[P100]", roles: "[operator admin]" };
    expect(authorize(eventWith(claims), CONFIRM, "P100")).toEqual({
      subject: "u-7",
      plants: ["P100"],
      roles: ["operator"],
    });
  });

  it.each([
    ["no authorizer at all", null],
    ["no plants claim", { sub: "u", roles: "[operator]" }],
    ["no roles claim", { sub: "u", plants: "[P100]" }],
  ])("is 401 with %s", (_, claims) => {
    expect(() => authorize(eventWith(claims), CONFIRM, "P100")).toThrow(UnauthorizedError);
  });

  it.each([
    ["empty plants", "[]"],
    ["a numeric plants claim", 100],
    ["the string *", "*"],
    ['["ZZ *"]', "[ZZ *]"],
    ['["ZZ,*"]', "[ZZ,*]"],
    ["* beside P100", "[P100 *]"],
    ["a comma list naming P100", "P100,P200"],
    ["a JSON string naming P100", '["P100"]'],
  ])("is 403 on P100 and on any other plant with %s", (_, plants) => {
    for (const plant of ["P100", "ZZ", "P200"]) {
      expect(() => authorize(eventWith({ sub: "u", plants, roles: "[operator]" }), CONFIRM, plant)).toThrow(
        ForbiddenError,
      );
    }
  });

  it("reads roles in the same two forms only: a comma list grants no role", () => {
    const claims = { sub: "u", plants: "[P100]", roles: "operator,planner" };
    expect(() => authorize(eventWith(claims), CONFIRM, "P100")).toThrow(ForbiddenError);
  });

  it("is 403 for another plant", () => {
    const claims = { sub: "u", plants: "[P100]", roles: "[operator]" };
    expect(() => authorize(eventWith(claims), CONFIRM, "P200")).toThrow(ForbiddenError);
    expect(() => authorize(eventWith(claims), CONFIRM, "")).toThrow(ForbiddenError);
  });

  it("is 403 for a role the route does not allow", () => {
    const planner = { sub: "u", plants: "[P100]", roles: "[planner]" };
    expect(() => authorize(eventWith(planner), CONFIRM, "P100")).toThrow(ForbiddenError);
    expect(() => authorize(eventWith(planner), CLOSE, "P100")).toThrow(ForbiddenError);
  });

  it("lets any of the contract's roles read within its plants, and a token with none of them nothing", () => {
    const operator = { sub: "u", plants: "[P100]", roles: "[operator]" };
    expect(authorize(eventWith(operator), GET_ORDER, "P100").roles).toEqual(["operator"]);
    expect(() => authorize(eventWith(operator), GET_ORDER, "P200")).toThrow(ForbiddenError);
    const noRoles = { sub: "u", plants: "[P100]", roles: "[]" };
    expect(() => authorize(eventWith(noRoles), GET_ORDER, "P100")).toThrow(ForbiddenError);
  });

  it("lets anyone call a public route, token or not", () => {
    expect(authorize(eventWith(null), HEALTH)).toBe(ANONYMOUS);
  });
});
