/**
 * The period routes through the API (router as functions/api/handler.ts builds it) on DynamoDB
 * Local and a private moto queue set: closes in order (docs/rules.md#closes-in-order), the
 * report's paged orders and the open period's report to date (docs/api.md#periods). Figures by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec } from "../../domain/index.js";
import type { TableContext } from "../../functions/adapters/table/index.js";
import type { ErrorLogger, Problem } from "../../functions/api/http/problem.js";
import { postConfirmation } from "../../functions/use-cases/post-confirmation.js";
import { createQueues, type QueueUrls } from "../../local/services/provision.js";
import { testApiRouter } from "../fixtures/api.js";
import { DEFAULT_CLAIMS, httpEvent } from "../fixtures/apigw.js";
import { releaseOrder } from "../fixtures/plant.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { closeHarness, closePeriod } from "../support/close.js";
import { postingDeps } from "../support/posting.js";

let clients: TestClients;
let table: TableContext;
let queues: QueueUrls;
/** The API's clock: each test sets the moment its requests happen. */
let now = "2026-10-15T08:00:00.000Z";
const unexpected: unknown[] = [];

beforeAll(async () => {
  clients = testClients();
  table = { ddb: clients.ddb, tableName: clients.tableName };
  queues = await createQueues(clients.sqsEndpoint, `${freshPlant("periods")}-`);
});
afterAll(() => {
  clients.destroy();
  expect(unexpected).toEqual([]);
});

const logger: ErrorLogger = {
  error(message, attributes) {
    unexpected.push({ message, ...attributes });
  },
};

interface Response {
  readonly status: number;
  readonly headers: Record<string, string | number | boolean>;
  readonly body: unknown;
}

async function call(
  routeKey: string,
  plant: string,
  options: { params?: Record<string, string>; body?: unknown; query?: Record<string, string> } = {},
): Promise<Response> {
  const router = testApiRouter(clients, { queues, logger, deps: { table, now: () => new Date(now) } });
  const result = await router(
    httpEvent({
      routeKey,
      pathParameters: { plant, ...options.params },
      claims: { ...DEFAULT_CLAIMS, plants: `[${plant}]`, roles: "[operator planner controller]" },
      ...(options.body !== undefined && { body: options.body }),
      ...(options.query && { queryStringParameters: options.query }),
    }),
  );
  const text = result.body ?? "";
  const json = String(result.headers?.["content-type"] ?? "").includes("json");
  return {
    status: result.statusCode ?? 0,
    headers: result.headers ?? {},
    body: text === "" ? undefined : json ? (JSON.parse(text) as unknown) : text,
  };
}

function ok(res: Response, status: number): unknown {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

function problem(res: Response, status: number, code: string): Problem {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers["content-type"]).toBe("application/problem+json");
  const body = res.body as Problem;
  expect(body.code).toBe(code);
  return body;
}

const R = {
  material: "PUT /v1/plants/{plant}/materials/{material}",
  workCenter: "PUT /v1/plants/{plant}/work-centers/{wc}",
  bom: "PUT /v1/plants/{plant}/boms/{material}",
  routing: "PUT /v1/plants/{plant}/routings/{material}",
  receipt: "POST /v1/plants/{plant}/goods-receipts",
  close: "POST /v1/plants/{plant}/periods/{period}/close",
  report: "GET /v1/plants/{plant}/periods/{period}",
} as const;

const glue = {
  description: "Glue",
  uom: "KG",
  decimals: 3,
  standardPrice: "4.00",
  currency: "USD",
  defaultLocation: "MACH-01",
};

/** Run the queued close the way the close worker does (the API only locks and enqueues). */
async function runQueuedClose(plant: string, period: string) {
  const { runClose } = await import("../../functions/use-cases/period-close.js");
  const h = closeHarness(table, now);
  const result = await runClose(h.deps, plant, period);
  expect(result.status).toBe("closed");
}

describe("closes in order", () => {
  it("refuses to close November while October has postings and is open, naming October", async () => {
    const plant = freshPlant();
    now = "2026-10-15T08:00:00.000Z";
    ok(await call(R.material, plant, { params: { material: "GLUE" }, body: glue }), 200);
    // October: 10 kg at standard, Dr RAW_MATERIALS 40.00 / Cr GRIR 40.00.
    ok(
      await call(R.receipt, plant, {
        body: { receiptId: "GR-OCT", material: "GLUE", location: "MACH-01", qty: "10" },
      }),
      201,
    );
    now = "2026-11-20T08:00:00.000Z";
    ok(
      await call(R.receipt, plant, {
        body: { receiptId: "GR-NOV", material: "GLUE", location: "MACH-01", qty: "5" },
      }),
      201,
    );

    now = "2026-12-01T02:15:00.000Z";
    const refused = problem(await call(R.close, plant, { params: { period: "2026-11" } }), 409, "CONFLICT");
    expect(refused.detail).toContain("2026-10");
    // Nothing was locked: November still takes postings and reads as open.
    expect(ok(await call(R.report, plant, { params: { period: "2026-11" } }), 200)).toMatchObject({
      status: "open",
    });

    expect(ok(await call(R.close, plant, { params: { period: "2026-10" } }), 202)).toEqual({
      plant,
      period: "2026-10",
      status: "closing",
    });
    // While October is closing it is still not closed.
    problem(await call(R.close, plant, { params: { period: "2026-11" } }), 409, "CONFLICT");
    await runQueuedClose(plant, "2026-10");
    expect(ok(await call(R.report, plant, { params: { period: "2026-10" } }), 200)).toMatchObject({
      status: "closed",
      journal: [
        { account: "RAW_MATERIALS", debit: "40.00", credit: "0.00" },
        { account: "GRIR", debit: "0.00", credit: "40.00" },
      ],
    });
    expect(ok(await call(R.close, plant, { params: { period: "2026-11" } }), 202)).toMatchObject({
      status: "closing",
    });
  });

  it("lets a period close when the earlier ones have no postings", async () => {
    const plant = freshPlant();
    now = "2026-11-20T08:00:00.000Z";
    ok(await call(R.material, plant, { params: { material: "GLUE" }, body: glue }), 200);
    ok(
      await call(R.receipt, plant, {
        body: { receiptId: "GR-NOV", material: "GLUE", location: "MACH-01", qty: "5" },
      }),
      201,
    );
    now = "2026-12-01T02:15:00.000Z";
    expect(ok(await call(R.close, plant, { params: { period: "2026-11" } }), 202)).toMatchObject({
      status: "closing",
    });
  });
});

/**
 * PROD (11.00, FG) from COMP (1 per unit, 10.00 at MACH-01), one operation 0010 on WC-B with
 * labour 0.02 h per unit at 100.00. Orders O-1 (qty 10), O-2 (50), O-3 (5), all released in
 * November; more plain orders on request.
 */
async function reportPlant(extraOrders = 0): Promise<string> {
  const plant = freshPlant();
  now = "2026-11-10T08:00:00.000Z";
  ok(
    await call(R.material, plant, {
      params: { material: "COMP" },
      body: { ...glue, uom: "PC", decimals: 0, standardPrice: "10.00" },
    }),
    200,
  );
  ok(
    await call(R.material, plant, {
      params: { material: "PROD" },
      body: { ...glue, uom: "PC", decimals: 0, standardPrice: "11.00", defaultLocation: "FG" },
    }),
    200,
  );
  ok(
    await call(R.workCenter, plant, {
      params: { wc: "WC-B" },
      body: { description: "WC-B", rates: { labor: "100.00" } },
    }),
    200,
  );
  ok(
    await call(R.bom, plant, {
      params: { material: "PROD" },
      body: {
        baseQty: "1",
        items: [{ item: "0010", component: "COMP", qty: "1", operation: "0010", location: "MACH-01" }],
      },
    }),
    200,
  );
  ok(
    await call(R.routing, plant, {
      params: { material: "PROD" },
      body: { operations: [{ op: "0010", workCenter: "WC-B", hoursPerUnit: { labor: "0.02" } }] },
    }),
    200,
  );
  for (const [order, qty] of [
    ["O-1", "10"],
    ["O-2", "50"],
    ["O-3", "5"],
  ] as const)
    await releaseOrder(table, plant, { order, material: "PROD", qty: dec(qty) });
  for (let i = 1; i <= extraOrders; i++)
    await releaseOrder(table, plant, {
      order: `X-${String(i).padStart(2, "0")}`,
      material: "PROD",
      qty: dec("1"),
    });
  return plant;
}

/** November to date: a receipt with PPV, a completed order, one in process, one untouched. */
async function novemberPostings(plant: string) {
  // 100 COMP at 10.50: Dr RAW_MATERIALS 1000.00, Dr PURCHASE_PRICE_VARIANCE 50.00 / Cr GRIR 1050.00.
  ok(
    await call(R.receipt, plant, {
      body: { receiptId: "GR-1", material: "COMP", location: "MACH-01", qty: "100", unitCost: "10.50" },
    }),
    201,
  );
  const posting = postingDeps(table, "2026-11-20T08:00:00.000Z");
  // O-1: yield 10 → COMP 10 × 10.00 = 100.00, labour 0.2 h × 100.00 = 20.00, receipt 10 × 11.00 = 110.00:
  // WIP 10.00, completed. O-2: yield 20 → 200.00 + 40.00 − 220.00: WIP 20.00, in process.
  for (const [order, qty] of [
    ["O-1", "10"],
    ["O-2", "20"],
  ] as const) {
    expect(
      await postConfirmation(
        posting,
        plant,
        {
          confirmationId: `${order}-C`,
          order,
          operation: "0010",
          yield: qty,
          scrap: "0",
          postingDate: "2026-11-20",
        },
        "2026-11-20T08:00:00.000Z",
      ),
    ).toMatchObject({ status: "posted" });
  }
}

const zero = { total: "0.00", scrap: "0.00", usage: "0.00", other: "0.00", byWorkCenter: [] };

describe("an open period's report", () => {
  it("is the period to date: WIP per order, the journal so far (balanced), turnover so far, no variance", async () => {
    const plant = await reportPlant();
    await novemberPostings(plant);
    now = "2026-11-25T08:00:00.000Z";
    const report = ok(await call(R.report, plant, { params: { period: "2026-11" } }), 200);
    expect(report).toEqual({
      plant,
      period: "2026-11",
      status: "open",
      currency: "USD",
      orders: [
        { order: "O-1", material: "PROD", status: "completed", wip: "10.00", variance: zero },
        { order: "O-2", material: "PROD", status: "in_process", wip: "20.00", variance: zero },
        { order: "O-3", material: "PROD", status: "released", wip: "0.00", variance: zero },
      ],
      next: null,
      wipTotal: "30.00",
      varianceTotal: "0.00",
      varianceByWorkCenter: [],
      ledgerDigest: null,
      // RAW Dr 1000.00 / Cr 100.00 + 200.00; WIP Dr 100.00 + 20.00 + 200.00 + 40.00 / Cr 110.00 + 220.00;
      // FG Dr 330.00; APPLIED_LABOR Cr 60.00; GRIR Cr 1050.00; PPV Dr 50.00. Dr 1740.00 = Cr 1740.00.
      journal: [
        { account: "RAW_MATERIALS", debit: "1000.00", credit: "300.00" },
        { account: "WIP", debit: "360.00", credit: "330.00" },
        { account: "FINISHED_GOODS", debit: "330.00", credit: "0.00" },
        { account: "APPLIED_LABOR", debit: "0.00", credit: "60.00" },
        { account: "GRIR", debit: "0.00", credit: "1050.00" },
        { account: "PURCHASE_PRICE_VARIANCE", debit: "50.00", credit: "0.00" },
      ],
      // COMP: 70 on hand now (700.00), +70 in November → opening 0; issued 300.00 over an
      // average of 350.00 = 0.857… → 0.86. PROD has a BOM and issued nothing: no line.
      inventoryTurnover: [
        { material: "COMP", issuedValue: "300.00", averageValue: "350.00", turnover: "0.86" },
      ],
      backlogOpen: 0,
    });
  });

  it("pages its orders while its totals stay whole", async () => {
    const plant = await reportPlant();
    await novemberPostings(plant);
    now = "2026-11-25T08:00:00.000Z";
    const first = ok(
      await call(R.report, plant, { params: { period: "2026-11" }, query: { limit: "2" } }),
      200,
    ) as Record<string, unknown>;
    expect((first.orders as { order: string }[]).map((o) => o.order)).toEqual(["O-1", "O-2"]);
    expect(first.next).toEqual(expect.any(String));
    expect(first.wipTotal).toBe("30.00");
    const second = ok(
      await call(R.report, plant, {
        params: { period: "2026-11" },
        query: { limit: "2", cursor: String(first.next) },
      }),
      200,
    ) as Record<string, unknown>;
    expect((second.orders as { order: string }[]).map((o) => o.order)).toEqual(["O-3"]);
    expect(second.next).toBeNull();
    expect({ ...second, orders: [], next: null }).toEqual({ ...first, orders: [], next: null });
  });

  it("pages its CSV the same way, the next cursor in x-next-cursor", async () => {
    const plant = await reportPlant();
    await novemberPostings(plant);
    now = "2026-11-25T08:00:00.000Z";
    const csv = (query: Record<string, string>) =>
      call(R.report, plant, {
        params: { period: "2026-11" },
        query: { format: "csv", limit: "2", ...query },
      });
    const orderIds = (body: unknown) =>
      String(body)
        .split("\r\n")
        .filter((line) => line.startsWith("order,"))
        .map((line) => line.split(",")[6]);
    const first = await csv({});
    expect(first.status).toBe(200);
    expect(orderIds(first.body)).toEqual(["O-1", "O-2"]);
    const next = first.headers["x-next-cursor"];
    expect(next).toEqual(expect.any(String));
    const second = await csv({ cursor: String(next) });
    expect(orderIds(second.body)).toEqual(["O-3"]);
    expect(second.headers["x-next-cursor"]).toBeUndefined();
  });
});

describe("a closed period's report", () => {
  it("pages the stored rows across the close's row items, totals whole; a foreign cursor is a 400", async () => {
    // O-1..O-3 and X-01..X-05, closed in transactions of 2 orders: rows in 4 stored items.
    const plant = await reportPlant(5);
    await novemberPostings(plant);
    now = "2026-12-01T02:15:00.000Z";
    const full = await closePeriod(closeHarness(table, now, { chunkSize: 2, pageSize: 3 }), plant, "2026-11");
    const ids = ["O-1", "O-2", "O-3", "X-01", "X-02", "X-03", "X-04", "X-05"];
    expect(full.orders.map((o) => o.order)).toEqual(ids);
    // O-1 settles: V = 10.00, all other (roll-up 12.00 against 11.00 → 10 × 1.00).
    expect(full.orders[0]).toEqual({
      order: "O-1",
      material: "PROD",
      status: "closed",
      wip: "0.00",
      variance: { total: "10.00", scrap: "0.00", usage: "0.00", other: "10.00", byWorkCenter: [] },
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 1; ; pages++) {
      const query: Record<string, string> = { limit: "3", ...(cursor ? { cursor } : {}) };
      const page = ok(await call(R.report, plant, { params: { period: "2026-11" }, query }), 200) as Record<
        string,
        unknown
      >;
      expect({ ...page, orders: [], next: null }).toEqual({ ...full, orders: [], next: null });
      seen.push(...(page.orders as { order: string }[]).map((o) => o.order));
      if (page.next === null) {
        expect(pages).toBe(3);
        break;
      }
      cursor = String(page.next);
    }
    expect(seen).toEqual(ids);

    const first = ok(
      await call(R.report, plant, { params: { period: "2026-11" }, query: { limit: "3" } }),
      200,
    ) as Record<string, unknown>;
    const foreign = problem(
      await call(R.report, plant, { params: { period: "2026-10" }, query: { cursor: String(first.next) } }),
      400,
      "VALIDATION_FAILED",
    );
    expect(foreign.errors?.[0]?.path).toBe("query.cursor");
    problem(
      await call(R.report, plant, { params: { period: "2026-11" }, query: { cursor: "bm90LWEtY3Vyc29y" } }),
      400,
      "VALIDATION_FAILED",
    );
    problem(
      await call(R.report, plant, { params: { period: "2026-11" }, query: { limit: "0" } }),
      400,
      "VALIDATION_FAILED",
    );
  });
});
