/**
 * Synchronous stock postings on DynamoDB Local: receipts that fill requisitions partly (figures
 * worked out by hand), references of another material refused with nothing posted, follow-ups
 * that a failure after the commit left undone and a replay finishes, and a hot stock item under
 * a burst of concurrent receipts through the API: no 5xx and the exact on-hand.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec } from "../../domain/index.js";
import {
  getReorderState,
  getRequisition,
  putMaterial,
  readStock,
  reorderStore,
  stockWrite,
  type TableContext,
  transactWrite,
} from "../../functions/adapters/table/index.js";
import { keys } from "../../functions/adapters/table/keys.js";
import type { ErrorLogger } from "../../functions/api/http/problem.js";
import { type LogPort, noMetrics, silentLog } from "../../functions/common/ports.js";
import {
  FollowUpPendingError,
  RequisitionMismatchError,
  RetriesExhaustedError,
} from "../../functions/use-cases/errors.js";
import { changeOrderRequest, getOrderView } from "../../functions/use-cases/orders.js";
import { listRequisitions, runReorders } from "../../functions/use-cases/reorder.js";
import {
  type EnqueueBacklogRetry,
  postGoodsReceipt,
  postInventoryCount,
  postTransfer,
  type StockDeps,
} from "../../functions/use-cases/stock-postings.js";
import { createQueues } from "../../local/services/provision.js";
import { testApiRouter } from "../fixtures/api.js";
import { DEFAULT_CLAIMS, httpEvent } from "../fixtures/apigw.js";
import { releaseOrder, seedMasterData, storedMaterial } from "../fixtures/plant.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { stockPostingDeps } from "../support/posting.js";

const NOW = "2026-11-25T08:00:00.000Z";
const TODAY = "2026-11-25";

let clients: TestClients;
let table: TableContext;

beforeAll(() => {
  clients = testClients();
  table = { ddb: clients.ddb, tableName: clients.tableName };
});
afterAll(() => clients.destroy());

/** Stored materials of this file: metres with 2 decimals at 0.50, from RAW. */
const material = (m: Parameters<typeof storedMaterial>[0]) =>
  storedMaterial({ uom: "M", decimals: 2, standardPrice: dec("0.50"), defaultLocation: "RAW", ...m });

/** RIM: fixed lots of 100 m when available ≤ 500 m. GLUE: no reorder settings. */
const RIM = material({
  material: "RIM",
  reorder: { reorderPoint: dec("500"), policy: "fixed", lotSize: dec("100"), leadTimeDays: 5 },
});
const GLUE = material({ material: "GLUE", uom: "KG", decimals: 3, standardPrice: dec("4.00") });

/** A backlog-retry port that records what it sent and fails the first `failures` calls. */
function queuePort(failures = 0) {
  const sent: { message: Parameters<EnqueueBacklogRetry>[0]; key: string }[] = [];
  let left = failures;
  const enqueue: EnqueueBacklogRetry = async (message, key) => {
    if (left-- > 0) throw new Error("queue unavailable");
    sent.push({ message, key });
  };
  return { sent, enqueue };
}

const stockDeps = (enqueue: EnqueueBacklogRetry): StockDeps => stockPostingDeps(table, NOW, enqueue);

const reorderDeps = () => ({
  store: reorderStore(table),
  now: () => new Date(NOW),
  log: silentLog,
  metrics: noMetrics,
  publish: async () => {},
  sleep: async () => {},
});

async function addStock(plant: string, m: string, location: string, qty: string, flag = false) {
  await transactWrite(table, [
    stockWrite(
      table,
      plant,
      { material: m, location, qty: dec(qty), guardNonNegative: false },
      { period: "2026-11", reorderCandidate: flag },
    ),
  ]);
}

const onHand = async (plant: string, m: string, location: string) =>
  (await readStock(table, plant, [{ material: m, location }])).get(`${m}@${location}`)?.toFixed();

async function documentItem(plant: string, kind: "GR" | "TR" | "CC", id: string) {
  const res = await clients.ddb.send(
    new GetCommand({
      TableName: table.tableName,
      Key: keys.stockDocument(plant, kind, id),
      ConsistentRead: true,
    }),
  );
  return res.Item;
}

/**
 * RIM 400 m at RAW, flagged: the reorder run orders REQ-RIM-000001 for 200.00
 * (400 ≤ 500; 400 + 100 = 500 is not above 500, 400 + 200 = 600 is).
 */
async function plantWithRequisition(): Promise<string> {
  const plant = freshPlant("STK");
  await putMaterial(table, plant, RIM, NOW);
  await putMaterial(table, plant, GLUE, NOW);
  await addStock(plant, "RIM", "RAW", "400", true);
  const run = await runReorders(reorderDeps(), plant, TODAY);
  expect(run.created.map((r) => `${r.requisitionId} ${r.qty}`)).toEqual(["REQ-RIM-000001 200.00"]);
  return plant;
}

describe("a goods receipt naming a requisition", () => {
  it("fills it partly, then completely; only its open quantity counts as available", async () => {
    const plant = await plantWithRequisition();
    const deps = stockDeps(queuePort().enqueue);

    // 120 of 200: partially received, 200 − 120 = 80 still open.
    await postGoodsReceipt(deps, plant, {
      receiptId: "GR-1",
      material: "RIM",
      location: "RAW",
      qty: dec("120"),
      reference: "REQ-RIM-000001",
    });
    expect((await listRequisitions({ store: reorderStore(table) }, plant)).items).toMatchObject([
      { requisitionId: "REQ-RIM-000001", qty: "200.00", status: "partially_received", receivedQty: "120.00" },
    ]);
    expect((await getReorderState(table, plant, "RIM")).openQty.toFixed()).toBe("80");
    expect(await onHand(plant, "RIM", "RAW")).toBe("520");

    // A count finds 400 m: available = 400 + 80 open = 480 ≤ 500 → one lot of 100 (480 + 100 = 580 > 500).
    // (Counting the whole 200 would give 600 and no order; counting nothing, 400 and an order of 200.)
    await postInventoryCount(deps, plant, {
      countId: "CC-1",
      material: "RIM",
      location: "RAW",
      counted: dec("400"),
    });
    const run = await runReorders(reorderDeps(), plant, TODAY);
    expect(run.created).toMatchObject([
      {
        requisitionId: "REQ-RIM-000002",
        qty: "100.00",
        available: "480.00",
        status: "open",
        receivedQty: "0.00",
      },
    ]);

    // The other 80 arrive: 120 + 80 = 200 ≥ 200 → received; open is now REQ-2's 100 only.
    await postGoodsReceipt(deps, plant, {
      receiptId: "GR-2",
      material: "RIM",
      location: "RAW",
      qty: dec("80"),
      reference: "REQ-RIM-000001",
    });
    // An over-delivery of 10 on it: receivedQty 210, still received, the open quantity stays 100.
    await postGoodsReceipt(deps, plant, {
      receiptId: "GR-3",
      material: "RIM",
      location: "RAW",
      qty: dec("10"),
      reference: "REQ-RIM-000001",
    });
    expect((await listRequisitions({ store: reorderStore(table) }, plant)).items).toMatchObject([
      { requisitionId: "REQ-RIM-000001", status: "received", receivedQty: "210.00" },
      { requisitionId: "REQ-RIM-000002", status: "open", receivedQty: "0.00" },
    ]);
    expect((await getReorderState(table, plant, "RIM")).openQty.toFixed()).toBe("100");
    // 400 + 80 + 10 = 490 m.
    expect(await onHand(plant, "RIM", "RAW")).toBe("490");
  });

  it("refuses a reference of another material or none with nothing posted", async () => {
    const plant = await plantWithRequisition();
    const queue = queuePort();
    const deps = stockDeps(queue.enqueue);
    const glue = { receiptId: "GR-G", material: "GLUE", location: "RAW", qty: dec("5") };

    await expect(
      postGoodsReceipt(deps, plant, { ...glue, reference: "REQ-RIM-000001" }),
    ).rejects.toBeInstanceOf(RequisitionMismatchError);
    await expect(postGoodsReceipt(deps, plant, { ...glue, reference: "REQ-NONE" })).rejects.toBeInstanceOf(
      RequisitionMismatchError,
    );
    expect(await onHand(plant, "GLUE", "RAW")).toBe("0");
    expect(await documentItem(plant, "GR", "GR-G")).toBeUndefined();
    expect(queue.sent).toEqual([]);
    expect(await getRequisition(table, plant, "REQ-RIM-000001")).toMatchObject({ status: "open" });
    expect((await getReorderState(table, plant, "RIM")).openQty.toFixed()).toBe("200");
    // The id was not used up: the corrected receipt posts.
    await postGoodsReceipt(deps, plant, glue);
    expect(await onHand(plant, "GLUE", "RAW")).toBe("5");
  });
});

describe("side effects that finish", () => {
  it("a receipt whose backlog retry failed after the commit: the requisition is filled, the replay sends the retry", async () => {
    const plant = await plantWithRequisition();
    const queue = queuePort(1);
    const deps = stockDeps(queue.enqueue);
    const request = {
      receiptId: "GR-9",
      material: "RIM",
      location: "RAW",
      qty: dec("200"),
      reference: "REQ-RIM-000001",
    };

    await expect(postGoodsReceipt(deps, plant, request)).rejects.toBeInstanceOf(FollowUpPendingError);
    // Committed with the posting: stock, the requisition, and the pending retry on the document.
    expect(await onHand(plant, "RIM", "RAW")).toBe("600");
    expect(await getRequisition(table, plant, "REQ-RIM-000001")).toMatchObject({ status: "received" });
    expect((await documentItem(plant, "GR", "GR-9"))?.backlogRetry).toEqual({
      material: "RIM",
      location: "RAW",
    });
    expect(queue.sent).toEqual([]);

    // The client's retry: the stored result, the retry sent, the document done.
    expect(await postGoodsReceipt(deps, plant, request)).toMatchObject({ receiptId: "GR-9", qty: "200.00" });
    expect(queue.sent).toEqual([
      { message: { plant, material: "RIM", location: "RAW", receivedAt: NOW }, key: "GR:GR-9" },
    ]);
    expect((await documentItem(plant, "GR", "GR-9"))?.backlogRetry).toBeUndefined();
    await postGoodsReceipt(deps, plant, request);
    expect(queue.sent).toHaveLength(1);
    // Posted once: 400 + 200.
    expect(await onHand(plant, "RIM", "RAW")).toBe("600");
    expect((await getReorderState(table, plant, "RIM")).openQty.toFixed()).toBe("0");
  });

  it("a transfer and a count whose backlog retry failed: the replay sends it, once", async () => {
    const plant = await plantWithRequisition();
    const queue = queuePort(2);
    const deps = stockDeps(queue.enqueue);
    const move = { transferId: "T-1", material: "RIM", from: "RAW", to: "MACH-01", qty: dec("150") };
    const count = { countId: "CC-1", material: "RIM", location: "MACH-01", counted: dec("160") };

    await expect(postTransfer(deps, plant, move)).rejects.toBeInstanceOf(FollowUpPendingError);
    // 150 at MACH-01, counted 160: a gain of 10.
    await expect(postInventoryCount(deps, plant, count)).rejects.toBeInstanceOf(FollowUpPendingError);
    expect(queue.sent).toEqual([]);
    expect(await postTransfer(deps, plant, move)).toMatchObject({ qty: "150.00" });
    expect(await postInventoryCount(deps, plant, count)).toMatchObject({
      bookQty: "150.00",
      difference: "10.00",
    });
    await postTransfer(deps, plant, move);
    await postInventoryCount(deps, plant, count);
    expect(queue.sent).toEqual([
      { message: { plant, material: "RIM", location: "MACH-01", receivedAt: NOW }, key: "TR:T-1" },
      { message: { plant, material: "RIM", location: "MACH-01", receivedAt: NOW }, key: "CC:CC-1" },
    ]);
    // 400 − 150 = 250 at RAW; 150 + 10 = 160 at MACH-01.
    expect(await onHand(plant, "RIM", "RAW")).toBe("250");
    expect(await onHand(plant, "RIM", "MACH-01")).toBe("160");
  });
});

describe("a hot stock item", () => {
  it("takes a burst of concurrent receipts through the API: no 5xx, the exact on-hand", async () => {
    const plant = freshPlant("HOT");
    await putMaterial(table, plant, GLUE, NOW);
    const queues = await createQueues(clients.sqsEndpoint, `${plant}-`);
    const failures: unknown[] = [];
    const logger: ErrorLogger = { error: (message, attributes) => failures.push({ message, ...attributes }) };
    let conflicts = 0;
    const log: LogPort = {
      ...silentLog,
      info: (message) => {
        if (message.includes("deciding again")) conflicts++;
      },
    };
    const contended = withItemConflicts(clients.ddb);
    const route = testApiRouter(clients, {
      queues,
      logger,
      deps: { table: { ddb: contended.ddb, tableName: table.tableName }, log },
    });
    const receipt = (i: number) =>
      route(
        httpEvent({
          routeKey: "POST /v1/plants/{plant}/goods-receipts",
          pathParameters: { plant },
          claims: { ...DEFAULT_CLAIMS, plants: `[${plant}]`, roles: "[planner]" },
          body: {
            receiptId: `GR-${i}`,
            material: "GLUE",
            location: "MACH-01",
            qty: "1.125",
            unitCost: "4.10",
          },
        }),
      );
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => receipt(i)));
    expect(answers.map((a) => a.statusCode).filter((s) => s !== 201)).toEqual([]);
    expect(failures).toEqual([]);
    // 40 × 1.125 = 45.000 kg, every receipt counted once.
    expect(await onHand(plant, "GLUE", "MACH-01")).toBe("45");
    // A reference of another material over HTTP: 409 CONFLICT.
    const wrong = await route(
      httpEvent({
        routeKey: "POST /v1/plants/{plant}/goods-receipts",
        pathParameters: { plant },
        claims: { ...DEFAULT_CLAIMS, plants: `[${plant}]`, roles: "[planner]" },
        body: {
          receiptId: "GR-X",
          material: "GLUE",
          location: "MACH-01",
          qty: "1",
          reference: "REQ-RIM-000001",
        },
      }),
    );
    expect(wrong.statusCode).toBe(409);
    expect(JSON.parse(wrong.body ?? "{}")).toMatchObject({ code: "CONFLICT" });
    // The burst really contended: conflicts were met and decided again after a backoff.
    expect(contended.conflicts()).toBeGreaterThan(0);
    expect(conflicts).toBe(contended.conflicts());
  });
});

describe("an order PATCH under throttling", () => {
  it("retries with backoff, then answers with RetriesExhaustedError (503) and changes nothing", async () => {
    const plant = freshPlant("PATCH");
    await seedMasterData(table, plant);
    await releaseOrder(table, plant, { order: "O-1" });
    let throttle = 20;
    const throttled = new Proxy(clients.ddb, {
      get(target, prop, receiver) {
        if (prop !== "send") return Reflect.get(target, prop, receiver);
        return async (command: Parameters<DynamoDBDocumentClient["send"]>[0]) => {
          if (command instanceof PutCommand && throttle-- > 0) {
            throw Object.assign(new Error("Rate of requests exceeds the allowed throughput"), {
              name: "ProvisionedThroughputExceededException",
            });
          }
          return target.send(command);
        };
      },
    });
    const delays: number[] = [];
    const deps = {
      table: { ddb: throttled, tableName: table.tableName },
      now: () => new Date(NOW),
      sleep: async (ms: number) => void delays.push(ms),
    };
    const error = await changeOrderRequest(deps, plant, "O-1", { qty: dec("12000") }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(delays).toHaveLength(11);
    expect((await getOrderView({ table, now: deps.now }, plant, "O-1")).qty).toBe("10000");

    // Throttled 8 more times, then through: the change lands once.
    throttle = 8;
    expect((await changeOrderRequest(deps, plant, "O-1", { qty: dec("12000") })).qty).toBe("12000");
  });
});

/**
 * DynamoDB cancels a transaction with TransactionConflict while another one on the same item
 * is in flight; DynamoDB Local serializes them instead. This client plays the service: each
 * transaction holds its stock items for HOLD_MS (a service transaction's duration, independent
 * of how slow DynamoDB Local is on a loaded machine), and one that touches a held item is
 * cancelled the way the service cancels it.
 */
const HOLD_MS = 10;
function withItemConflicts(ddb: DynamoDBDocumentClient) {
  const held = new Set<string>();
  let conflicts = 0;
  const client = new Proxy(ddb, {
    get(target, prop, receiver) {
      if (prop !== "send") return Reflect.get(target, prop, receiver);
      return async (command: Parameters<DynamoDBDocumentClient["send"]>[0]) => {
        if (!(command instanceof TransactWriteCommand)) return target.send(command);
        const items = command.input.TransactItems ?? [];
        const keyOf = (i: (typeof items)[number]) => {
          const key = i.Update?.Key ?? i.Put?.Item ?? i.Delete?.Key ?? i.ConditionCheck?.Key;
          return `${String(key?.pk)}|${String(key?.sk)}`;
        };
        const stockKeys = items.map(keyOf).filter((k) => k.includes("#STK#"));
        if (stockKeys.some((k) => held.has(k))) {
          conflicts++;
          throw new TransactionCanceledException({
            message: "Transaction cancelled, please refer cancellation reasons for specific reasons",
            $metadata: {},
            CancellationReasons: items.map((i) => ({
              Code: held.has(keyOf(i)) ? "TransactionConflict" : "None",
            })),
          });
        }
        // The service's transaction takes ~10 ms on the item, whatever DynamoDB Local's latency here.
        for (const k of stockKeys) held.add(k);
        setTimeout(() => {
          for (const k of stockKeys) held.delete(k);
        }, HOLD_MS);
        return target.send(command);
      };
    },
  });
  return { ddb: client, conflicts: () => conflicts };
}
