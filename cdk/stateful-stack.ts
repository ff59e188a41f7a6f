import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { AccountPrincipal, PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { CLOSE_QUEUE, POSTINGS_QUEUE } from "../infra/messaging.js";
import { TABLE_INDEXES, TABLE_KEY, TTL_ATTRIBUTE } from "../infra/table.js";

export interface StatefulStackProps extends StackProps {
  readonly alarmEmail?: string;
  readonly reorderEmail?: string;
  readonly reorderSubscriberAccounts: readonly string[];
}

/**
 * Everything that holds data or subscriptions: the table, the queues and the topics. It changes
 * rarely and is deployed on its own, so a code deploy (the stateless stack) can never replace or
 * delete any of it. The table and the topics' key are retained even if the stack is deleted.
 */
export class StatefulStack extends Stack {
  readonly table: Table;
  readonly postingsQueue: Queue;
  readonly postingsDlq: Queue;
  readonly closeQueue: Queue;
  readonly closeDlq: Queue;
  /** Encrypts both topics; CloudWatch may use it, so alarms can publish to the encrypted alarm topic. */
  readonly topicKey: Key;
  readonly reorderTopic: Topic;
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);

    this.table = new Table(this, "Table", {
      partitionKey: { name: TABLE_KEY.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEY.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // AWS managed key: encrypted at rest with no key policy to maintain and no kms:* grants on the functions.
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TTL_ATTRIBUTE,
    });
    for (const index of TABLE_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: index.projection === "ALL" ? ProjectionType.ALL : ProjectionType.KEYS_ONLY,
      });
    }

    // Postings: high-throughput FIFO. Order and deduplication are per message group (plant#order), so
    // unrelated orders neither wait for nor throttle each other.
    const fifo = {
      fifo: true,
      deduplicationScope: enumValue(DeduplicationScope, POSTINGS_QUEUE.deduplicationScope),
      fifoThroughputLimit: enumValue(FifoThroughputLimit, POSTINGS_QUEUE.fifoThroughputLimit),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(POSTINGS_QUEUE.retentionDays),
      // Accepted postings live here until posted: deleting the stack must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
    };
    this.postingsDlq = new Queue(this, "PostingsDlq", fifo);
    this.postingsQueue = new Queue(this, "PostingsQueue", {
      ...fifo,
      visibilityTimeout: Duration.seconds(POSTINGS_QUEUE.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.postingsDlq, maxReceiveCount: POSTINGS_QUEUE.maxReceiveCount },
    });

    // Period-close requests: a standard queue, one message per plant and period (API, schedule fan-out
    // and continuation of a long close all go through it).
    const standard = {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(CLOSE_QUEUE.retentionDays),
      removalPolicy: RemovalPolicy.RETAIN,
    };
    this.closeDlq = new Queue(this, "CloseDlq", standard);
    this.closeQueue = new Queue(this, "CloseQueue", {
      ...standard,
      visibilityTimeout: Duration.seconds(CLOSE_QUEUE.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.closeDlq, maxReceiveCount: CLOSE_QUEUE.maxReceiveCount },
    });

    this.topicKey = new Key(this, "TopicKey", {
      description: "Encrypts the backflush reorder and alarm topics",
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish as the CloudWatch service, which needs the data key of an encrypted topic.
    this.topicKey.addToResourcePolicy(
      new PolicyStatement({
        sid: "CloudWatchAlarmsPublish",
        principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:GenerateDataKey", "kms:Decrypt"],
        resources: ["*"],
        conditions: { StringEquals: { "aws:SourceAccount": this.account } },
      }),
    );

    this.reorderTopic = new Topic(this, "ReorderTopic", {
      displayName: "Backflush reorder requisitions",
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    // Subscriptions (procurement's endpoints) are configuration others depend on.
    this.reorderTopic.applyRemovalPolicy(RemovalPolicy.RETAIN);
    if (props.reorderEmail) this.reorderTopic.addSubscription(new EmailSubscription(props.reorderEmail));
    for (const account of props.reorderSubscriberAccounts) {
      // Lets procurement subscribe endpoints in its own account (SQS, Lambda, HTTPS) with a filter policy.
      this.reorderTopic.addToResourcePolicy(
        new PolicyStatement({
          sid: `Subscribe${account}`,
          principals: [new AccountPrincipal(account)],
          actions: ["sns:Subscribe"],
          resources: [this.reorderTopic.topicArn],
        }),
      );
    }

    this.alarmTopic = new Topic(this, "AlarmTopic", {
      displayName: "Backflush alarms",
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    this.alarmTopic.applyRemovalPolicy(RemovalPolicy.RETAIN);
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));

    new CfnOutput(this, "TableName", { value: this.table.tableName });
    new CfnOutput(this, "ReorderTopicArn", {
      value: this.reorderTopic.topicArn,
      description: "Procurement subscribes here (message attributes plant and material for filter policies)",
    });
    new CfnOutput(this, "AlarmTopicArn", { value: this.alarmTopic.topicArn });
  }
}

/** The CDK enum member whose value is the shared setting's string, so infra/ stays the one source. */
function enumValue<E extends Record<string, string>>(enumObject: E, value: string): E[keyof E] {
  const member = Object.values(enumObject).find((v) => v === value);
  if (member === undefined)
    throw new Error(`"${value}" is not one of ${Object.values(enumObject).join(", ")}`);
  return member as E[keyof E];
}
