/**
 * How a Cognito app client's OAuth scopes become the `plants` and `roles` claims of the HTTP contract.
 * Shared by the auth stack (which defines the scopes) and the pre-token-generation trigger (which reads
 * them), so the two cannot disagree. Pure code: no AWS or CDK imports.
 */
import type { Role } from "../../../infra/routes.js";

export const RESOURCE_SERVER_ID = "backflush";
export const ROLE_SCOPES = ["operator", "planner", "controller"] as const satisfies readonly Role[];
export type RoleScope = (typeof ROLE_SCOPES)[number];

const PLANT_SCOPE_PREFIX = "plant:";

/** Scope name (without the resource server) granting one plant, or every plant for "*". */
export const plantScopeName = (plant: string): string => `${PLANT_SCOPE_PREFIX}${plant}`;

export interface ContractClaims {
  readonly plants: string[];
  readonly roles: RoleScope[];
}

/** Claims for the granted scopes ("backflush/plant:P100 backflush/operator"); other servers' scopes are ignored. */
export function claimsFromScopes(scopes: readonly string[]): ContractClaims {
  const plants = new Set<string>();
  const roles = new Set<RoleScope>();
  const prefix = `${RESOURCE_SERVER_ID}/`;
  for (const scope of scopes) {
    if (!scope.startsWith(prefix)) continue;
    const name = scope.slice(prefix.length);
    if (name.startsWith(PLANT_SCOPE_PREFIX)) {
      const plant = name.slice(PLANT_SCOPE_PREFIX.length);
      if (plant.length > 0) plants.add(plant);
    } else {
      const role = ROLE_SCOPES.find((r) => r === name);
      if (role) roles.add(role);
    }
  }
  // "*" means every plant; listing others beside it would only confuse the reader of the token.
  const plantList = plants.has("*") ? ["*"] : [...plants].sort();
  return { plants: plantList, roles: ROLE_SCOPES.filter((r) => roles.has(r)) };
}
