/**
 * The read pages with the demo plant: the order page in full, and each list page either drawing its
 * table (or empty state) or, where the API refuses, the problem's title; no script error anywhere.
 * Screenshots of every page for the README's folder.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, open, type Session, screenshot, signedIn, token } from "./support.js";

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

describe("a plant with nothing in it yet", () => {
  let session: Session;
  beforeEach(async () => {
    session = await open();
  });
  afterEach(async () => {
    await session.close();
  });

  it("shows every page's empty state, and the API's problem title and detail for what is not there", {
    timeout: 120_000,
  }, async () => {
    const plant = `E${randomUUID().slice(0, 6).toUpperCase()}`;
    const jwt = await token(["operator", "planner", "controller"], [plant]);
    const page = await signedIn(session, jwt, "#/orders");
    const origin = new URL(page.url()).origin;
    for (const [hash, heading, sentences] of [
      ["#/orders", "Orders", ["No orders yet."]],
      ["#/stock", "Stock", ["No stock in this plant yet.", "No material has reorder settings."]],
      ["#/backlog", "Backlog", ["No backlog: every goods movement has posted."]],
      ["#/reorders", "Reorders", ["No requisitions: every material is above its reorder point."]],
      ["#/movements", "Movements", ["No movements match these filters."]],
      [
        "#/period",
        "Period",
        [
          "No variance yet: variances appear once the close settles the completed orders.",
          "No orders were touched in this period.",
          "No journal entries in this period yet.",
          "No issues in this period yet.",
        ],
      ],
    ] as const) {
      await page.goto(`${origin}/${hash}`);
      await page.getByRole("heading", { name: heading, exact: true, level: 1 }).waitFor();
      await expect.poll(async () => page.locator(".loading").count(), { timeout: 60_000 }).toBe(0);
      expect(await page.locator("main .empty").allTextContents(), hash).toEqual([...sentences]);
      await expect(page.locator("main .problem").count()).resolves.toBe(0);
    }

    // What is not there: the page shows the API's own problem, title and detail word for word.
    const missing = await api()("GET", `/v1/plants/${plant}/orders/NO-SUCH-ORDER`, jwt);
    const problem = missing.body as { title: string; detail: string };
    expect(missing.status).toBe(404);
    await page.goto(`${origin}/#/orders/NO-SUCH-ORDER`);
    const box = page.getByRole("alert");
    await box.waitFor({ timeout: 60_000 });
    await expect(box.locator(".problem-title").textContent()).resolves.toBe(problem.title);
    await expect(box.locator(".problem-detail").textContent()).resolves.toBe(problem.detail);
    await page.goto(`${origin}/#/confirm/NO-SUCH-CONFIRMATION`);
    const lookup = await api()("GET", `/v1/plants/${plant}/confirmations/NO-SUCH-CONFIRMATION`, jwt);
    expect(lookup.status).toBe(404);
    await expect
      .poll(async () => page.getByRole("alert").locator(".problem-detail").textContent(), { timeout: 60_000 })
      .toBe((lookup.body as { detail: string }).detail);
  });
});
