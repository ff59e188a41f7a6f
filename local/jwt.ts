/**
 * The sandbox's token issuer: HS256 with a random secret kept in the sandbox directory, created on
 * first use. The gateway verifies with the same secret, the way API Gateway's JWT authorizer
 * verifies against the issuer's keys, so every other part sees exactly what it sees in AWS.
 */
import { randomBytes, webcrypto } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type JWTPayload, jwtVerify, SignJWT } from "jose";

export const SANDBOX_ISSUER = "backflush-sandbox";
export const SANDBOX_AUDIENCE = "backflush-api";
export const DEFAULT_TOKEN_TTL_SECONDS = 12 * 3600;
export const ALL_ROLES = ["operator", "planner", "controller"] as const;

const SECRET_FILE = "jwt-secret";
const ALGORITHM = "HS256";

/** The sandbox's state directory: SANDBOX_DIR, default `.sandbox` under the current directory. */
export function sandboxDir(): string {
  return resolve(process.env.SANDBOX_DIR ?? ".sandbox");
}

/** The signing secret of `dir`, created (mode 0600) when there is none yet. */
export function loadOrCreateSecret(dir: string = sandboxDir()): Uint8Array {
  const file = join(dir, SECRET_FILE);
  mkdirSync(dir, { recursive: true });
  try {
    // "wx": two processes starting at once cannot both write a secret; the loser reads the winner's.
    writeFileSync(file, randomBytes(32).toString("base64url"), { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const text = readFileSync(file, "utf8").trim();
  if (text.length < 32) throw new Error(`${file} is too short to be a signing secret; delete it`);
  return new TextEncoder().encode(text);
}

export interface TokenRequest {
  /** Plant ids, or ["*"] for every plant. */
  readonly plants: readonly string[];
  readonly roles: readonly string[];
  readonly subject?: string;
  readonly ttlSeconds?: number;
}

export async function signToken(secret: Uint8Array, request: TokenRequest): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ plants: [...request.plants], roles: [...request.roles] })
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setIssuer(SANDBOX_ISSUER)
    .setAudience(SANDBOX_AUDIENCE)
    .setSubject(request.subject ?? "sandbox-user")
    .setIssuedAt(now)
    .setExpirationTime(now + (request.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS))
    .sign(secret);
}

/**
 * The secret imported once as an HMAC key: given raw bytes, jose imports them again on every verify,
 * a few percent of the sandbox's CPU per request under load (README.md#performance).
 */
const verifyKeys = new WeakMap<Uint8Array, Promise<webcrypto.CryptoKey>>();
function verifyKey(secret: Uint8Array): Promise<webcrypto.CryptoKey> {
  let key = verifyKeys.get(secret);
  if (key === undefined) {
    key = webcrypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    verifyKeys.set(secret, key);
  }
  return key;
}

/** Signature, issuer, audience, expiry and not-before, as API Gateway's JWT authorizer checks them. */
export async function verifyToken(secret: Uint8Array, token: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, await verifyKey(secret), {
    issuer: SANDBOX_ISSUER,
    audience: SANDBOX_AUDIENCE,
    algorithms: [ALGORITHM],
  });
  return payload;
}

/**
 * Claims the way API Gateway hands them to the integration: every value a string, arrays
 * flattened to "[a b]", objects as JSON.
 */
export function flattenClaims(payload: JWTPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    claims[name] = flattenClaim(value);
  }
  return claims;
}

function flattenClaim(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value))
    return `[${value.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(" ")}]`;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** OAuth scopes of a token (`scope` "a b" or `scp` array), as API Gateway lists them; null for none. */
export function scopesOf(payload: JWTPayload): string[] | null {
  const scope = payload.scope ?? payload.scp;
  if (typeof scope === "string") return scope.split(" ").filter((s) => s !== "");
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === "string");
  return null;
}
