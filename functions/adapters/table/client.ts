import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * The document client every table adapter uses: numbers come back wrapped (NumberValue) so a
 * quantity never becomes a JS float. The endpoint comes from the environment
 * (AWS_ENDPOINT_URL_DYNAMODB) in the sandbox and tests, from nothing in AWS.
 */
export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 3, ...config }), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: true },
  });
}

export interface TableContext {
  readonly ddb: DynamoDBDocumentClient;
  readonly tableName: string;
}
