/**
 * Sign-in (docs/api.md, Console): npm start's `#token=` link, the `Sign in` form with a pasted token,
 * and a refused token sending the person back to sign-in.
 */
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
});
