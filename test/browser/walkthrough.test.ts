/**
 * README "Try it in 5 minutes", steps 1–7, done in the console the way its Console section tells a
 * person to, with the README's own figures. The plant is a fresh copy of the demo (demo/p100.json
 * loaded through the API under another plant id), so its figures are the README's whatever the other
 * browser tests did to P100, and closing its month leaves P100's open.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, open, type Session, screenshot, signedIn, token } from "./support.js";

const DEMO = JSON.parse(readFileSync(new URL("../../demo/p100.json", import.meta.url), "utf8")) as {
  calls: { method: string; path: string; body?: unknown }[];
};
const ALL = ["operator", "planner", "controller"] as const;
const SLOW = { timeout: 60_000 };

async function loadDemoAs(plant: string): Promise<void> {
  const jwt = await token(ALL, [plant]);
  for (const call of DEMO.calls) {
    const reply = await api()(
      call.method,
      call.path.replace("/plants/P100/", `/plants/${plant}/`),
      jwt,
      call.body,
    );
    expect(reply.status, `${call.method} ${call.path}: ${JSON.stringify(reply.body)}`).toBeLessThan(300);
  }
}

async function confirm(page: Page, order: string, operation: string, yieldQty: string, scrap = "") {
  await page.getByLabel("Order", { exact: true }).fill(order);
  await page.getByLabel("Operation", { exact: true }).fill(operation);
  await page.getByLabel("Yield", { exact: true }).fill(yieldQty);
  await page.getByLabel("Scrap", { exact: true }).fill(scrap);
  await page.getByRole("button", { name: "Post confirmation" }).click();
}

const status = (page: Page) => page.getByTestId("confirmation-status");
const settled = (page: Page, expected: string) =>
  expect.poll(async () => status(page).textContent(), SLOW).toBe(expected);
const rowOf = (page: Page, tableName: string, ...texts: string[]) => {
  let row = page.getByRole("table", { name: tableName }).getByRole("row");
  for (const t of texts) row = row.filter({ hasText: t });
  return row;
};
const cells = async (page: Page, tableName: string, ...texts: string[]) => {
  const row = rowOf(page, tableName, ...texts);
  await row.first().waitFor(SLOW);
  return row.first().locator("td").allTextContents();
};
/** Presses Show on Movements and answers the ledger's rows as their cells' texts, once drawn. */
const show = async (page: Page): Promise<string[][]> => {
  await page.getByRole("button", { name: "Show" }).click();
  await expect.poll(async () => page.locator("main .loading").count(), SLOW).toBe(0);
  const rows = await page.getByRole("table", { name: "Stock ledger" }).locator("tbody tr").all();
  return Promise.all(rows.map((r) => r.locator("td").allTextContents()));
};
const nav = async (page: Page, name: string) => {
  await page.getByRole("link", { name, exact: true }).click();
  await page.getByRole("heading", { name, exact: true, level: 1 }).waitFor();
};

describe("the README walkthrough in the console", () => {
  let session: Session;
  beforeEach(async () => {
    session = await open();
  });
  afterEach(async () => {
    await session.close();
  });

  it("does steps 1–7 in the pages, with the README's figures", { timeout: 420_000 }, async () => {
    const plant = `W${randomUUID().slice(0, 6).toUpperCase()}`;
    await loadDemoAs(plant);
    const page = await signedIn(session, await token(ALL, [plant]), "#/confirm");
    await expect(page.getByLabel("Plant", { exact: true }).inputValue()).resolves.toBe(plant);

    // 1. Confirm an operation: 5000 lids and 120 scrapped on PRESS-1.
    await confirm(page, "1000001", "0010", "5000", "120");
    await settled(page, "posted");
    // 5120 × 0.29 × 1.02 = 1514.496 → 1514.50 m each, at standard 0.08 and 0.03: 121.16 and 45.435 → 45.44.
    for (const [material, value] of [
      ["RIM-BASE", "121.16"],
      ["RIM-LABEL", "45.44"],
    ] as const)
      expect(await cells(page, "Movements", material)).toEqual([
        "issue",
        material,
        "MACH-01",
        "",
        "",
        "1514.50",
        value,
      ]);
    expect(await cells(page, "Movements", "labor")).toEqual([
      "activity",
      "",
      "",
      "PRESS-1",
      "labor",
      "1.524",
      "68.58",
    ]);
    expect(await cells(page, "Movements", "machine")).toEqual([
      "activity",
      "",
      "",
      "PRESS-1",
      "machine",
      "2.298",
      "68.94",
    ]);
    const first = (await page.getByRole("heading", { name: /^Confirmation / }).textContent()) ?? "";

    // 2. Retry safely: the same form again sends the same id and answers with the current status.
    const posts: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "POST" && r.url().endsWith("/confirmations"))
        posts.push(String((r.postDataJSON() as { confirmationId: string }).confirmationId));
    });
    await page.getByRole("button", { name: "Post confirmation" }).click();
    await expect.poll(() => posts.length, SLOW).toBe(1);
    await settled(page, "posted");
    expect(`Confirmation ${posts[0]}`).toBe(first);

    // 3. A shortage goes to the backlog; a transfer to the machine and Reprocess clear it.
    await page.getByRole("button", { name: "New confirmation" }).click();
    await confirm(page, "1000001", "0020", "5000");
    await settled(page, "posted_with_backlog");
    expect(await cells(page, "Backlog", "ADHESIVE")).toEqual(["ADHESIVE", "MACH-02", "1.500"]);
    await nav(page, "Stock");
    const transfer = page.getByRole("form", { name: "Transfer stock" });
    await transfer.getByLabel("Material", { exact: true }).fill("ADHESIVE");
    await transfer.getByLabel("From", { exact: true }).fill("RAW");
    await transfer.getByLabel("To", { exact: true }).fill("MACH-02");
    await transfer.getByLabel("Quantity", { exact: true }).fill("10");
    await transfer.getByRole("button", { name: "Transfer" }).click();
    await page.getByText(/^Transfer TR-\S+ posted\.$/).waitFor(SLOW);
    await nav(page, "Backlog");
    await page.getByRole("button", { name: "Reprocess" }).click();
    await page.getByText("No backlog: every goods movement has posted.").waitFor(SLOW);
    await nav(page, "Stock");
    await expect
      .poll(async () => (await cells(page, "Stock by material and location", "ADHESIVE", "MACH-02"))[2], SLOW)
      .toBe("8.500");
    expect((await cells(page, "Stock by material and location", "ADHESIVE", "RAW"))[2]).toBe("24.000");

    // 4. Reverse a mistake.
    await nav(page, "Confirm");
    await confirm(page, "1000001", "0010", "1000");
    await settled(page, "posted");
    const mistake = (
      (await page.getByRole("heading", { name: /^Confirmation / }).textContent()) ?? ""
    ).replace("Confirmation ", "");
    await page.getByRole("button", { name: "Reverse" }).click();
    await settled(page, "reversed");
    await nav(page, "Stock");
    expect((await cells(page, "Stock by material and location", "RIM-BASE", "MACH-01"))[2]).toBe("4485.50");

    // 5. The stock ledger: by material and location, by document (the posting and its reversal), and
    // an order's lines as CSV.
    await nav(page, "Movements");
    await page.getByLabel("Material", { exact: true }).fill("RIM-BASE");
    await page.getByLabel("Location", { exact: true }).fill("MACH-01");
    // The transfer in, the issue of step 1 (5120 × 0.29 × 1.02), the issue of step 4 (1000 × 0.29 ×
    // 1.02) and its reversal. The ledger's indexes are a moment behind a posting: like a person, the
    // test presses Show again until the last line is there.
    await expect
      .poll(async () => (await show(page)).map((cellsOfRow) => cellsOfRow[6]), SLOW)
      .toEqual(["6000.00", "-1514.50", "-295.80", "295.80"]);
    await page.getByLabel("Material", { exact: true }).fill("");
    await page.getByLabel("Location", { exact: true }).fill("");
    await page.getByLabel("Document", { exact: true }).fill(mistake);
    // Step 4's posting: RIM-BASE, RIM-LABEL, labor, machine; its reversal the same four, negated.
    await expect
      .poll(
        async () =>
          (await show(page)).map((cellsOfRow) => cellsOfRow[2]?.replace(/ \(reverses .*\)$/, " (r)")),
        SLOW,
      )
      .toEqual([
        "issue",
        "issue",
        "activity",
        "activity",
        "issue (r)",
        "issue (r)",
        "activity (r)",
        "activity (r)",
      ]);
    await page.getByLabel("Document", { exact: true }).fill("");
    await page.getByLabel("Order", { exact: true }).fill("1000001");
    const orderLines = (await show(page)).length;
    expect(orderLines).toBeGreaterThan(0);
    const download = page.waitForEvent("download", SLOW);
    await page.getByRole("link", { name: "Download CSV" }).click();
    const saved = join(mkdtempSync(join(tmpdir(), "walkthrough-")), "order.csv");
    await (await download).saveAs(saved);
    const csv = readFileSync(saved, "utf8").trimEnd().split("\r\n");
    expect(csv[0]?.startsWith("document,line,kind,")).toBe(true);
    expect(csv.length - 1).toBe(orderLines);

    // 5b. The order.
    await nav(page, "Orders");
    await page.getByRole("link", { name: "1000001", exact: true }).click();
    await page.getByRole("heading", { name: "Order 1000001" }).waitFor();
    const facts = page.locator("dl.facts");
    await expect(facts.textContent()).resolves.toContain("Statusin_process");
    await expect(facts.textContent()).resolves.toContain("WIP26.87");
    await expect(facts.textContent()).resolves.toContain("Received5000");

    // 6. Reorder and procurement: ADHESIVE at 32.5 kg, at or below 35; a lot of 50; 20 arrive.
    await nav(page, "Reorders");
    await page.getByRole("button", { name: "Run reorders" }).click();
    await page.getByText("Reorder points evaluated.").waitFor(SLOW);
    const requisition = await cells(page, "Requisitions", "ADHESIVE");
    expect(requisition.slice(1, 7)).toEqual([
      "ADHESIVE",
      "open",
      "50.000",
      "0.000",
      expect.any(String),
      "GLUECHEM",
    ]);
    const id = requisition[0] ?? "";
    await page.getByRole("button", { name: `Receive ${id}` }).click();
    const receipt = page.getByRole("form", { name: `Goods receipt for ${id}` });
    await expect(receipt.getByLabel("Quantity").inputValue()).resolves.toBe("50.000");
    await receipt.getByLabel("Location").fill("RAW");
    await receipt.getByLabel("Quantity").fill("20");
    await receipt.getByLabel("Unit cost").fill("4.10");
    await receipt.getByRole("button", { name: "Post goods receipt" }).click();
    await expect
      .poll(async () => (await cells(page, "Requisitions", id)).slice(2, 5), SLOW)
      .toEqual(["partially_received", "50.000", "20.000"]);
    await nav(page, "Stock");
    // On hand 24 + 20 in RAW and 8.5 at MACH-02 = 52.500, and 30.000 still open: 82.500.
    expect(await cells(page, "Reorder points", "ADHESIVE")).toEqual([
      "ADHESIVE",
      "52.500",
      "30.000",
      "82.500",
      "35",
    ]);

    // 7. Close the period: this month to date, then closed; balanced journal, CSV, the ledger verified;
    // a confirmation into the closed month is refused with the problem's title and detail.
    await nav(page, "Period");
    await expect.poll(async () => page.getByTestId("period-status").textContent(), SLOW).toBe("open");
    await expect(page.getByTestId("journal-balance").textContent()).resolves.toBe("balanced");
    await page.getByRole("button", { name: "Close period" }).click();
    await expect
      .poll(async () => page.getByTestId("period-status").textContent(), { timeout: 150_000 })
      .toBe("closed");
    await expect(page.getByTestId("journal-balance").textContent()).resolves.toBe("balanced");
    await page.getByText("No variance yet").waitFor();
    const report = page.waitForEvent("download", SLOW);
    await page.getByRole("link", { name: "Download CSV" }).click();
    expect((await report).suggestedFilename()).toMatch(new RegExp(`^period-${plant}-\\d{4}-\\d{2}\\.csv$`));
    await page.getByRole("button", { name: "Verify ledger" }).click();
    await expect
      .poll(async () => page.getByTestId("verify-result").textContent(), SLOW)
      .toMatch(/^ledger intact: \d+ lines, digest as sealed$/);
    await screenshot(page, "period-closed");
    // A planner sees the closed report, but neither closing nor verifying is offered.
    const planner = await open();
    try {
      const other = await signedIn(planner, await token(["planner"], [plant]), "#/period");
      await expect.poll(async () => other.getByTestId("period-status").textContent(), SLOW).toBe("closed");
      await expect(other.getByRole("button", { name: "Verify ledger" }).count()).resolves.toBe(0);
      await expect(other.getByRole("button", { name: "Close period" }).count()).resolves.toBe(0);
    } finally {
      await planner.close();
    }
    await nav(page, "Confirm");
    await confirm(page, "1000001", "0010", "10");
    const refused = page.getByRole("alert");
    await refused.waitFor(SLOW);
    await expect(refused.locator(".problem-title").textContent()).resolves.not.toBe("");
    await expect(refused.textContent()).resolves.toMatch(/closed/i);
    expect(session.errors.filter((e) => !e.includes("the server responded with a status of 409"))).toEqual(
      [],
    );
  });
});
