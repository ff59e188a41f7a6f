/** The console as the sandbox gateway serves it (the same headers CloudFront adds, infra/console.ts). */
import { describe, expect, it } from "vitest";
import { url } from "./support.js";

describe("the console served by the sandbox gateway at /", () => {
  it("serves the page and its hashed bundles with content types, caching and the CSP", async () => {
    const page = await fetch(`${url()}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("cache-control")).toBe("no-cache");
    expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'self'; script-src 'self'/);
    const html = await page.text();
    const script = /src="(\/app-[A-Z0-9]{8}\.js)"/.exec(html)?.[1];
    const style = /href="(\/style-[A-Z0-9]{8}\.css)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect(style).toBeDefined();
    const js = await fetch(`${url()}${script}`);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const css = await fetch(`${url()}${style}`);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    // Nothing from elsewhere: no URL with a scheme in the page or its bundles' imports.
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(await js.text()).not.toMatch(/import\s*["'(]https?:/);
  });

  it("keeps the API's own answers under /v1", async () => {
    expect(await (await fetch(`${url()}/v1/health`)).json()).toEqual({ status: "ok" });
    expect((await fetch(`${url()}/v1/plants/P100/backlog`)).status).toBe(401);
    expect((await fetch(`${url()}/nothing-here.js`)).status).toBe(404);
  });
});
