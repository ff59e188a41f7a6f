import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "../adapters/table/client.js";

/**
 * AWS clients, built once per container and shared by every invocation. Endpoints come from
 * the standard AWS_ENDPOINT_URL_* variables (sandbox, tests); nothing here knows where it runs.
 */
let ddb: DynamoDBDocumentClient | undefined;
let sqs: SQSClient | undefined;
let sns: SNSClient | undefined;

export const documentClient = () => {
  ddb ??= createDocumentClient();
  return ddb;
};
export const sqsClient = () => {
  sqs ??= new SQSClient({});
  return sqs;
};
export const snsClient = () => {
  sns ??= new SNSClient({});
  return sns;
};

/**
 * For a host that runs the handlers outside Lambda: the clients they then share, set before the first
 * handler module loads. The sandbox gives clients that skip request signing, which its emulators do not
 * check (local/sandbox/functions.ts); in Lambda nothing calls this.
 */
export function provideClients(clients: {
  readonly ddb: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
}): void {
  ({ ddb, sqs, sns } = clients);
}
