/**
 * An in-process stand-in for the postings FIFO queue: an SQS client whose SendMessage never
 * leaves the process. Each message is kept exactly as the use case sent it and can be handed
 * to the worker as the Lambda event source would (local/poller.ts's record shape).
 *
 * Why not moto: its FIFO emulation slows down with every message it holds (past a few hundred
 * it answers a few calls per second), so 2,000 confirmations would measure moto. The queue's
 * own cost is in the API benchmark, which runs through the sandbox's moto.
 */
import { createHash } from "node:crypto";
import { type Message, type SendMessageCommandInput, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import type { QueueContext } from "../functions/adapters/queue.js";
import { SANDBOX_ACCOUNT } from "../local/lambda.js";
import { toRecord } from "../local/poller.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../local/services/aws-config.js";

export class CapturedQueue {
  readonly messages: Message[] = [];
  readonly context: QueueContext;
  readonly #arn: string;

  constructor(name: string) {
    this.#arn = `arn:aws:sqs:${LOCAL_REGION}:${SANDBOX_ACCOUNT}:${name}`;
    const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    sqs.middlewareStack.add(
      // Never on the network: SendMessage is answered here, anything else is a mistake.
      (next, context) => async (args) => {
        if (context.commandName !== "SendMessageCommand") {
          throw new Error(`the captured queue only takes SendMessage, not ${context.commandName}`);
        }
        const output = this.#accept(args.input as SendMessageCommandInput);
        return { output: { ...output, $metadata: {} }, response: {} } as Awaited<ReturnType<typeof next>>;
      },
      { step: "initialize", name: "capturedQueue" },
    );
    this.context = { sqs, url: `https://sqs.${LOCAL_REGION}.amazonaws.com/${SANDBOX_ACCOUNT}/${name}` };
  }

  /** Every message sent so far, as SQS records (in send order, which is each group's order). */
  records(): SQSRecord[] {
    return this.messages.map((m) => toRecord(m, this.#arn, LOCAL_REGION));
  }

  destroy(): void {
    this.context.sqs.destroy();
  }

  #accept(input: SendMessageCommandInput) {
    const body = input.MessageBody ?? "";
    const sequence = String(this.messages.length + 1).padStart(20, "0");
    const id = createHash("sha256").update(`${this.#arn}:${sequence}`).digest("hex").slice(0, 32);
    const now = String(Date.now());
    this.messages.push({
      MessageId: id,
      ReceiptHandle: id,
      Body: body,
      MD5OfBody: createHash("md5").update(body).digest("hex"),
      Attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: now,
        ApproximateFirstReceiveTimestamp: now,
        SequenceNumber: sequence,
        ...(input.MessageGroupId !== undefined && { MessageGroupId: input.MessageGroupId }),
        ...(input.MessageDeduplicationId !== undefined && {
          MessageDeduplicationId: input.MessageDeduplicationId,
        }),
      },
      MessageAttributes: input.MessageAttributes ?? {},
    });
    return { MessageId: id, SequenceNumber: sequence };
  }
}
