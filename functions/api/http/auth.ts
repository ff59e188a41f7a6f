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

export const mayAccessPlant = (principal: Principal, plant: string): boolean =>
  principal.plants.includes(ALL_PLANTS) || principal.plants.includes(plant);

function claimsOf(event: ApiEvent): Record<string, unknown> {
  // The plain v2 event type has no authorizer; the sandbox and API Gateway both put it here.
  const authorizer = field(event.requestContext, "authorizer");
  const claims = field(field(authorizer, "jwt"), "claims");
  if (!isRecord(claims)) throw new UnauthorizedError("missing bearer token");
  return claims;
}

function principalOf(claims: Record<string, unknown>): Principal {
  const plants = listClaim(claims.plants);
  const roles = listClaim(claims.roles);
  if (!plants || plants.length === 0) throw new UnauthorizedError("token has no plants claim");
  if (!roles) throw new UnauthorizedError("token has no roles claim");
  return {
    subject: stringClaim(claims.sub) ?? stringClaim(claims.client_id) ?? "unknown",
    plants,
    // Roles this API does not know are someone else's; they grant nothing here.
    roles: ROLES.filter((role) => roles.includes(role)),
  };
}

/**
 * A list claim in any shape API Gateway hands it over: a real array, its own flattening
 * `"[P100 P200]"`, a JSON array string `'["P100","P200"]'`, or `"P100,P200"` / `"P100"`.
 */
export function listClaim(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.every((v) => typeof v === "string") ? clean(value) : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  const json = text.startsWith("[") ? parseJsonStrings(text) : undefined;
  if (json) return clean(json);
  const inner = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  return clean(inner.split(/[\s,]+/));
}

function parseJsonStrings(text: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every((v) => typeof v === "string") ? parsed : undefined;
  } catch {
    return undefined; // not JSON: API Gateway's "[a b]" flattening
  }
}

const clean = (values: readonly string[]): string[] => values.map((v) => v.trim()).filter((v) => v !== "");

const stringClaim = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
