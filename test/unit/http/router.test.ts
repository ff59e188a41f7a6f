import { Logger } from "@aws-lambda-powertools/logger";
import { describe, expect, it, vi } from "vitest";
import { ConflictError } from "../../../functions/api/http/errors.js";
import type { ErrorLogger, Problem } from "../../../functions/api/http/problem.js";
import { pathParams, validate } from "../../../functions/api/http/request.js";
import {
  type ApiRouteKey,
  createRouter,
  type HttpRequest,
  json,
  type RouteHandler,
} from "../../../functions/api/http/router.js";
import { confirmationBody, plantParams } from "../../../functions/api/schemas.js";
import { ROUTES } from "../../../infra/routes.js";
import { httpEvent } from "../../fixtures/apigw.js";

const CONFIRMATIONS = "POST /v1/plants/{plant}/confirmations";
const confirmation = { confirmationId: "C-1", order: "1000001", operation: "0010", yield: "10" };

/** A handler per route that echoes what the router handed it. */
function echoHandlers(overrides: Partial<Record<ApiRouteKey, RouteHandler>> = {}) {
  const seen: HttpRequest[] = [];
  const echo: RouteHandler = async (req) => {
    seen.push(req);
    return json(200, { routeKey: req.event.routeKey, body: req.body ?? null });
  };
  const handlers = Object.fromEntries(ROUTES.map((r) => [`${r.method} ${r.path}`, echo])) as Record<
    ApiRouteKey,
    RouteHandler
  >;
  return { handlers: { ...handlers, ...overrides }, seen };
}

const bodyOf = (result: { body?: string | undefined }) => JSON.parse(result.body ?? "null") as unknown;

describe("createRouter", () => {
  it("dispatches on routeKey with the principal, correlation id and parsed body", async () => {
    const { handlers, seen } = echoHandlers();
    const route = createRouter(handlers);
    const result = await route(
      httpEvent({ routeKey: CONFIRMATIONS, pathParameters: { plant: "P100" }, body: confirmation }),
    );
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ routeKey: CONFIRMATIONS, body: confirmation });
    expect(seen[0]?.principal).toEqual({
      subject: "user-1",
      plants: ["P100"],
      roles: ["operator", "planner", "controller"],
    });
    expect(seen[0]?.correlationId).toBe("Jx9vQgKdoAMEVdQ=");
    expect(result.headers?.["x-correlation-id"]).toBe("Jx9vQgKdoAMEVdQ=");
  });

  it("serves a use-case style handler end to end", async () => {
    const confirm: RouteHandler = async ({ event, body }) => {
      const { plant } = pathParams(event, plantParams);
      const c = validate(confirmationBody, body);
      return json(202, { confirmationId: c.confirmationId, status: "queued", href: `/v1/plants/${plant}/x` });
    };
    const route = createRouter(echoHandlers({ [CONFIRMATIONS]: confirm }).handlers);
    const ok = await route(
      httpEvent({ routeKey: CONFIRMATIONS, pathParameters: { plant: "P100" }, body: confirmation }),
    );
    expect(ok.statusCode).toBe(202);
    const bad = await route(
      httpEvent({
        routeKey: CONFIRMATIONS,
        pathParameters: { plant: "P100" },
        body: { ...confirmation, yeild: 1 },
      }),
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.headers?.["content-type"]).toBe("application/problem+json");
    expect((bodyOf(bad) as Problem).errors).toEqual([{ path: "yeild", message: "unknown field" }]);
  });

  it("keeps a safe caller correlation id and replaces an unsafe one", async () => {
    const route = createRouter(echoHandlers().handlers);
    const given = await route(
      httpEvent({ routeKey: "GET /v1/health", headers: { "X-Correlation-Id": "mes-42" } }),
    );
    expect(given.headers?.["x-correlation-id"]).toBe("mes-42");
    const unsafe = await route(
      httpEvent({ routeKey: "GET /v1/health", headers: { "x-correlation-id": "a\r\nset-cookie: x" } }),
    );
    expect(unsafe.headers?.["x-correlation-id"]).toBe("Jx9vQgKdoAMEVdQ=");
  });

  it("is 404 for a route it does not know", async () => {
    const route = createRouter(echoHandlers().handlers);
    for (const routeKey of ["$default", "DELETE /v1/plants/{plant}/orders/{order}", "PATCH /v1/health"]) {
      const result = await route(httpEvent({ routeKey, pathParameters: { plant: "P100", order: "1" } }));
      expect(result.statusCode).toBe(404);
      expect((bodyOf(result) as Problem).code).toBe("NOT_FOUND");
      expect(result.headers?.["x-correlation-id"]).toBe("Jx9vQgKdoAMEVdQ=");
    }
  });

  it("authorizes before reading the body", async () => {
    const { handlers, seen } = echoHandlers();
    const route = createRouter(handlers);
    const otherPlant = await route(
      httpEvent({ routeKey: CONFIRMATIONS, pathParameters: { plant: "P200" }, body: "{not json" }),
    );
    expect(otherPlant.statusCode).toBe(403);
    const noToken = await route(
      httpEvent({ routeKey: CONFIRMATIONS, pathParameters: { plant: "P100" }, body: "{", claims: null }),
    );
    expect(noToken.statusCode).toBe(401);
    expect(seen).toHaveLength(0);
  });

  it("maps body problems: 400, 413, 415", async () => {
    const route = createRouter(echoHandlers().handlers);
    const at = (body: unknown, headers?: Record<string, string>) =>
      route(
        httpEvent({
          routeKey: CONFIRMATIONS,
          pathParameters: { plant: "P100" },
          body,
          ...(headers && { headers }),
        }),
      );
    expect((await at("{")).statusCode).toBe(400);
    expect((await at({ pad: "x".repeat(300_000) })).statusCode).toBe(413);
    expect((bodyOf(await at({ pad: "x".repeat(300_000) })) as Problem).code).toBe("PAYLOAD_TOO_LARGE");
    expect((await at({ a: 1 }, { "content-type": "text/plain" })).statusCode).toBe(415);
  });

  it("ignores a body on GET", async () => {
    const { handlers, seen } = echoHandlers();
    await createRouter(handlers)(
      httpEvent({ routeKey: "GET /v1/plants/{plant}/backlog", pathParameters: { plant: "P100" }, body: "{" }),
    );
    expect(seen[0]?.body).toBeUndefined();
  });

  it("maps handler errors through toProblem", async () => {
    const conflict: RouteHandler = async () => {
      throw new ConflictError("would take RAW below zero");
    };
    const route = createRouter(echoHandlers({ "POST /v1/plants/{plant}/transfers": conflict }).handlers);
    const result = await route(
      httpEvent({
        routeKey: "POST /v1/plants/{plant}/transfers",
        pathParameters: { plant: "P100" },
        body: {},
      }),
    );
    expect(result.statusCode).toBe(409);
    expect((bodyOf(result) as Problem).detail).toBe("would take RAW below zero");
  });

  it("hides internals of unexpected errors behind a 500 and logs them with the correlation id", async () => {
    const failure = new Error("ProvisionedThroughputExceeded on table backflush-prod");
    const crash: RouteHandler = async () => {
      throw failure;
    };
    const logger = { error: vi.fn() };
    const route = createRouter(echoHandlers({ "GET /v1/plants/{plant}/backlog": crash }).handlers, {
      logger,
    });
    const result = await route(
      httpEvent({
        routeKey: "GET /v1/plants/{plant}/backlog",
        pathParameters: { plant: "P100" },
        headers: { "x-correlation-id": "c-500" },
      }),
    );
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain("backflush-prod");
    expect(bodyOf(result)).toMatchObject({
      code: "INTERNAL",
      detail: "unexpected error; correlation id c-500",
    });
    expect(result.headers?.["x-correlation-id"]).toBe("c-500");
    expect(logger.error).toHaveBeenCalledWith("unexpected error", { correlationId: "c-500", error: failure });
  });

  it("keeps the handler's headers", async () => {
    const created: RouteHandler = async () => json(201, {}, { location: "/v1/plants/P100/orders/1" });
    const route = createRouter(echoHandlers({ "POST /v1/plants/{plant}/orders": created }).handlers);
    const result = await route(
      httpEvent({ routeKey: "POST /v1/plants/{plant}/orders", pathParameters: { plant: "P100" }, body: {} }),
    );
    expect(result.headers).toMatchObject({
      "content-type": "application/json",
      location: "/v1/plants/P100/orders/1",
      "x-correlation-id": "Jx9vQgKdoAMEVdQ=",
    });
  });

  it("accepts Powertools' Logger as its error logger", () => {
    const logger: ErrorLogger = new Logger({ serviceName: "test", logLevel: "SILENT" });
    expect(() => createRouter(echoHandlers().handlers, { logger })).not.toThrow();
  });
});
