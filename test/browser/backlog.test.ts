/**
 * Backlog and Reprocess. The state is set up through the API so that only Reprocess can clear it:
 * ADHESIVE at MACH-02 is counted to 1.500 kg, confirmation A (operation 0020, 1000 lids, 1.5 kg per
 * 1000 in demo/p100.json) takes all of it, confirmation B (the same, posted in the page) waits in the
 * backlog for 1.500 kg; reversing A puts 1.500 kg back without retrying anyone's backlog (only
 * receipts, transfers and count gains do), so B posts when the planner presses Reprocess.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventually } from "../e2e/sandbox-process.js";
import { api, open, PLANT, type Session, screenshot, signedIn, token } from "./support.js";

const call = async (method: string, path: string, body?: unknown) =>
  api()(method, `/v1/plants/${PLANT}${path}`, await token(["operator", "planner"]), body);

async function statusOf(id: string): Promise<string> {
  return String(((await call("GET", `/confirmations/${id}`)).body as { status: string }).status);
}

async function adhesiveAtMachine(): Promise<string | undefined> {
  const items = (
    (await call("GET", "/stock?material=ADHESIVE")).body as { items: { location: string; onHand: string }[] }
  ).items;
  return items.find((i) => i.location === "MACH-02")?.onHand;
}

async function waitingAtMachine(): Promise<number> {
  const items = (
    (await call("GET", "/backlog?limit=1000")).body as { items: { material: string; location: string }[] }
  ).items;
  return items.filter((i) => i.material === "ADHESIVE" && i.location === "MACH-02").length;
}

describe("the Backlog page", () => {
  let session: Session;
  beforeEach(async () => {
    session = await open();
  });
  afterEach(async () => {
    await session.close();
  });

  it("lists a failed goods movement and Reprocess (planner) posts it", { timeout: 300_000 }, async () => {
    const run = randomUUID().slice(0, 8).toUpperCase();
    // A count gain queues a retry of what waits there (other tests may have left ADHESIVE short at
    // MACH-02). Count to 1.500 until nothing waits, so no late retry can take what A's reversal gives
    // back: only Reprocess may post B.
    for (let n = 1; ; n++) {
      expect(n, "ADHESIVE backlog at MACH-02 still waiting after 10 counts").toBeLessThanOrEqual(10);
      const counted = await call("POST", "/inventory-counts", {
        countId: `CC-${run}-${n}`,
        material: "ADHESIVE",
        location: "MACH-02",
        counted: "1.5",
      });
      expect(counted.status).toBe(201);
      if ((await waitingAtMachine()) === 0) break;
      // The queued retry posts what the count put there (split policy): wait for it, then count again.
      await eventually(
        "the count's backlog retry",
        async () =>
          (await adhesiveAtMachine()) !== "1.500" || (await waitingAtMachine()) === 0 ? true : undefined,
        60_000,
      );
    }
    expect(await adhesiveAtMachine()).toBe("1.500");
    const a = `A-${run}`;
    expect(
      (
        await call("POST", "/confirmations", {
          confirmationId: a,
          order: "1000001",
          operation: "0020",
          yield: "1000",
        })
      ).status,
    ).toBe(202);
    await eventually("A posted", async () => ((await statusOf(a)) === "posted" ? true : undefined), 60_000);
    expect(await adhesiveAtMachine()).toBe("0.000");

    const page = await signedIn(session, await token(["operator", "planner"]), "#/confirm");
    await page.getByLabel("Order", { exact: true }).fill("1000001");
    await page.getByLabel("Operation", { exact: true }).fill("0020");
    await page.getByLabel("Yield", { exact: true }).fill("1000");
    await page.getByRole("button", { name: "Post confirmation" }).click();
    const status = page.getByTestId("confirmation-status");
    await expect.poll(async () => status.textContent(), { timeout: 60_000 }).toBe("posted_with_backlog");
    const backlogRow = page
      .getByRole("table", { name: "Backlog" })
      .getByRole("row")
      .filter({ hasText: "ADHESIVE" });
    await expect(backlogRow.textContent()).resolves.toContain("1.500");
    const b =
      (await page.getByRole("heading", { name: /^Confirmation / }).textContent())?.replace(
        "Confirmation ",
        "",
      ) ?? "";

    expect((await call("POST", `/confirmations/${a}/reversal`, {})).status).toBe(202);
    await eventually(
      "A reversed",
      async () => ((await statusOf(a)) === "reversed" ? true : undefined),
      60_000,
    );
    expect(await adhesiveAtMachine()).toBe("1.500");

    await page.getByRole("link", { name: "Backlog", exact: true }).click();
    const table = page.getByRole("table", { name: "Failed goods movements" });
    const row = table.getByRole("row").filter({ hasText: b });
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/ADHESIVE.*MACH-02.*1\.500.*insufficient_stock/);
    await screenshot(page, "backlog");
    const posts: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "POST") posts.push(new URL(r.url()).pathname);
    });
    // A slow worker: for 10 s after Reprocess the list reads as before. The page keeps reading (it
    // follows the retry for up to a minute) and shows the change when it comes.
    const stale = await (await call("GET", "/backlog")).body;
    let staleUntil = 0;
    await page.route(`**/v1/plants/${PLANT}/backlog`, async (route) => {
      if (route.request().method() === "GET" && Date.now() < staleUntil)
        await route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(stale) });
      else await route.continue();
    });
    staleUntil = Date.now() + 10_000;
    await page.getByRole("button", { name: "Reprocess" }).click();
    await eventually("B posted", async () => ((await statusOf(b)) === "posted" ? true : undefined), 60_000);
    // Gone from a drawn list (the page refreshes in place, never through an empty "Loading…"), read
    // in one look at the page.
    interface Main {
      querySelector(selector: string): unknown;
      querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }>;
    }
    const drawnWithout = (id: string) =>
      page.locator("main").evaluate((main: Main, id: string) => {
        const drawn = main.querySelector("table, .empty") !== null && main.querySelector(".loading") === null;
        const rows = Array.from(main.querySelectorAll("tbody tr")).filter((tr) =>
          tr.textContent?.includes(id),
        );
        return drawn && rows.length === 0;
      }, id);
    await expect.poll(() => drawnWithout(b), { timeout: 60_000 }).toBe(true);
    expect(Date.now()).toBeGreaterThan(staleUntil);
    expect(posts).toEqual([`/v1/plants/${PLANT}/backlog/reprocess`]);
    expect(await adhesiveAtMachine()).toBe("0.000");
    expect(session.errors).toEqual([]);
  });
});
