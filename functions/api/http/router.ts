/**
 * The API's one entry: dispatch on API Gateway v2's `routeKey`, authorize with the route's roles
 * (infra/routes.ts), parse the body, and turn every failure into a problem via `toProblem`.
 */
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { ROUTES, type RouteDefinition, type RouteKey, routeKeyOf } from "../../../infra/routes.js";
import { type ApiEvent, authorize, type Principal } from "./auth.js";
import { NotFoundError } from "./errors.js";
import { type ErrorLogger, toProblem } from "./problem.js";
import { header, MAX_BODY_BYTES, parseJsonBody } from "./request.js";

export const CORRELATION_HEADER = "x-correlation-id";

export type ApiRoute = (typeof ROUTES)[number];
/** The route keys of the contract, one per route: a missing handler is a compile error. */
export type ApiRouteKey = RouteKey;

/** The key of a route; the cast is what KeyOf proves for each member of ROUTES. */
export const apiRouteKey = (route: ApiRoute): ApiRouteKey => routeKeyOf(route) as ApiRouteKey;

export interface HttpRequest {
  readonly event: ApiEvent;
  readonly principal: Principal;
  readonly correlationId: string;
  /** The parsed JSON body; undefined for none (and always for GET). */
  readonly body: unknown;
}

export type HttpResult = APIGatewayProxyStructuredResultV2;
export type RouteHandler = (req: HttpRequest) => Promise<HttpResult>;
export type ApiHandler = (event: ApiEvent, context?: Context) => Promise<HttpResult>;

export interface RouterOptions {
  /** Receives unexpected errors (5xx) with their correlation id. */
  readonly logger?: ErrorLogger;
  readonly maxBodyBytes?: number;
}

const ROUTE_BY_KEY: ReadonlyMap<string, RouteDefinition> = new Map(ROUTES.map((r) => [routeKeyOf(r), r]));

/** A JSON response. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode: status,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

/** Every route of the contract needs a handler: a missing one is a compile error, not a 404. */
export function createRouter(
  handlers: Readonly<Record<ApiRouteKey, RouteHandler>>,
  options: RouterOptions = {},
): ApiHandler {
  const byKey: ReadonlyMap<string, RouteHandler> = new Map(Object.entries(handlers));
  return async (event) => {
    const correlationId = correlationIdOf(event);
    let result: HttpResult;
    try {
      result = await dispatch(event, correlationId, byKey, options);
    } catch (error) {
      result = toProblem(error, correlationId, options.logger);
    }
    return { ...result, headers: { ...result.headers, [CORRELATION_HEADER]: correlationId } };
  };
}

async function dispatch(
  event: ApiEvent,
  correlationId: string,
  handlers: ReadonlyMap<string, RouteHandler>,
  options: RouterOptions,
): Promise<HttpResult> {
  const route = ROUTE_BY_KEY.get(event.routeKey);
  const handler = handlers.get(event.routeKey);
  if (!route || !handler) throw new NotFoundError(`no route ${event.routeKey}`);
  const principal = authorize(event, route, plantOf(event, route));
  const body =
    route.method === "GET" ? undefined : parseJsonBody(event, options.maxBodyBytes ?? MAX_BODY_BYTES);
  return handler({ event, principal, correlationId, body });
}

/** The plant a route acts on; "" when its path has one but the event does not (no plant matches ""). */
function plantOf(event: ApiEvent, route: RouteDefinition): string | undefined {
  return route.path.includes("{plant}") ? (event.pathParameters?.plant ?? "") : undefined;
}

/** A caller's correlation id is kept when it is safe to echo into headers and logs. */
const SAFE_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function correlationIdOf(event: ApiEvent): string {
  const given = header(event.headers, CORRELATION_HEADER);
  if (given !== undefined && SAFE_CORRELATION_ID.test(given)) return given;
  return event.requestContext?.requestId || randomUUID();
}
