import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";

export interface TopicContext {
  readonly sns: SNSClient;
  readonly topicArn: string;
}

/** The reorder notification (docs/api.md#reorder-notification): the GET reorders item plus `plant`. */
export interface RequisitionNotification {
  readonly plant: string;
  readonly requisitionId: string;
  readonly material: string;
  readonly qty: string;
  readonly status: "open" | "partially_received" | "received";
  /** Quantity goods receipts naming the requisition brought in so far. */
  readonly receivedQty: string;
  readonly reorderPoint: string;
  readonly available: string;
  readonly neededBy: string;
  readonly supplier: string | null;
  readonly createdAt: string;
}

/**
 * Publishes one requisition on the reorders topic; resolves once SNS accepted it. Message
 * attributes `plant` and `material` let a subscriber filter without parsing the body.
 */
export async function publishRequisition(
  topic: TopicContext,
  message: RequisitionNotification,
): Promise<void> {
  await topic.sns.send(
    new PublishCommand({
      TopicArn: topic.topicArn,
      Message: JSON.stringify(message),
      MessageAttributes: {
        plant: { DataType: "String", StringValue: message.plant },
        material: { DataType: "String", StringValue: message.material },
      },
    }),
  );
}
