/**
 * The Period page: a controller closes last month from the page, then sees the variance split chart
 * and a balanced journal. The test's own order (100 lids of LID-90) is confirmed in last month: operation
 * 0010 in the page with 5 scrapped and a component line replacing RIM-LABEL's computed quantity
 * (100 × 0.29 × 1.02 = 29.58 m) by 40 m, so the settled order has both a scrap and a usage variance;
 * operation 0020 receives the 100 lids and completes it. Closing last month leaves this month open
 * for the other tests.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventually } from "../e2e/sandbox-process.js";
import { api, open, PLANT, previousMonth, type Session, screenshot, signedIn, token } from "./support.js";

const call = async (method: string, path: string, body?: unknown) =>
  api()(method, `/v1/plants/${PLANT}${path}`, await token(["operator", "planner", "controller"]), body);

describe("the Period page", () => {
  let session: Session;
  beforeEach(async () => {
    session = await open();
  });
  afterEach(async () => {
    await session.close();
  });

  it("closes last month and shows the variance split chart and a balanced journal", {
    timeout: 240_000,
  }, async () => {
    const run = randomUUID().slice(0, 6).toUpperCase();
    const order = `PER-${run}`;
    const period = previousMonth();
    const day = `${period}-15`;
    // Enough adhesive at the machine whatever other tests left there (0.150 kg needed).
    expect(
      (
        await call("POST", "/goods-receipts", {
          receiptId: `GR-${run}`,
          material: "ADHESIVE",
          location: "MACH-02",
          qty: "1",
          unitCost: "4.10",
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call("POST", "/orders", {
          order,
          material: "LID-90",
          qty: "100",
          receivingLocation: "FG",
          dueDate: day,
        })
      ).status,
    ).toBe(201);

    const page = await signedIn(session, await token(["operator", "controller"]), "#/confirm");
    await page.getByLabel("Order", { exact: true }).fill(order);
    await page.getByLabel("Operation", { exact: true }).fill("0010");
    await page.getByLabel("Yield", { exact: true }).fill("100");
    await page.getByLabel("Scrap", { exact: true }).fill("5");
    await page.getByLabel("Posting date").fill(day);
    await page.getByRole("button", { name: "Add component line" }).click();
    await page.getByLabel("Line 1 item").fill("0020");
    await page.getByLabel("Line 1 quantity").fill("40");
    await page.getByRole("button", { name: "Post confirmation" }).click();
    await expect
      .poll(async () => page.getByTestId("confirmation-status").textContent(), { timeout: 30_000 })
      .toBe("posted");
    const label = page
      .getByRole("table", { name: "Movements" })
      .getByRole("row")
      .filter({ hasText: "RIM-LABEL" });
    await expect(label.textContent()).resolves.toContain("40.00");

    const second = `${order}-20`;
    expect(
      (
        await call("POST", "/confirmations", {
          confirmationId: second,
          order,
          operation: "0020",
          yield: "100",
          postingDate: day,
        })
      ).status,
    ).toBe(202);
    await eventually("operation 0020 posted", async () => {
      const c = (await call("GET", `/confirmations/${second}`)).body as { status: string };
      return c.status === "posted" ? true : undefined;
    });

    await page.getByRole("link", { name: "Period", exact: true }).click();
    await page.getByLabel("Period", { exact: true }).fill(period);
    await page.getByRole("button", { name: "Show" }).click();
    await expect.poll(async () => page.getByTestId("period-status").textContent()).toBe("open");
    await page.getByRole("button", { name: "Close period" }).click();
    await expect
      .poll(async () => page.getByTestId("period-status").textContent(), { timeout: 150_000 })
      .toBe("closed");
    await expect(page.getByRole("button", { name: "Close period" }).count()).resolves.toBe(0);

    const chart = page.getByRole("img", { name: "Variance split per order (scrap, usage, other)" });
    await chart.waitFor();
    // One bar group for the order, its label the order id; segment titles carry the API's strings.
    await expect(chart.locator("text").allTextContents()).resolves.toContain(order);
    const report = (await call("GET", `/periods/${period}`)).body as {
      orders: { order: string; variance?: { scrap: string; usage: string; other: string } }[];
      journal: { debit: string; credit: string }[];
    };
    const variance = report.orders.find((o) => o.order === order)?.variance;
    expect(variance).toBeDefined();
    expect(variance?.scrap).not.toMatch(/^-?0(\.0+)?$/);
    expect(variance?.usage).not.toMatch(/^-?0(\.0+)?$/);
    const titles = await chart.locator("rect title").allTextContents();
    expect(titles).toEqual(
      expect.arrayContaining([
        `${order} scrap ${variance?.scrap}`,
        `${order} usage ${variance?.usage}`,
        `${order} other ${variance?.other}`,
      ]),
    );
    // Per work center (the ledger's split, docs/api.md): the figures the report gives, as bar titles.
    const byWorkCenter = (
      (await call("GET", `/periods/${period}`)).body as {
        varianceByWorkCenter: { workCenter: string; scrap: string; usage: string }[];
      }
    ).varianceByWorkCenter;
    expect(byWorkCenter.length).toBeGreaterThan(0);
    const wcChart = page.getByRole("img", { name: "Variance split per work center (scrap, usage)" });
    const wcTitles = await wcChart.locator("rect title").allTextContents();
    for (const w of byWorkCenter)
      expect(wcTitles).toEqual(
        expect.arrayContaining([`${w.workCenter} scrap ${w.scrap}`, `${w.workCenter} usage ${w.usage}`]),
      );
    const row = page
      .getByRole("table", { name: "Orders in the period" })
      .getByRole("row")
      .filter({ hasText: order });
    await expect(row.textContent()).resolves.toContain(String(variance?.scrap));

    await expect(page.getByTestId("journal-balance").textContent()).resolves.toBe("balanced");
    const debit = await page.getByTestId("debit-total").textContent();
    expect(debit).toBe(await page.getByTestId("credit-total").textContent());
    expect(debit).not.toMatch(/^0(\.0+)?$/);
    await screenshot(page, "period");

    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Download CSV" }).click();
    expect((await download).suggestedFilename()).toBe(`period-${PLANT}-${period}.csv`);
    expect(session.errors).toEqual([]);
  });
});
