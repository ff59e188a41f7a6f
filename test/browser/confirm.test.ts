/**
 * The Confirm page: a posting followed until it settles, posted exactly once whatever the person or
 * the network does, and reversed. Figures by hand from demo/p100.json: operation 0010 of LID-90
 * issues RIM-BASE at 290 m per 1000 lids plus 2 % scrap from MACH-01, so 100 lids take
 * 100 × 0.29 × 1.02 = 29.58 m.
 */
import { Decimal } from "decimal.js";
import type { Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, open, PLANT, type Session, screenshot, signedIn, token } from "./support.js";

interface StockItem {
  material: string;
  location: string;
  onHand: string;
}

async function onHand(material: string, location: string): Promise<string> {
  const reply = await api()(
    "GET",
    `/v1/plants/${PLANT}/stock?material=${material}`,
    await token(["planner"]),
  );
  const items = (reply.body as { items: StockItem[] }).items;
  return items.find((i) => i.location === location)?.onHand ?? "missing";
}

async function fill(page: Page, values: { order: string; operation: string; yield: string; scrap?: string }) {
  await page.getByLabel("Order", { exact: true }).fill(values.order);
  await page.getByLabel("Operation", { exact: true }).fill(values.operation);
  await page.getByLabel("Yield", { exact: true }).fill(values.yield);
  await page.getByLabel("Scrap", { exact: true }).fill(values.scrap ?? "");
}

const status = (page: Page) => page.getByTestId("confirmation-status");

/** POST bodies the page sent to the confirmations route, in order. */
function postedIds(page: Page): string[] {
  const ids: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && request.url().endsWith(`/v1/plants/${PLANT}/confirmations`))
      ids.push(String((request.postDataJSON() as { confirmationId: string }).confirmationId));
  });
  return ids;
}

describe("the Confirm page", () => {
  let session: Session;
  beforeEach(async () => {
    session = await open();
  });
  afterEach(async () => {
    await session.close();
  });

  it("posts a confirmation, follows it until posted and shows its movements; a double click posts once", {
    timeout: 180_000,
  }, async () => {
    const page = await signedIn(session, await token(["operator"]), "#/confirm");
    const ids = postedIds(page);
    const before = await onHand("RIM-BASE", "MACH-01");
    await fill(page, { order: "1000001", operation: "0010", yield: "100" });
    await page.getByRole("button", { name: "Post confirmation" }).dblclick();
    await expect.poll(async () => status(page).textContent(), { timeout: 60_000 }).toBe("posted");
    const movements = page.getByRole("table", { name: "Movements" });
    await expect(movements.getByRole("row").filter({ hasText: "RIM-BASE" }).textContent()).resolves.toContain(
      "29.58",
    );
    await expect(page.getByText("No backlog: every component posted.").count()).resolves.toBe(1);
    await screenshot(page, "confirm");
    expect(ids).toHaveLength(1);
    // Exactly one issue of 29.58 m: (before − 29.58), worked out from the figure read before.
    const after = await onHand("RIM-BASE", "MACH-01");
    expect(new Decimal(before).minus(after).toFixed(2)).toBe("29.58");

    // The same form posted again resends the same id: the answer is the current status, no second issue.
    await page.getByRole("button", { name: "Post confirmation" }).click();
    await expect.poll(async () => status(page).textContent(), { timeout: 60_000 }).toBe("posted");
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
    expect(await onHand("RIM-BASE", "MACH-01")).toBe(after);
    expect(session.errors).toEqual([]);

    // A planner looks the same confirmation up: status and movements, but no Reverse (operator only).
    const planner = await open();
    try {
      const other = await signedIn(planner, await token(["planner"]), `#/confirm/${ids[0]}`);
      await expect.poll(async () => status(other).textContent(), { timeout: 60_000 }).toBe("posted");
      await other.getByRole("table", { name: "Movements" }).waitFor();
      await expect(other.getByRole("button", { name: "Reverse" }).count()).resolves.toBe(0);
      await expect(other.getByRole("button", { name: "Post confirmation" }).count()).resolves.toBe(0);
    } finally {
      await planner.close();
    }
  });

  it("retries with the same id when the answer is lost, so the posting happens once", {
    timeout: 180_000,
  }, async () => {
    const page = await signedIn(session, await token(["operator"]), "#/confirm");
    const ids = postedIds(page);
    let lost = 0;
    await page.route(`**/v1/plants/${PLANT}/confirmations`, async (route) => {
      if (lost === 0) {
        lost++;
        await route.fetch(); // the request reaches the API and is accepted...
        await route.abort("connectionreset"); // ...but the answer never arrives
        return;
      }
      await route.continue();
    });
    const before = await onHand("RIM-BASE", "MACH-01");
    await fill(page, { order: "1000001", operation: "0010", yield: "100" });
    await page.getByRole("button", { name: "Post confirmation" }).click();
    await expect.poll(async () => status(page).textContent(), { timeout: 60_000 }).toBe("posted");
    expect(ids.length).toBe(2);
    expect(new Set(ids).size).toBe(1);
    const after = await onHand("RIM-BASE", "MACH-01");
    expect(new Decimal(before).minus(after).toFixed(2)).toBe("29.58");
  });

  it("reverses a posted confirmation (operator) and its stock comes back", { timeout: 180_000 }, async () => {
    const page = await signedIn(session, await token(["operator"]), "#/confirm");
    const before = await onHand("RIM-BASE", "MACH-01");
    await fill(page, { order: "1000001", operation: "0010", yield: "100" });
    await page.getByRole("button", { name: "Post confirmation" }).click();
    await expect.poll(async () => status(page).textContent(), { timeout: 60_000 }).toBe("posted");
    await page.getByRole("button", { name: "Reverse" }).click();
    await expect.poll(async () => status(page).textContent(), { timeout: 60_000 }).toBe("reversed");
    await expect(page.getByRole("button", { name: "Reverse" }).count()).resolves.toBe(0);
    expect(await onHand("RIM-BASE", "MACH-01")).toBe(before);
  });

  it("shows the problem's title and detail when the API refuses the confirmation", async () => {
    const page = await signedIn(session, await token(["operator"]), "#/confirm");
    await fill(page, { order: "1000001", operation: "0010", yield: "-5" });
    await page.getByRole("button", { name: "Post confirmation" }).click();
    const problem = page.getByRole("alert");
    await problem.waitFor();
    await expect(problem.locator(".problem-title").textContent()).resolves.not.toBe("");
    await expect(problem.textContent()).resolves.toMatch(/yield/i);
  });
});
