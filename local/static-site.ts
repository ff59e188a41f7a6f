/**
 * The sandbox gateway's static side: the plant console's built files (web/dist, written by
 * `npm run build:web`) at `/`, with the same headers CloudFront adds in AWS (infra/console.ts):
 * content type, caching, Content-Security-Policy allowing only this origin, nosniff, no referrer,
 * no framing. Only files directly in the directory are served; anything else is the gateway's 404.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CONTENT_TYPES, cacheControlFor, consoleCsp } from "../infra/console.js";
import { ALL_ROLES, signToken } from "./jwt.js";

/** Where `npm run build:web` (scripts/build-web.ts) writes the console. */
export const WEB_DIR = fileURLToPath(new URL("../web/dist", import.meta.url));

/**
 * The line `npm start` prints beside `ready`: the console signed in for the demo plant with every role.
 * The token travels in the fragment, which the browser never sends; the page moves it to sessionStorage.
 */
export async function consoleLink(
  baseUrl: string,
  secret: Uint8Array,
  plants: readonly string[],
): Promise<string> {
  const token = await signToken(secret, { plants, roles: [...ALL_ROLES], subject: "console" });
  return `${baseUrl}/#token=${token}`;
}

export interface StaticReply {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": consoleCsp(),
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
};

/** Whether a request is for the console rather than the API: a GET or HEAD outside /v1/. */
export function isStaticRequest(method: string, rawPath: string): boolean {
  return (method === "GET" || method === "HEAD") && !rawPath.startsWith("/v1/") && rawPath !== "/v1";
}

/** The file's reply, or undefined when there is no such file (the caller answers 404). */
export function serveStatic(
  dir: string,
  rawPath: string,
  ifNoneMatch: string | undefined,
): StaticReply | undefined {
  // The sandbox has no Cognito: the page offers the token form only (in AWS the CDK writes this file).
  if (rawPath === "/config.json") return jsonFile({ signIn: "token" }, ifNoneMatch);
  const name = rawPath === "/" ? "index.html" : rawPath.slice(1);
  if (!SAFE_NAME.test(name)) return undefined;
  const type = CONTENT_TYPES[extname(name)];
  if (!type) return undefined;
  const file = join(dir, name);
  let body: Buffer;
  try {
    if (!statSync(file).isFile()) return undefined;
    body = readFileSync(file);
  } catch {
    return undefined;
  }
  return reply(body, type, cacheControlFor(name), ifNoneMatch);
}

function jsonFile(value: unknown, ifNoneMatch: string | undefined): StaticReply {
  return reply(Buffer.from(JSON.stringify(value)), "application/json", "no-cache", ifNoneMatch);
}

function reply(
  body: Buffer,
  type: string,
  cacheControl: string,
  ifNoneMatch: string | undefined,
): StaticReply {
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
  const headers = { "content-type": type, "cache-control": cacheControl, etag, ...CONSOLE_HEADERS };
  if (ifNoneMatch === etag) return { statusCode: 304, headers, body: Buffer.alloc(0) };
  // For HEAD, Node sends the headers (content-length included) and drops the body.
  return { statusCode: 200, headers, body };
}

/** Shown at `/` when the console has not been built (npm start builds it first). */
export function notBuilt(dir: string): StaticReply {
  const body = Buffer.from(
    `<!doctype html><title>Plant console</title><p>The console is not built: run <code>npm run build:web</code> (it writes ${dir}).</p>`,
  );
  return {
    statusCode: 503,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...CONSOLE_HEADERS },
    body,
  };
}
