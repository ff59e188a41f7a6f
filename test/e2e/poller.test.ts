/**
 * The sandbox's event source mapping against the queue emulator (from the integration global setup), with queues of
 * its own made from infra/ (createQueues with a prefix): SQS event shape, partial batch failures,
 * retries after the visibility timeout and redrive of a poison message to the DLQ.
 */
import { randomUUID } from "node:crypto";
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { POSTINGS_QUEUE, WORKER_BATCH } from "../../infra/messaging.js";
import { failedIds, SqsPoller } from "../../local/poller.js";
import { LOCAL_REGION, localClientConfig } from "../../local/services/aws-config.js";
import { createQueues, type QueueUrls } from "../../local/services/provision.js";

const sqs = new SQSClient(localClientConfig(inject("sqsEndpoint")));
afterAll(() => sqs.destroy());

/** The sandbox's yield to the API (local/poller.ts), and a smaller batch so one test sees several. */
interface Yielding {
  readonly busy: () => boolean;
  readonly maxMs: number;
  readonly batchSize?: number;
}

interface Harness {
  readonly queues: QueueUrls;
  readonly arn: string;
  readonly invocations: SQSRecord[][];
  start(invoke: (event: SQSEvent) => Promise<unknown>, yielding?: Yielding): SqsPoller;
}

async function harness(): Promise<Harness> {
  const queues = await createQueues(inject("sqsEndpoint"), `poller-${randomUUID().slice(0, 8)}-`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queues.postingsQueueUrl, AttributeNames: ["QueueArn"] }),
  );
  const arn = Attributes?.QueueArn ?? "";
  const invocations: SQSRecord[][] = [];
  return {
    queues,
    arn,
    invocations,
    start(invoke, yielding) {
      const poller = new SqsPoller({
        ...(yielding && { yieldTo: { busy: yielding.busy, maxMs: yielding.maxMs } }),
        name: "test",
        sqs,
        queueUrl: queues.postingsQueueUrl,
        queueArn: arn,
        region: LOCAL_REGION,
        batchSize: yielding?.batchSize ?? WORKER_BATCH.batchSize,
        concurrency: 2,
        visibilityTimeoutSeconds: 1,
        invoke: (event) => {
          invocations.push(event.Records);
          return invoke(event);
        },
      });
      poller.start();
      running.push(poller);
      return poller;
    },
  };
}

const running: SqsPoller[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

async function send(queueUrl: string, bodies: readonly string[], group: string): Promise<void> {
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: bodies.map((body, index) => ({
        Id: String(index),
        MessageBody: body,
        MessageGroupId: group,
        MessageDeduplicationId: randomUUID(),
        MessageAttributes: { type: { DataType: "String", StringValue: "confirmation" } },
      })),
    }),
  );
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("SQS event source poller", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });

  it("invokes with real SQS records, in group order, and deletes what succeeded", async () => {
    const poller = h.start(async () => ({ batchItemFailures: [] }));
    await send(h.queues.postingsQueueUrl, ["m1", "m2", "m3"], "P1#O1");
    await until("three records", () => h.invocations.flat().length >= 3);
    await until("empty queue", () => poller.queueIsEmpty());
    const records = h.invocations.flat();
    expect(records.map((r) => r.body)).toEqual(["m1", "m2", "m3"]);
    const [first] = records;
    expect(first).toMatchObject({
      eventSource: "aws:sqs",
      eventSourceARN: h.arn,
      awsRegion: LOCAL_REGION,
      attributes: {
        ApproximateReceiveCount: "1",
        MessageGroupId: "P1#O1",
        SentTimestamp: expect.stringMatching(/^\d+$/),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
        SequenceNumber: expect.any(String),
        MessageDeduplicationId: expect.any(String),
      },
      messageAttributes: { type: { dataType: "String", stringValue: "confirmation" } },
    });
    expect(first?.messageId).toMatch(/\S/);
    expect(first?.receiptHandle).toMatch(/\S/);
    expect(first?.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
  });

  it("holds a received batch while the API is busy, kept invisible, and invokes it once the API is idle", async () => {
    const h2 = await harness();
    let apiBusy = true;
    let idleAt = 0;
    const started: number[] = [];
    const poller = h2.start(
      async () => {
        started.push(Date.now());
        return { batchItemFailures: [] };
      },
      { busy: () => apiBusy, maxMs: 60_000 },
    );
    await send(h2.queues.postingsQueueUrl, ["held-a", "held-b"], "H1");
    // Three visibility timeouts (the harness's is 1 s): without the heartbeat the batch would come back.
    await new Promise((r) => setTimeout(r, 3000));
    expect(h2.invocations).toHaveLength(0);
    apiBusy = false;
    idleAt = Date.now();
    await until("held batch invoked", () => started.length > 0);
    await until("empty queue", () => poller.queueIsEmpty());
    expect((started[0] ?? 0) - idleAt).toBeLessThan(1000);
    const records = h2.invocations.flat();
    expect(records.map((r) => r.body)).toEqual(["held-a", "held-b"]);
    expect(records.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(["1", "1"]);
  });

  it("while the API stays busy, runs one batch at a time, each held at most maxMs; all it may once idle", async () => {
    const h2 = await harness();
    const MAX_YIELD_MS = 400;
    let apiBusy = true;
    let inFlight = 0;
    const peak = { busy: 0, idle: 0 };
    const gaps: number[] = [];
    let lastEnd: number | undefined;
    const poller = h2.start(
      async () => {
        const phase = apiBusy ? "busy" : "idle";
        if (phase === "busy" && lastEnd !== undefined) gaps.push(Date.now() - lastEnd);
        inFlight++;
        peak[phase] = Math.max(peak[phase], inFlight);
        await new Promise((r) => setTimeout(r, 300));
        inFlight--;
        lastEnd = Date.now();
        return { batchItemFailures: [] };
      },
      { busy: () => apiBusy, maxMs: MAX_YIELD_MS, batchSize: 2 },
    );
    // Four groups in batches of two: without the yield, two batches (the harness's concurrency) run at once.
    for (const g of ["Y1", "Y2", "Y3", "Y4"]) await send(h2.queues.postingsQueueUrl, [`${g}-a`, `${g}-b`], g);
    await until(
      "busy batches done",
      async () => h2.invocations.flat().length >= 8 && (await poller.queueIsEmpty()),
    );
    apiBusy = false;
    for (const g of ["Z1", "Z2", "Z3", "Z4"]) await send(h2.queues.postingsQueueUrl, [`${g}-a`, `${g}-b`], g);
    await until(
      "idle batches done",
      async () => h2.invocations.flat().length >= 16 && (await poller.queueIsEmpty()),
    );
    expect(peak).toEqual({ busy: 1, idle: 2 });
    // Each later busy batch was received after the previous one ended and then held for the bound.
    expect(gaps.length).toBeGreaterThan(0);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(MAX_YIELD_MS - 50);
  });

  it("retries only the reported failures, after the visibility timeout", async () => {
    const h2 = await harness();
    const seen = new Map<string, number>();
    const poller = h2.start(async (event) => {
      for (const r of event.Records) seen.set(r.body, (seen.get(r.body) ?? 0) + 1);
      const failing = event.Records.filter((r) => r.body === "bad" && (seen.get("bad") ?? 0) < 2);
      return { batchItemFailures: failing.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    await send(h2.queues.postingsQueueUrl, ["good"], "G1");
    await send(h2.queues.postingsQueueUrl, ["bad"], "G2");
    await until("bad retried", () => (seen.get("bad") ?? 0) >= 2);
    await until("empty queue", () => poller.queueIsEmpty());
    expect(seen.get("good")).toBe(1);
    const retried = h2.invocations.flat().filter((r) => r.body === "bad");
    expect(retried.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(["1", "2"]);
  });

  it("moves a record that always fails to the DLQ after maxReceiveCount receives", async () => {
    const h3 = await harness();
    h3.start(async (event) => ({
      batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
    }));
    await send(h3.queues.postingsQueueUrl, ["poison"], "G3");
    let parked: string | undefined;
    await until(
      "poison in the DLQ",
      async () => {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: h3.queues.postingsDlqUrl,
            WaitTimeSeconds: 1,
            VisibilityTimeout: 1,
          }),
        );
        parked = Messages?.[0]?.Body;
        return parked !== undefined;
      },
      30_000,
    );
    expect(parked).toBe("poison");
    expect(h3.invocations.flat().filter((r) => r.body === "poison")).toHaveLength(
      POSTINGS_QUEUE.maxReceiveCount,
    );
  }, 40_000);

  it("treats a thrown invocation as a failure of the whole batch, redelivered in group order", async () => {
    const h4 = await harness();
    let calls = 0;
    const poller = h4.start(async () => {
      calls++;
      if (calls === 1) throw new Error("cold start failed");
      return undefined;
    });
    await send(h4.queues.postingsQueueUrl, ["a", "b", "c"], "G4");
    await until("retried and emptied", async () => calls >= 2 && (await poller.queueIsEmpty()));
    expect(h4.invocations.flat().map((r) => r.body)).toEqual(["a", "b", "c", "a", "b", "c"]);
  });
});

describe("failedIds (Lambda's ReportBatchItemFailures rules)", () => {
  const records = [{ messageId: "a" }, { messageId: "b" }] as SQSRecord[];

  it("reads nothing, null or an empty list as all succeeded", () => {
    expect([...failedIds(undefined, records)]).toEqual([]);
    expect([...failedIds({ batchItemFailures: null }, records)]).toEqual([]);
    expect([...failedIds({ batchItemFailures: [] }, records)]).toEqual([]);
  });

  it("keeps the reported ones", () => {
    expect([...failedIds({ batchItemFailures: [{ itemIdentifier: "b" }] }, records)]).toEqual(["b"]);
  });

  it("fails the whole batch for an invalid or unknown identifier", () => {
    expect([...failedIds({ batchItemFailures: [{ itemIdentifier: "" }] }, records)]).toEqual(["a", "b"]);
    expect([...failedIds({ batchItemFailures: [{ itemIdentifier: "zz" }] }, records)]).toEqual(["a", "b"]);
    expect([...failedIds({ batchItemFailures: "x" }, records)]).toEqual(["a", "b"]);
  });
});
