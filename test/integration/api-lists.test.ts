/**
 * The API's lists and master-data reads through API Gateway v2 events on DynamoDB Local: the
 * paging convention (docs/api.md, "Paging") on every list, and the reads the console needs.
 * Figures are worked out by hand next to each expectation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getOrder, saveOrder, type TableContext } from "../../functions/adapters/table/index.js";
import type { ErrorLogger, Problem } from "../../functions/api/http/problem.js";
import type { HttpResult } from "../../functions/api/http/router.js";
import { testApiRouter } from "../fixtures/api.js";
import { type Claims, DEFAULT_CLAIMS, httpEvent } from "../fixtures/apigw.js";
import { addStock, NOW, seedMasterData } from "../fixtures/plant.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";

let clients: TestClients;
let table: TableContext;
let route: (event: ReturnType<typeof httpEvent>) => Promise<HttpResult>;
const unexpected: unknown[] = [];
const logger: ErrorLogger = {
  error: (message, attributes) => {
    console.error(message, attributes);
    unexpected.push({ message, ...attributes });
  },
};

beforeAll(() => {
  clients = testClients();
  table = { ddb: clients.ddb, tableName: clients.tableName };
  // Lists and reads touch no queue or topic: these contexts are never sent to.
  const nowhere = { sqs: clients.sqs, url: `${clients.sqsEndpoint}/000000000000/none.fifo` };
  route = testApiRouter(clients, { logger, deps: { table, postings: nowhere, closeRequests: nowhere } });
});
afterAll(() => {
  clients.destroy();
  expect(unexpected).toEqual([]);
});

interface Response {
  readonly status: number;
  readonly body: unknown;
}

const claimsFor = (plant: string): Claims => ({ ...DEFAULT_CLAIMS, plants: `[${plant}]` });

async function get(
  routeKey: string,
  plant: string,
  options: { params?: Record<string, string>; query?: Record<string, string> } = {},
): Promise<Response> {
  const result = await route(
    httpEvent({
      routeKey,
      pathParameters: { plant, ...options.params },
      claims: claimsFor(plant),
      ...(options.query && { queryStringParameters: options.query }),
    }),
  );
  return {
    status: result.statusCode ?? 0,
    body: result.body ? (JSON.parse(result.body) as unknown) : undefined,
  };
}

interface PageBody {
  items: Record<string, unknown>[];
  next: string | null;
}

function page(res: Response): PageBody {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const body = res.body as PageBody;
  expect(Object.keys(body).sort()).toEqual(["items", "next"]);
  return body;
}

function problemAt(res: Response, path: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  const body = res.body as Problem;
  expect(body.code).toBe("VALIDATION_FAILED");
  expect(body.errors?.map((e) => e.path)).toContain(path);
}

const STOCK = "GET /v1/plants/{plant}/stock";
const BACKLOG = "GET /v1/plants/{plant}/backlog";
const REORDERS = "GET /v1/plants/{plant}/reorders";

describe("paging: GET stock of the whole plant", () => {
  const plant = freshPlant();
  beforeAll(async () => {
    await seedMasterData(table, plant);
    await addStock(table, plant, "RIM", "RAW", "100");
    await addStock(table, plant, "RIM", "MACH-01", "5");
    await addStock(table, plant, "ADH", "RAW", "2.5");
    await addStock(table, plant, "TAPE", "MAIN", "7");
  });

  // Index order material@location: ADH@RAW < RIM@MACH-01 < RIM@RAW < TAPE@MAIN.
  // Values at standard price: 2.5 × 4.00 = 10.00; 5 × 0.85 = 4.25; 100 × 0.85 = 85.00; 7 × 0.10 = 0.70.
  const ALL = [
    { material: "ADH", location: "RAW", onHand: "2.500", value: "10.00" },
    { material: "RIM", location: "MACH-01", onHand: "5.00", value: "4.25" },
    { material: "RIM", location: "RAW", onHand: "100.00", value: "85.00" },
    { material: "TAPE", location: "MAIN", onHand: "7", value: "0.70" },
  ];

  it("answers one page of everything by default, next null", async () => {
    expect(page(await get(STOCK, plant))).toEqual({ items: ALL, next: null });
  });

  it("pages by limit with the next cursor; the last page's next is null", async () => {
    const first = page(await get(STOCK, plant, { query: { limit: "2" } }));
    expect(first.items).toEqual(ALL.slice(0, 2));
    expect(first.next).toEqual(expect.any(String));
    const second = page(await get(STOCK, plant, { query: { limit: "2", cursor: String(first.next) } }));
    expect(second).toEqual({ items: ALL.slice(2), next: null });
    const ones: unknown[] = [];
    let cursor: string | null = null;
    do {
      const p: PageBody = page(await get(STOCK, plant, { query: { limit: "1", ...(cursor && { cursor }) } }));
      ones.push(...p.items);
      cursor = p.next;
    } while (cursor);
    expect(ones).toEqual(ALL);
  });

  it("pages one material's stock by location", async () => {
    const first = page(await get(STOCK, plant, { query: { material: "RIM", limit: "1" } }));
    expect(first.items).toEqual([ALL[1]]);
    const second = page(
      await get(STOCK, plant, { query: { material: "RIM", limit: "1", cursor: String(first.next) } }),
    );
    expect(second).toEqual({ items: [ALL[2]], next: null });
  });

  it("takes limit 1 and 1000 and refuses 0, 1001, 2.5 and words with a 400 at query.limit", async () => {
    expect(page(await get(STOCK, plant, { query: { limit: "1000" } })).items).toEqual(ALL);
    expect(page(await get(STOCK, plant, { query: { limit: "1" } })).items).toEqual([ALL[0]]);
    for (const limit of ["0", "1001", "2.5", "ten", "", "-1", "1e2"]) {
      problemAt(await get(STOCK, plant, { query: { limit } }), "query.limit");
    }
  });

  it("refuses a cursor of another plant, another list or another material with a 400 at query.cursor", async () => {
    const { next } = page(await get(STOCK, plant, { query: { limit: "1" } }));
    const cursor = String(next);
    const other = freshPlant();
    problemAt(await get(STOCK, other, { query: { cursor } }), "query.cursor");
    problemAt(await get(STOCK, plant, { query: { material: "RIM", cursor } }), "query.cursor");
    problemAt(await get(BACKLOG, plant, { query: { cursor } }), "query.cursor");
    problemAt(await get(REORDERS, plant, { query: { cursor } }), "query.cursor");
    const rimCursor = String(page(await get(STOCK, plant, { query: { material: "RIM", limit: "1" } })).next);
    problemAt(await get(STOCK, plant, { query: { material: "ADH", cursor: rimCursor } }), "query.cursor");
    for (const junk of ["x", "%%%", "A".repeat(2049)]) {
      problemAt(await get(STOCK, plant, { query: { cursor: junk } }), "query.cursor");
    }
  });

  it("answers an empty plant with an empty page", async () => {
    const empty = freshPlant();
    for (const list of [STOCK, BACKLOG, REORDERS]) {
      expect(page(await get(list, empty))).toEqual({ items: [], next: null });
    }
  });
});

describe("orders without a due date (issue 11 point 17)", () => {
  it("releases one with 201 and dueDate null, and reads it back the same", async () => {
    const plant = freshPlant();
    await seedMasterData(table, plant);
    const result = await route(
      httpEvent({
        routeKey: "POST /v1/plants/{plant}/orders",
        pathParameters: { plant },
        claims: claimsFor(plant),
        body: { order: "2000001", material: "LID", qty: "1000" },
      }),
    );
    expect(result.statusCode, result.body).toBe(201);
    expect(JSON.parse(result.body ?? "{}")).toMatchObject({ order: "2000001", qty: "1000", dueDate: null });
    const read = await get("GET /v1/plants/{plant}/orders/{order}", plant, { params: { order: "2000001" } });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ order: "2000001", status: "released", dueDate: null });
  });
});

describe("GET orders: summaries, newest release first, by status and material, paged", () => {
  const plant = freshPlant();
  let clock = Date.parse(NOW);
  let releasing: (event: ReturnType<typeof httpEvent>) => Promise<HttpResult>;

  beforeAll(async () => {
    await seedMasterData(table, plant);
    // A router whose clock moves one minute per release, so release times differ.
    const none = { sqs: clients.sqs, url: "http://127.0.0.1:1/none" };
    releasing = testApiRouter(clients, {
      logger,
      deps: { table, postings: none, closeRequests: none, now: () => new Date(clock) },
    });
    for (const body of [
      { order: "O-1", material: "LID", qty: "1000", dueDate: "2026-12-01" },
      { order: "O-2", material: "RIM", qty: "50.5" },
      { order: "O-3", material: "LID", qty: "3000" },
      { order: "O-4", material: "LID", qty: "4000", dueDate: "2026-12-24" },
    ]) {
      clock += 60_000;
      const res = await releasing(
        httpEvent({
          routeKey: "POST /v1/plants/{plant}/orders",
          pathParameters: { plant },
          claims: claimsFor(plant),
          body,
        }),
      );
      expect(res.statusCode, res.body).toBe(201);
    }
    // O-1 completes: its write moves it to the completed partition of the orders index.
    const stored = await getOrder(table, plant, "O-1");
    if (!stored) throw new Error("O-1 not released");
    await saveOrder(table, stored, {
      ...stored.order,
      state: { ...stored.order.state, status: "completed" },
    });
  });

  const ORDERS = "GET /v1/plants/{plant}/orders";
  // Quantities to the product's decimals (LID 0, RIM 2); nothing received, no WIP yet.
  const O4 = {
    order: "O-4",
    material: "LID",
    qty: "4000",
    status: "released",
    dueDate: "2026-12-24",
    receivedQty: "0",
    wip: "0.00",
  };
  const O3 = {
    order: "O-3",
    material: "LID",
    qty: "3000",
    status: "released",
    dueDate: null,
    receivedQty: "0",
    wip: "0.00",
  };
  const O2 = {
    order: "O-2",
    material: "RIM",
    qty: "50.50",
    status: "released",
    dueDate: null,
    receivedQty: "0.00",
    wip: "0.00",
  };
  const O1 = {
    order: "O-1",
    material: "LID",
    qty: "1000",
    status: "completed",
    dueDate: "2026-12-01",
    receivedQty: "0",
    wip: "0.00",
  };

  it("lists every order newest release first, across statuses", async () => {
    expect(page(await get(ORDERS, plant))).toEqual({ items: [O4, O3, O2, O1], next: null });
  });

  it("pages by limit across the status partitions; the last page's next is null", async () => {
    const first = page(await get(ORDERS, plant, { query: { limit: "3" } }));
    expect(first.items).toEqual([O4, O3, O2]);
    const second = page(await get(ORDERS, plant, { query: { limit: "3", cursor: String(first.next) } }));
    expect(second).toEqual({ items: [O1], next: null });
  });

  it("filters by status and by material, each paged", async () => {
    expect(page(await get(ORDERS, plant, { query: { status: "released" } })).items).toEqual([O4, O3, O2]);
    expect(page(await get(ORDERS, plant, { query: { status: "completed" } })).items).toEqual([O1]);
    expect(page(await get(ORDERS, plant, { query: { status: "closed" } }))).toEqual({
      items: [],
      next: null,
    });
    expect(page(await get(ORDERS, plant, { query: { material: "RIM" } })).items).toEqual([O2]);
    const lid = page(
      await get(ORDERS, plant, { query: { status: "released", material: "LID", limit: "1" } }),
    );
    expect(lid.items).toEqual([O4]);
    const lid2 = page(
      await get(ORDERS, plant, {
        query: { status: "released", material: "LID", limit: "1", cursor: String(lid.next) },
      }),
    );
    expect(lid2).toEqual({ items: [O3], next: null });
  });

  it("refuses an unknown status, a material that is no identifier and a foreign cursor with a 400", async () => {
    problemAt(await get(ORDERS, plant, { query: { status: "open" } }), "query.status");
    problemAt(await get(ORDERS, plant, { query: { material: "constructor" } }), "query.material");
    const stockCursor = String(page(await get(STOCK, plant, { query: { limit: "1" } })).next ?? "eA");
    problemAt(await get(ORDERS, plant, { query: { cursor: stockCursor } }), "query.cursor");
    const { next } = page(await get(ORDERS, plant, { query: { limit: "1" } }));
    problemAt(await get(ORDERS, freshPlant(), { query: { cursor: String(next) } }), "query.cursor");
  });
});

describe("master-data reads: lists paged, one item as stored, 404 when absent", () => {
  const plant = freshPlant();
  beforeAll(() => seedMasterData(table, plant));

  // test/fixtures/plant.ts as stored: decimals without trailing zeros, defaults as given.
  const ADH = {
    material: "ADH",
    description: "Adhesive",
    uom: "KG",
    decimals: 3,
    standardPrice: "4",
    currency: "USD",
    defaultLocation: "RAW",
    shortage: "split",
  };
  const RIM = {
    material: "RIM",
    description: "Rim base",
    uom: "M",
    decimals: 2,
    standardPrice: "0.85",
    currency: "USD",
    defaultLocation: "RAW",
    shortage: "backlog",
    reorder: { reorderPoint: "500", policy: "fixed", lotSize: "2000", leadTimeDays: 5 },
  };

  it("lists materials in id order a page at a time", async () => {
    const first = page(await get("GET /v1/plants/{plant}/materials", plant, { query: { limit: "2" } }));
    expect(first.items.map((m) => m.material)).toEqual(["ADH", "LID"]);
    expect(first.items[0]).toEqual(ADH);
    const second = page(
      await get("GET /v1/plants/{plant}/materials", plant, {
        query: { limit: "2", cursor: String(first.next) },
      }),
    );
    expect(second.items.map((m) => m.material)).toEqual(["RIM", "TAPE"]);
    expect(second.next).toBeNull();
    expect(second.items[0]).toEqual(RIM);
  });

  it("reads one material, work center, BOM and routing as stored", async () => {
    const one = (routeKey: string, params: Record<string, string>) => get(routeKey, plant, { params });
    expect((await one("GET /v1/plants/{plant}/materials/{material}", { material: "RIM" })).body).toEqual(RIM);
    expect((await one("GET /v1/plants/{plant}/work-centers/{wc}", { wc: "PRESS" })).body).toEqual({
      workCenter: "PRESS",
      description: "Press",
      rates: { labor: "45", machine: "30" },
    });
    expect(page(await get("GET /v1/plants/{plant}/work-centers", plant)).items).toEqual([
      { workCenter: "PRESS", description: "Press", rates: { labor: "45", machine: "30" } },
    ]);
    const bom = (await one("GET /v1/plants/{plant}/boms/{material}", { material: "LID" })).body as {
      baseQty: string;
      items: unknown[];
    };
    expect(bom.baseQty).toBe("1000");
    expect(bom.items[0]).toEqual({
      item: "0010",
      component: "RIM",
      qty: "250",
      scrapPct: "0",
      operation: "0010",
      location: "MACH-01",
      backflush: true,
      fixedQty: false,
    });
    expect((await one("GET /v1/plants/{plant}/routings/{material}", { material: "LID" })).body).toEqual({
      material: "LID",
      operations: [
        {
          op: "0010",
          workCenter: "PRESS",
          hoursPerUnit: { labor: "0.001", machine: "0.002" },
          setupHours: { labor: "0.5" },
        },
      ],
    });
  });

  it("answers 404 NOT_FOUND for what is not there", async () => {
    for (const [routeKey, params] of [
      ["GET /v1/plants/{plant}/materials/{material}", { material: "GHOST" }],
      ["GET /v1/plants/{plant}/work-centers/{wc}", { wc: "GHOST" }],
      ["GET /v1/plants/{plant}/boms/{material}", { material: "RIM" }],
      ["GET /v1/plants/{plant}/routings/{material}", { material: "TAPE" }],
    ] as const) {
      const res = await get(routeKey, plant, { params });
      expect(res.status, routeKey).toBe(404);
      expect((res.body as Problem).code).toBe("NOT_FOUND");
    }
  });

  it("reads back what a PUT answered", async () => {
    const fresh = freshPlant();
    const body = { description: "Glue", uom: "KG", decimals: 3, standardPrice: "4.10", currency: "EUR" };
    const put = await route(
      httpEvent({
        routeKey: "PUT /v1/plants/{plant}/materials/{material}",
        pathParameters: { plant: fresh, material: "GLUE" },
        claims: claimsFor(fresh),
        body,
      }),
    );
    expect(put.statusCode).toBe(200);
    const read = await get("GET /v1/plants/{plant}/materials/{material}", fresh, {
      params: { material: "GLUE" },
    });
    expect(read.body).toEqual(JSON.parse(put.body ?? "{}"));
    expect(read.body).toMatchObject({ material: "GLUE", standardPrice: "4.1", shortage: "backlog" });
  });
});
