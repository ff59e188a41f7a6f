import { describe, expect, it } from "vitest";
import { ANONYMOUS, authorize, listClaim } from "../../../functions/api/http/auth.js";
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
    ["[P100 P200]", ["P100", "P200"]],
    ["[P100]", ["P100"]],
    ['["P100","P200"]', ["P100", "P200"]],
    ['[ "P100" , "P200" ]', ["P100", "P200"]],
    ["P100,P200", ["P100", "P200"]],
    ["P100, P200", ["P100", "P200"]],
    ["P100", ["P100"]],
    ["[*]", ["*"]],
    ['["*"]', ["*"]],
    ["[1000 2000]", ["1000", "2000"]],
    ["[]", []],
    ["", []],
  ])("reads %j", (claim, expected) => {
    expect(listClaim(claim)).toEqual(expected);
  });

  it.each([undefined, null, 7, true, { a: 1 }, [1, 2]])("refuses %j", (claim) => {
    expect(listClaim(claim)).toBeUndefined();
  });
});

describe("authorize", () => {
  it.each([
    ["an array", { sub: "u", plants: ["P100"], roles: ["operator"] }],
    ["API Gateway's flattening", { sub: "u", plants: "[P100 P200]", roles: "[operator planner]" }],
    ["a JSON string", { sub: "u", plants: '["P200","P100"]', roles: '["operator"]' }],
    ["a comma list", { sub: "u", plants: "P200,P100", roles: "planner,operator" }],
    ["the wildcard", { sub: "u", plants: "[*]", roles: "[operator]" }],
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
    ["empty plants", { sub: "u", plants: "[]", roles: "[operator]" }],
    ["a numeric plants claim", { sub: "u", plants: 100, roles: "[operator]" }],
  ])("is 401 with %s", (_, claims) => {
    expect(() => authorize(eventWith(claims), CONFIRM, "P100")).toThrow(UnauthorizedError);
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
