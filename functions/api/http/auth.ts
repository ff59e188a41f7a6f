/**
 * Authorization from the claims API Gateway's JWT authorizer has already verified (signature,
 * issuer, audience, expiry): who may touch which plant with which role (docs/api.md#authentication-and-roles).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import type { Role, RouteDefinition } from "../../../infra/routes.js";
import { ForbiddenError, UnauthorizedError } from "./errors.js";

export interface Principal {
  readonly subject: string;
  /** Plant ids, or `["*"]` for every plant. */
  readonly plants: readonly string[];
  readonly roles: readonly Role[];
}

/** The caller of a public route: no plant, no role. */
export const ANONYMOUS: Principal = Object.freeze({ subject: "anonymous", plants: [], roles: [] });

const ROLES: readonly Role[] = ["operator", "planner", "controller"];
const ALL_PLANTS = "*";

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer | APIGatewayProxyEventV2;

/**
 * The principal of a request allowed on `route` for `plant` (the path's plant, when it has one).
 * @throws UnauthorizedError without usable `plants` / `roles` claims
 * @throws ForbiddenError for another plant or a role the route does not allow
 */
export function authorize(event: ApiEvent, route: RouteDefinition, plant?: string): Principal {
  if (route.roles === "public") return ANONYMOUS;
  const principal = principalOf(claimsOf(event));
  if (plant !== undefined && !mayAccessPlant(principal, plant)) {
    throw new ForbiddenError(`no access to plant ${plant}`);
  }
  // "any" still means one of the contract's roles: a token with none of them reads nothing.
  const allowed = route.roles === "any" ? ROLES : route.roles;
  if (!principal.roles.some((role) => allowed.includes(role))) {
    throw new ForbiddenError(`needs role ${allowed.join(" or ")}`);
  }
  return principal;
}

/** `["*"]` is every plant; otherwise the plant must be named. "" (a path without a plant) never is. */
export const mayAccessPlant = (principal: Principal, plant: string): boolean =>
  plant !== "" &&
  ((principal.plants.length === 1 && principal.plants[0] === ALL_PLANTS) || principal.plants.includes(plant));

function claimsOf(event: ApiEvent): Record<string, unknown> {
  // The plain v2 event type has no authorizer; the sandbox and API Gateway both put it here.
  const authorizer = field(event.requestContext, "authorizer");
  const claims = field(field(authorizer, "jwt"), "claims");
  if (!isRecord(claims)) throw new UnauthorizedError("missing bearer token");
  return claims;
}

function principalOf(claims: Record<string, unknown>): Principal {
  if (claims.plants === undefined) throw new UnauthorizedError("token has no plants claim");
  if (claims.roles === undefined) throw new UnauthorizedError("token has no roles claim");
  const roles = listClaim(claims.roles) ?? [];
  return {
    subject: stringClaim(claims.sub) ?? stringClaim(claims.client_id) ?? "unknown",
    plants: plantsOf(claims.plants),
    // Roles this API does not know are someone else's; they grant nothing here.
    roles: ROLES.filter((role) => roles.includes(role)),
  };
}

/** docs/api.md: a plant id, the same pattern as every identifier of the contract. */
const PLANT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/**
 * The plants a `plants` claim grants: an array of plant ids, or exactly `["*"]` for every plant.
 * Anything else grants no plant (docs/api.md#authentication-and-roles): a string (`"*"`, `"P100"`), a `*`
 * beside other entries, an entry that is no plant id (`"ZZ *"`, `"ZZ,*"`), in either form the
 * claim arrives in (a JSON array, or API Gateway's flattening of it, see `listClaim`).
 */
export function plantsOf(claim: unknown): string[] {
  const entries = listClaim(claim);
  if (entries === undefined) return [];
  if (entries.length === 1 && entries[0] === ALL_PLANTS) return [ALL_PLANTS];
  return entries.length > 0 && entries.every((entry) => PLANT_ID.test(entry)) ? entries : [];
}

/**
 * An array claim in the two forms it reaches the function: a JSON array of strings (the sandbox's
 * direct calls, a Lambda invoked without API Gateway), or API Gateway HTTP API's flattening of it.
 * The JWT authorizer passes every claim as a string and writes an array as its entries joined by
 * one space inside brackets, unquoted: `["P100","P200"]` arrives as `"[P100 P200]"`, `[]` as
 * `"[]"`. Exactly that form is read; anything else (a plain string, commas, quotes, doubled or
 * edge spaces, a non-string entry) is no list: undefined. An entry with a space or a comma in the
 * token (`["ZZ *"]`, `["ZZ,*"]`) arrives as entries that are no identifiers, so the callers'
 * checks refuse them as well.
 */
export function listClaim(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.every((v) => typeof v === "string") ? [...value] : undefined;
  if (typeof value !== "string" || !value.startsWith("[") || !value.endsWith("]")) return undefined;
  const inner = value.slice(1, -1);
  if (inner === "") return [];
  const entries = inner.split(" ");
  return entries.every((entry) => entry !== "" && !/[[\]"\s]/.test(entry)) ? entries : undefined;
}

const stringClaim = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
