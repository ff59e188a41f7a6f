/**
 * The sandbox's stand-in for API Gateway (HTTP API, payload format 2.0, JWT authorizer): match the
 * request against infra/routes.ts like the API stack's routes, verify the bearer token for every
 * route that is not public, build the v2 event with the claims where the authorizer puts them,
 * invoke the same handler module Lambda runs and write back what it returns.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import { ROUTES, type RouteDefinition, routeKeyOf } from "../infra/routes.js";
import { flattenClaims, scopesOf, verifyToken } from "./jwt.js";
import { type LambdaFunction, SANDBOX_ACCOUNT } from "./lambda.js";
import { isStaticRequest, notBuilt, serveStatic } from "./static-site.js";

/** API Gateway's own limit for HTTP API payloads; the handler enforces the contract's smaller one. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
const API_ID = "sandbox";

export type ApiEvent = APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer;
type Authorizer = APIGatewayProxyEventV2WithJWTAuthorizer["requestContext"]["authorizer"];

export interface MatchedRoute {
  readonly route: RouteDefinition;
  readonly routeKey: string;
  readonly pathParameters?: Record<string, string>;
}

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly routeKey: string;
  /** Literal segment, or null for a `{param}` segment (its name is in `params`). */
  readonly segments: readonly (string | null)[];
  readonly params: readonly (string | undefined)[];
}

const COMPILED: readonly CompiledRoute[] = ROUTES.map((route) => {
  const parts = route.path.split("/").slice(1);
  const param = (part: string) => /^\{([^}+]+)\}$/.exec(part)?.[1];
  return {
    route,
    routeKey: routeKeyOf(route),
    segments: parts.map((part) => (param(part) === undefined ? part : null)),
    params: parts.map(param),
  };
});

/**
 * The route API Gateway would select: method and path must both match; where several paths match, the
 * most specific wins (a literal segment beats a parameter at the first position they differ).
 */
export function matchRoute(method: string, rawPath: string): MatchedRoute | undefined {
  const parts = rawPath.split("/").slice(1);
  let best: { compiled: CompiledRoute; params: Record<string, string> } | undefined;
  for (const compiled of COMPILED) {
    if (compiled.route.method !== method) continue;
    const params = matchSegments(compiled, parts);
    if (params && (!best || moreSpecific(compiled, best.compiled))) best = { compiled, params };
  }
  if (!best) return undefined;
  const hasParams = Object.keys(best.params).length > 0;
  return {
    route: best.compiled.route,
    routeKey: best.compiled.routeKey,
    ...(hasParams && { pathParameters: best.params }),
  };
}

function matchSegments(
  compiled: CompiledRoute,
  parts: readonly string[],
): Record<string, string> | undefined {
  if (parts.length !== compiled.segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of parts.entries()) {
    const literal = compiled.segments[index];
    const name = compiled.params[index];
    if (literal !== null && literal !== undefined) {
      if (literal !== part) return undefined;
      continue;
    }
    const value = decodeSegment(part);
    if (value === undefined || value === "" || name === undefined) return undefined;
    params[name] = value;
  }
  return params;
}

function moreSpecific(a: CompiledRoute, b: CompiledRoute): boolean {
  for (const [index, segment] of a.segments.entries()) {
    const other = b.segments[index];
    if ((segment === null) !== (other === null)) return segment !== null;
  }
  return false;
}

function decodeSegment(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

export interface EventInput {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly match: MatchedRoute;
  readonly headers: Record<string, string>;
  readonly cookies?: readonly string[];
  readonly body?: string;
  readonly isBase64Encoded: boolean;
  readonly sourceIp: string;
  /** Absent for public routes: API Gateway adds no authorizer block there. */
  readonly authorizer?: Authorizer;
}

/** The payload-format-2.0 event API Gateway sends to the Lambda integration. */
export function apiGatewayEvent(input: EventInput): ApiEvent {
  const now = new Date();
  const query = queryParameters(input.rawQueryString);
  const host = input.headers.host ?? "127.0.0.1";
  const requestContext = {
    accountId: SANDBOX_ACCOUNT,
    apiId: API_ID,
    domainName: host,
    domainPrefix: host.split(".")[0] ?? host,
    http: {
      method: input.method,
      path: input.rawPath,
      protocol: "HTTP/1.1",
      sourceIp: input.sourceIp,
      userAgent: input.headers["user-agent"] ?? "",
    },
    requestId: randomBytes(10).toString("base64"),
    routeKey: input.match.routeKey,
    stage: "$default",
    time: apiGatewayTime(now),
    timeEpoch: now.getTime(),
    ...(input.authorizer && { authorizer: input.authorizer }),
  };
  return {
    version: "2.0",
    routeKey: input.match.routeKey,
    rawPath: input.rawPath,
    rawQueryString: input.rawQueryString,
    ...(input.cookies && input.cookies.length > 0 && { cookies: [...input.cookies] }),
    headers: input.headers,
    ...(query && { queryStringParameters: query }),
    requestContext,
    ...(input.body !== undefined && { body: input.body }),
    ...(input.match.pathParameters && { pathParameters: input.match.pathParameters }),
    isBase64Encoded: input.isBase64Encoded,
  };
}

/** Repeated keys are joined with commas, as API Gateway does. */
function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === "") return undefined;
  const joined: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    joined[key] = key in joined ? `${joined[key]},${value}` : value;
  }
  return joined;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "25/Nov/2026:10:00:00 +0000", API Gateway's requestContext.time. */
function apiGatewayTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const month = MONTHS[date.getUTCMonth()] ?? "Jan";
  return (
    `${pad(date.getUTCDate())}/${month}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

export interface HttpReply {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/** Maps a handler's return value to the HTTP response, with payload 2.0's inference for unstructured ones. */
export function toReply(result: unknown): HttpReply {
  if (!isRecord(result) || typeof result.statusCode !== "number") {
    // No statusCode: API Gateway assumes 200 and sends the whole value as a JSON body.
    return jsonReply(200, result ?? null);
  }
  const headers: Record<string, string | string[]> = {};
  if (isRecord(result.headers)) {
    for (const [name, value] of Object.entries(result.headers)) headers[name.toLowerCase()] = String(value);
  }
  if (Array.isArray(result.cookies) && result.cookies.length > 0)
    headers["set-cookie"] = result.cookies.map(String);
  const text = typeof result.body === "string" ? result.body : "";
  const body = result.isBase64Encoded === true ? Buffer.from(text, "base64") : Buffer.from(text, "utf8");
  return { statusCode: result.statusCode, headers, body };
}

function jsonReply(statusCode: number, value: unknown, headers: Record<string, string> = {}): HttpReply {
  return {
    statusCode,
    headers: { "content-type": "application/json", ...headers },
    body: Buffer.from(JSON.stringify(value), "utf8"),
  };
}

const NOT_FOUND = () => jsonReply(404, { message: "Not Found" });
const UNAUTHORIZED = (description: string) =>
  jsonReply(
    401,
    { message: "Unauthorized" },
    { "www-authenticate": `Bearer error="invalid_token", error_description="${description}"` },
  );
const INTERNAL_ERROR = () => jsonReply(500, { message: "Internal Server Error" });
const TOO_LARGE = () => jsonReply(413, { message: "Request Entity Too Large" });

export interface GatewayOptions {
  readonly api: LambdaFunction;
  readonly secret: Uint8Array;
  readonly port: number;
  readonly host?: string;
  /** The plant console's built files (web/dist), served at `/`; none when absent. */
  readonly webDir?: string;
  /** Receives handler failures (API Gateway would log them and answer 500). */
  readonly onError?: (error: unknown, routeKey: string) => void;
}

export interface Gateway {
  readonly url: string;
  readonly port: number;
  /** Requests being served now (the postings poller yields to them: local/poller.ts). */
  readonly active: number;
  /** Stops accepting connections, lets requests in progress finish (at most `graceMs`), then closes. */
  close(graceMs?: number): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const host = options.host ?? "127.0.0.1";
  let active = 0;
  const server = createServer((req, res) => {
    active++;
    handleRequest(options, req)
      .catch((error: unknown) => {
        options.onError?.(error, "gateway");
        return INTERNAL_ERROR();
      })
      .then((reply) => writeReply(res, reply))
      .catch(() => res.destroy())
      .finally(() => active--);
  });
  // Keep-alive sockets must not hold the sandbox open on shutdown for their default 5 s.
  server.keepAliveTimeout = 2000;
  await listen(server, options.port, host);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    get active() {
      return active;
    },
    close: (graceMs) => closeServer(server, graceMs),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`port ${port} is already in use on ${host}: set PORT or pass --port`)
          : error,
      );
    });
    server.listen(port, host, () => resolve());
  });
}

async function closeServer(server: Server, graceMs = 5000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}

async function handleRequest(options: GatewayOptions, req: IncomingMessage): Promise<HttpReply> {
  const method = req.method ?? "GET";
  const target = req.url ?? "/";
  const queryAt = target.indexOf("?");
  const rawPath = queryAt < 0 ? target : target.slice(0, queryAt);
  const rawQueryString = queryAt < 0 ? "" : target.slice(queryAt + 1);
  if (options.webDir !== undefined && isStaticRequest(method, rawPath)) {
    req.resume();
    const file = serveStatic(options.webDir, rawPath, req.headers["if-none-match"]);
    return file ?? (rawPath === "/" ? notBuilt(options.webDir) : NOT_FOUND());
  }
  const match = matchRoute(method, rawPath);
  const body = await readBody(req);
  if (!match) return NOT_FOUND();
  if (body === "too-large") return TOO_LARGE();

  let authorizer: Authorizer | undefined;
  if (match.route.roles !== "public") {
    const verified = await authorize(options.secret, req.headers.authorization);
    if (typeof verified === "string") return UNAUTHORIZED(verified);
    authorizer = verified;
  }
  const { headers, cookies } = eventHeaders(req);
  const event = apiGatewayEvent({
    method,
    rawPath,
    rawQueryString,
    match,
    headers,
    cookies,
    ...encodeBody(body, headers["content-type"]),
    sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
    ...(authorizer && { authorizer }),
  });
  try {
    return toReply(await options.api.invoke(event));
  } catch (error) {
    options.onError?.(error, match.routeKey);
    return INTERNAL_ERROR();
  }
}

/** The verified claims as API Gateway's JWT authorizer passes them on, or why the token was refused. */
async function authorize(
  secret: Uint8Array,
  authorization: string | undefined,
): Promise<Authorizer | string> {
  const token = authorization?.replace(/^Bearer\s+/i, "").trim();
  if (!token) return "no bearer token";
  try {
    const payload = await verifyToken(secret, token);
    return {
      principalId: "",
      integrationLatency: 0,
      jwt: { claims: flattenClaims(payload), scopes: scopesOf(payload) },
    };
  } catch (error) {
    return error instanceof Error ? error.message.replaceAll('"', "'") : "invalid token";
  }
}

/** Lower-case names, repeated headers joined by commas; cookies travel separately in payload 2.0. */
function eventHeaders(req: IncomingMessage): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (!values) continue;
    if (name === "cookie") cookies = values.flatMap((v) => v.split(/;\s*/)).filter((c) => c !== "");
    else headers[name] = values.join(",");
  }
  headers["x-forwarded-for"] ??= req.socket.remoteAddress ?? "127.0.0.1";
  headers["x-forwarded-proto"] ??= "http";
  headers["x-forwarded-port"] ??= String(req.socket.localPort ?? "");
  headers["x-amzn-trace-id"] ??= traceId();
  return { headers, cookies };
}

function traceId(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${epoch}-${randomBytes(12).toString("hex")}`;
}

/** Text (valid UTF-8 of a textual media type) as is; anything else base64, as API Gateway does. */
function encodeBody(
  body: Buffer | undefined,
  contentType: string | undefined,
): { body?: string; isBase64Encoded: boolean } {
  if (!body || body.length === 0) return { isBase64Encoded: false };
  const textual =
    contentType === undefined ||
    /^(text\/|application\/([\w.+-]*json|xml|x-www-form-urlencoded))/i.test(contentType);
  if (textual) {
    try {
      return { body: new TextDecoder("utf-8", { fatal: true }).decode(body), isBase64Encoded: false };
    } catch {
      // Not UTF-8 after all: pass the bytes unchanged.
    }
  }
  return { body: body.toString("base64"), isBase64Encoded: true };
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined | "too-large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PAYLOAD_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? "too-large" : size === 0 ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function writeReply(res: ServerResponse, reply: HttpReply): void {
  res.statusCode = reply.statusCode;
  for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
  res.setHeader("content-length", reply.body.length);
  res.setHeader("apigw-requestid", randomBytes(10).toString("base64"));
  res.end(reply.body);
}

export interface InternalRequest {
  readonly method: string;
  /** Path with an optional query string, e.g. /v1/plants/P100/stock?material=LID-90. */
  readonly path: string;
  /** Already verified claims (the sandbox's own calls); flattened like the authorizer's. */
  readonly claims: Record<string, string>;
}

/**
 * Calls the API handler directly with the event the gateway would build, for the sandbox's own reads
 * (e.g. the status of a posting it has just processed). Undefined when no route matches.
 */
export async function callApi(api: LambdaFunction, request: InternalRequest): Promise<HttpReply | undefined> {
  const [rawPath = "/", rawQueryString = ""] = request.path.split("?", 2);
  const match = matchRoute(request.method, rawPath);
  if (!match) return undefined;
  const event = apiGatewayEvent({
    method: request.method,
    rawPath,
    rawQueryString,
    match,
    headers: { host: "127.0.0.1", "user-agent": "backflush-sandbox" },
    isBase64Encoded: false,
    sourceIp: "127.0.0.1",
    authorizer: { principalId: "", integrationLatency: 0, jwt: { claims: request.claims, scopes: null } },
  });
  return toReply(await api.invoke(event));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
