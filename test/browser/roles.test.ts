/**
 * What the token's roles do not allow is not offered (docs/api.md, roles per route): each page with a
 * token of one role, and the phone layout.
 */
import type { Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { open, type Session, screenshot, signedIn, token } from "./support.js";

async function offered(
  page: Page,
  hash: string,
  heading: string,
  names: readonly string[],
): Promise<string[]> {
  await page.goto(`${new URL(page.url()).origin}/${hash}`);
  await page.getByRole("heading", { name: heading, exact: true }).waitFor();
  await page
    .locator(".loading")
    .first()
    .waitFor({ state: "detached" })
    .catch(() => {});
  const found: string[] = [];
  for (const name of names)
    if ((await page.getByRole("button", { name, exact: true }).count()) > 0) found.push(name);
  return found;
}

const ACTIONS = [
  ["#/confirm", "Confirm", "Post confirmation"],
  ["#/stock", "Stock", "Transfer"],
  ["#/backlog", "Backlog", "Reprocess"],
  ["#/reorders", "Reorders", "Run reorders"],
  ["#/period", "Period", "Close period"],
] as const;

describe("role gating", () => {
  let session: Session;
  beforeEach(async () => {
    session = await open();
  });
  afterEach(async () => {
    await session.close();
  });

  for (const [role, allowed] of [
    ["operator", ["Post confirmation"]],
    ["planner", ["Transfer", "Reprocess", "Run reorders"]],
    ["controller", ["Close period"]],
  ] as const) {
    it(`offers a ${role} only the ${role}'s actions`, async () => {
      const page = await signedIn(session, await token([role]));
      const found: string[] = [];
      for (const [hash, heading, action] of ACTIONS)
        found.push(...(await offered(page, hash, heading, [action])));
      expect(found).toEqual(allowed);
    });
  }

  it("fits a phone: nothing wider than the screen but the tables' own scroll boxes", async () => {
    await session.close();
    session = await open({ width: 390, height: 844 });
    const page = await signedIn(session, await token(["operator", "planner", "controller"]), "#/confirm");
    await page.getByRole("button", { name: "Post confirmation" }).waitFor();
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await screenshot(page, "confirm-phone");
    await page.goto(`${new URL(page.url()).origin}/#/stock`);
    await page.getByRole("heading", { name: "Stock", exact: true }).waitFor();
    await page
      .locator(".loading")
      .first()
      .waitFor({ state: "detached" })
      .catch(() => {});
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await screenshot(page, "stock-phone");
  });
});
