/**
 * Loads master data (or any sequence of API calls) from a JSON file through the public HTTP API, the same
 * way a user would with curl: `npm run load -- demo/p100.json`. The sandbox loads its demo plant with it.
 *
 * File: `{ "description": "...", "calls": [ { "method": "PUT", "path": "/v1/...", "body": {...} } ] }`
 * (a bare array of calls works too). Calls run in order; the first refused one stops the load.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { LoadError } from "./errors.js";
import { loadOrCreateSecret, sandboxDir, signToken } from "./jwt.js";

export interface ApiCall {
  readonly method: "GET" | "PUT" | "POST" | "PATCH";
  readonly path: string;
  readonly body?: unknown;
}

const METHODS = new Set(["GET", "PUT", "POST", "PATCH"]);

export function readCalls(file: string): ApiCall[] {
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
  const list = Array.isArray(parsed) ? parsed : isRecord(parsed) ? parsed.calls : undefined;
  if (!Array.isArray(list)) throw new LoadError(`${file}: expected an array of calls or { "calls": [...] }`);
  return list.map((entry, index) => {
    if (!isRecord(entry) || typeof entry.method !== "string" || typeof entry.path !== "string") {
      throw new LoadError(`${file}: calls[${index}] needs "method" and "path"`);
    }
    const method = entry.method.toUpperCase();
    if (!METHODS.has(method) || !entry.path.startsWith("/")) {
      throw new LoadError(`${file}: calls[${index}] has an unsupported method or a path not starting with /`);
    }
    return { method: method as ApiCall["method"], path: entry.path, body: entry.body };
  });
}

/** Plant ids named in the calls' paths: the token must grant them. */
export function plantsOf(calls: readonly ApiCall[]): string[] {
  const plants = new Set<string>();
  for (const call of calls) {
    const plant = /^\/v1\/plants\/([^/?]+)/.exec(call.path)?.[1];
    if (plant) plants.add(decodeURIComponent(plant));
  }
  return [...plants];
}

export interface LoadOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly log?: (line: string) => void;
}

/** Runs the calls in order. @throws LoadError on the first refusal, with the problem document. */
export async function loadCalls(calls: readonly ApiCall[], options: LoadOptions): Promise<void> {
  for (const call of calls) {
    const response = await fetch(new URL(call.path, options.baseUrl), {
      method: call.method,
      headers: {
        authorization: `Bearer ${options.token}`,
        ...(call.body !== undefined && { "content-type": "application/json" }),
      },
      ...(call.body !== undefined && { body: JSON.stringify(call.body) }),
    });
    const text = await response.text();
    if (response.ok) {
      options.log?.(`${call.method} ${call.path} ${response.status}`);
      continue;
    }
    // An order is created once: loading the same file again finds it there already.
    if (response.status === 409 && call.method === "POST" && /\/orders$/.test(call.path)) {
      options.log?.(`${call.method} ${call.path} 409 (exists, skipped)`);
      continue;
    }
    throw new LoadError(`${call.method} ${call.path} -> ${response.status} ${text}`, call);
  }
}

/** The running sandbox's API, else http://127.0.0.1:$PORT (3000). */
export function defaultBaseUrl(): string {
  const endpoints = join(sandboxDir(), "endpoints.json");
  if (existsSync(endpoints)) {
    const parsed: unknown = JSON.parse(readFileSync(endpoints, "utf8"));
    if (isRecord(parsed) && typeof parsed.apiUrl === "string") return parsed.apiUrl;
  }
  return `http://127.0.0.1:${process.env.PORT ?? 3000}`;
}

async function main(args: readonly string[]): Promise<void> {
  const files: string[] = [];
  let baseUrl: string | undefined;
  let roles = ["planner"];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--url") baseUrl = args[++i];
    else if (arg === "--roles") roles = (args[++i] ?? "").split(",").filter((r) => r !== "");
    else if (arg !== undefined) files.push(arg);
  }
  if (files.length === 0)
    throw new LoadError("usage: npm run load -- <file.json> [--url URL] [--roles planner]");
  for (const file of files) {
    const calls = readCalls(resolve(file));
    const token = await signToken(loadOrCreateSecret(), {
      plants: plantsOf(calls),
      roles,
      subject: "loader",
    });
    await loadCalls(calls, { baseUrl: baseUrl ?? defaultBaseUrl(), token, log: (line) => console.log(line) });
    console.log(`loaded ${calls.length} calls from ${file}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
