/**
 * The public API, from the same origin (sandbox gateway, or CloudFront's /v1/* behaviour): no CORS.
 * Errors become a Problem with the server's `title` and `detail`; a 401 ends the session and goes
 * back to sign-in.
 */
import { currentSession, signOut } from "./auth.js";

export interface Problem {
  readonly status: number;
  readonly title: string;
  readonly detail?: string;
  readonly code?: string;
  readonly errors?: readonly { path?: string; message?: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.title);
  }
}

let onUnauthorized: (reason: string) => void = () => {};
export function whenUnauthorized(handler: (reason: string) => void): void {
  onUnauthorized = handler;
}

export interface Page<T> {
  readonly items: T[];
  readonly next: string | null;
}

export async function request(method: string, path: string, body?: unknown): Promise<Response> {
  const session = currentSession();
  const headers: Record<string, string> = { accept: "application/json, application/problem+json" };
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
      cache: "no-store",
    });
  } catch (error) {
    throw new ApiError({
      status: 0,
      title: "Network problem",
      detail: `The request did not reach the service or its answer was lost (${error instanceof Error ? error.message : String(error)}).`,
    });
  }
  if (response.status === 401) {
    signOut();
    onUnauthorized("Your sign-in has expired or was refused. Sign in again.");
    throw new ApiError({ status: 401, title: "Unauthorized", detail: "Sign in again." });
  }
  if (!response.ok) throw new ApiError(await problemOf(response));
  return response;
}

async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    return {
      status: response.status,
      title: typeof body.title === "string" ? body.title : String(body.message ?? response.statusText),
      ...(typeof body.detail === "string" && { detail: body.detail }),
      ...(typeof body.code === "string" && { code: body.code }),
      ...(Array.isArray(body.errors) && { errors: body.errors as Problem["errors"] }),
    };
  } catch {
    return { status: response.status, title: response.statusText || `HTTP ${response.status}`, detail: text };
  }
}

export async function get<T>(path: string): Promise<T> {
  return (await (await request("GET", path)).json()) as T;
}

export async function send<T>(method: "POST" | "PUT" | "PATCH", path: string, body?: unknown): Promise<T> {
  const response = await request(method, path, body);
  const text = await response.text();
  return (text === "" ? {} : JSON.parse(text)) as T;
}

export const plantPath = (plant: string, rest: string): string =>
  `/v1/plants/${encodeURIComponent(plant)}${rest}`;

export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, v);
  const text = q.toString();
  return text === "" ? "" : `?${text}`;
}
