/**
 * What the DynamoDB benchmarks share: one in-memory DynamoDB Local (so the worker and the raw
 * TransactWriteItems rate are measured on the same engine) and one table created from the
 * stack's definition.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient, type TableContext } from "../functions/adapters/table/index.js";
import { localClientConfig } from "../local/services/aws-config.js";
import { startDynamoDbLocal } from "../local/services/dynamodb-local.js";
import { createTable } from "../local/services/provision.js";

const TABLE_NAME = "backflush-bench";

export interface BenchServices {
  readonly dynamoEndpoint: string;
  /** The product's document client, as the Lambda functions build it. */
  readonly ddb: DynamoDBDocumentClient;
  readonly table: TableContext;
  /** A plain client outside every meter, for the bench's own bookkeeping reads. */
  readonly raw: DynamoDBClient;
  stop(): Promise<void>;
}

export async function startBenchServices(): Promise<BenchServices> {
  const dynamo = await startDynamoDbLocal();
  try {
    await createTable(dynamo.endpoint, TABLE_NAME);
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
  const ddb = createDocumentClient(localClientConfig(dynamo.endpoint));
  const raw = new DynamoDBClient(localClientConfig(dynamo.endpoint));
  return {
    dynamoEndpoint: dynamo.endpoint,
    ddb,
    table: { ddb, tableName: TABLE_NAME },
    raw,
    stop: async () => {
      ddb.destroy();
      raw.destroy();
      await dynamo.stop();
    },
  };
}
