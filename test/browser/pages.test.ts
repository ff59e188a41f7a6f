/**
 * The read pages with the demo plant: the order page in full, and each list page either drawing its
 * table (or empty state) or, where the API refuses, the problem's title; no script error anywhere.
 * Screenshots of every page for the README's folder.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

  it("shows this month's stock ledger for a material and downloads it as CSV", async () => {
    const page = await signedIn(session, await token(["planner"]), "#/movements");
    await page.getByLabel("Material", { exact: true }).fill("RIM-BASE");
    await page.getByRole("button", { name: "Show" }).click();
    const ledger = page.getByRole("table", { name: "Stock ledger" });
    await ledger.waitFor();
    // The demo's goods receipt of 12000 m into RAW is this month's first RIM-BASE line.
    await expect(ledger.getByRole("row").nth(1).textContent()).resolves.toMatch(
      /goods_receipt.*RIM-BASE.*RAW.*12000\.00/,
    );
    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Download CSV" }).click();
    const saved = join(mkdtempSync(join(tmpdir(), "console-csv-")), "movements.csv");
    await (await download).saveAs(saved);
    const lines = readFileSync(saved, "utf8").trim().split("\r\n");
    expect(lines[0]).toBe(
      "document,line,kind,reverses,order,operation,material,location,qty,value,workCenter,activity,hours,period,postingDate,postedAt",
    );
    expect(lines.length).toBe(await ledger.getByRole("row").count());
    await screenshot(page, "movements");
    expect(session.errors).toEqual([]);
  });

  for (const [hash, heading, name] of [
    ["#/orders", "Orders", "orders"],
    ["#/stock", "Stock", "stock"],
    ["#/reorders", "Reorders", "reorders"],
    ["#/backlog", "Backlog", "backlog-list"],
  ] as const) {
    it(`draws ${heading}: a table, its empty state, or the problem`, async () => {
      const page = await signedIn(session, await token(["operator", "planner", "controller"]), hash);
      await page.getByRole("heading", { name: heading, exact: true }).waitFor();
      await expect.poll(async () => page.locator(".loading").count(), { timeout: 20_000 }).toBe(0);
      const drawn = (await page.locator("table, .empty, .problem").count()) > 0;
      expect(drawn).toBe(true);
      for (const problem of await page.locator(".problem-title").allTextContents())
        expect(problem).not.toBe("");
      await screenshot(page, name);
      expect(session.errors.filter((e) => !e.includes("the server responded with a status of"))).toEqual([]);
    });
  }
});
