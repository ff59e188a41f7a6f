/**
 * Sign-in (docs/api.md, Console): npm start's `#token=` link, the `Sign in` form with a pasted token,
 * and a refused token sending the person back to sign-in.
 */
import { createHash } from "node:crypto";
import type { Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { open, PLANT, type Session, screenshot, token, url } from "./support.js";

describe("signing in to the console", () => {
  let session: Session;
  beforeEach(async () => {
    session = await open();
  });
  afterEach(async () => {
    await session.close();
  });

  it("takes the token from npm start's link, keeps it in sessionStorage and out of the address", async () => {
    const { page } = session;
    const link = inject("consoleLink");
    const jwt = link.split("#token=")[1] ?? "";
    expect(jwt.split(".")).toHaveLength(3);
    await page.goto(link);
    await page.getByRole("navigation", { name: "Pages" }).waitFor();
    expect(page.url()).toBe(`${url()}/#/confirm`);
    expect(page.url()).not.toContain(jwt);
    expect(await page.evaluate("sessionStorage.getItem('console.token')")).toBe(jwt);
    for (const name of ["Confirm", "Orders", "Stock", "Backlog", "Reorders", "Movements", "Period"])
      await expect(page.getByRole("link", { name, exact: true }).count()).resolves.toBe(1);
    await expect(page.getByLabel("Plant", { exact: true }).inputValue()).resolves.toBe(PLANT);
    expect(session.errors).toEqual([]);
    // The history entry was replaced, not added to: going back leaves the console, token and all.
    await page.goBack();
    expect(page.url()).not.toContain("token");
  });

  it("signs in with a pasted token through the Sign in form", async () => {
    const { page } = session;
    await page.goto(`${url()}/`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await screenshot(page, "sign-in");
    await page.getByLabel("Token").fill(await token(["planner"]));
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("heading", { name: "Confirm" }).waitFor();
    // A planner may not post confirmations: the form is not offered, the lookup is.
    await expect(page.getByRole("button", { name: "Post confirmation" }).count()).resolves.toBe(0);
    await expect(page.getByLabel("Confirmation ID").count()).resolves.toBe(1);
    expect(session.errors).toEqual([]);
  });

  it("goes back to sign-in when the API answers 401", async () => {
    const { page } = session;
    const valid = await token(["operator"]);
    const [header, payload] = valid.split(".");
    // Well-formed, but the signature is not the sandbox's: the gateway's authorizer refuses it.
    await page.goto(`${url()}/#token=${header}.${payload}.${"A".repeat(43)}`);
    await page.goto(`${url()}/#/backlog`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await expect(page.getByText("Your sign-in has expired or was refused").count()).resolves.toBe(1);
    expect(await page.evaluate("sessionStorage.getItem('console.token')")).toBeNull();
  });

  /**
   * Cognito's hosted UI, played by the test on the page's own origin (the sandbox serves no Cognito;
   * in AWS config.json names the pool's domain and the CSP allows it, test/cdk/console.test.ts):
   * the page sends the person to /oauth2/authorize with an S256 challenge and a state, and on the
   * way back exchanges the code with the verifier whose SHA-256 is that challenge.
   */
  async function hostedUi(page: Page, jwt: string, returnedState?: string) {
    const origin = url();
    const domain = `${origin}/fake-cognito`;
    const seen: { authorize?: URLSearchParams; exchange?: URLSearchParams; logout?: URLSearchParams } = {};
    await page.route(`${origin}/config.json`, (route) =>
      route.fulfill({
        json: {
          cognito: {
            domain,
            clientId: "people-client",
            redirectUri: `${origin}/`,
            scopes: ["openid", "email"],
          },
        },
      }),
    );
    await page.route(
      (u) => u.pathname === "/fake-cognito/oauth2/authorize",
      async (route) => {
        const params = new URL(route.request().url()).searchParams;
        seen.authorize = params;
        const state = returnedState ?? params.get("state") ?? "";
        await route.fulfill({ status: 302, headers: { location: `${origin}/?code=CODE-1&state=${state}` } });
      },
    );
    await page.route(
      (u) => u.pathname === "/fake-cognito/logout",
      async (route) => {
        const params = new URL(route.request().url()).searchParams;
        seen.logout = params;
        await route.fulfill({ status: 302, headers: { location: params.get("logout_uri") ?? "/" } });
      },
    );
    await page.route(
      (u) => u.pathname === "/fake-cognito/oauth2/token",
      async (route) => {
        const body = new URLSearchParams(route.request().postData() ?? "");
        seen.exchange = body;
        const challenge = createHash("sha256")
          .update(body.get("code_verifier") ?? "")
          .digest("base64url");
        const good = challenge === seen.authorize?.get("code_challenge") && body.get("code") === "CODE-1";
        await route.fulfill(
          good
            ? { json: { access_token: jwt, id_token: "unused", token_type: "Bearer", expires_in: 3600 } }
            : { status: 400, json: { error: "invalid_grant" } },
        );
      },
    );
    return seen;
  }

  it("signs a person in through Cognito's hosted UI: authorization code with PKCE", async () => {
    const { page } = session;
    const jwt = await token(["operator"]);
    const seen = await hostedUi(page, jwt);
    await page.goto(`${url()}/`);
    await page.getByRole("button", { name: "Sign in with your account" }).click();
    await page.getByRole("button", { name: "Post confirmation" }).waitFor();
    const authorize = Object.fromEntries(seen.authorize ?? []);
    expect(authorize).toEqual({
      response_type: "code",
      client_id: "people-client",
      redirect_uri: `${url()}/`,
      scope: "openid email",
      state: expect.stringMatching(/^[A-Za-z0-9_-]{16,}$/),
      code_challenge_method: "S256",
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const exchange = Object.fromEntries(seen.exchange ?? []);
    expect(exchange).toEqual({
      grant_type: "authorization_code",
      client_id: "people-client",
      code: "CODE-1",
      redirect_uri: `${url()}/`,
      code_verifier: expect.stringMatching(/^[A-Za-z0-9_-]{43,128}$/),
    });
    // The code is gone from the address, the token is the tab's, and the API takes it.
    expect(page.url()).toBe(`${url()}/#/confirm`);
    expect(await page.evaluate("sessionStorage.getItem('console.token')")).toBe(jwt);
    expect(await page.evaluate("sessionStorage.getItem('console.pkce')")).toBeNull();
    await page.getByRole("link", { name: "Backlog", exact: true }).click();
    await page
      .getByRole("table", { name: "Failed goods movements" })
      .or(page.locator(".empty"))
      .first()
      .waitFor();
    // Sign out ends the hosted UI's session too: to Cognito's logout, and back to the console's sign-in.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(Object.fromEntries(seen.logout ?? [])).toEqual({
      client_id: "people-client",
      logout_uri: `${url()}/`,
    });
    expect(await page.evaluate("sessionStorage.getItem('console.token')")).toBeNull();
    expect(session.errors).toEqual([]);
  });

  it("refuses a hosted sign-in whose state is not the one it sent, without exchanging the code", async () => {
    const { page } = session;
    const seen = await hostedUi(page, await token(["operator"]), "forged-state");
    await page.goto(`${url()}/`);
    await page.getByRole("button", { name: "Sign in with your account" }).click();
    await page.getByText("Sign-in did not match; try again.").waitFor();
    expect(seen.authorize).toBeDefined();
    expect(seen.exchange).toBeUndefined();
    expect(await page.evaluate("sessionStorage.getItem('console.token')")).toBeNull();
    expect(page.url()).not.toContain("code=");
  });
});
