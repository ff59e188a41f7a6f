/**
 * The Period page: a controller closes last month from the page, then sees the variance split chart
 * and a balanced journal. The test's own order (100 lids of LID-90) is confirmed in last month: operation
 * 0010 in the page with 5 scrapped and a component line replacing RIM-LABEL's computed quantity
 * (100 × 0.29 × 1.02 = 29.58 m) by 40 m, so the settled order has both a scrap and a usage variance;
 * operation 0020 receives the 100 lids and completes it. Closing last month leaves this month open
 * for the other tests.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Decimal } from "decimal.js";
import type { Locator } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventually } from "../e2e/sandbox-process.js";
import {
  api,
  open,
  PLANT,
  previousMonth,
  type Session,
  screenshot,
  signedIn,
  token,
  url,
} from "./support.js";

/**
 * The bars a diverging stacked chart must draw for the API's figures (web/src/charts.ts): a 720-wide
 * view, labels in the first 150, 10 of padding, so 560 to plot; with any negative part the zero line
 * is in the middle (150 + 280) and each side spans 280 for the largest stack; parts stack in order,
 * positive to the right of zero, negative to the left. Worked in decimal.js from the API's strings,
 * compared with the drawn x and width to the hundredth the chart writes.
 */
async function expectBars(
  chart: Locator,
  rows: readonly { label: string; parts: Record<string, string> }[],
  names: readonly string[],
): Promise<void> {
  const value = (r: (typeof rows)[number], n: string) => new Decimal(r.parts[n] ?? "0");
  const stack = (r: (typeof rows)[number], sign: 1 | -1) =>
    names.reduce(
      (t, n) => (value(r, n).times(sign).isPositive() ? t.plus(value(r, n).abs()) : t),
      new Decimal(0),
    );
  const hasNegative = rows.some((r) => names.some((n) => value(r, n).isNegative() && !value(r, n).isZero()));
  const extent = Decimal.max(...rows.flatMap((r) => [stack(r, 1), stack(r, -1)]));
  const half = hasNegative ? new Decimal(280) : new Decimal(560);
  const zero = new Decimal(150).plus(hasNegative ? 280 : 0);
  const scale = half.dividedBy(extent);
  for (const r of rows) {
    let right = zero;
    let left = zero;
    for (const n of names) {
      const v = value(r, n);
      const w = v.abs().times(scale);
      let x: Decimal;
      if (v.isNegative() && !v.isZero()) {
        left = left.minus(w);
        x = left;
      } else {
        x = right;
        right = right.plus(w);
      }
      const rect = chart
        .locator("rect")
        .filter({ has: chart.page().locator(`title:text-is("${r.label} ${n} ${r.parts[n]}")`) });
      await expect(rect.count()).resolves.toBe(1);
      const drawnX = Number(await rect.getAttribute("x"));
      const drawnW = Number(await rect.getAttribute("width"));
      expect(Math.abs(drawnX - x.toNumber()), `${r.label} ${n} x`).toBeLessThanOrEqual(0.01);
      expect(Math.abs(drawnW - w.toNumber()), `${r.label} ${n} width`).toBeLessThanOrEqual(0.01);
    }
  }
  // The longest stack reaches the edge of its side, and the zero line is where the bars start.
  expect(extent.isZero()).toBe(false);
  await expect(chart.locator("line").first().getAttribute("x1")).resolves.toBe(String(zero.toNumber()));
}

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
      .poll(async () => page.getByTestId("confirmation-status").textContent(), { timeout: 60_000 })
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
    await eventually(
      "operation 0020 posted",
      async () => {
        const c = (await call("GET", `/confirmations/${second}`)).body as { status: string };
        return c.status === "posted" ? true : undefined;
      },
      60_000,
    );

    // A second order, only started in that month (WIP, no variance): the report has two orders, so
    // its CSV can come in more than one page.
    const started = `${order}-B`;
    expect(
      (await call("POST", "/orders", { order: started, material: "LID-90", qty: "50", dueDate: day })).status,
    ).toBe(201);
    expect(
      (
        await call("POST", "/confirmations", {
          confirmationId: `${started}-10`,
          order: started,
          operation: "0010",
          yield: "10",
          postingDate: day,
        })
      ).status,
    ).toBe(202);
    await eventually(
      "the second order's operation 0010 posted",
      async () => {
        const c = (await call("GET", `/confirmations/${started}-10`)).body as { status: string };
        return c.status === "posted" ? true : undefined;
      },
      60_000,
    );

    await page.getByRole("link", { name: "Period", exact: true }).click();
    await page.getByLabel("Period", { exact: true }).fill(period);
    await page.getByRole("button", { name: "Show" }).click();
    await page.getByRole("heading", { name: `Report ${period}` }).waitFor({ timeout: 60_000 });
    await expect
      .poll(async () => page.getByTestId("period-status").textContent(), { timeout: 60_000 })
      .toBe("open");
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
    await expectBars(
      chart,
      [{ label: order, parts: variance as Record<string, string> }],
      ["scrap", "usage", "other"],
    );
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
    await expectBars(
      wcChart,
      byWorkCenter.map((w) => ({ label: w.workCenter, parts: { scrap: w.scrap, usage: w.usage } })),
      ["scrap", "usage"],
    );
    const wcTitles = await wcChart.locator("rect title").allTextContents();
    for (const w of byWorkCenter)
      expect(wcTitles).toEqual(
        expect.arrayContaining([`${w.workCenter} scrap ${w.scrap}`, `${w.workCenter} usage ${w.usage}`]),
      );
    const row = page
      .getByRole("table", { name: "Orders in the period" })
      .getByRole("row")
      .filter({ has: page.getByRole("cell", { name: order, exact: true }) });
    await expect(row.textContent()).resolves.toContain(String(variance?.scrap));

    await expect(page.getByTestId("journal-balance").textContent()).resolves.toBe("balanced");
    const debit = await page.getByTestId("debit-total").textContent();
    expect(debit).toBe(await page.getByTestId("credit-total").textContent());
    expect(debit).not.toMatch(/^0(\.0+)?$/);
    await screenshot(page, "period");

    // Download CSV holds the whole report: the test makes the API's pages one order long, so the
    // page must follow x-next-cursor and keep the journal once to match the API's one-page answer.
    const whole = await fetch(`${url()}/v1/plants/${PLANT}/periods/${period}?format=csv&limit=1000`, {
      headers: { authorization: `Bearer ${await token(["controller"])}` },
    });
    expect(whole.headers.get("x-next-cursor")).toBeNull();
    const expected = await whole.text();
    const orderRows = expected.split("\r\n").filter((l) => l.startsWith("order,")).length;
    expect(orderRows).toBeGreaterThanOrEqual(2);
    const asked: string[] = [];
    const limits: (string | null)[] = [];
    await page.route(
      (u) => u.pathname === `/v1/plants/${PLANT}/periods/${period}` && u.searchParams.get("format") === "csv",
      async (route) => {
        const u = new URL(route.request().url());
        limits.push(u.searchParams.get("limit"));
        u.searchParams.set("limit", "1");
        asked.push(u.search);
        await route.continue({ url: u.toString() });
      },
    );
    const download = page.waitForEvent("download", { timeout: 60_000 });
    await page.getByRole("link", { name: "Download CSV" }).click();
    expect((await download).suggestedFilename()).toBe(`period-${PLANT}-${period}.csv`);
    const saved = join(mkdtempSync(join(tmpdir(), "console-period-")), "period.csv");
    await (await download).saveAs(saved);
    expect(readFileSync(saved, "utf8")).toBe(expected);
    expect(new Set(limits)).toEqual(new Set(["1000"]));
    expect(asked.length).toBeGreaterThanOrEqual(orderRows);
    expect(asked[1]).toContain("cursor=");
    expect(session.errors).toEqual([]);
  });
});
