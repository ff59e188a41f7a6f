import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createDocumentClient } from "../adapters/table/client.js";

/**
 * AWS clients, built once per container and shared by every invocation. Endpoints come from
 * the standard AWS_ENDPOINT_URL_* variables (sandbox, tests); nothing here knows where it runs.
 */
let ddb: ReturnType<typeof createDocumentClient> | undefined;
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
