/** Queue state the auditor's drain waits on, and the DLQ's redrive (auditor.test.ts). */
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { toRecord } from "../../local/poller.js";
import { LOCAL_REGION } from "../../local/services/aws-config.js";

/** ids of the confirmations and reversals parked in the DLQ (received with a short visibility, not deleted). */
export async function dlqIds(sqs: SQSClient, url: string): Promise<string[]> {
  const { Messages: messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 1 }),
  );
  return messages.flatMap((m: Message) => {
    try {
      const body = JSON.parse(m.Body ?? "{}") as {
        confirmation?: { confirmationId?: string };
        confirmationId?: string;
      };
      const id = body.confirmation?.confirmationId ?? body.confirmationId;
      return id === undefined ? [] : [id];
    } catch {
      return [];
    }
  });
}

export async function queueEmpty(sqs: SQSClient, url: string): Promise<boolean> {
  const { Attributes: a = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  return Object.values(a).every((v) => v === "0");
}

/**
 * An operator's redrive of the DLQ, fault-free: each parked message once more through the worker
 * (one record per invocation, in the order the FIFO DLQ keeps), deleted once it went through.
 * Returns how many were redriven. A message that fails again fails the audit.
 */
export async function redriveDlq(
  sqs: SQSClient,
  url: string,
  arn: string,
  invoke: (event: SQSEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>,
): Promise<number> {
  let redriven = 0;
  for (;;) {
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        // The audit's peeks left them invisible for a second: wait for them.
        WaitTimeSeconds: 2,
        VisibilityTimeout: 60,
        AttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    if (messages.length === 0) {
      if (await queueEmpty(sqs, url)) return redriven;
      continue;
    }
    for (const m of messages) {
      const record = toRecord(m, arn, LOCAL_REGION);
      const { batchItemFailures } = await invoke({ Records: [record] });
      if (batchItemFailures.length > 0) throw new Error(`redriven message ${m.MessageId} failed again`);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      redriven++;
    }
  }
}
