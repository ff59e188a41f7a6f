/**
 * Who is signed in. The token lives in sessionStorage only (gone when the tab closes). Three ways in:
 * the sandbox's `#token=<jwt>` link (taken out of the address at once), a pasted token, and in AWS
 * Cognito's hosted UI with the authorization code grant and PKCE (config.json names the pool's domain
 * and the people's app client; the sandbox serves none).
 */
export type Role = "operator" | "planner" | "controller";

export interface Session {
  readonly token: string;
  readonly plants: readonly string[];
  readonly roles: readonly Role[];
  readonly subject: string;
  readonly expiresAt?: number;
}

export interface CognitoConfig {
  readonly domain: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes?: readonly string[];
}

const TOKEN = "console.token";
const PLANT = "console.plant";
const PKCE = "console.pkce";
const ROLES: readonly Role[] = ["operator", "planner", "controller"];

function base64UrlDecode(part: string): string {
  const base64 = part
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The claims the page needs to decide what to offer; the API checks the signature, the page cannot. */
export function sessionFromToken(token: string): Session | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(base64UrlDecode(payload)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const list = (value: unknown): string[] =>
    Array.isArray(value)
      ? value.filter((v): v is string => typeof v === "string")
      : typeof value === "string"
        ? value
            .replace(/^\[|\]$/g, "")
            .split(/[\s,]+/)
            .filter((v) => v !== "")
        : [];
  const exp = typeof claims.exp === "number" ? claims.exp * 1000 : undefined;
  return {
    token,
    plants: list(claims.plants),
    roles: ROLES.filter((r) => list(claims.roles).includes(r)),
    subject: typeof claims.username === "string" ? claims.username : String(claims.sub ?? ""),
    ...(exp !== undefined && { expiresAt: exp }),
  };
}

export function currentSession(): Session | undefined {
  const token = sessionStorage.getItem(TOKEN);
  if (!token) return undefined;
  const session = sessionFromToken(token);
  if (!session || (session.expiresAt !== undefined && session.expiresAt <= Date.now())) {
    signOut();
    return undefined;
  }
  return session;
}

export function signIn(token: string): Session | undefined {
  const session = sessionFromToken(token.trim());
  if (!session) return undefined;
  sessionStorage.setItem(TOKEN, session.token);
  return session;
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN);
}

export function chosenPlant(session: Session): string | undefined {
  const stored = sessionStorage.getItem(PLANT);
  if (stored && (session.plants.includes(stored) || session.plants.includes("*"))) return stored;
  return session.plants.find((p) => p !== "*");
}

export function choosePlant(plant: string): void {
  sessionStorage.setItem(PLANT, plant);
}

/** `#token=<jwt>` from `npm start`'s console line: into sessionStorage, out of the address and history. */
export function takeTokenFromFragment(): boolean {
  const match = /^#token=([^&]+)/.exec(location.hash);
  if (!match?.[1]) return false;
  const signed = signIn(decodeURIComponent(match[1]));
  history.replaceState(null, "", `${location.pathname}${location.search}#/confirm`);
  return signed !== undefined;
}

// --- Cognito hosted UI, authorization code with PKCE -------------------------------------------------

export async function loadCognitoConfig(): Promise<CognitoConfig | undefined> {
  try {
    const response = await fetch("/config.json", { cache: "no-cache" });
    if (!response.ok) return undefined;
    const config = (await response.json()) as { cognito?: CognitoConfig };
    return config.cognito;
  } catch {
    return undefined;
  }
}

function randomUrlSafe(bytes: number): string {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...data))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

async function challengeOf(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return btoa(String.fromCharCode(...digest))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export async function startHostedSignIn(config: CognitoConfig): Promise<void> {
  const verifier = randomUrlSafe(48);
  const state = randomUrlSafe(16);
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: (config.scopes ?? ["openid"]).join(" "),
    state,
    code_challenge_method: "S256",
    code_challenge: await challengeOf(verifier),
  });
  location.assign(`${config.domain}/oauth2/authorize?${query}`);
}

/** Cognito's logout endpoint, which ends the hosted UI's session and returns to the console. */
export function hostedSignOutUrl(config: CognitoConfig): string {
  const query = new URLSearchParams({ client_id: config.clientId, logout_uri: config.redirectUri });
  return `${config.domain}/logout?${query}`;
}

/** Back from the hosted UI with `?code=&state=`: exchange the code (with the PKCE verifier) for tokens. */
export async function completeHostedSignIn(config: CognitoConfig | undefined): Promise<string | undefined> {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  if (!code && !params.get("error")) return undefined;
  history.replaceState(null, "", `${location.pathname}#/confirm`);
  const pending = JSON.parse(sessionStorage.getItem(PKCE) ?? "null") as {
    verifier: string;
    state: string;
  } | null;
  sessionStorage.removeItem(PKCE);
  if (params.get("error"))
    return `Sign-in was refused: ${params.get("error_description") ?? params.get("error")}`;
  if (!config || !pending || pending.state !== params.get("state"))
    return "Sign-in did not match; try again.";
  const response = await fetch(`${config.domain}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: config.clientId,
      code: code ?? "",
      redirect_uri: config.redirectUri,
      code_verifier: pending.verifier,
    }),
  });
  if (!response.ok) return `Sign-in failed (${response.status}).`;
  const tokens = (await response.json()) as { access_token?: string };
  // The access token carries the plants and roles claims (the pre-token trigger adds them).
  if (!tokens.access_token || !signIn(tokens.access_token)) return "Sign-in returned no usable token.";
  return "";
}
