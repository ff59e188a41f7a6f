/**
 * Reorder runs on DynamoDB Local and moto: both policies worked out by hand, concurrent runs,
 * the SNS outbox through an outage, and goods receipts that fill a requisition.
 */
import { randomUUID } from "node:crypto";
import { type Message, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { type DynamoDBDocumentClient, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec, release } from "../../domain/index.js";
import {
  createOrder,
  getBom,
  getReorderState,
  getRequisition,
  getRouting,
  loadMaterials,
  loadWorkCenters,
  putBom,
  putMaterial,
  reorderStore,
  stockWrite,
  type TableContext,
  transactWrite,
  workerStore,
} from "../../functions/adapters/table/index.js";
import { publishRequisition, type RequisitionNotification } from "../../functions/adapters/topic.js";
import { type MetricsPort, noMetrics, silentLog } from "../../functions/common/ports.js";
import { postConfirmation } from "../../functions/use-cases/post-confirmation.js";
import type { PostingDeps } from "../../functions/use-cases/posting-support.js";
import {
  listRequisitions,
  markRequisitionReceived,
  type ReorderDeps,
  type ReorderItem,
  runReorders,
  runReordersForAllPlants,
} from "../../functions/use-cases/reorder.js";
import { REORDER_INDEX } from "../../infra/table.js";
import { createTable, subscribeQueue } from "../../local/services/provision.js";
import { storedMaterial } from "../fixtures/plant.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { postingDeps } from "../support/posting.js";

const NOW = "2026-11-25T08:00:00.000Z";
const TODAY = "2026-11-25";

let clients: TestClients;
let table: TableContext;
let posting: PostingDeps;

beforeAll(() => {
  clients = testClients();
  table = { ddb: clients.ddb, tableName: clients.tableName };
  posting = postingDeps(table, NOW);
});
afterAll(() => clients.destroy());

/** A publish port that records what the topic accepted and fails the first `failures` calls. */
function topicPort(failures = 0) {
  const accepted: RequisitionNotification[] = [];
  let calls = 0;
  return {
    accepted,
    calls: () => calls,
    publish: async (message: RequisitionNotification) => {
      calls++;
      if (calls <= failures) throw new Error("SNS unavailable");
      accepted.push(message);
    },
  };
}

function reorderDeps(
  publish: ReorderDeps["publish"],
  { table: on = table, ...overrides }: Partial<ReorderDeps> & { table?: TableContext } = {},
): ReorderDeps {
  return {
    store: reorderStore(on),
    now: () => new Date(NOW),
    log: silentLog,
    metrics: noMetrics,
    publish,
    sleep: async () => {},
    // One material at a time, so two runs racing meet on the same material.
    concurrency: 1,
    ...overrides,
  };
}

/** The reorder port on the shared table, for the list and the manual close-out. */
const reads = () => ({ store: reorderStore(table) });

/**
 * LID from 2 m RIM (at MACH-01) and 0.1 kg GLUE (at MACH-02) per lid, no routing.
 * RIM: fixed lots of 100 m below 500 m, 5 days from ACME. GLUE: up to 60 kg below 20 kg, 3 days.
 * Stock: RIM 550 at MACH-01 and 150 at RAW (700 in all), GLUE 30 at MACH-02; order O-1 for 1000.
 */
async function reorderPlant(t: TableContext = table, plant = freshPlant()): Promise<string> {
  await putMaterial(
    t,
    plant,
    storedMaterial({ material: "LID", standardPrice: dec("3.00"), defaultLocation: "FG" }),
    NOW,
  );
  await putMaterial(
    t,
    plant,
    storedMaterial({
      material: "RIM",
      uom: "M",
      decimals: 2,
      standardPrice: dec("0.50"),
      reorder: {
        reorderPoint: dec("500"),
        policy: "fixed",
        lotSize: dec("100"),
        leadTimeDays: 5,
        supplier: "ACME",
      },
    }),
    NOW,
  );
  await putMaterial(
    t,
    plant,
    storedMaterial({
      material: "GLUE",
      uom: "KG",
      decimals: 3,
      standardPrice: dec("4.00"),
      reorder: { reorderPoint: dec("20"), policy: "max", maxLevel: dec("60"), leadTimeDays: 3 },
    }),
    NOW,
  );
  await putBom(
    t,
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
        {
          item: "0020",
          component: "GLUE",
          qty: dec("0.1"),
          scrapPct: dec("0"),
          location: "MACH-02",
          backflush: true,
          fixedQty: false,
        },
      ],
    },
    NOW,
  );
  await addStock(t, plant, "RIM", "MACH-01", "550");
  await addStock(t, plant, "RIM", "RAW", "150");
  await addStock(t, plant, "GLUE", "MACH-02", "30");
  const [bom, routing] = await Promise.all([getBom(t, plant, "LID"), getRouting(t, plant, "LID")]);
  const materials = await loadMaterials(t, plant, ["LID", "RIM", "GLUE"]);
  const workCenters = await loadWorkCenters(t, plant, []);
  await createOrder(
    t,
    plant,
    release(
      { order: "O-1", material: "LID", qty: dec("1000"), dueDate: "2026-12-15" },
      { materials, workCenters, bom, routing },
    ),
    NOW,
  );
  return plant;
}

/** Stock in without the reorder flag (only decreases flag an item). */
async function addStock(t: TableContext, plant: string, materialId: string, location: string, qty: string) {
  await transactWrite(t, [
    stockWrite(
      t,
      plant,
      { material: materialId, location, qty: dec(qty), guardNonNegative: false },
      { period: "2026-11" },
    ),
  ]);
}

/** A confirmation of `yieldQty` lids: the backflush takes RIM and GLUE out and flags both for the reorder run. */
async function produce(plant: string, id: string, yieldQty: string) {
  const outcome = await postConfirmation(
    posting,
    plant,
    { confirmationId: id, order: "O-1", operation: "0010", yield: yieldQty, scrap: "0", postingDate: TODAY },
    NOW,
  );
  expect(outcome).toMatchObject({ status: "posted" });
}

async function candidates(plant: string): Promise<string[]> {
  const res = await clients.ddb.send(
    new QueryCommand({
      TableName: clients.tableName,
      IndexName: REORDER_INDEX.indexName,
      KeyConditionExpression: `${REORDER_INDEX.partitionKey} = :pk`,
      ExpressionAttributeValues: { ":pk": `REORDER#${plant}` },
    }),
  );
  return (res.Items ?? []).map((i) => String(i[REORDER_INDEX.sortKey]));
}

// 150 lids: RIM 300 m → 550 − 300 + 150 = 400 m in all; GLUE 15 kg → 15 kg.
// RIM fixed: 400 + 100 = 500 is not above 500, 400 + 200 = 600 is → 200.00, needed by 25 + 5 = 30 Nov.
// GLUE max: 60 − 15 = 45.000, needed by 28 Nov.
const GLUE_REQ: ReorderItem = {
  requisitionId: "REQ-GLUE-000001",
  material: "GLUE",
  qty: "45.000",
  status: "open",
  receivedQty: "0.000",
  reorderPoint: "20.000",
  available: "15.000",
  neededBy: "2026-11-28",
  supplier: null,
  createdAt: NOW,
};
const RIM_REQ: ReorderItem = {
  requisitionId: "REQ-RIM-000001",
  material: "RIM",
  qty: "200.00",
  status: "open",
  receivedQty: "0.00",
  reorderPoint: "500.00",
  available: "400.00",
  neededBy: "2026-11-30",
  supplier: "ACME",
  createdAt: NOW,
};

describe("a reorder run", () => {
  it("orders by both policies, notifies once and never orders twice while the first covers", async () => {
    const plant = await reorderPlant();
    await produce(plant, "C-1", "150");
    expect(await candidates(plant)).toEqual(["GLUE@MACH-02", "RIM@MACH-01"]);
    const created: { name: string; value: number }[] = [];
    const metrics: MetricsPort = { add: (name, _u, value) => created.push({ name, value }) };
    const topic = topicPort();

    const run = await runReorders(reorderDeps(topic.publish, { metrics }), plant, TODAY);
    expect(run).toEqual({ created: [GLUE_REQ, RIM_REQ], published: 2, pending: 0 });
    expect(topic.accepted).toEqual([
      { plant, ...GLUE_REQ },
      { plant, ...RIM_REQ },
    ]);
    expect(created.filter((m) => m.name === "RequisitionsCreated")).toHaveLength(2);
    expect(await listRequisitions(reads(), plant)).toEqual({ items: [GLUE_REQ, RIM_REQ], next: null });
    expect(await candidates(plant)).toEqual([]);
    expect((await getRequisition(table, plant, "REQ-RIM-000001"))?.notified).toBe(true);
    expect((await getReorderState(table, plant, "RIM")).openQty.toFixed()).toBe("200");

    // 10 more lids: RIM 400 − 20 = 380 on hand + 200 open = 580 > 500, GLUE 14 + 45 = 59 > 20: nothing new.
    await produce(plant, "C-2", "10");
    expect(await candidates(plant)).toHaveLength(2);
    expect(await runReorders(reorderDeps(topic.publish), plant, TODAY)).toEqual({
      created: [],
      published: 0,
      pending: 0,
    });
    expect(await candidates(plant)).toEqual([]);
    expect(topic.accepted).toHaveLength(2);
  });

  it("creates one requisition per material when two runs race", async () => {
    const plant = await reorderPlant();
    await produce(plant, "C-1", "150");
    const a = topicPort();
    const b = topicPort();
    const retried: string[] = [];
    const log = { ...silentLog, info: (message: string) => retried.push(message) };
    // Both runs evaluate the same state before either commits: each requisition write waits for the other run's.
    const racing: TableContext = { ddb: inLockstep(clients.ddb), tableName: clients.tableName };
    const [first, second] = await Promise.all([
      runReorders(reorderDeps(a.publish, { log, table: racing }), plant, TODAY),
      runReorders(reorderDeps(b.publish, { log, table: racing }), plant, TODAY),
    ]);
    expect(retried.filter((m) => m.includes("evaluating again"))).toHaveLength(2); // one loser per material
    expect([...first.created, ...second.created].map((r) => r.requisitionId).sort()).toEqual([
      "REQ-GLUE-000001",
      "REQ-RIM-000001",
    ]);
    expect((await listRequisitions(reads(), plant)).items).toEqual([GLUE_REQ, RIM_REQ]);
    // Each notification went out once, from whichever run held its outbox lease.
    expect([...a.accepted, ...b.accepted].map((m) => m.requisitionId).sort()).toEqual([
      "REQ-GLUE-000001",
      "REQ-RIM-000001",
    ]);
    expect((await getReorderState(table, plant, "GLUE")).openQty.toFixed()).toBe("45");
  });

  it("keeps a requisition SNS refused for the next run and publishes it exactly once", async () => {
    const plant = await reorderPlant();
    await produce(plant, "C-1", "150");
    // Three failures: the first entry exhausts its in-run retries, the run stops publishing.
    const topic = topicPort(3);
    const down = await runReorders(reorderDeps(topic.publish), plant, TODAY);
    expect(down).toEqual({ created: [GLUE_REQ, RIM_REQ], published: 0, pending: 2 });
    expect(topic.calls()).toBe(3);
    expect((await getRequisition(table, plant, "REQ-GLUE-000001"))?.notified).toBe(false);

    const up = await runReorders(reorderDeps(topic.publish), plant, TODAY);
    expect(up).toEqual({ created: [], published: 2, pending: 0 });
    expect(topic.accepted).toEqual([
      { plant, ...GLUE_REQ },
      { plant, ...RIM_REQ },
    ]);
    expect((await getRequisition(table, plant, "REQ-GLUE-000001"))?.notified).toBe(true);
    expect(await runReorders(reorderDeps(topic.publish), plant, TODAY)).toMatchObject({
      published: 0,
      pending: 0,
    });
    expect(topic.accepted).toHaveLength(2);
  });

  it("retries a failed publish within the run", async () => {
    const plant = await reorderPlant();
    await produce(plant, "C-1", "150");
    const topic = topicPort(1);
    expect(await runReorders(reorderDeps(topic.publish), plant, TODAY)).toMatchObject({
      published: 2,
      pending: 0,
    });
    expect(topic.calls()).toBe(3);
  });

  it("publishes the GET reorders item plus plant with filterable message attributes", async () => {
    const plant = await reorderPlant();
    await produce(plant, "C-1", "150");
    const { queueUrl } = await subscribeQueue(
      clients.sqsEndpoint,
      clients.reorderTopicArn,
      `reorders-${plant}`,
    );
    const topic = { sns: clients.sns, topicArn: clients.reorderTopicArn };
    await runReorders(
      reorderDeps((m) => publishRequisition(topic, m)),
      plant,
      TODAY,
    );
    const mine = await receiveFor(queueUrl, plant, 2);
    const bodies = mine.map((m) => JSON.parse(m.Body ?? "{}") as RequisitionNotification);
    expect(bodies.sort((x, y) => x.requisitionId.localeCompare(y.requisitionId))).toEqual([
      { plant, ...GLUE_REQ },
      { plant, ...RIM_REQ },
    ]);
    for (const m of mine) {
      expect(m.MessageAttributes?.plant?.StringValue).toBe(plant);
      expect(["GLUE", "RIM"]).toContain(m.MessageAttributes?.material?.StringValue);
    }
  });
});

describe("a goods receipt with a requisition reference", () => {
  it("marks it received, takes it out of the open quantity and lets the next shortfall order again", async () => {
    const plant = await reorderPlant();
    await produce(plant, "C-1", "150");
    const topic = topicPort();
    await runReorders(reorderDeps(topic.publish), plant, TODAY);

    const deps = { ...reads(), now: () => new Date("2026-11-27T10:00:00.000Z") };
    expect(await markRequisitionReceived(deps, plant, "REQ-RIM-000001")).toBe("received");
    expect(await markRequisitionReceived(deps, plant, "REQ-RIM-000001")).toBe("already_received");
    expect(await markRequisitionReceived(deps, plant, "REQ-NONE")).toBe("not_found");
    expect((await getReorderState(table, plant, "RIM")).openQty.toFixed()).toBe("0");
    expect((await listRequisitions(reads(), plant)).items).toEqual([
      GLUE_REQ,
      { ...RIM_REQ, status: "received" },
    ]);

    // The 200 m arrive at RAW: 400 + 200 = 600. 50 lids take 100 m → 500 ≤ 500 and nothing is open:
    // 500 + 100 = 600 > 500 → one lot, 100.00, the material's second requisition.
    await addStock(table, plant, "RIM", "RAW", "200");
    await produce(plant, "C-2", "50");
    const run = await runReorders(reorderDeps(topic.publish), plant, TODAY);
    expect(run.created).toEqual([
      { ...RIM_REQ, requisitionId: "REQ-RIM-000002", qty: "100.00", available: "500.00" },
    ]);
  });
});

describe("listing requisitions", () => {
  it("pages with an opaque cursor that only fits this plant's list", async () => {
    const plant = await reorderPlant();
    await produce(plant, "C-1", "150");
    await runReorders(reorderDeps(topicPort().publish), plant, TODAY);
    const first = await listRequisitions(reads(), plant, { limit: 1 });
    expect(first.items).toEqual([GLUE_REQ]);
    expect(first.next).toEqual(expect.any(String));
    const cursor = first.next ?? undefined;
    const second = await listRequisitions(reads(), plant, { limit: 1, cursor });
    expect(second.items).toEqual([RIM_REQ]);
    await expect(listRequisitions(reads(), freshPlant(), { limit: 100, cursor })).rejects.toMatchObject({
      name: "InvalidInputError",
      path: "query.cursor",
    });
    await expect(listRequisitions(reads(), plant, { limit: 100, cursor: "%%%" })).rejects.toMatchObject({
      name: "InvalidInputError",
    });
  });
});

describe("the scheduled run", () => {
  it("runs every registered plant", async () => {
    // A private table: the shared registry holds every other test's plants.
    const own: TableContext = { ddb: clients.ddb, tableName: `reorder-sched-${randomUUID().slice(0, 8)}` };
    await createTable(clients.dynamoEndpoint, own.tableName);
    const saved = posting;
    posting = { ...posting, store: workerStore(own) };
    try {
      for (const plant of ["P1", "P2"]) {
        await reorderPlant(own, plant);
        await produce(plant, `C-${plant}`, "150");
      }
      const topic = topicPort();
      expect(await runReordersForAllPlants(reorderDeps(topic.publish, { table: own }), TODAY)).toEqual({
        created: 4,
      });
      expect(topic.accepted.map((m) => `${m.plant}:${m.requisitionId}`)).toEqual([
        "P1:REQ-GLUE-000001",
        "P1:REQ-RIM-000001",
        "P2:REQ-GLUE-000001",
        "P2:REQ-RIM-000001",
      ]);
    } finally {
      posting = saved;
    }
  });
});

async function receiveFor(queueUrl: string, plant: string, count: number): Promise<Message[]> {
  const deadline = Date.now() + 10_000;
  const mine: Message[] = [];
  while (Date.now() < deadline && mine.length < count) {
    const res = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ["All"],
      }),
    );
    for (const m of res.Messages ?? []) {
      if (m.MessageAttributes?.plant?.StringValue === plant) mine.push(m);
    }
  }
  return mine;
}

/**
 * A document client on which every requisition-creating transaction waits until a second one
 * arrives (or 2 s pass), so two runs are forced to race on the same reorder state.
 */
function inLockstep(ddb: DynamoDBDocumentClient): DynamoDBDocumentClient {
  let waiting: (() => void) | undefined;
  const meet = () =>
    new Promise<void>((resolve) => {
      if (waiting) {
        waiting();
        waiting = undefined;
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        waiting = undefined;
        resolve();
      }, 2_000);
      waiting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const createsRequisition = (command: unknown) =>
    command instanceof TransactWriteCommand &&
    (command.input.TransactItems ?? []).some((i) => String(i.Put?.Item?.sk ?? "").startsWith("REQ#"));
  return new Proxy(ddb, {
    get(target, prop, receiver) {
      if (prop !== "send") return Reflect.get(target, prop, receiver);
      return async (command: Parameters<DynamoDBDocumentClient["send"]>[0]) => {
        if (createsRequisition(command)) await meet();
        return target.send(command);
      };
    },
  });
}
