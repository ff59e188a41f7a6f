/**
 * The OpenAPI 3.1 document of the HTTP contract, generated from the same zod schemas that
 * validate requests, with one entry per route of infra/routes.ts (a missing one does not compile).
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { ROUTES, type RouteDefinition } from "../../../infra/routes.js";
import * as r from "../responses.js";
import * as s from "../schemas.js";
import { PROBLEM_CONTENT_TYPE } from "./problem.js";
import { type ApiRouteKey, apiRouteKey, json, type RouteHandler } from "./router.js";

type SuccessStatus = 200 | 201 | 202;

interface RouteDoc {
  readonly summary: string;
  readonly status: SuccessStatus;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** The body may be left out (a reversal). */
  readonly optionalBody?: boolean;
  readonly response?: z.ZodType;
}

export const problemSchema = z
  .object({
    type: z.string().meta({ example: "https://backflush.dev/problems/validation-failed" }),
    title: z.string(),
    status: z.number().int(),
    code: z.enum([
      "VALIDATION_FAILED",
      "UNAUTHORIZED",
      "FORBIDDEN",
      "NOT_FOUND",
      "CONFLICT",
      "IDEMPOTENCY_CONFLICT",
      "PERIOD_CLOSED",
      "PAYLOAD_TOO_LARGE",
      "UNAVAILABLE",
      "INTERNAL",
    ]),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details" });

const accepted = z
  .object({ confirmationId: z.string(), status: z.string(), href: z.string() })
  .meta({ id: "ConfirmationAccepted" });

const ROUTE_DOCS: Record<ApiRouteKey, RouteDoc> = {
  "GET /v1/health": { summary: "Liveness", status: 200, response: z.object({ status: z.literal("ok") }) },
  "GET /v1/openapi.json": { summary: "This document", status: 200 },
  "PUT /v1/plants/{plant}/materials/{material}": {
    summary: "Upsert a material",
    status: 200,
    params: s.materialParams,
    body: s.materialBody,
  },
  "PUT /v1/plants/{plant}/work-centers/{wc}": {
    summary: "Upsert a work center",
    status: 200,
    params: s.workCenterParams,
    body: s.workCenterBody,
  },
  "PUT /v1/plants/{plant}/boms/{material}": {
    summary: "Upsert a BOM",
    status: 200,
    params: s.materialParams,
    body: s.bomBody,
  },
  "PUT /v1/plants/{plant}/routings/{material}": {
    summary: "Upsert a routing",
    status: 200,
    params: s.materialParams,
    body: s.routingBody,
  },
  "POST /v1/plants/{plant}/orders": {
    summary: "Release a production order",
    status: 201,
    params: s.plantParams,
    body: s.orderBody,
  },
  "PATCH /v1/plants/{plant}/orders/{order}": {
    summary: "Change order quantity or due date",
    status: 200,
    params: s.orderParams,
    body: s.orderPatchBody,
  },
  "GET /v1/plants/{plant}/orders/{order}": { summary: "Order view", status: 200, params: s.orderParams },
  "GET /v1/plants/{plant}/orders": {
    summary: "Order summaries, newest release first, by status and material (paged)",
    status: 200,
    params: s.plantParams,
    query: s.ordersQuery,
    response: r.ordersPage,
  },
  "GET /v1/plants/{plant}/materials": {
    summary: "Materials in id order (paged)",
    status: 200,
    params: s.plantParams,
    query: s.listQuery,
    response: r.materialsPage,
  },
  "GET /v1/plants/{plant}/materials/{material}": {
    summary: "One material as stored",
    status: 200,
    params: s.materialParams,
    response: r.storedMaterial,
  },
  "GET /v1/plants/{plant}/work-centers": {
    summary: "Work centers in id order (paged)",
    status: 200,
    params: s.plantParams,
    query: s.listQuery,
    response: r.workCentersPage,
  },
  "GET /v1/plants/{plant}/work-centers/{wc}": {
    summary: "One work center as stored",
    status: 200,
    params: s.workCenterParams,
    response: r.storedWorkCenter,
  },
  "GET /v1/plants/{plant}/boms/{material}": {
    summary: "A material's BOM as stored",
    status: 200,
    params: s.materialParams,
    response: r.storedBom,
  },
  "GET /v1/plants/{plant}/routings/{material}": {
    summary: "A material's routing as stored",
    status: 200,
    params: s.materialParams,
    response: r.storedRouting,
  },
  "POST /v1/plants/{plant}/goods-receipts": {
    summary: "Receive stock (idempotent on receiptId)",
    status: 201,
    params: s.plantParams,
    body: s.goodsReceiptBody,
  },
  "POST /v1/plants/{plant}/transfers": {
    summary: "Move stock between locations (idempotent on transferId)",
    status: 201,
    params: s.plantParams,
    body: s.transferBody,
  },
  "POST /v1/plants/{plant}/inventory-counts": {
    summary: "Cycle count (idempotent on countId)",
    status: 201,
    params: s.plantParams,
    body: s.inventoryCountBody,
  },
  "POST /v1/plants/{plant}/confirmations": {
    summary: "Accept and enqueue a confirmation (idempotent on confirmationId)",
    status: 202,
    params: s.plantParams,
    body: s.confirmationBody,
    response: accepted,
  },
  "GET /v1/plants/{plant}/confirmations/{id}": {
    summary: "Confirmation status and movements",
    status: 200,
    params: s.confirmationParams,
  },
  "POST /v1/plants/{plant}/confirmations/{id}/reversal": {
    summary: "Enqueue a reversal",
    status: 202,
    params: s.confirmationParams,
    body: s.reversalBody,
    optionalBody: true,
    response: accepted,
  },
  "GET /v1/plants/{plant}/stock": {
    summary: "Stock per location; without material all of the plant's stock (paged)",
    status: 200,
    params: s.plantParams,
    query: s.stockQuery,
    response: r.stockPage,
  },
  "GET /v1/plants/{plant}/backlog": {
    summary: "Failed goods movements (paged)",
    status: 200,
    params: s.plantParams,
    query: s.listQuery,
    response: r.backlogPage,
  },
  "POST /v1/plants/{plant}/backlog/reprocess": {
    summary: "Retry the backlog now",
    status: 202,
    params: s.plantParams,
  },
  "POST /v1/plants/{plant}/reorders/run": {
    summary: "Evaluate every material with reorder settings now (the daily sweep, on demand)",
    status: 200,
    params: s.plantParams,
  },
  "GET /v1/plants/{plant}/reorders": {
    summary: "Requisitions (paged)",
    status: 200,
    params: s.plantParams,
    query: s.listQuery,
    response: r.reordersPage,
  },
  "POST /v1/plants/{plant}/periods/{period}/close": {
    summary: "Close a period",
    status: 202,
    params: s.periodParams,
  },
  "GET /v1/plants/{plant}/periods/{period}": {
    summary:
      "Period report (orders paged; totals, journal and turnover whole; format=csv: next in x-next-cursor)",
    status: 200,
    params: s.periodParams,
    query: s.periodReportQuery,
  },
  "GET /v1/plants/{plant}/movements": {
    summary:
      "The stock ledger, oldest first, paged (format=csv: one page as text/csv, next in x-next-cursor)",
    status: 200,
    params: s.plantParams,
    query: s.movementsQuery,
  },
  "GET /v1/plants/{plant}/periods/{period}/verify": {
    summary: "Recompute a closed period's ledger digest",
    status: 200,
    params: s.periodParams,
  },
};

const problem = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } },
});

const METHODS = { GET: "get", PUT: "put", POST: "post", PATCH: "patch" } as const;

function routeConfig(route: RouteDefinition, doc: RouteDoc): RouteConfig {
  const isPublic = route.roles === "public";
  const roles = Array.isArray(route.roles) ? route.roles.join(", ") : route.roles;
  return {
    method: METHODS[route.method],
    path: route.path,
    summary: doc.summary,
    description: isPublic ? "No token needed." : `Roles: ${roles}.`,
    security: isPublic ? [] : [{ bearerAuth: [] }],
    request: {
      ...(doc.params && { params: doc.params }),
      ...(doc.query && { query: doc.query }),
      ...(doc.body && {
        body: { required: !doc.optionalBody, content: { "application/json": { schema: doc.body } } },
      }),
    },
    responses: {
      [doc.status]: {
        description: "Success",
        content: { "application/json": { schema: doc.response ?? { type: "object" } } },
      },
      ...((doc.body || doc.params || doc.query) && { 400: problem("Invalid input") }),
      ...(!isPublic && { 401: problem("No valid token"), 403: problem("Other plant or role") }),
      ...(doc.params && { 404: problem("Unknown resource") }),
      ...(route.method !== "GET" && { 409: problem("Conflict with the current state") }),
      ...(doc.body && { 413: problem("Body over 256 KB"), 415: problem("Not JSON") }),
      500: problem("Unexpected; the detail names the correlation id"),
    },
  };
}

function buildDocument() {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: 'Claims: plants (array of plant ids or ["*"]) and roles (operator, planner, controller).',
  });
  for (const route of ROUTES) registry.registerPath(routeConfig(route, ROUTE_DOCS[apiRouteKey(route)]));
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: { title: "Backflush pipeline API", version: "1.0.0" },
    security: [{ bearerAuth: [] }],
  });
}

let document: ReturnType<typeof buildDocument> | undefined;

/** The OpenAPI document, built once per process. */
export function openApiDocument(): ReturnType<typeof buildDocument> {
  document ??= buildDocument();
  return document;
}

/** Handler of `GET /v1/openapi.json`. */
export const serveOpenApi: RouteHandler = async () => json(200, openApiDocument());
