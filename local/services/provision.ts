/**
 * Creates the table, queues and topic on the local emulators from the same definitions the CDK stack uses
 * (infra/), so tests and the sandbox run against the deployed shape. Every function is idempotent: the
 * sandbox calls them on each start, also against a persistent DynamoDB Local.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type QueueAttributeName,
  QueueNameExists,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { CLOSE_QUEUE, POSTINGS_QUEUE, REORDER_TOPIC } from "../../infra/messaging.js";
import { createTableInput, TTL_ATTRIBUTE } from "../../infra/table.js";
import { localClientConfig } from "./aws-config.js";

export interface TableStatus {
  /** False when the emulator rejected UpdateTimeToLive; items with `expiresAt` then never expire. */
  readonly ttlEnabled: boolean;
}

export async function createTable(endpoint: string, tableName: string): Promise<TableStatus> {
  const ddb = new DynamoDBClient(localClientConfig(endpoint));
  try {
    try {
      await ddb.send(new CreateTableCommand(createTableInput(tableName)));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
      await waitUntilActive(ddb, tableName);
      await addMissingIndexes(ddb, tableName);
    }
    await waitUntilActive(ddb, tableName);
    return { ttlEnabled: await enableTtl(ddb, tableName) };
  } finally {
    ddb.destroy();
  }
}

/**
 * A table from an earlier version (a kept sandbox directory) gets the indexes added since, one per
 * UpdateTable as DynamoDB requires; DynamoDB backfills them from the items already there.
 */
async function addMissingIndexes(ddb: DynamoDBClient, tableName: string): Promise<void> {
  const input = createTableInput(tableName);
  for (;;) {
    const { Table: table } = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
    const present = new Set((table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
    const missing = input.GlobalSecondaryIndexes.find((i) => !present.has(i.IndexName));
    if (missing === undefined) return;
    const keys = new Set(missing.KeySchema.map((k) => k.AttributeName));
    await ddb.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: input.AttributeDefinitions.filter((a) => keys.has(a.AttributeName)),
        GlobalSecondaryIndexUpdates: [{ Create: missing }],
      }),
    );
    await waitUntilActive(ddb, tableName);
  }
}

/** Table and every GSI ACTIVE (DynamoDB Local is instant unless -delayTransientStatuses; AWS is not). */
async function waitUntilActive(ddb: DynamoDBClient, tableName: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table: table } = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === "ACTIVE");
    if (table?.TableStatus === "ACTIVE" && indexesActive) return;
    if (Date.now() > deadline) {
      throw new Error(`table ${tableName} not ACTIVE after ${timeoutMs / 1000} s (${table?.TableStatus})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function enableTtl(ddb: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    const current = await ddb.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const status = current.TimeToLiveDescription?.TimeToLiveStatus;
    // Enabling twice is a ValidationException, so look first.
    if (status === "ENABLED" || status === "ENABLING") return true;
    await ddb.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
    return true;
  } catch (error) {
    // Only "this emulator does not do TTL" is acceptable; anything else is a real failure.
    if (error instanceof Error && error.name === "UnknownOperationException") return false;
    throw error;
  }
}

export interface QueueUrls {
  readonly postingsQueueUrl: string;
  readonly postingsDlqUrl: string;
  readonly closeQueueUrl: string;
  readonly closeDlqUrl: string;
}

type QueueAttributes = Partial<Record<QueueAttributeName, string>>;

const DAY_SECONDS = 86_400;

/**
 * The postings FIFO queue and the period-close queue, each with its DLQ and redrive policy.
 * `prefix` lets a test get its own private set (e.g. to watch redrive without other tests' messages).
 */
export async function createQueues(endpoint: string, prefix = ""): Promise<QueueUrls> {
  const sqs = new SQSClient(localClientConfig(endpoint));
  try {
    const postingsDlq = await ensureQueue(sqs, prefix + POSTINGS_QUEUE.dlqName, {
      FifoQueue: "true",
      ContentBasedDeduplication: "false",
      MessageRetentionPeriod: String(POSTINGS_QUEUE.retentionDays * DAY_SECONDS),
    });
    const postings = await ensureQueue(sqs, prefix + POSTINGS_QUEUE.name, {
      FifoQueue: "true",
      ContentBasedDeduplication: "false",
      DeduplicationScope: POSTINGS_QUEUE.deduplicationScope,
      FifoThroughputLimit: POSTINGS_QUEUE.fifoThroughputLimit,
      VisibilityTimeout: String(POSTINGS_QUEUE.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(POSTINGS_QUEUE.retentionDays * DAY_SECONDS),
      RedrivePolicy: redrivePolicy(postingsDlq.arn, POSTINGS_QUEUE.maxReceiveCount),
    });
    const closeDlq = await ensureQueue(sqs, prefix + CLOSE_QUEUE.dlqName, {
      MessageRetentionPeriod: String(CLOSE_QUEUE.retentionDays * DAY_SECONDS),
    });
    const close = await ensureQueue(sqs, prefix + CLOSE_QUEUE.name, {
      VisibilityTimeout: String(CLOSE_QUEUE.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(CLOSE_QUEUE.retentionDays * DAY_SECONDS),
      RedrivePolicy: redrivePolicy(closeDlq.arn, CLOSE_QUEUE.maxReceiveCount),
    });
    return {
      postingsQueueUrl: postings.url,
      postingsDlqUrl: postingsDlq.url,
      closeQueueUrl: close.url,
      closeDlqUrl: closeDlq.url,
    };
  } finally {
    sqs.destroy();
  }
}

function redrivePolicy(deadLetterTargetArn: string, maxReceiveCount: number): string {
  return JSON.stringify({ deadLetterTargetArn, maxReceiveCount });
}

interface QueueRef {
  readonly url: string;
  readonly arn: string;
}

async function ensureQueue(sqs: SQSClient, name: string, attributes: QueueAttributes): Promise<QueueRef> {
  let url: string | undefined;
  try {
    ({ QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes })));
  } catch (error) {
    // Exists with other settings (an older definition): bring it in line. FifoQueue cannot be changed.
    if (!(error instanceof QueueNameExists)) throw error;
    ({ QueueUrl: url } = await sqs.send(new GetQueueUrlCommand({ QueueName: name })));
    const { FifoQueue: _immutable, ...mutable } = attributes;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: mutable }));
  }
  if (url === undefined) throw new Error(`CreateQueue ${name} returned no QueueUrl`);
  const { Attributes: created } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
  );
  const arn = created?.QueueArn;
  if (arn === undefined) throw new Error(`queue ${name} has no QueueArn`);
  return { url, arn };
}

/** Creates (or finds: CreateTopic is idempotent) the reorder topic; returns its ARN. */
export async function createTopic(endpoint: string, name: string = REORDER_TOPIC.name): Promise<string> {
  const sns = new SNSClient(localClientConfig(endpoint));
  try {
    const { TopicArn: arn } = await sns.send(new CreateTopicCommand({ Name: name }));
    if (arn === undefined) throw new Error(`CreateTopic ${name} returned no TopicArn`);
    return arn;
  } finally {
    sns.destroy();
  }
}

export interface QueueSubscription {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly subscriptionArn: string;
}

/**
 * A standard queue subscribed to `topicArn` with raw message delivery, so a reader sees exactly the
 * message body procurement would get (no SNS envelope).
 */
export async function subscribeQueue(
  endpoint: string,
  topicArn: string,
  queueName: string,
): Promise<QueueSubscription> {
  const sqs = new SQSClient(localClientConfig(endpoint));
  const sns = new SNSClient(localClientConfig(endpoint));
  try {
    const queue = await ensureQueue(sqs, queueName, {});
    // moto ignores queue policies, but AWS needs this for SNS to deliver; keep the helper honest.
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queue.url,
        Attributes: { Policy: snsSendPolicy(queue.arn, topicArn) },
      }),
    );
    const { SubscriptionArn: subscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: queue.arn,
        Attributes: { RawMessageDelivery: "true" },
        ReturnSubscriptionArn: true,
      }),
    );
    if (subscriptionArn === undefined) throw new Error(`Subscribe ${queueName} returned no SubscriptionArn`);
    return { queueUrl: queue.url, queueArn: queue.arn, subscriptionArn };
  } finally {
    sqs.destroy();
    sns.destroy();
  }
}

function snsSendPolicy(queueArn: string, topicArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": topicArn } },
      },
    ],
  });
}
