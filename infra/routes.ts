/**
 * The HTTP contract's routes (docs/api.md#routes), one list for the API Gateway stack,
 * the sandbox gateway and the API handler's router. A route key is exactly API Gateway v2's
 * `routeKey` ("METHOD /path/{param}").
 */
export type Role = "operator" | "planner" | "controller";

export interface RouteDefinition {
  readonly method: "GET" | "PUT" | "POST" | "PATCH";
  readonly path: string;
  /** Roles allowed; "any" = any authenticated caller with access to the plant; "public" = no token. */
  readonly roles: readonly Role[] | "any" | "public";
}

export const ROUTES = [
  { method: "GET", path: "/v1/health", roles: "public" },
  { method: "GET", path: "/v1/openapi.json", roles: "public" },
  { method: "PUT", path: "/v1/plants/{plant}/materials/{material}", roles: ["planner"] },
  { method: "PUT", path: "/v1/plants/{plant}/work-centers/{wc}", roles: ["planner"] },
  { method: "PUT", path: "/v1/plants/{plant}/boms/{material}", roles: ["planner"] },
  { method: "PUT", path: "/v1/plants/{plant}/routings/{material}", roles: ["planner"] },
  { method: "POST", path: "/v1/plants/{plant}/orders", roles: ["planner"] },
  { method: "PATCH", path: "/v1/plants/{plant}/orders/{order}", roles: ["planner"] },
  { method: "GET", path: "/v1/plants/{plant}/orders/{order}", roles: "any" },
  { method: "GET", path: "/v1/plants/{plant}/orders", roles: "any" },
  { method: "GET", path: "/v1/plants/{plant}/materials", roles: "any" },
  { method: "GET", path: "/v1/plants/{plant}/materials/{material}", roles: "any" },
  { method: "GET", path: "/v1/plants/{plant}/work-centers", roles: "any" },
  { method: "GET", path: "/v1/plants/{plant}/work-centers/{wc}", roles: "any" },
  { method: "GET", path: "/v1/plants/{plant}/boms/{material}", roles: "any" },
  { method: "GET", path: "/v1/plants/{plant}/routings/{material}", roles: "any" },
  { method: "POST", path: "/v1/plants/{plant}/goods-receipts", roles: ["planner"] },
  { method: "POST", path: "/v1/plants/{plant}/transfers", roles: ["planner"] },
  { method: "POST", path: "/v1/plants/{plant}/inventory-counts", roles: ["planner"] },
  { method: "POST", path: "/v1/plants/{plant}/confirmations", roles: ["operator"] },
  { method: "GET", path: "/v1/plants/{plant}/confirmations/{id}", roles: "any" },
  { method: "POST", path: "/v1/plants/{plant}/confirmations/{id}/reversal", roles: ["operator"] },
  { method: "GET", path: "/v1/plants/{plant}/stock", roles: "any" },
  { method: "GET", path: "/v1/plants/{plant}/backlog", roles: "any" },
  { method: "POST", path: "/v1/plants/{plant}/backlog/reprocess", roles: ["planner"] },
  { method: "POST", path: "/v1/plants/{plant}/reorders/run", roles: ["planner"] },
  { method: "GET", path: "/v1/plants/{plant}/reorders", roles: "any" },
  { method: "POST", path: "/v1/plants/{plant}/periods/{period}/close", roles: ["controller"] },
  { method: "GET", path: "/v1/plants/{plant}/periods/{period}", roles: "any" },
  { method: "GET", path: "/v1/plants/{plant}/movements", roles: "any" },
  { method: "GET", path: "/v1/plants/{plant}/periods/{period}/verify", roles: ["controller"] },
] as const satisfies readonly RouteDefinition[];

type KeyOf<R> = R extends { readonly method: infer M extends string; readonly path: infer P extends string }
  ? `${M} ${P}`
  : never;
/** Exactly the contract's route keys, one per route (not every method × every path). */
export type RouteKey = KeyOf<(typeof ROUTES)[number]>;

export const routeKeyOf = (r: RouteDefinition): string => `${r.method} ${r.path}`;
