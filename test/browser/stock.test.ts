/**
 * The Stock page: stock by material and location with negative on-hand flagged, and available against
 * reorder point as a table and a chart, each figure worked out by hand (docs/rules.md, Reorder:
 * available = on-hand at every location + qty − receivedQty of open requisitions).
 *
 * The test's own materials, in P100 beside the demo's:
 * - A (3 decimals, reorder point 100000, fixed lot 250000): 12250.25 at MACH-01, 70000 in RAW counted
 *   down to 60500.5 = 72750.750 on hand ≤ 100000, so the reorder run orders (floor(27249.25 / 250000) + 1) × 250000 =
 *   250000.000; a receipt of 50000 against it leaves 200000.000 open and 122750.750 on hand:
 *   available 322750.750, above the point.
 * - B (1 decimal, reorder point 40000), made after the run: 30000 on hand, none open, available
 *   30000.0 ≤ 40000: at the reorder point's alarm.
 * - C (no reorder, shortage `negative`): 3 at MACH-01, then 5 of its parent P (2 C each) confirmed:
 *   3 − 10 = −7 at MACH-01.
 * The chart (web/src/charts.ts: label column 150, bar area 340 wide, each row on its own scale, 340 /
 * the larger of available and reorder point): A's bar 340.00, its tick at 150 + 100000 × 340 /
 * 322750.75 = 255.34; B's bar 30000 × 340 / 40000 = 255.00, its tick at 150 + 340 = 490.00.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventually } from "../e2e/sandbox-process.js";
import { api, open, PLANT, type Session, screenshot, signedIn, token } from "./support.js";

const call = async (method: string, path: string, body?: unknown) => {
  const reply = await api()(method, `/v1/plants/${PLANT}${path}`, await token(["operator", "planner"]), body);
  expect(reply.status, `${method} ${path}: ${JSON.stringify(reply.body)}`).toBeLessThan(300);
  return reply.body;
};

const material = (decimals: number, extra: Record<string, unknown> = {}) => ({
  description: "browser test material",
  uom: "KG",
  decimals,
  standardPrice: "1.00",
  currency: "USD",
  defaultLocation: "RAW",
  ...extra,
});

describe("the Stock page", () => {
  let session: Session;
  beforeEach(async () => {
    session = await open();
  });
  afterEach(async () => {
    await session.close();
  });

  it("draws available against reorder point from hand-worked figures and flags negative on-hand", {
    timeout: 180_000,
  }, async () => {
    const run = randomUUID().slice(0, 6).toUpperCase();
    const [A, B, C, P] = ["A", "B", "C", "P"].map((x) => `LV${run}-${x}`) as [string, string, string, string];
    const receipt = (id: string, m: string, location: string, qty: string, reference?: string) =>
      call("POST", "/goods-receipts", {
        receiptId: `GR-${run}-${id}`,
        material: m,
        location,
        qty,
        unitCost: "1.00",
        ...(reference && { reference }),
      });

    await call(
      "PUT",
      `/materials/${A}`,
      material(3, {
        reorder: { reorderPoint: "100000", policy: "fixed", lotSize: "250000", leadTimeDays: 3 },
      }),
    );
    await receipt("A1", A, "MACH-01", "12250.25");
    await receipt("A2", A, "RAW", "70000");
    // A count loss is what puts a material before the next reorder run (docs/rules.md, Reorder).
    await call("POST", "/inventory-counts", {
      countId: `CC-${run}-A`,
      material: A,
      location: "RAW",
      counted: "60500.5",
    });
    await call("POST", "/reorders/run");
    const reqs = (await call("GET", "/reorders?limit=1000")) as {
      items: { requisitionId: string; material: string; qty: string }[];
    };
    const requisition = reqs.items.find((r) => r.material === A);
    expect(requisition?.qty).toBe("250000.000");
    await receipt("A3", A, "RAW", "50000", requisition?.requisitionId);

    await call(
      "PUT",
      `/materials/${B}`,
      material(1, { reorder: { reorderPoint: "40000", policy: "max", maxLevel: "90000", leadTimeDays: 3 } }),
    );
    await receipt("B1", B, "RAW", "30000");

    await call("PUT", `/materials/${C}`, material(0, { shortage: "negative" }));
    await call("PUT", `/materials/${P}`, material(0, { uom: "PC", defaultLocation: "FG" }));
    await call("PUT", `/boms/${P}`, {
      baseQty: "1",
      items: [{ item: "0010", component: C, qty: "2", operation: "0010", location: "MACH-01" }],
    });
    await call("PUT", `/routings/${P}`, {
      operations: [{ op: "0010", workCenter: "PRESS-1", hoursPerUnit: { labor: "0.001" } }],
    });
    await receipt("C1", C, "MACH-01", "3");
    await call("POST", "/orders", { order: `O${run}`, material: P, qty: "5", receivingLocation: "FG" });
    await call("POST", "/confirmations", {
      confirmationId: `C-${run}`,
      order: `O${run}`,
      operation: "0010",
      yield: "5",
    });
    await eventually(
      "the confirmation posted",
      async () => {
        const c = (await call("GET", `/confirmations/C-${run}`)) as { status: string };
        return c.status === "queued" ? undefined : c.status;
      },
      60_000,
    ).then((status) => expect(status).toBe("posted"));

    const page = await signedIn(session, await token(["planner"]), "#/stock");
    const levels = page.getByRole("table", { name: "Reorder points" });
    await levels.waitFor({ timeout: 60_000 });
    const cells = async (row: string) =>
      levels.getByRole("row").filter({ hasText: row }).locator("td").allTextContents();
    expect(await cells(A)).toEqual([A, "122750.750", "200000.000", "322750.750", "100000"]);
    expect(await cells(B)).toEqual([B, "30000.0", "0.0", "30000.0", "40000 reached"]);
    await expect(levels.getByRole("row").filter({ hasText: B }).getAttribute("class")).resolves.toBe(
      "negative",
    );

    const chart = page.getByRole("img", { name: "Available stock against reorder point" });
    const bar = (m: string) =>
      chart.locator("rect").filter({
        has: page.locator(`title:text-is("${m} available ${m === A ? "322750.750" : "30000.0"}")`),
      });
    const tick = (m: string, point: string) =>
      chart.locator("line").filter({ has: page.locator(`title:text-is("${m} reorder point ${point}")`) });
    await expect(bar(A).getAttribute("width")).resolves.toBe("340.00");
    await expect(bar(A).getAttribute("x")).resolves.toBe("150");
    await expect(bar(A).getAttribute("fill")).resolves.toBe("#15803d");
    await expect(tick(A, "100000").getAttribute("x1")).resolves.toBe("255.34");
    await expect(bar(B).getAttribute("width")).resolves.toBe("255.00");
    await expect(bar(B).getAttribute("fill")).resolves.toBe("#b91c1c");
    await expect(tick(B, "40000").getAttribute("x1")).resolves.toBe("490.00");
    const labels = await chart.locator("text").allTextContents();
    expect(labels).toEqual(
      expect.arrayContaining([A, B, "322750.750 / reorder 100000", "30000.0 / reorder 40000"]),
    );
    // A material without reorder settings has no bar.
    expect(labels).not.toContain(C);

    const stock = page.getByRole("table", { name: "Stock by material and location" });
    const minus = stock.getByRole("row").filter({ hasText: C }).filter({ hasText: "MACH-01" });
    await minus.waitFor();
    expect(await minus.locator("td").allTextContents()).toEqual([
      C,
      "MACH-01",
      "-7 negative",
      expect.any(String),
    ]);
    await expect(minus.getAttribute("class")).resolves.toBe("negative");
    const positive = stock.getByRole("row").filter({ hasText: A }).filter({ hasText: "RAW" });
    expect(await positive.locator("td").allTextContents()).toEqual([
      A,
      "RAW",
      "110500.500",
      expect.any(String),
    ]);
    await expect(positive.getAttribute("class")).resolves.toBeNull();
    await screenshot(page, "stock");
    expect(session.errors).toEqual([]);

    // A's requisition is still open: a planner may receive against it, an operator is not offered to.
    const receive = `Receive ${requisition?.requisitionId}`;
    await page.getByRole("link", { name: "Reorders", exact: true }).click();
    await page.getByRole("button", { name: receive }).waitFor({ timeout: 60_000 });
    const operator = await open();
    try {
      const other = await signedIn(operator, await token(["operator"]), "#/reorders");
      await other
        .getByRole("table", { name: "Requisitions" })
        .getByRole("row")
        .filter({ hasText: A })
        .waitFor();
      await expect(other.getByRole("button", { name: /^Receive / }).count()).resolves.toBe(0);
      await expect(other.getByRole("button", { name: "Run reorders" }).count()).resolves.toBe(0);
    } finally {
      await operator.close();
    }
  });
});
