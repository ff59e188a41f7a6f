/**
 * The HTTP API end to end through API Gateway v2 events: the router built exactly as
 * functions/api/handler.ts builds it, with injected clients against DynamoDB Local and a private moto
 * queue set, and the backflush worker run on the messages the API put on the FIFO queue.
 *
 * One plant walks through the contract in order (master data → order → receipts → confirmations →
 * worker → backlog → transfers → counts → reversal); the tests of the first describe build on each
 * other. Every expected figure is worked out by hand in the comment next to it (docs/rules.md#rounding:
 * ROUND_HALF_UP).
 */
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { QueueContext } from "../../functions/adapters/queue.js";
import { type TableContext, workerStore } from "../../functions/adapters/table/index.js";
import { keys } from "../../functions/adapters/table/keys.js";
import type { ErrorLogger, Problem } from "../../functions/api/http/problem.js";
import type { HttpResult } from "../../functions/api/http/router.js";
import { processPostingBatch } from "../../functions/backflush-worker/process-batch.js";
import { noMetrics, silentLog } from "../../functions/common/ports.js";
import type { PostingDeps } from "../../functions/use-cases/posting-support.js";
import { LOCAL_REGION, localClientConfig } from "../../local/services/aws-config.js";
import { createQueues, type QueueUrls } from "../../local/services/provision.js";
import { testApiRouter } from "../fixtures/api.js";
import { type Claims, DEFAULT_CLAIMS, httpEvent } from "../fixtures/apigw.js";
import { NOW } from "../fixtures/plant.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";

const ORDER = "1000001";

let clients: TestClients;
let table: TableContext;
let queues: QueueUrls;
let postingsArn: string;
let postings: QueueContext;
/** Errors the router reported as unexpected (500): none may occur in any test. */
const unexpected: unknown[] = [];
/** Errors the router reported as a dependency failure (503). */
const unavailable: unknown[] = [];
let route: (event: ReturnType<typeof httpEvent>) => Promise<HttpResult>;

const logger: ErrorLogger = {
  error(message, attributes) {
    (message === "unexpected error" ? unexpected : unavailable).push({ message, ...attributes });
  },
};

/** The router exactly as handler.ts wires it, with the emulators' clients and a fixed clock. */
function buildRouter(postingsQueue: QueueContext) {
  return testApiRouter(clients, { queues, logger, deps: { table, postings: postingsQueue } });
}

const workerDeps = (): PostingDeps => ({
  store: workerStore(table),
  now: () => new Date(NOW),
  log: silentLog,
  metrics: noMetrics,
  retry: { maxAttempts: 30, baseDelayMs: 5 },
});

beforeAll(async () => {
  clients = testClients();
  table = { ddb: clients.ddb, tableName: clients.tableName };
  queues = await createQueues(clients.sqsEndpoint, `${freshPlant("api")}-`);
  const { Attributes: attrs } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queues.postingsQueueUrl, AttributeNames: ["QueueArn"] }),
  );
  postingsArn = attrs?.QueueArn ?? "";
  postings = { sqs: clients.sqs, url: queues.postingsQueueUrl };
  const router = buildRouter(postings);
  route = (event) => router(event);
});
afterAll(() => clients.destroy());
afterEach(() => {
  expect(unexpected).toEqual([]);
});

// --- HTTP helpers ------------------------------------------------------------------------------

interface Response {
  readonly status: number;
  readonly headers: Record<string, string | number | boolean>;
  readonly body: unknown;
}

const claimsFor = (plant: string): Claims => ({
  ...DEFAULT_CLAIMS,
  // API Gateway flattens array claims to "[a b]".
  plants: `[${plant}]`,
  roles: "[operator planner controller]",
});

async function call(
  routeKey: string,
  plant: string,
  options: {
    params?: Record<string, string>;
    body?: unknown;
    query?: Record<string, string>;
    via?: (event: ReturnType<typeof httpEvent>) => Promise<HttpResult>;
  } = {},
): Promise<Response> {
  const event = httpEvent({
    routeKey,
    pathParameters: { plant, ...options.params },
    claims: claimsFor(plant),
    ...(options.body !== undefined && { body: options.body }),
    ...(options.query && { queryStringParameters: options.query }),
  });
  const result = await (options.via ?? route)(event);
  const text = result.body ?? "";
  return {
    status: result.statusCode ?? 0,
    headers: result.headers ?? {},
    body: text === "" ? undefined : (JSON.parse(text) as unknown),
  };
}

/** The problem in a response, after checking it is one. */
function problem(res: Response, status: number, code: string): Problem {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers["content-type"]).toBe("application/problem+json");
  const body = res.body as Problem;
  expect(body.code).toBe(code);
  expect(body.status).toBe(status);
  return body;
}

function ok(res: Response, status: number): unknown {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers["content-type"]).toBe("application/json");
  return res.body;
}

const R = {
  material: "PUT /v1/plants/{plant}/materials/{material}",
  workCenter: "PUT /v1/plants/{plant}/work-centers/{wc}",
  bom: "PUT /v1/plants/{plant}/boms/{material}",
  routing: "PUT /v1/plants/{plant}/routings/{material}",
  release: "POST /v1/plants/{plant}/orders",
  patchOrder: "PATCH /v1/plants/{plant}/orders/{order}",
  getOrder: "GET /v1/plants/{plant}/orders/{order}",
  receipt: "POST /v1/plants/{plant}/goods-receipts",
  transfer: "POST /v1/plants/{plant}/transfers",
  count: "POST /v1/plants/{plant}/inventory-counts",
  confirm: "POST /v1/plants/{plant}/confirmations",
  getConfirmation: "GET /v1/plants/{plant}/confirmations/{id}",
  reversal: "POST /v1/plants/{plant}/confirmations/{id}/reversal",
  stock: "GET /v1/plants/{plant}/stock",
  backlog: "GET /v1/plants/{plant}/backlog",
  close: "POST /v1/plants/{plant}/periods/{period}/close",
} as const;

// --- queue helpers -----------------------------------------------------------------------------

/** Everything visible on the private postings queue now (received, so in flight until deleted). */
async function receiveAll(): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages: messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.postingsQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    if (messages.length === 0) return all;
    all.push(...messages);
  }
}

/** A received SQS message as the event source mapping hands it to the worker. */
function toRecord(m: Message): SQSRecord {
  const a = m.Attributes ?? {};
  return {
    messageId: m.MessageId ?? "",
    receiptHandle: m.ReceiptHandle ?? "",
    body: m.Body ?? "",
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? "1",
      SentTimestamp: a.SentTimestamp ?? "0",
      SenderId: a.SenderId ?? "",
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? "0",
      MessageGroupId: a.MessageGroupId,
      MessageDeduplicationId: a.MessageDeduplicationId,
      SequenceNumber: a.SequenceNumber,
    },
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([name, v]) => [
        name,
        { dataType: v.DataType ?? "String", stringValue: v.StringValue },
      ]),
    ),
    md5OfBody: m.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: postingsArn,
    awsRegion: LOCAL_REGION,
  };
}

const lambdaContext: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: "backflush-worker",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:backflush-worker",
  memoryLimitInMB: "1024",
  awsRequestId: "00000000-0000-4000-8000-000000000000",
  logGroupName: "/aws/lambda/backflush-worker",
  logStreamName: "2026/11/25/[$LATEST]0",
  getRemainingTimeInMillis: () => 30_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
};

const quietLogger = { appendKeys: () => {}, removeKeys: () => {}, info: () => {}, error: () => {} };

/** Runs the worker on received messages (one batch, as Lambda would) and deletes them, as Lambda does. */
async function runWorker(messages: readonly Message[]): Promise<void> {
  const event: SQSEvent = { Records: messages.map(toRecord) };
  const result = await processPostingBatch(workerDeps(), event, lambdaContext, quietLogger);
  expect(result.batchItemFailures).toEqual([]);
  for (const m of messages) {
    await clients.sqs.send(
      new DeleteMessageCommand({ QueueUrl: queues.postingsQueueUrl, ReceiptHandle: m.ReceiptHandle }),
    );
  }
}

/** Receives and runs everything on the queue until it is empty (FIFO groups unblock after deletes). */
async function drain(): Promise<Message[]> {
  const seen: Message[] = [];
  for (let batch = await receiveAll(); batch.length > 0; batch = await receiveAll()) {
    await runWorker(batch);
    seen.push(...batch);
  }
  return seen;
}

async function queueDepth(): Promise<{ visible: string | undefined; inFlight: string | undefined }> {
  const { Attributes: attrs } = await clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queues.postingsQueueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return {
    visible: attrs?.ApproximateNumberOfMessages,
    inFlight: attrs?.ApproximateNumberOfMessagesNotVisible,
  };
}

const bodyOf = (m: Message | undefined): unknown => JSON.parse(m?.Body ?? "null");

async function intakeItem(plant: string, id: string): Promise<Record<string, unknown> | undefined> {
  const { Item: item } = await clients.ddb.send(
    new GetCommand({ TableName: table.tableName, Key: keys.intake(plant, id), ConsistentRead: true }),
  );
  return item;
}

// --- bodies ------------------------------------------------------------------------------------

const LID = {
  description: "Lid",
  uom: "PC",
  decimals: 0,
  standardPrice: "0.50",
  currency: "USD",
  defaultLocation: "FG",
};
const RIM = {
  description: "Rim base, roll",
  uom: "M",
  decimals: 2,
  standardPrice: "0.85",
  currency: "USD",
  defaultLocation: "RAW",
  shortage: "backlog",
  reorder: { reorderPoint: "500", policy: "fixed", lotSize: "2000", leadTimeDays: 5, supplier: "ACME" },
};
const ADH = {
  description: "Adhesive",
  uom: "KG",
  decimals: 3,
  // a JSON number is accepted as well as a decimal string
  standardPrice: 4,
  currency: "USD",
  defaultLocation: "RAW",
  shortage: "split",
};
const PRESS = { description: "Press", rates: { labor: "45.00", machine: "30.00" } };
/** Per 1000 lids: 250 m rim (+2 % scrap) and 1.5 kg adhesive, both at MACH-01, both at operation 0010. */
const bom = (rimQty: string) => ({
  baseQty: "1000",
  items: [
    { item: "0010", component: "RIM", qty: rimQty, scrapPct: "2", operation: "0010", location: "MACH-01" },
    { item: "0020", component: "ADH", qty: 1.5, operation: "0010", location: "MACH-01" },
  ],
});
/** 0.001 h labour and 0.002 h machine per lid, 0.5 h labour setup on the first confirmation. */
const ROUTING = {
  operations: [
    {
      op: "0010",
      workCenter: "PRESS",
      hoursPerUnit: { labor: "0.001", machine: "0.002" },
      setupHours: { labor: "0.5" },
    },
  ],
};
const C1 = {
  confirmationId: "C-1",
  order: ORDER,
  operation: "0010",
  yield: "1000",
  scrap: 20,
  postingDate: "2026-11-25",
};

// --- the walk-through --------------------------------------------------------------------------

describe("API through API Gateway v2 events on DynamoDB Local and a private FIFO queue", () => {
  const plant = freshPlant();
  const href = (id: string) => `/v1/plants/${plant}/confirmations/${id}`;
  /** The confirmation message the API enqueued, held (in flight) until the worker test runs it. */
  let c1Message: Message | undefined;
  let backlogId: unknown;

  it("upserts master data with 200 and refuses unknown references with 400 at the field's path", async () => {
    for (const [material, body] of [
      ["LID", LID],
      ["RIM", RIM],
      ["ADH", ADH],
    ] as const) {
      const res = await call(R.material, plant, { params: { material }, body });
      expect(ok(res, 200)).toMatchObject({ material, description: body.description });
    }
    expect(ok(await call(R.workCenter, plant, { params: { wc: "PRESS" }, body: PRESS }), 200)).toMatchObject({
      workCenter: "PRESS",
    });

    const unknownComponent = await call(R.bom, plant, {
      params: { material: "LID" },
      body: { baseQty: "1000", items: [{ item: "0010", component: "GHOST", qty: "1" }] },
    });
    expect(problem(unknownComponent, 400, "VALIDATION_FAILED").errors?.[0]?.path).toBe("items[0].component");

    const unknownWorkCenter = await call(R.routing, plant, {
      params: { material: "LID" },
      body: { operations: [{ op: "0010", workCenter: "NOWHERE", hoursPerUnit: { labor: "0.001" } }] },
    });
    expect(problem(unknownWorkCenter, 400, "VALIDATION_FAILED").errors?.[0]?.path).toBe(
      "operations[0].workCenter",
    );

    expect(
      ok(await call(R.bom, plant, { params: { material: "LID" }, body: bom("250") }), 200),
    ).toMatchObject({
      material: "LID",
    });
    expect(
      ok(await call(R.routing, plant, { params: { material: "LID" }, body: ROUTING }), 200),
    ).toMatchObject({ material: "LID" });
  });

  it("releases an order with 201 and the order view; a second release is 409 CONFLICT", async () => {
    const release = { order: ORDER, material: "LID", qty: "10000", dueDate: "2026-12-01" };
    const res = await call(R.release, plant, { body: release });
    const view = {
      order: ORDER,
      material: "LID",
      qty: "10000",
      dueDate: "2026-12-01",
      status: "released",
      // no receivingLocation given: the product's defaultLocation
      receivingLocation: "FG",
      operations: [{ op: "0010", workCenter: "PRESS", confirmedYield: "0", confirmedScrap: "0" }],
      components: [
        // RIM: 250 × 10000 / 1000 × 1.02 = 2550 → 2550.00 (2 decimals)
        {
          item: "0010",
          component: "RIM",
          operation: "0010",
          plannedTotal: "2550.00",
          planned: "0.00",
          issued: "0.00",
        },
        // ADH: 1.5 × 10000 / 1000 = 15 → 15.000 (3 decimals)
        {
          item: "0020",
          component: "ADH",
          operation: "0010",
          plannedTotal: "15.000",
          planned: "0.000",
          issued: "0.000",
        },
      ],
      wip: "0.00",
      receivedQty: "0",
    };
    expect(ok(res, 201)).toEqual(view);
    expect(res.headers.location).toBe(`/v1/plants/${plant}/orders/${ORDER}`);
    expect(ok(await call(R.getOrder, plant, { params: { order: ORDER } }), 200)).toEqual(view);

    problem(await call(R.release, plant, { body: release }), 409, "CONFLICT");
  });

  it("PATCH qty recomputes plannedTotal from the frozen snapshot, untouched by a later BOM edit", async () => {
    // The BOM now asks for 300 m rim per 1000; the released order keeps its snapshot of 250.
    ok(await call(R.bom, plant, { params: { material: "LID" }, body: bom("300") }), 200);
    const before = ok(await call(R.getOrder, plant, { params: { order: ORDER } }), 200);
    expect(before).toMatchObject({
      components: [{ item: "0010", plannedTotal: "2550.00" }, { item: "0020" }],
    });

    const patched = ok(
      await call(R.patchOrder, plant, { params: { order: ORDER }, body: { qty: "7777" } }),
      200,
    );
    expect(patched).toMatchObject({
      qty: "7777",
      status: "released",
      components: [
        // 250 × 7777 / 1000 × 1.02 = 1983.135 → 1983.14 (half up); the edited BOM would give 2379.76
        { item: "0010", plannedTotal: "1983.14", planned: "0.00", issued: "0.00" },
        // 1.5 × 7777 / 1000 = 11.6655 → 11.666 (half up)
        { item: "0020", plannedTotal: "11.666", planned: "0.000", issued: "0.000" },
      ],
    });
    expect(ok(await call(R.getOrder, plant, { params: { order: ORDER } }), 200)).toEqual(patched);

    problem(
      await call(R.patchOrder, plant, { params: { order: "NO-SUCH-ORDER" }, body: { qty: "5" } }),
      404,
      "NOT_FOUND",
    );
    problem(await call(R.getOrder, plant, { params: { order: "NO-SUCH-ORDER" } }), 404, "NOT_FOUND");
  });

  it("posts a goods receipt with 201, idempotent on receiptId, and enqueues its backlog retry", async () => {
    const receipt = { receiptId: "GR-1", material: "RIM", location: "MACH-01", qty: "300", unitCost: "0.90" };
    const first = ok(await call(R.receipt, plant, { body: receipt }), 201);
    expect(first).toEqual({
      receiptId: "GR-1",
      material: "RIM",
      location: "MACH-01",
      qty: "300.00",
      // standard 300 × 0.85 = 255.00; GRIR 300 × 0.90 = 270.00; PPV 270.00 − 255.00 = 15.00 (debit)
      value: "255.00",
      purchasePriceVariance: "15.00",
      period: "2026-11",
    });
    // The same request again, also written differently (numbers, trailing zeros): the stored result.
    expect(ok(await call(R.receipt, plant, { body: receipt }), 201)).toEqual(first);
    expect(
      ok(await call(R.receipt, plant, { body: { ...receipt, qty: 300, unitCost: "0.9" } }), 201),
    ).toEqual(first);
    problem(await call(R.receipt, plant, { body: { ...receipt, qty: "301" } }), 409, "IDEMPOTENCY_CONFLICT");

    const messages = await receiveAll();
    expect(messages).toHaveLength(1);
    expect(bodyOf(messages[0])).toEqual({
      type: "backlog",
      plant,
      material: "RIM",
      location: "MACH-01",
      receivedAt: NOW,
    });
    expect(messages[0]?.Attributes?.MessageGroupId).toBe(`${plant}#backlog`);
    await runWorker(messages);

    const adhesive = ok(
      await call(R.receipt, plant, {
        body: { receiptId: "GR-2", material: "ADH", location: "MACH-01", qty: "10" },
      }),
      201,
    );
    // no unitCost: GRIR at standard, 10 × 4.00 = 40.00, no variance
    expect(adhesive).toMatchObject({ qty: "10.000", value: "40.00", purchasePriceVariance: "0.00" });
    await drain();
    // RIM 300 at MACH-01: 300 × 0.85 = 255.00
    expect(ok(await call(R.stock, plant, { query: { material: "RIM" } }), 200)).toEqual({
      items: [{ material: "RIM", location: "MACH-01", onHand: "300.00", value: "255.00" }],
      next: null,
    });
  });

  it("accepts a confirmation with 202 and puts exactly one message on the FIFO queue", async () => {
    const accepted = { confirmationId: "C-1", status: "queued", href: href("C-1") };
    expect(ok(await call(R.confirm, plant, { body: C1 }), 202)).toEqual(accepted);
    // A retry of the same body (the same decimals written differently): the same answer, nothing new.
    expect(ok(await call(R.confirm, plant, { body: { ...C1, yield: 1000, scrap: "20.0" } }), 202)).toEqual(
      accepted,
    );

    const messages = await receiveAll();
    expect(messages).toHaveLength(1);
    c1Message = messages[0];
    expect(c1Message?.Attributes?.MessageGroupId).toBe(`${plant}#${ORDER}`);
    // The plant leads every deduplication id: another plant's C-1 is another message.
    expect(c1Message?.Attributes?.MessageDeduplicationId).toBe(`${plant}:confirmation:C-1`);
    expect(bodyOf(c1Message)).toEqual({
      type: "confirmation",
      plant,
      confirmation: {
        confirmationId: "C-1",
        order: ORDER,
        operation: "0010",
        yield: "1000",
        scrap: "20",
        postingDate: "2026-11-25",
      },
      receivedAt: NOW,
    });

    // One intake record, marked queued.
    const { Items: items = [] } = await clients.ddb.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.confirmationPk(plant, "C-1") },
        ConsistentRead: true,
      }),
    );
    expect(items.map((i) => [i.sk, i.status])).toEqual([["INTAKE", "queued"]]);
    expect(ok(await call(R.getConfirmation, plant, { params: { id: "C-1" } }), 200)).toMatchObject({
      confirmationId: "C-1",
      status: "queued",
      movements: [],
    });
  });

  it("refuses the same id with another body (409), over-precise yield (400) and closed periods (409)", async () => {
    problem(await call(R.confirm, plant, { body: { ...C1, yield: "999" } }), 409, "IDEMPOTENCY_CONFLICT");

    // LID has 0 decimals: 10.5 lids cannot be confirmed
    const precise = problem(
      await call(R.confirm, plant, { body: { ...C1, confirmationId: "C-PRECISE", yield: "10.5" } }),
      400,
      "VALIDATION_FAILED",
    );
    expect(precise.errors?.[0]?.path).toBe("yield");

    // Lock 2026-10 through the API: the close is requested (202) and the period no longer takes postings.
    expect(ok(await call(R.close, plant, { params: { period: "2026-10" } }), 202)).toEqual({
      plant,
      period: "2026-10",
      status: "closing",
    });
    problem(
      await call(R.confirm, plant, { body: { ...C1, confirmationId: "C-OLD", postingDate: "2026-10-31" } }),
      409,
      "PERIOD_CLOSED",
    );
    // A period before a locked one can never be closed completely any more: a conflict, not a 500.
    problem(await call(R.close, plant, { params: { period: "2026-09" } }), 409, "CONFLICT");

    // Nothing of the refused requests was recorded or enqueued: only C-1 is (in flight).
    problem(await call(R.getConfirmation, plant, { params: { id: "C-PRECISE" } }), 404, "NOT_FOUND");
    problem(await call(R.getConfirmation, plant, { params: { id: "C-OLD" } }), 404, "NOT_FOUND");
    expect(await queueDepth()).toEqual({ visible: "0", inFlight: "1" });
  });

  it("runs the worker on the received message: posted, with the movements worked out by hand", async () => {
    expect(c1Message).toBeDefined();
    await runWorker(c1Message ? [c1Message] : []);

    expect(ok(await call(R.getConfirmation, plant, { params: { id: "C-1" } }), 200)).toEqual({
      confirmationId: "C-1",
      order: ORDER,
      operation: "0010",
      period: "2026-11",
      status: "posted",
      movements: [
        // C = 1000 + 20 = 1020; RIM 250 × 1020 / 1000 × 1.02 = 260.1 → 260.10; × 0.85 = 221.085 → 221.09
        { kind: "issue", material: "RIM", location: "MACH-01", qty: "260.10", value: "221.09" },
        // ADH 1.5 × 1020 / 1000 = 1.53 → 1.530; × 4.00 = 6.12
        { kind: "issue", material: "ADH", location: "MACH-01", qty: "1.530", value: "6.12" },
        // labour 0.001 × 1020 + 0.5 setup = 1.52 h × 45.00 = 68.40
        {
          kind: "activity",
          operation: "0010",
          workCenter: "PRESS",
          activity: "labor",
          qty: "1.52",
          value: "68.40",
        },
        // machine 0.002 × 1020 = 2.04 h × 30.00 = 61.20
        {
          kind: "activity",
          operation: "0010",
          workCenter: "PRESS",
          activity: "machine",
          qty: "2.04",
          value: "61.20",
        },
        // last operation: the yield 1000 in at FG, 1000 × 0.50 = 500.00
        { kind: "receipt", material: "LID", location: "FG", qty: "1000", value: "500.00" },
      ],
      backlog: [],
    });

    // 300.00 − 260.10 = 39.90 m; 39.90 × 0.85 = 33.915 → 33.92
    expect(ok(await call(R.stock, plant, { query: { material: "RIM" } }), 200)).toEqual({
      items: [{ material: "RIM", location: "MACH-01", onHand: "39.90", value: "33.92" }],
      next: null,
    });
    expect(ok(await call(R.getOrder, plant, { params: { order: ORDER } }), 200)).toMatchObject({
      status: "in_process",
      operations: [{ op: "0010", confirmedYield: "1000", confirmedScrap: "20" }],
      components: [
        { item: "0010", planned: "260.10", issued: "260.10" },
        { item: "0020", planned: "1.530", issued: "1.530" },
      ],
      // WIP debits 221.09 + 6.12 + 68.40 + 61.20 = 356.81, credit 500.00 → −143.19
      wip: "-143.19",
      receivedQty: "1000",
    });
  });

  it("lists a shortage in the backlog; a goods receipt's retry through the worker clears it", async () => {
    const c2 = {
      confirmationId: "C-2",
      order: ORDER,
      operation: "0010",
      yield: "1000",
      postingDate: "2026-11-25",
    };
    expect(ok(await call(R.confirm, plant, { body: c2 }), 202)).toMatchObject({ status: "queued" });
    expect(await drain()).toHaveLength(1);

    const posted = ok(await call(R.getConfirmation, plant, { params: { id: "C-2" } }), 200);
    expect(posted).toEqual({
      confirmationId: "C-2",
      order: ORDER,
      operation: "0010",
      period: "2026-11",
      status: "posted_with_backlog",
      movements: [
        // ADH T = 1.5 × 2020 / 1000 = 3.030; this posting 3.030 − 1.530 = 1.500 (8.470 on hand); × 4 = 6.00
        { kind: "issue", material: "ADH", location: "MACH-01", qty: "1.500", value: "6.00" },
        // no setup the second time: 0.001 × 1000 = 1 h × 45.00; 0.002 × 1000 = 2 h × 30.00
        {
          kind: "activity",
          operation: "0010",
          workCenter: "PRESS",
          activity: "labor",
          qty: "1",
          value: "45.00",
        },
        {
          kind: "activity",
          operation: "0010",
          workCenter: "PRESS",
          activity: "machine",
          qty: "2",
          value: "60.00",
        },
        { kind: "receipt", material: "LID", location: "FG", qty: "1000", value: "500.00" },
      ],
      // RIM T = 250 × 2020 / 1000 × 1.02 = 515.10; this posting 515.10 − 260.10 = 255.00 > 39.90 on hand:
      // policy backlog → none of it posts, all of it waits
      backlog: [{ id: expect.any(String), material: "RIM", location: "MACH-01", qty: "255.00" }],
    });
    backlogId = (posted as { backlog: { id: unknown }[] }).backlog[0]?.id;

    expect(ok(await call(R.backlog, plant), 200)).toEqual({
      items: [
        {
          id: backlogId,
          confirmationId: "C-2",
          order: ORDER,
          material: "RIM",
          location: "MACH-01",
          qty: "255.00",
          reason: "insufficient_stock",
          createdAt: NOW,
        },
      ],
      next: null,
    });
    // stock untouched by the backlogged line
    expect(ok(await call(R.stock, plant, { query: { material: "RIM" } }), 200)).toMatchObject({
      items: [{ location: "MACH-01", onHand: "39.90" }],
    });

    ok(
      await call(R.receipt, plant, {
        body: { receiptId: "GR-3", material: "RIM", location: "MACH-01", qty: "300" },
      }),
      201,
    );
    const retry = await receiveAll();
    expect(retry.map(bodyOf)).toEqual([
      { type: "backlog", plant, material: "RIM", location: "MACH-01", receivedAt: NOW },
    ]);
    await runWorker(retry);

    expect(ok(await call(R.backlog, plant), 200)).toEqual({ items: [], next: null });
    expect(ok(await call(R.getConfirmation, plant, { params: { id: "C-2" } }), 200)).toMatchObject({
      backlog: [],
    });
    // 39.90 + 300.00 − 255.00 = 84.90; × 0.85 = 72.165 → 72.17
    expect(ok(await call(R.stock, plant, { query: { material: "RIM" } }), 200)).toEqual({
      items: [{ material: "RIM", location: "MACH-01", onHand: "84.90", value: "72.17" }],
      next: null,
    });
    // issued now 260.10 + 255.00 = 515.10, as planned
    expect(ok(await call(R.getOrder, plant, { params: { order: ORDER } }), 200)).toMatchObject({
      components: [{ item: "0010", planned: "515.10", issued: "515.10" }, { item: "0020" }],
    });
  });

  it("transfers with 201 and refuses one that would take `from` below zero with 409 CONFLICT", async () => {
    const transfer = { transferId: "T-1", material: "RIM", from: "MACH-01", to: "RAW", qty: "50" };
    expect(ok(await call(R.transfer, plant, { body: transfer }), 201)).toEqual({
      transferId: "T-1",
      material: "RIM",
      from: "MACH-01",
      to: "RAW",
      qty: "50.00",
      period: "2026-11",
    });
    // RAW holds 50.00; RIM's policy is backlog, so 60 out of it is refused
    problem(
      await call(R.transfer, plant, {
        body: { transferId: "T-2", material: "RIM", from: "RAW", to: "MACH-01", qty: "60" },
      }),
      409,
      "CONFLICT",
    );
    await drain();
    expect(ok(await call(R.stock, plant, { query: { material: "RIM" } }), 200)).toEqual({
      items: [
        // 84.90 − 50 = 34.90; × 0.85 = 29.665 → 29.67
        { material: "RIM", location: "MACH-01", onHand: "34.90", value: "29.67" },
        // 50 × 0.85 = 42.50
        { material: "RIM", location: "RAW", onHand: "50.00", value: "42.50" },
      ],
      next: null,
    });
  });

  it("posts inventory counts with 201 and the difference: a gain and a loss", async () => {
    const gain = ok(
      await call(R.count, plant, {
        body: { countId: "CC-1", material: "RIM", location: "RAW", counted: "52.5" },
      }),
      201,
    );
    expect(gain).toEqual({
      countId: "CC-1",
      material: "RIM",
      location: "RAW",
      counted: "52.50",
      bookQty: "50.00",
      // 52.50 − 50.00 = +2.50; × 0.85 = 2.125 → 2.13
      difference: "2.50",
      value: "2.13",
      period: "2026-11",
    });
    const loss = ok(
      await call(R.count, plant, {
        body: { countId: "CC-2", material: "ADH", location: "MACH-01", counted: "6.5" },
      }),
      201,
    );
    expect(loss).toEqual({
      countId: "CC-2",
      material: "ADH",
      location: "MACH-01",
      counted: "6.500",
      // 10.000 − 1.530 (C-1) − 1.500 (C-2) = 6.970
      bookQty: "6.970",
      // 6.500 − 6.970 = −0.470; × 4.00 = −1.88
      difference: "-0.470",
      value: "-1.88",
      period: "2026-11",
    });
    await drain();
    expect(ok(await call(R.stock, plant, { query: { material: "ADH" } }), 200)).toEqual({
      // 6.5 × 4.00 = 26.00
      items: [{ material: "ADH", location: "MACH-01", onHand: "6.500", value: "26.00" }],
      next: null,
    });
  });

  it("reverses a confirmation: 202, the worker posts the opposite, stock is restored", async () => {
    expect(ok(await call(R.reversal, plant, { params: { id: "C-1" } }), 202)).toEqual({
      confirmationId: "C-1",
      status: "reversal_queued",
      href: href("C-1"),
    });
    expect(ok(await call(R.getConfirmation, plant, { params: { id: "C-1" } }), 200)).toMatchObject({
      status: "reversal_queued",
    });
    const messages = await receiveAll();
    expect(messages).toHaveLength(1);
    expect(messages[0]?.Attributes?.MessageGroupId).toBe(`${plant}#${ORDER}`);
    expect(bodyOf(messages[0])).toEqual({
      type: "reversal",
      plant,
      confirmationId: "C-1",
      postingDate: "2026-11-25",
      receivedAt: NOW,
    });
    await runWorker(messages);

    expect(ok(await call(R.getConfirmation, plant, { params: { id: "C-1" } }), 200)).toMatchObject({
      confirmationId: "C-1",
      status: "reversed",
    });
    expect(ok(await call(R.stock, plant, { query: { material: "RIM" } }), 200)).toEqual({
      items: [
        // 34.90 + 260.10 back = 295.00; × 0.85 = 250.75
        { material: "RIM", location: "MACH-01", onHand: "295.00", value: "250.75" },
        // 52.50 × 0.85 = 44.625 → 44.63
        { material: "RIM", location: "RAW", onHand: "52.50", value: "44.63" },
      ],
      next: null,
    });
    expect(ok(await call(R.stock, plant, { query: { material: "ADH" } }), 200)).toEqual({
      // 6.500 + 1.530 back = 8.030; × 4.00 = 32.12
      items: [{ material: "ADH", location: "MACH-01", onHand: "8.030", value: "32.12" }],
      next: null,
    });
    expect(ok(await call(R.stock, plant, { query: { material: "LID" } }), 200)).toEqual({
      // 1000 (C-1) + 1000 (C-2) − 1000 (C-1 reversed) = 1000; × 0.50 = 500.00
      items: [{ material: "LID", location: "FG", onHand: "1000", value: "500.00" }],
      next: null,
    });
    expect(ok(await call(R.getOrder, plant, { params: { order: ORDER } }), 200)).toMatchObject({
      // only C-2 remains: 1000 good, no scrap
      operations: [{ op: "0010", confirmedYield: "1000", confirmedScrap: "0" }],
      receivedQty: "1000",
    });
  });

  it("answers 404 for an unknown confirmation and 400 for a cursor it never issued", async () => {
    problem(await call(R.getConfirmation, plant, { params: { id: "NO-SUCH-ID" } }), 404, "NOT_FOUND");
    for (const cursor of ["not-a-cursor", Buffer.from('{"pk":1}').toString("base64url")]) {
      const res = await call(R.backlog, plant, { query: { cursor } });
      expect(problem(res, 400, "VALIDATION_FAILED").errors?.[0]?.path).toBe("query.cursor");
    }
    expect(backlogId).toEqual(expect.any(String));
    expect(await queueDepth()).toEqual({ visible: "0", inFlight: "0" });
  });
});

describe("API when the postings queue is down", () => {
  const plant = freshPlant();
  const body = { confirmationId: "C-Q", order: "4711", operation: "0010", yield: "5" };

  it("answers 503 without marking the intake queued, then 202 queued on the retry", async () => {
    const failingSqs = new SQSClient(localClientConfig(clients.sqsEndpoint));
    const broken = mockClient(failingSqs);
    broken.on(SendMessageCommand).rejects(new Error("connect ECONNREFUSED 127.0.0.1:4566"));
    const failing = buildRouter({ sqs: failingSqs, url: queues.postingsQueueUrl });
    try {
      const down = await call(R.confirm, plant, { body, via: failing });
      const p = problem(down, 503, "UNAVAILABLE");
      expect(down.headers["retry-after"]).toBe("1");
      // the client learns a retry is safe, not the queue's internals
      expect(p.detail).not.toContain("ECONNREFUSED");
      expect(broken.commandCalls(SendMessageCommand)).toHaveLength(1);
      expect(unavailable).toHaveLength(1);
    } finally {
      broken.restore();
      failingSqs.destroy();
    }

    // Recorded, but not queued: nothing was accepted, so nothing reads as queued either.
    expect((await intakeItem(plant, "C-Q"))?.status).toBe("accepted");
    problem(await call(R.getConfirmation, plant, { params: { id: "C-Q" } }), 404, "NOT_FOUND");
    expect(await queueDepth()).toEqual({ visible: "0", inFlight: "0" });

    // The queue is back: the same request is accepted and enqueued once.
    expect(ok(await call(R.confirm, plant, { body }), 202)).toEqual({
      confirmationId: "C-Q",
      status: "queued",
      href: `/v1/plants/${plant}/confirmations/C-Q`,
    });
    expect((await intakeItem(plant, "C-Q"))?.status).toBe("queued");
    const messages = await receiveAll();
    expect(messages.map((m) => m.Attributes?.MessageDeduplicationId)).toEqual([`${plant}:confirmation:C-Q`]);
    expect(messages[0]?.Attributes?.MessageGroupId).toBe(`${plant}#4711`);
    // The worker rejects it with a reason (no such order), as accepted postings are never silently lost.
    await runWorker(messages);
    expect(ok(await call(R.getConfirmation, plant, { params: { id: "C-Q" } }), 200)).toMatchObject({
      status: "rejected",
      rejection: { code: "UNKNOWN_ORDER" },
    });
  });
});
