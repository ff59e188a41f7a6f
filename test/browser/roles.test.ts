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
  await expect.poll(async () => page.locator(".loading").count(), { timeout: 60_000 }).toBe(0);
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

  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    it(`fits a ${viewport.width}×${viewport.height} screen on every page: nothing wider but the tables' own scroll boxes`, {
      timeout: 180_000,
    }, async () => {
      await session.close();
      session = await open(viewport);
      const page = await signedIn(session, await token(["operator", "planner", "controller"]), "#/confirm");
      for (const [hash, heading] of [
        ["#/confirm", "Confirm"],
        ["#/orders", "Orders"],
        ["#/orders/1000001", "Order 1000001"],
        ["#/stock", "Stock"],
        ["#/backlog", "Backlog"],
        ["#/reorders", "Reorders"],
        ["#/movements", "Movements"],
        ["#/period", "Period"],
      ] as const) {
        await page.goto(`${new URL(page.url()).origin}/${hash}`);
        await page.getByRole("heading", { name: heading, exact: true, level: 1 }).waitFor();
        await expect.poll(async () => page.locator(".loading").count(), { timeout: 60_000 }).toBe(0);
        const width = await page.evaluate("document.documentElement.scrollWidth");
        expect(width, `${hash} at ${viewport.width} px`).toBeLessThanOrEqual(viewport.width);
        // Every link and button of the navigation is on screen (wrapped, not cut off).
        for (const box of await page.getByRole("navigation", { name: "Pages" }).getByRole("link").all()) {
          const b = await box.boundingBox();
          expect(b && b.x >= 0 && b.x + b.width <= viewport.width, `${hash} nav link`).toBe(true);
        }
        if (viewport.width < 600 && (hash === "#/confirm" || hash === "#/stock"))
          await screenshot(page, `${hash.slice(2)}-phone`);
      }
    });
  }
});
