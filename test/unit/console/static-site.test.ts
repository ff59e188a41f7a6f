import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isStaticRequest, serveStatic } from "../../../local/static-site.js";

const dir = mkdtempSync(join(tmpdir(), "console-static-"));
writeFileSync(join(dir, "index.html"), "<!doctype html><title>x</title>");
writeFileSync(join(dir, "app-ABCD1234.js"), "export {};");
writeFileSync(join(dir, "style-ABCD1234.css"), "body{}");
writeFileSync(join(dir, "secret.key"), "no");

describe("the sandbox gateway's console files", () => {
  it("serves index.html at / revalidated on every load, with a CSP allowing only this origin", () => {
    const reply = serveStatic(dir, "/", undefined);
    expect(reply?.statusCode).toBe(200);
    expect(reply?.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(reply?.headers["cache-control"]).toBe("no-cache");
    const csp = reply?.headers["content-security-policy"] ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(reply?.headers["x-content-type-options"]).toBe("nosniff");
    expect(reply?.headers["referrer-policy"]).toBe("no-referrer");
  });

  it("caches hashed bundles for a year, with their content types", () => {
    expect(serveStatic(dir, "/app-ABCD1234.js", undefined)?.headers).toMatchObject({
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=31536000, immutable",
    });
    expect(serveStatic(dir, "/style-ABCD1234.css", undefined)?.headers["content-type"]).toBe(
      "text/css; charset=utf-8",
    );
  });

  it("answers 304 to a matching If-None-Match", () => {
    const first = serveStatic(dir, "/", undefined);
    const again = serveStatic(dir, "/", first?.headers.etag);
    expect(again?.statusCode).toBe(304);
    expect(again?.body.length).toBe(0);
  });

  it("serves nothing outside the directory, of an unknown type, or missing", () => {
    for (const path of [
      "/../package.json",
      "/%2e%2e/package.json",
      "/.hidden.js",
      "/secret.key",
      "/nope.js",
      "/a/b.js",
    ])
      expect(serveStatic(dir, path, undefined), path).toBeUndefined();
  });

  it("answers the sandbox's config: token sign-in only", () => {
    const reply = serveStatic(dir, "/config.json", undefined);
    expect(JSON.parse(reply?.body.toString() ?? "")).toEqual({ signIn: "token" });
  });

  it("leaves /v1 and every non-GET to the API routes", () => {
    expect(isStaticRequest("GET", "/")).toBe(true);
    expect(isStaticRequest("HEAD", "/app-ABCD1234.js")).toBe(true);
    expect(isStaticRequest("GET", "/v1/health")).toBe(false);
    expect(isStaticRequest("POST", "/")).toBe(false);
  });
});
