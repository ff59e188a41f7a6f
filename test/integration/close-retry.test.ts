/**
 * A close that meets a transient failure is retried soon (README.md#reliability): on DynamoDB
 * Local a TransactionConflict on the close's last transaction is retried in place and the
 * period closes in the same run; on the real local queue a failed close request is visible
 * again within seconds, although the close queue's visibility timeout is 90 minutes.
 */
import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retryLater } from "../../functions/adapters/queue.js";
import { getPeriodState, TransactionCancelledError } from "../../functions/adapters/table/index.js";
import { silentLog } from "../../functions/common/ports.js";
import { processCloseRequests } from "../../functions/period-close/process-requests.js";
import { requestClose, runClose } from "../../functions/use-cases/period-close.js";
import { CLOSE_QUEUE } from "../../infra/messaging.js";
import { createQueues } from "../../local/services/provision.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { closeHarness } from "../support/close.js";

let clients: TestClients;
beforeAll(() => {
  clients = testClients();
});
afterAll(() => clients.destroy());

describe("transient failures in a close", () => {
  it("a TransactionConflict on the report and lock is retried in place: the period closes in one run", async () => {
    const table = { ddb: clients.ddb, tableName: clients.tableName };
    const plant = freshPlant();
    const h = closeHarness(table, "2026-12-01T02:15:00.000Z");
    let conflicts = 0;
    const store = {
      ...h.deps.store,
      finishClose: async (...args: Parameters<typeof h.deps.store.finishClose>) => {
        // Two concurrent stock postings' ConditionChecks on the period state got in the way.
        if (conflicts++ < 2)
          throw new TransactionCancelledError("conflict", ["period:lock:TransactionConflict"]);
        return h.deps.store.finishClose(...args);
      },
    };
    const deps = { ...h.deps, store, sleep: async () => {} };
    await requestClose(deps, plant, "2026-11");
    const result = await runClose(deps, plant, "2026-11");
    expect(result.status).toBe("closed");
    expect(conflicts).toBe(3);
    expect((await getPeriodState(table, plant)).locked.get("2026-11")).toBe("closed");
  });

  it("a close request that failed is received again within seconds, with its receive count", async () => {
    const queues = await createQueues(clients.sqsEndpoint, `${freshPlant("closeretry")}-`);
    const url = queues.closeQueueUrl;
    const body = JSON.stringify({ plant: freshPlant(), period: "2026-11" });
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    const receive = async (waitSeconds: number) =>
      (
        await clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            WaitTimeSeconds: waitSeconds,
            MessageSystemAttributeNames: ["ApproximateReceiveCount"],
          }),
        )
      ).Messages ?? [];
    const [first] = await receive(5);
    if (!first?.ReceiptHandle || !first.MessageId) throw new Error("the request was not received");

    const started = Date.now();
    const response = await processCloseRequests(
      {
        close: async () => {
          throw Object.assign(new Error("Rate of requests exceeds the allowed throughput"), {
            name: "ThrottlingException",
          });
        },
        retryLater: retryLater({ sqs: clients.sqs, url }),
        log: silentLog,
        random: () => 0, // the shortest delay of a first failure: ceil(5 / 2) = 3 s
      },
      {
        Records: [
          record(first.MessageId, first.ReceiptHandle, body, first.Attributes?.ApproximateReceiveCount),
        ],
      },
      () => 900_000,
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: first.MessageId }]);

    // Without the early redelivery it would stay invisible for the queue's 90 minutes.
    expect(CLOSE_QUEUE.visibilityTimeoutSeconds).toBe(5400);
    let again: Awaited<ReturnType<typeof receive>> = [];
    while (again.length === 0 && Date.now() - started < 15_000) again = await receive(5);
    expect(again.map((m) => m.MessageId)).toEqual([first.MessageId]);
    expect(again[0]?.Attributes?.ApproximateReceiveCount).toBe("2");
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
  }, 30_000);
});

function record(messageId: string, receiptHandle: string, body: string, receives = "1"): SQSRecord {
  return {
    messageId,
    receiptHandle,
    body,
    attributes: {
      ApproximateReceiveCount: receives,
      SentTimestamp: "0",
      SenderId: "test",
      ApproximateFirstReceiveTimestamp: "0",
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:backflush-close-requests",
    awsRegion: "us-east-1",
  };
}
