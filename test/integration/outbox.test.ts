/**
 * The outbox on DynamoDB Local and the queue emulator: a 202 survives a queue that forgot its
 * messages (purged), the sweeper and a retried POST send them again, and re-sends and duplicate
 * deliveries post once (the worker's exactly-once guard). Also: two plants' equal confirmation ids
 * never shadow each other on the queue. The file owns its table and queues: the sweeper sees every
 * plant's outbox, so no other file's records may be in them.
 *
 * Hand figures (test/fixtures/plant.ts): operation 0010 of LID order 1000001 issues RIM 250 per
 * 1000 lids at MACH-01; 3 confirmations of 1000 take 750 of the 1000 there, leaving 250.
 */
import { DeleteQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import type { Context, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec } from "../../domain/index.js";
import { postingsQueue, type QueueContext } from "../../functions/adapters/queue.js";
import {
  getConfirmationItems,
  intakeRecords,
  readStock,
  type TableContext,
} from "../../functions/adapters/table/index.js";
import { processPostingBatch } from "../../functions/backflush-worker/process-batch.js";
import { noMetrics, silentLog } from "../../functions/common/ports.js";
import { acceptConfirmation, tableIntakeDeps } from "../../functions/use-cases/confirmation-intake.js";
import { sweepOutbox } from "../../functions/use-cases/outbox-sweep.js";
import { SqsPoller } from "../../local/poller.js";
import { LOCAL_REGION } from "../../local/services/aws-config.js";
import { createQueues, createTable, type QueueUrls } from "../../local/services/provision.js";
import { addStock, NOW, releaseOrder, seedMasterData } from "../fixtures/plant.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { postingDeps } from "../support/posting.js";

let clients: TestClients;
let table: TableContext;
let queues: QueueUrls;
let queue: QueueContext;
let queueArn: string;
let clock = Date.parse(NOW);
const prefix = `${freshPlant("outbox")}-`;
const now = () => new Date(clock);

const context = { functionName: "backflush-worker", awsRequestId: "outbox-test" } as Context;
const quietLogger = { appendKeys: () => {}, removeKeys: () => {}, info: () => {}, error: () => {} };

beforeAll(async () => {
  clients = testClients();
  // A table of its own: the sweeper reads the whole outbox index, every plant's (by design,
  // functions/use-cases/outbox-sweep.ts), so other files' queued records must not be in it.
  const tableName = `${prefix}table`;
  await createTable(clients.dynamoEndpoint, tableName);
  table = { ddb: clients.ddb, tableName };
  queues = await createQueues(clients.sqsEndpoint, prefix);
  queue = { sqs: clients.sqs, url: queues.postingsQueueUrl };
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queues.postingsQueueUrl, AttributeNames: ["QueueArn"] }),
  );
  queueArn = Attributes?.QueueArn ?? "";
});
afterAll(() => clients.destroy());

const intake = () => tableIntakeDeps(table, postingsQueue(queue), now);
const sweepDeps = () => ({
  intakes: intakeRecords(table),
  confirmationItems: (plant: string, id: string) => getConfirmationItems(table, plant, id),
  enqueuePosting: postingsQueue(queue),
  now,
  resendAfterSeconds: 180,
  log: silentLog,
  metrics: noMetrics,
});
const request = (id: string) => ({
  confirmationId: id,
  order: "1000001",
  operation: "0010",
  yield: dec("1000"),
  scrap: dec("0"),
});

async function plantWithStock(): Promise<string> {
  const plant = freshPlant();
  await seedMasterData(table, plant);
  await releaseOrder(table, plant, { order: "1000001" });
  await addStock(table, plant, "RIM", "MACH-01", "1000");
  await addStock(table, plant, "ADH", "MACH-01", "10");
  return plant;
}

/** The event source mapping in front of the real worker, until the queue is empty. */
async function runWorkerUntilEmpty(): Promise<SQSRecord[]> {
  const records: SQSRecord[] = [];
  const poller = new SqsPoller({
    name: "outbox-test",
    sqs: clients.sqs,
    queueUrl: queues.postingsQueueUrl,
    queueArn,
    region: LOCAL_REGION,
    batchSize: 10,
    concurrency: 2,
    visibilityTimeoutSeconds: 2,
    invoke: (event) => {
      records.push(...event.Records);
      return processPostingBatch(postingDeps(table, NOW), event, context, quietLogger);
    },
  });
  poller.start();
  try {
    expect(await poller.drain(Date.now() + 30_000)).toBe(true);
  } finally {
    await poller.stop();
  }
  return records;
}

async function queued(): Promise<number> {
  const { Attributes: a = {} } = await clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queues.postingsQueueUrl,
      AttributeNames: ["ApproximateNumberOfMessages"],
    }),
  );
  return Number(a.ApproximateNumberOfMessages);
}

const rimAtMachine = async (plant: string) =>
  (await readStock(table, plant, [{ material: "RIM", location: "MACH-01" }])).get("RIM@MACH-01")?.toFixed();

describe("outbox", () => {
  it("sends again what a queue forgot, and posts each accepted confirmation exactly once", async () => {
    const plant = await plantWithStock();
    for (const id of ["C1", "C2", "C3"])
      expect((await acceptConfirmation(intake(), plant, request(id))).status).toBe("queued");
    // The queue forgets everything, deduplication ids included (an emulator restarted without its store).
    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queues.postingsQueueUrl }));
    expect((await createQueues(clients.sqsEndpoint, prefix)).postingsQueueUrl).toBe(queues.postingsQueueUrl);
    expect(await queued()).toBe(0);

    // Not yet due: the sweeper waits one visibility timeout.
    expect(await sweepOutbox(sweepDeps())).toMatchObject({ read: 0, resent: 0 });
    clock += 181_000;
    expect(await sweepOutbox(sweepDeps())).toMatchObject({ read: 3, resent: 3 });
    expect(await queued()).toBe(3);
    // A retried POST of a due body sends it again too (its id is deduplicated by the queue now).
    clock += 361_000;
    expect((await acceptConfirmation(intake(), plant, request("C2"))).status).toBe("queued");

    expect(await runWorkerUntilEmpty()).toHaveLength(3);
    // Deliveries after the queue's deduplication window: the same messages once more.
    const bodies = await Promise.all(
      ["C1", "C2", "C3"].map(async (id) => (await intakeRecords(table).get(plant, id))?.message),
    );
    for (const [index, body] of bodies.entries()) {
      await clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: queues.postingsQueueUrl,
          MessageBody: JSON.stringify(body),
          MessageGroupId: `${plant}#1000001`,
          MessageDeduplicationId: `${plant}:late:${index}`,
        }),
      );
    }
    expect(await runWorkerUntilEmpty()).toHaveLength(3);

    // 1000 - 3 x 250: each confirmation issued once.
    expect(await rimAtMachine(plant)).toBe("250");
    for (const id of ["C1", "C2", "C3"]) {
      expect((await getConfirmationItems(table, plant, id)).posting?.status).toBe("posted");
    }
    // Everything posted: the next sweep takes them out of the outbox and sends nothing.
    clock += 3_600_000;
    expect(await sweepOutbox(sweepDeps())).toMatchObject({ read: 3, settled: 3, resent: 0 });
    expect(await queued()).toBe(0);
    expect(await sweepOutbox(sweepDeps())).toMatchObject({ read: 0 });
  }, 60_000);

  it("posts two plants' confirmations with the same id, sent within seconds of each other", async () => {
    const [first, second] = [await plantWithStock(), await plantWithStock()];
    await acceptConfirmation(intake(), first, request("SAME-1"));
    await acceptConfirmation(intake(), second, request("SAME-1"));
    const delivered = await runWorkerUntilEmpty();
    expect(delivered.map((r) => r.attributes.MessageDeduplicationId).sort()).toEqual(
      [`${first}:confirmation:SAME-1`, `${second}:confirmation:SAME-1`].sort(),
    );
    for (const plant of [first, second]) {
      expect((await getConfirmationItems(table, plant, "SAME-1")).posting?.status).toBe("posted");
      expect(await rimAtMachine(plant)).toBe("750");
    }
  }, 60_000);
});
