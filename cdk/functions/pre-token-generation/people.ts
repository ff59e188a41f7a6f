/**
 * How a person's user-pool entry becomes the `plants` and `roles` claims of the HTTP contract: plants
 * from the `custom:plants` attribute ("P100,P200", or "*" for every plant), roles from the groups the
 * person is in (`operator`, `planner`, `controller`; other groups are ignored). An attribute that is
 * not a list of plant ids grants no plant, exactly as the API reads a malformed claim. Pure code.
 */
import { type ContractClaims, ROLE_SCOPES } from "./scopes.js";

export const PLANTS_ATTRIBUTE = "custom:plants";
const PLANT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export function claimsForPerson(
  attributes: Readonly<Record<string, string | undefined>>,
  groups: readonly string[],
): ContractClaims {
  const entries = (attributes[PLANTS_ATTRIBUTE] ?? "")
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter((p) => p !== "");
  let plants: string[];
  if (entries.length === 1 && entries[0] === "*") plants = ["*"];
  else if (entries.length > 0 && entries.every((p) => PLANT_ID.test(p)))
    plants = [...new Set(entries)].sort();
  else plants = [];
  return { plants, roles: ROLE_SCOPES.filter((role) => groups.includes(role)) };
}
