/**
 * The Movements page (docs/ledger.md): the ledger filtered on screen, and `Download CSV` holding every
 * line of the query, read from the API's own `?format=csv` page after page. The page asks for 1000
 * lines a page; the test makes the API's pages 2 lines long (it rewrites `limit` on the way out), so
 * a query of more than 2 lines must be joined from several pages to match the API's one-page answer.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventually } from "../e2e/sandbox-process.js";
import { api, open, PLANT, type Session, screenshot, signedIn, token, url } from "./support.js";

const call = async (method: string, path: string, body?: unknown) =>
  api()(method, `/v1/plants/${PLANT}${path}`, await token(["operator", "planner"]), body);

async function csvOf(query: string): Promise<string> {
  const response = await fetch(`${url()}/v1/plants/${PLANT}/movements?${query}&format=csv&limit=1000`, {
    headers: { authorization: `Bearer ${await token(["planner"])}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("x-next-cursor")).toBeNull();
  return response.text();
}

describe("the Movements page", () => {
  let session: Session;
  beforeEach(async () => {
    session = await open();
  });
  afterEach(async () => {
    await session.close();
  });

  it("downloads every line of the query as CSV, joined from the API's CSV pages", async () => {
    const page = await signedIn(session, await token(["planner"]), "#/movements");
    const csvRequests: string[] = [];
    const limits: (string | null)[] = [];
    await page.route(/\/v1\/plants\/P100\/movements\?.*format=csv/, async (route) => {
      const asked = new URL(route.request().url());
      limits.push(asked.searchParams.get("limit"));
      asked.searchParams.set("limit", "2");
      csvRequests.push(asked.search);
      await route.continue({ url: asked.toString() });
    });
    await page.getByLabel("Material", { exact: true }).fill("RIM-BASE");
    await page.getByRole("button", { name: "Show" }).click();
    const ledger = page.getByRole("table", { name: "Stock ledger" });
    await ledger.waitFor({ timeout: 60_000 });
    // The period the page chose itself ("this month", its default), so the test asks for the same.
    const period = await page.getByLabel("Period", { exact: true }).inputValue();
    const expected = await csvOf(`material=RIM-BASE&period=${period}`);
    const lines = expected.trimEnd().split("\r\n");
    expect(lines[0]?.startsWith("document,line,kind,reverses,")).toBe(true);
    // The demo's receipt into RAW and its transfer to MACH-01 are 3 lines: more than one 2-line page.
    expect(lines.length - 1).toBeGreaterThan(2);

    const download = page.waitForEvent("download", { timeout: 60_000 });
    await page.getByRole("link", { name: "Download CSV" }).click();
    const file = join(mkdtempSync(join(tmpdir(), "console-csv-")), "movements.csv");
    await (await download).saveAs(file);
    expect(readFileSync(file, "utf8")).toBe(expected);
    expect(new Set(limits)).toEqual(new Set(["1000"]));
    expect(csvRequests.length).toBeGreaterThanOrEqual(Math.ceil((lines.length - 1) / 2));
    expect(csvRequests.slice(1).every((q) => q.includes("cursor="))).toBe(true);
    await expect(page.getByText(`${lines.length - 1} lines in movements-${PLANT}-`).count()).resolves.toBe(1);
    await screenshot(page, "movements");
    expect(session.errors).toEqual([]);
  });

  it("filters by document: a posting and its reversal, line for line as the API lists them", async () => {
    const id = `MOV-${randomUUID().slice(0, 8).toUpperCase()}`;
    const posted = await call("POST", "/confirmations", {
      confirmationId: id,
      order: "1000001",
      operation: "0010",
      yield: "10",
    });
    expect(posted.status).toBe(202);
    const statusOf = async () =>
      String(((await call("GET", `/confirmations/${id}`)).body as { status: string }).status);
    await eventually("posted", async () => ((await statusOf()) === "posted" ? true : undefined), 60_000);
    expect((await call("POST", `/confirmations/${id}/reversal`, {})).status).toBe(202);
    await eventually("reversed", async () => ((await statusOf()) === "reversed" ? true : undefined), 60_000);
    // The document index is read as DynamoDB's indexes are, a moment behind the posting, line by
    // line: wait until it lists every line of the reversal too.
    type Line = { document: string; line: number; reverses: string | null };
    const items = await eventually(
      "the reversal's lines listed by document",
      async () => {
        const lines = ((await call("GET", `/movements?document=${id}`)).body as { items: Line[] }).items;
        const reversal = lines.filter((m) => m.reverses).length;
        // One opposite line per line of the posting (docs/ledger.md): all of them, not the first few.
        return reversal > 0 && reversal * 2 === lines.length ? lines : undefined;
      },
      60_000,
    );

    const page = await signedIn(session, await token(["operator"]), "#/movements");
    await page.getByLabel("Document", { exact: true }).fill(id);
    await page.getByLabel("Period", { exact: true }).fill("");
    await page.getByRole("button", { name: "Show" }).click();
    const ledger = page.getByRole("table", { name: "Stock ledger" });
    await ledger.waitFor({ timeout: 60_000 });
    const documents = await ledger.locator("tbody tr td:nth-child(2)").allTextContents();
    expect(documents).toEqual(items.map((m) => `${m.document} / ${m.line}`));
    await expect(ledger.getByText(/\(reverses /).count()).resolves.toBeGreaterThan(0);
  });
});
