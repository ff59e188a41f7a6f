/**
 * The read pages with the demo plant: the order page in full, and each list page either drawing its
 * table (or empty state) or, where the API refuses, the problem's title; no script error anywhere.
 * Screenshots of every page for the README's folder.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { open, type Session, screenshot, signedIn, token } from "./support.js";

describe("the read pages", () => {
  let session: Session;
  beforeEach(async () => {
    session = await open();
  });
  afterEach(async () => {
    await session.close();
  });

  it("shows an order's operations, components, WIP and received quantity", async () => {
    const page = await signedIn(session, await token(["planner"]), "#/orders/1000001");
    const operations = page.getByRole("table", { name: "Operations" });
    await operations.waitFor();
    const rows = operations.getByRole("row");
    await expect(rows.filter({ hasText: "PRESS-1" }).textContent()).resolves.toMatch(/^0010PRESS-1/);
    await expect(rows.filter({ hasText: "ASSY-1" }).textContent()).resolves.toMatch(/^0020ASSY-1/);
    // Order quantity beside the confirmed figures: 20000 from demo/p100.json.
    await expect(rows.nth(1).locator("td").last().textContent()).resolves.toBe("20000");
    const components = page.getByRole("table", { name: "Components" });
    for (const material of ["RIM-BASE", "RIM-LABEL", "INSERT", "ADHESIVE"])
      await expect(components.getByRole("row").filter({ hasText: material }).count()).resolves.toBe(1);
    await expect(page.getByText("WIP", { exact: true }).count()).resolves.toBe(1);
    await screenshot(page, "order");
    expect(session.errors).toEqual([]);
  });

  it("never lets a slow answer for an earlier choice paint over a later one", async () => {
    const page = await signedIn(session, await token(["controller"]), "#/confirm");
    // The page's own first report (its default period) is held until the person has chosen another.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let first = "";
    await page.route(
      (u) => /^\/v1\/plants\/P100\/periods\/\d{4}-\d{2}$/.test(u.pathname),
      async (route) => {
        if (first === "") {
          first = route.request().url();
          await held;
        }
        await route.continue();
      },
    );
    await page.getByRole("link", { name: "Period", exact: true }).click();
    await expect.poll(() => first, { timeout: 60_000 }).not.toBe("");
    const initial = first.slice(-7);
    const chosen = initial === "2000-01" ? "2000-02" : "2000-01";
    await page.getByLabel("Period", { exact: true }).fill(chosen);
    await page.getByRole("button", { name: "Show" }).click();
    await page.getByRole("heading", { name: `Report ${chosen}` }).waitFor({ timeout: 60_000 });
    const late = page.waitForResponse(first, { timeout: 60_000 });
    release();
    await (await late).finished();
    // Let the page read the late answer before looking (it would paint within a task or two).
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 500)));
    await expect(page.getByRole("heading", { name: `Report ${initial}` }).count()).resolves.toBe(0);
    await expect(page.getByRole("heading", { name: `Report ${chosen}` }).count()).resolves.toBe(1);
  });

  for (const [hash, heading, name] of [
    ["#/orders", "Orders", "orders"],
    ["#/reorders", "Reorders", "reorders"],
    ["#/backlog", "Backlog", "backlog-list"],
  ] as const) {
    it(`draws ${heading}: a table, its empty state, or the problem`, async () => {
      const page = await signedIn(session, await token(["operator", "planner", "controller"]), hash);
      await page.getByRole("heading", { name: heading, exact: true }).waitFor();
      await expect.poll(async () => page.locator(".loading").count(), { timeout: 60_000 }).toBe(0);
      const drawn = (await page.locator("table, .empty, .problem").count()) > 0;
      expect(drawn).toBe(true);
      for (const problem of await page.locator(".problem-title").allTextContents())
        expect(problem).not.toBe("");
      await screenshot(page, name);
      expect(session.errors.filter((e) => !e.includes("the server responded with a status of"))).toEqual([]);
    });
  }
});
