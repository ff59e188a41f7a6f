/**
 * The API's lists and master-data reads through API Gateway v2 events on DynamoDB Local: the
 * paging convention (docs/api.md, "Paging") on every list, and the reads the console needs.
 * Figures are worked out by hand next to each expectation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TableContext } from "../../functions/adapters/table/index.js";
import type { ErrorLogger, Problem } from "../../functions/api/http/problem.js";
import { createRouter, type HttpResult } from "../../functions/api/http/router.js";
import { apiRoutes } from "../../functions/api/routes.js";
import { noMetrics, silentLog } from "../../functions/shared/ports.js";
import { type Claims, DEFAULT_CLAIMS, httpEvent } from "../fixtures/apigw.js";
import { addStock, NOW, seedMasterData } from "../fixtures/plant.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";

let clients: TestClients;
let table: TableContext;
let route: (event: ReturnType<typeof httpEvent>) => Promise<HttpResult>;
const unexpected: unknown[] = [];
const logger: ErrorLogger = { error: (message, attributes) => unexpected.push({ message, ...attributes }) };

beforeAll(() => {
  clients = testClients();
  table = { ddb: clients.ddb, tableName: clients.tableName };
  // Lists and reads touch no queue or topic: these contexts are never sent to.
  const nowhere = { sqs: clients.sqs, url: `${clients.sqsEndpoint}/000000000000/none.fifo` };
  route = createRouter(
    apiRoutes({
      table,
      postings: nowhere,
      closeRequests: nowhere,
      topic: { sns: clients.sns, topicArn: clients.reorderTopicArn },
      now: () => new Date(NOW),
      log: silentLog,
      metrics: noMetrics,
    }),
    { logger },
  );
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
