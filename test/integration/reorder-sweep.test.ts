/**
 * Reorders on the state, not on a change (docs/rules.md#reorder), on DynamoDB Local: a run of
 * scope `all` (POST reorders/run, the daily sweep) orders every material at or below its point
 * whatever brought it there: a count, lines held back in the backlog, a raised reorder point,
 * reorder settings added to a material already below it. The frequent run (`changed`) sees only
 * what the change index flagged. Figures worked out by hand next to each expectation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec, type Material } from "../../domain/index.js";
import {
  putBom,
  putMaterial,
  type ReorderStore,
  reorderStore,
  type TableContext,
} from "../../functions/adapters/table/index.js";
import { noMetrics, silentLog } from "../../functions/common/ports.js";
import { postConfirmation } from "../../functions/use-cases/post-confirmation.js";
import { type ReorderDeps, runReorders } from "../../functions/use-cases/reorder.js";
import { postInventoryCount } from "../../functions/use-cases/stock-postings.js";
import { testApiRouter } from "../fixtures/api.js";
import { DEFAULT_CLAIMS, httpEvent } from "../fixtures/apigw.js";
import { addStock, releaseOrder } from "../fixtures/plant.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { postingDeps, stockPostingDeps } from "../support/posting.js";

const NOW = "2026-11-25T08:00:00.000Z";
const TODAY = "2026-11-25";

let clients: TestClients;
let table: TableContext;

beforeAll(() => {
  clients = testClients();
  table = { ddb: clients.ddb, tableName: clients.tableName };
});
afterAll(() => clients.destroy());

const reorder = (reorderPoint: string) =>
  ({ reorderPoint: dec(reorderPoint), policy: "fixed", lotSize: dec("100"), leadTimeDays: 5 }) as const;

/** RIM, metres, 2 decimals; fixed lots of 100 m when available ≤ the reorder point. */
const rim = (settings?: ReturnType<typeof reorder>): Omit<Material, "hasBom"> => ({
  material: "RIM",
  description: "Rim",
  uom: "M",
  decimals: 2,
  standardPrice: dec("0.50"),
  currency: "USD",
  defaultLocation: "RAW",
  shortage: "backlog",
  ...(settings ? { reorder: settings } : {}),
});

const deps = (store: ReorderStore = reorderStore(table)): ReorderDeps => ({
  store,
  now: () => new Date(NOW),
  log: silentLog,
  metrics: noMetrics,
  publish: async () => {},
  sleep: async () => {},
});

const apiEvent = (routeKey: string, plant: string) =>
  httpEvent({
    routeKey,
    pathParameters: { plant },
    claims: { ...DEFAULT_CLAIMS, plants: `[${plant}]`, roles: "[planner]" },
  });

const summary = (run: Awaited<ReturnType<typeof runReorders>>) =>
  run.created.map((r) => `${r.requisitionId} ${r.qty} (available ${r.available})`);

describe("a reorder run on the state", () => {
  it("orders after a count that drops the material under its point", async () => {
    const plant = freshPlant("SWP");
    await putMaterial(table, plant, rim(reorder("500")), NOW);
    await addStock(table, plant, "RIM", "RAW", "600");
    // 600 > 500: nothing to order.
    expect((await runReorders(deps(), plant, TODAY)).created).toEqual([]);

    await postInventoryCount(
      stockPostingDeps(table, NOW, async () => {}),
      plant,
      { countId: "CC-1", material: "RIM", location: "RAW", counted: dec("450") },
    );
    // 450 ≤ 500: floor((500 − 450) / 100) + 1 = 1 lot → 100.00. The loss flagged the item, so the
    // frequent run already orders it; the sweep after it finds it covered (450 + 100 = 550 > 500).
    expect(summary(await runReorders(deps(), plant, TODAY, "changed"))).toEqual([
      "REQ-RIM-000001 100.00 (available 450.00)",
    ]);
    expect((await runReorders(deps(), plant, TODAY, "all")).created).toEqual([]);
  });

  it("orders a material whose shortage sits in the backlog, which no issue flagged", async () => {
    const plant = freshPlant("SWP");
    await putMaterial(table, plant, rim(reorder("500")), NOW);
    await putMaterial(
      table,
      plant,
      {
        material: "LID",
        description: "Lid",
        uom: "PC",
        decimals: 0,
        standardPrice: dec("3.00"),
        currency: "USD",
        defaultLocation: "FG",
        shortage: "backlog",
      },
      NOW,
    );
    await putBom(
      table,
      plant,
      {
        material: "LID",
        baseQty: dec("1"),
        items: [
          {
            item: "0010",
            component: "RIM",
            qty: dec("2"),
            scrapPct: dec("0"),
            location: "MACH-01",
            backflush: true,
            fixedQty: false,
          },
        ],
      },
      NOW,
    );
    await addStock(table, plant, "RIM", "MACH-01", "100");
    await releaseOrder(table, plant, {
      order: "O-1",
      material: "LID",
      qty: dec("1000"),
      dueDate: "2026-12-15",
    });
    // 150 lids need 300 m of RIM at MACH-01, which holds 100: the line goes to the backlog whole.
    const outcome = await postConfirmation(
      postingDeps(table, NOW),
      plant,
      {
        confirmationId: "C-1",
        order: "O-1",
        operation: "0010",
        yield: "150",
        scrap: "0",
        postingDate: TODAY,
      },
      NOW,
    );
    expect(outcome).toMatchObject({ status: "posted_with_backlog" });
    // Nothing was issued, nothing flagged: the frequent run sees nothing.
    expect((await runReorders(deps(), plant, TODAY, "changed")).created).toEqual([]);
    // The sweep: 100 ≤ 500 → floor(400 / 100) + 1 = 5 lots → 500.00.
    expect(summary(await runReorders(deps(), plant, TODAY))).toEqual([
      "REQ-RIM-000001 500.00 (available 100.00)",
    ]);
  });

  it("orders after the reorder point is raised above the available quantity", async () => {
    const plant = freshPlant("SWP");
    await putMaterial(table, plant, rim(reorder("500")), NOW);
    await addStock(table, plant, "RIM", "RAW", "600");
    expect((await runReorders(deps(), plant, TODAY)).created).toEqual([]);
    await putMaterial(table, plant, rim(reorder("700")), NOW);
    expect((await runReorders(deps(), plant, TODAY, "changed")).created).toEqual([]);
    // POST reorders/run sweeps: 600 ≤ 700 → floor(100 / 100) + 1 = 2 lots → 200.00.
    const route = testApiRouter(clients);
    const run = await route(apiEvent("POST /v1/plants/{plant}/reorders/run", plant));
    expect(run.statusCode).toBe(200);
    expect(JSON.parse(run.body ?? "{}")).toMatchObject({
      created: [{ requisitionId: "REQ-RIM-000001", qty: "200.00", available: "600.00", receivedQty: "0.00" }],
    });
    const list = await route(apiEvent("GET /v1/plants/{plant}/reorders", plant));
    expect(JSON.parse(list.body ?? "{}")).toMatchObject({
      items: [{ requisitionId: "REQ-RIM-000001", status: "open", receivedQty: "0.00" }],
      next: null,
    });
  });

  it("orders a material that gets reorder settings while already below the point, and stops when they go", async () => {
    const plant = freshPlant("SWP");
    await putMaterial(table, plant, rim(), NOW);
    await addStock(table, plant, "RIM", "RAW", "300");
    expect((await runReorders(deps(), plant, TODAY)).created).toEqual([]);
    await putMaterial(table, plant, rim(reorder("500")), NOW);
    // 300 ≤ 500 → floor(200 / 100) + 1 = 3 lots → 300.00.
    expect(summary(await runReorders(deps(), plant, TODAY))).toEqual([
      "REQ-RIM-000001 300.00 (available 300.00)",
    ]);

    // Without reorder settings again a material leaves the sweep: 100 m of it, nothing ordered.
    const other = freshPlant("SWP");
    await putMaterial(table, other, rim(reorder("500")), NOW);
    await putMaterial(table, other, rim(), NOW);
    await addStock(table, other, "RIM", "RAW", "100");
    expect((await runReorders(deps(), other, TODAY)).created).toEqual([]);
  });

  it("pages through the reorderable materials, never reading more than a page at a time", async () => {
    const plant = freshPlant("SWP");
    // Five materials, each 100 m against a point of 500: each orders 5 lots, 500.00.
    const ids = ["M1", "M2", "M3", "M4", "M5"];
    for (const id of ids) {
      await putMaterial(table, plant, { ...rim(reorder("500")), material: id }, NOW);
      await addStock(table, plant, id, "RAW", "100");
    }
    // A material without settings is not in the index at all.
    await putMaterial(table, plant, { ...rim(), material: "M0" }, NOW);
    await addStock(table, plant, "M0", "RAW", "1");
    const paged = reorderStore(table, { pageSize: 2 });
    const pages: string[][] = [];
    const store: ReorderStore = {
      ...paged,
      reorderable: async (p, start) => {
        const page = await paged.reorderable(p, start);
        pages.push(page.materials);
        return page;
      },
    };
    const run = await runReorders(deps(store), plant, TODAY);
    expect(pages.filter((p) => p.length > 0)).toEqual([["M1", "M2"], ["M3", "M4"], ["M5"]]);
    expect(run.created.map((r) => `${r.requisitionId} ${r.qty}`)).toEqual(
      ids.map((id) => `REQ-${id}-000001 500.00`),
    );
  });
});
