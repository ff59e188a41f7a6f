/**
 * The period routes through the API (router as functions/api/handler.ts builds it) on DynamoDB
 * Local and a private moto queue set: closes in order (docs/rules.md#closes-in-order), the
 * report's paged orders and the open period's report to date (docs/api.md#periods). Figures by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TableContext } from "../../functions/adapters/table/index.js";
import type { ErrorLogger, Problem } from "../../functions/api/http/problem.js";
import { createRouter } from "../../functions/api/http/router.js";
import { apiRoutes } from "../../functions/api/routes.js";
import { noMetrics, silentLog } from "../../functions/shared/ports.js";
import { createQueues, type QueueUrls } from "../../local/services/provision.js";
import { DEFAULT_CLAIMS, httpEvent } from "../fixtures/apigw.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { closeHarness } from "../support/close.js";

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
  const router = createRouter(
    apiRoutes({
      table,
      postings: { sqs: clients.sqs, url: queues.postingsQueueUrl },
      closeRequests: { sqs: clients.sqs, url: queues.closeQueueUrl },
      topic: { sns: clients.sns, topicArn: clients.reorderTopicArn },
      now: () => new Date(now),
      log: silentLog,
      metrics: noMetrics,
    }),
    { logger },
  );
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
