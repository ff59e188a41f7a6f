import { Capture, Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { CLOSE_QUEUE, POSTINGS_QUEUE } from "../../infra/messaging.js";
import { TABLE_INDEXES, TABLE_KEY, TTL_ATTRIBUTE } from "../../infra/table.js";
import { logicalId, type Synthesized, synthesize } from "./synth.js";

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
}, 120_000);

describe("table", () => {
  it("is keyed and indexed exactly as infra/table.ts says", () => {
    const gsis = new Capture();
    s.stateful.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [
        { AttributeName: TABLE_KEY.partitionKey, KeyType: "HASH" },
        { AttributeName: TABLE_KEY.sortKey, KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: gsis,
    });
    expect(gsis.asArray()).toEqual(
      TABLE_INDEXES.map((i) => ({
        IndexName: i.indexName,
        KeySchema: [
          { AttributeName: i.partitionKey, KeyType: "HASH" },
          { AttributeName: i.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: i.projection },
      })),
    );
  });

  it("is on-demand, with point-in-time recovery, TTL, encryption and deletion protection", () => {
    s.stateful.hasResourceProperties("AWS::DynamoDB::Table", {
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it("survives deletion or replacement of the stack", () => {
    s.stateful.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    });
  });
});

describe("postings queue", () => {
  it("is a high-throughput FIFO queue, encrypted, with a FIFO DLQ after maxReceiveCount receives", () => {
    const dlqArn = new Capture();
    s.stateful.hasResourceProperties("AWS::SQS::Queue", {
      FifoQueue: true,
      DeduplicationScope: "messageGroup",
      FifoThroughputLimit: "perMessageGroupId",
      SqsManagedSseEnabled: true,
      VisibilityTimeout: POSTINGS_QUEUE.visibilityTimeoutSeconds,
      RedrivePolicy: { deadLetterTargetArn: dlqArn, maxReceiveCount: POSTINGS_QUEUE.maxReceiveCount },
    });
    expect(POSTINGS_QUEUE.maxReceiveCount).toBeGreaterThanOrEqual(5);
    expect(dlqArn.asObject()).toEqual({ "Fn::GetAtt": [logicalId(s.pipeline.stateful.postingsDlq), "Arn"] });
    const dlq = s.stateful.findResources("AWS::SQS::Queue")[logicalId(s.pipeline.stateful.postingsDlq)];
    expect(dlq?.Properties).toMatchObject({ FifoQueue: true, SqsManagedSseEnabled: true });
    expect(dlq?.Properties.RedrivePolicy).toBeUndefined();
  });

  it("keeps messages the longest SQS allows", () => {
    s.stateful.hasResourceProperties("AWS::SQS::Queue", {
      FifoQueue: true,
      MessageRetentionPeriod: POSTINGS_QUEUE.retentionDays * 86_400,
      RedrivePolicy: Match.anyValue(),
    });
  });
});

describe("close-request queue", () => {
  it("is a standard queue with its own DLQ", () => {
    const dlqArn = new Capture();
    s.stateful.hasResourceProperties("AWS::SQS::Queue", {
      FifoQueue: Match.absent(),
      SqsManagedSseEnabled: true,
      VisibilityTimeout: CLOSE_QUEUE.visibilityTimeoutSeconds,
      RedrivePolicy: { deadLetterTargetArn: dlqArn, maxReceiveCount: CLOSE_QUEUE.maxReceiveCount },
    });
    expect(dlqArn.asObject()).toEqual({ "Fn::GetAtt": [logicalId(s.pipeline.stateful.closeDlq), "Arn"] });
  });
});

describe("every queue", () => {
  it("refuses plain HTTP and is retained with the stack", () => {
    const queues = s.stateful.findResources("AWS::SQS::Queue");
    expect(Object.keys(queues)).toHaveLength(4);
    for (const [id, queue] of Object.entries(queues)) {
      expect(queue.DeletionPolicy, id).toBe("Retain");
      s.stateful.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          ]),
        },
      });
    }
  });
});

describe("topics", () => {
  it("are encrypted with a rotating customer key that CloudWatch alarms may use", () => {
    const keyId = logicalId(s.pipeline.stateful.topicKey);
    s.stateful.resourcePropertiesCountIs(
      "AWS::SNS::Topic",
      { KmsMasterKeyId: { "Fn::GetAtt": [keyId, "Arn"] } },
      2,
    );
    s.stateful.hasResourceProperties("AWS::KMS::Key", {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
          }),
        ]),
      },
    });
  });

  it("have no subscription unless the context names one", () => {
    s.stateful.resourceCountIs("AWS::SNS::Subscription", 0);
  });

  it("subscribe the context's e-mail addresses and let procurement's accounts subscribe", () => {
    const withEmails = synthesize({
      alarmEmail: "ops@example.com",
      reorderEmail: "buyers@example.com",
      reorderSubscriberAccounts: "222222222222",
    });
    const reorderTopic = logicalId(withEmails.pipeline.stateful.reorderTopic);
    const alarmTopic = logicalId(withEmails.pipeline.stateful.alarmTopic);
    withEmails.stateful.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "buyers@example.com",
      TopicArn: { Ref: reorderTopic },
    });
    withEmails.stateful.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "ops@example.com",
      TopicArn: { Ref: alarmTopic },
    });
    withEmails.stateful.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [{ Ref: reorderTopic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Allow",
            Action: "sns:Subscribe",
            Principal: { AWS: Match.stringLikeRegexp("222222222222") },
          }),
        ]),
      },
    });
  }, 120_000);
});

describe("index projections", () => {
  it("keep only keys where postings rewrite the indexed items (no index write per posting)", () => {
    const byName = Object.fromEntries(TABLE_INDEXES.map((i) => [i.indexName, i.projection]));
    // gsi1 backlog lines and gsi5-7 ledger lines are written once and listed whole; gsi2-4 and gsi8
    // (the order list) index stock items and orders; gsi9 (the outbox) only finds intake records
    expect(byName).toEqual({
      gsi1: "ALL",
      gsi2: "KEYS_ONLY",
      gsi3: "KEYS_ONLY",
      gsi4: "KEYS_ONLY",
      gsi5: "ALL",
      gsi6: "ALL",
      gsi7: "ALL",
      gsi8: "KEYS_ONLY",
      gsi9: "KEYS_ONLY",
    });
  });
});
