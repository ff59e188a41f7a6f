/**
 * Proves the harness itself: the emulators are up, provisioned from infra/, and behave the way the
 * pipeline relies on (FIFO + redrive to the DLQ, SNS -> SQS raw delivery). If this file fails, every
 * other integration test result is meaningless.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { PublishCommand } from "@aws-sdk/client-sns";
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { GetCommand, NumberValue, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, describe, expect, inject, it } from "vitest";
import { CLOSE_QUEUE, POSTINGS_QUEUE } from "../../infra/messaging.js";
import { createTableInput, TABLE_INDEXES, TABLE_KEY, TTL_ATTRIBUTE } from "../../infra/table.js";
import { createQueues, createTable, subscribeQueue } from "../../local/services/provision.js";
import { freshPlant, testClients } from "../support/clients.js";
import { providedEnvName } from "../support/env.js";

const t = testClients();
afterAll(() => t.destroy());

describe("DynamoDB Local", () => {
  it("has the table from infra/table.ts with its nine GSIs (four, three of the stock ledger, the order list, the outbox) and TTL", async () => {
    const { Table: table } = await t.dynamodb.send(new DescribeTableCommand({ TableName: t.tableName }));
    expect(table?.TableStatus).toBe("ACTIVE");
    expect(table?.KeySchema).toEqual([
      { AttributeName: TABLE_KEY.partitionKey, KeyType: "HASH" },
      { AttributeName: TABLE_KEY.sortKey, KeyType: "RANGE" },
    ]);
    const indexes = (table?.GlobalSecondaryIndexes ?? []).map((i) => ({
      name: i.IndexName,
      keys: i.KeySchema?.map((k) => k.AttributeName),
      projection: i.Projection?.ProjectionType,
      status: i.IndexStatus,
    }));
    expect(indexes).toHaveLength(9);
    expect(indexes).toEqual(
      expect.arrayContaining(
        TABLE_INDEXES.map((i) => ({
          name: i.indexName,
          keys: [i.partitionKey, i.sortKey],
          projection: i.projection,
          status: "ACTIVE",
        })),
      ),
    );

    const ttl = await t.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: t.tableName }));
    expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: "ENABLED", AttributeName: TTL_ATTRIBUTE });
  });

  it("round-trips through the document client with exact numbers", async () => {
    const plant = freshPlant();
    const key = { pk: `PLANT#${plant}`, sk: "PROBE" };
    await t.ddb.send(
      new PutCommand({
        TableName: t.tableName,
        Item: { ...key, qty: new NumberValue("0.1"), note: undefined },
      }),
    );
    const { Item: item } = await t.ddb.send(new GetCommand({ TableName: t.tableName, Key: key }));
    // wrapNumbers: no float rounding on the way back.
    expect(item?.qty).toBeInstanceOf(NumberValue);
    expect(String(item?.qty)).toBe("0.1");
    expect(item).not.toHaveProperty("note");
  });
});

describe("a table from an earlier version", () => {
  it("gets the indexes added since, backfilled, when the sandbox starts on it again", async () => {
    const name = `old-${freshPlant()}`;
    const input = createTableInput(name);
    const firstFour = input.GlobalSecondaryIndexes.slice(0, 4);
    const used = new Set(["pk", "sk", ...firstFour.flatMap((i) => i.KeySchema.map((k) => k.AttributeName))]);
    await t.dynamodb.send(
      new CreateTableCommand({
        ...input,
        GlobalSecondaryIndexes: firstFour,
        AttributeDefinitions: input.AttributeDefinitions.filter((a) => used.has(a.AttributeName)),
      }),
    );
    await createTable(t.dynamoEndpoint, name);
    const { Table: table } = await t.dynamodb.send(new DescribeTableCommand({ TableName: name }));
    expect((table?.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, i.IndexStatus]).sort()).toEqual(
      TABLE_INDEXES.map((i) => [i.indexName, "ACTIVE"]).sort(),
    );
  });
});

describe("SQS emulator", () => {
  it("provisions the postings queue as high-throughput FIFO with a redrive policy to its FIFO DLQ", async () => {
    const queue = await attributes(t.postingsQueueUrl);
    const dlq = await attributes(t.postingsDlqUrl);
    expect(queue).toMatchObject({
      FifoQueue: "true",
      ContentBasedDeduplication: "false",
      DeduplicationScope: POSTINGS_QUEUE.deduplicationScope,
      FifoThroughputLimit: POSTINGS_QUEUE.fifoThroughputLimit,
      VisibilityTimeout: String(POSTINGS_QUEUE.visibilityTimeoutSeconds),
    });
    expect(JSON.parse(queue.RedrivePolicy ?? "{}")).toEqual({
      deadLetterTargetArn: dlq.QueueArn,
      maxReceiveCount: POSTINGS_QUEUE.maxReceiveCount,
    });
    expect(dlq.FifoQueue).toBe("true");
  });

  it("provisions the period-close queue as a standard queue with its DLQ", async () => {
    const queue = await attributes(t.closeQueueUrl);
    const dlq = await attributes(t.closeDlqUrl);
    expect(queue.FifoQueue).toBeUndefined();
    expect(queue.VisibilityTimeout).toBe(String(CLOSE_QUEUE.visibilityTimeoutSeconds));
    expect(JSON.parse(queue.RedrivePolicy ?? "{}")).toEqual({
      deadLetterTargetArn: dlq.QueueArn,
      maxReceiveCount: CLOSE_QUEUE.maxReceiveCount,
    });
  });

  it("moves a postings message to the DLQ once it was received maxReceiveCount times", async () => {
    // A private queue set: other test files may be consuming the shared postings queue.
    const queues = await createQueues(t.sqsEndpoint, `${freshPlant("redrive")}-`);
    const plant = freshPlant();
    await t.sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.postingsQueueUrl,
        MessageBody: JSON.stringify({ plant }),
        MessageGroupId: plant,
        MessageDeduplicationId: `${plant}-1`,
      }),
    );
    // A failing consumer: receive and never delete. VisibilityTimeout 0 makes it visible again at once.
    for (let attempt = 1; attempt <= POSTINGS_QUEUE.maxReceiveCount; attempt++) {
      const received = await receive(queues.postingsQueueUrl, 0);
      expect(
        received.map((m) => m.Body),
        `receive #${attempt}`,
      ).toEqual([JSON.stringify({ plant })]);
    }
    // Like SQS, the emulator moves the message on the next receive attempt, not in the background.
    expect(await receive(queues.postingsQueueUrl, 0)).toEqual([]);

    const dead = await receive(queues.postingsDlqUrl, 30);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.Body).toBe(JSON.stringify({ plant }));
    expect(dead[0]?.Attributes?.MessageGroupId).toBe(plant);
    // The count travels with the message (this DLQ receive adds one more, in SQS as in the emulator).
    expect(Number(dead[0]?.Attributes?.ApproximateReceiveCount)).toBeGreaterThan(
      POSTINGS_QUEUE.maxReceiveCount,
    );
  });
});

describe("FIFO semantics the worker relies on", () => {
  it("hands out several messages of one group in one receive, in order, and none while they are in flight", async () => {
    const queues = await createQueues(t.sqsEndpoint, `${freshPlant("fifo")}-`);
    const group = freshPlant();
    for (const body of ["a", "b", "c"]) {
      await t.sqs.send(
        new SendMessageCommand({
          QueueUrl: queues.postingsQueueUrl,
          MessageBody: body,
          MessageGroupId: group,
          MessageDeduplicationId: `${group}-${body}`,
        }),
      );
    }
    const first = await receive(queues.postingsQueueUrl, 1);
    expect(first.map((m) => m.Body)).toEqual(["a", "b", "c"]);
    expect(await receive(queues.postingsQueueUrl, 1)).toEqual([]);
    // All three expire together and come back in sequence order (not c, b, a).
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const again = await receive(queues.postingsQueueUrl, 30);
    expect(again.map((m) => m.Body)).toEqual(["a", "b", "c"]);
    expect(again.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(["2", "2", "2"]);
  });

  it("drops a second send with the same deduplication id within the window", async () => {
    const queues = await createQueues(t.sqsEndpoint, `${freshPlant("dedup")}-`);
    const group = freshPlant();
    for (const body of ["first", "second"]) {
      await t.sqs.send(
        new SendMessageCommand({
          QueueUrl: queues.postingsQueueUrl,
          MessageBody: body,
          MessageGroupId: group,
          MessageDeduplicationId: `${group}:same`,
        }),
      );
    }
    expect((await receive(queues.postingsQueueUrl, 30)).map((m) => m.Body)).toEqual(["first"]);
  });
});

describe("SNS emulator", () => {
  it("delivers a publish on the reorder topic to a subscribed queue without the SNS envelope", async () => {
    const plant = freshPlant();
    const { queueUrl } = await subscribeQueue(t.sqsEndpoint, t.reorderTopicArn, `reorders-${plant}`);
    const body = JSON.stringify({ plant, material: "M-1", quantity: "12" });
    await t.sns.send(new PublishCommand({ TopicArn: t.reorderTopicArn, Message: body }));

    // Other files may publish to the same topic meanwhile; look for ours.
    const deadline = Date.now() + 5000;
    let bodies: (string | undefined)[] = [];
    while (Date.now() < deadline && !bodies.includes(body)) {
      const received = await t.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      bodies = bodies.concat((received.Messages ?? []).map((m) => m.Body));
    }
    expect(bodies).toContain(body);
  });
});

describe("environment for code under test", () => {
  it("mirrors the provided values and the SDK endpoint variables into the worker's env", async () => {
    expect(process.env[providedEnvName("tableName")]).toBe(inject("tableName"));
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(inject("dynamoEndpoint"));
    expect(process.env.AWS_ENDPOINT_URL_SQS).toBe(inject("sqsEndpoint"));
    expect(process.env.AWS_REGION).toBe("us-east-1");

    // A client built the way a handler builds it (no endpoint, default credential chain) hits the emulator.
    const handlerStyle = new DynamoDBClient({});
    try {
      const { Table: table } = await handlerStyle.send(new DescribeTableCommand({ TableName: t.tableName }));
      expect(table?.TableName).toBe(t.tableName);
    } finally {
      handlerStyle.destroy();
    }
  });
});

async function attributes(queueUrl: string): Promise<Record<string, string | undefined>> {
  const { Attributes: attrs } = await t.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] }),
  );
  return attrs ?? {};
}

async function receive(queueUrl: string, visibilityTimeout: number): Promise<Message[]> {
  const { Messages: messages = [] } = await t.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: visibilityTimeout,
      MessageSystemAttributeNames: ["All"],
    }),
  );
  return messages;
}
