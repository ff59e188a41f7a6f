/**
 * vitest globalSetup of the "integration" project: one DynamoDB Local (in memory) and one fauxqs (SQS + SNS, in memory) per run,
 * provisioned from infra/, endpoints handed to the test files with provide(). Runs in the main vitest
 * process; the teardown it returns stops both services.
 */
import type { TestProject } from "vitest/node";
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  silenceSdkNodeVersionWarning,
} from "../../local/services/aws-config.js";
import { startDynamoDbLocal } from "../../local/services/dynamodb-local.js";
import { startFauxqs } from "../../local/services/fauxqs.js";
import type { LocalService } from "../../local/services/process.js";
import { createQueues, createTable, createTopic } from "../../local/services/provision.js";
import { type ProvidedEnvKey, providedEnvName } from "../support/env.js";

const TEST_TABLE_NAME = "backflush-test";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const restoreEnv = snapshotEnv();
  // Before the first SDK client here, and before vitest forks the workers (they inherit process.env).
  silenceSdkNodeVersionWarning();
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  });

  const started = await Promise.allSettled([startDynamoDbLocal(), startFauxqs()]);
  const services = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const stopAll = async () => {
    await Promise.allSettled(services.map((s) => s.stop()));
    restoreEnv();
  };
  const [dynamo, queues] = started;
  if (dynamo?.status !== "fulfilled" || queues?.status !== "fulfilled") {
    await stopAll();
    throw firstFailure(started);
  }

  try {
    await provide(project, dynamo.value, queues.value);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return stopAll;
}

async function provide(project: TestProject, dynamo: LocalService, sqsService: LocalService): Promise<void> {
  const [table, queues, reorderTopicArn] = await Promise.all([
    createTable(dynamo.endpoint, TEST_TABLE_NAME),
    createQueues(sqsService.endpoint),
    createTopic(sqsService.endpoint),
  ]);
  if (!table.ttlEnabled) console.warn(`[global-setup] DynamoDB Local refused UpdateTimeToLive`);

  const values = {
    dynamoEndpoint: dynamo.endpoint,
    tableName: TEST_TABLE_NAME,
    sqsEndpoint: sqsService.endpoint,
    postingsQueueUrl: queues.postingsQueueUrl,
    postingsDlqUrl: queues.postingsDlqUrl,
    closeQueueUrl: queues.closeQueueUrl,
    closeDlqUrl: queues.closeDlqUrl,
    reorderTopicArn,
  } satisfies Record<ProvidedEnvKey, string>;
  for (const [key, value] of Object.entries(values) as [ProvidedEnvKey, string][]) {
    project.provide(key, value);
    // Mirror for code that only reads env (handlers under test, spawned processes).
    process.env[providedEnvName(key)] = value;
  }
  // The SDK's own per-service endpoint variables: any client built with defaults talks to the emulators.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  process.env.AWS_ENDPOINT_URL_SQS = sqsService.endpoint;
  process.env.AWS_ENDPOINT_URL_SNS = sqsService.endpoint;
}

function firstFailure(results: PromiseSettledResult<unknown>[]): unknown {
  for (const result of results) if (result.status === "rejected") return result.reason;
  return new Error("service start failed");
}

/** Teardown puts process.env back, so a watch-mode rerun or another project starts clean. */
function snapshotEnv(): () => void {
  const before = { ...process.env };
  return () => {
    for (const key of Object.keys(process.env)) if (!(key in before)) delete process.env[key];
    Object.assign(process.env, before);
  };
}
