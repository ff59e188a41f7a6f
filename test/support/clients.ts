/**
 * SDK clients for integration tests, pointed at the emulators that test/integration/global-setup.ts
 * started. All test files share one table and one set of queues: isolate data by plant (freshPlant()),
 * and use createQueues(endpoint, prefix) for a private set when a test must own a whole queue.
 */

import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import { localClientConfig } from "../../local/services/aws-config.js";
import { PROVIDED_KEYS, type ProvidedEnvKey, providedEnvName } from "./env.js";

export type TestValues = Readonly<Record<ProvidedEnvKey, string>>;

export interface TestClients extends TestValues {
  /** Document client: undefined attributes dropped, numbers read back as NumberValue (exact decimals). */
  readonly ddb: DynamoDBDocumentClient;
  /** Low-level client, for control-plane calls (DescribeTable, ...). */
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  /** Closes the clients' sockets; call in afterAll. */
  destroy(): void;
}

/**
 * The provided endpoints, names and URLs. inject() is the source; the INTEGRATION_* env mirror covers a
 * project that shares the services without listing the global setup itself.
 */
export function testValues(): TestValues {
  const values: Partial<Record<ProvidedEnvKey, string>> = {};
  const missing: ProvidedEnvKey[] = [];
  for (const key of PROVIDED_KEYS) {
    const value = inject(key) ?? process.env[providedEnvName(key)];
    if (value === undefined) missing.push(key);
    else values[key] = value;
  }
  if (missing.length > 0) {
    throw new Error(
      `integration services not provided (${missing.join(", ")}): ` +
        `add globalSetup "test/integration/global-setup.ts" to this vitest project`,
    );
  }
  return values as TestValues;
}

export function testClients(): TestClients {
  const values = testValues();
  const dynamodb = new DynamoDBClient(localClientConfig(values.dynamoEndpoint));
  const ddb = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: true },
  });
  const sqs = new SQSClient(localClientConfig(values.sqsEndpoint));
  const sns = new SNSClient(localClientConfig(values.sqsEndpoint));
  return {
    ...values,
    ddb,
    dynamodb,
    sqs,
    sns,
    destroy: () => {
      ddb.destroy();
      dynamodb.destroy();
      sqs.destroy();
      sns.destroy();
    },
  };
}

/**
 * A plant id no other test (or earlier run against a persistent table) uses, e.g. `P-3F9A1C2B`: every item
 * key contains the plant, so tests sharing the table never see each other's data.
 * Uppercase letters, digits and "-" only, so it is safe inside `#`-separated keys and queue names.
 */
export function freshPlant(prefix = "P"): string {
  return `${prefix}-${randomUUID().replaceAll("-", "").slice(0, 8).toUpperCase()}`;
}
