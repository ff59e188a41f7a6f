/**
 * The provided values mirrored as environment variables (INTEGRATION_TABLE_NAME, ...), for code that only
 * reads env: handlers under test, scripts spawned by a test. Plain module: global-setup imports it too.
 */
import type { ProvidedContext } from "vitest";

export const PROVIDED_KEYS = [
  "dynamoEndpoint",
  "tableName",
  "sqsEndpoint",
  "postingsQueueUrl",
  "postingsDlqUrl",
  "closeQueueUrl",
  "closeDlqUrl",
  "reorderTopicArn",
] as const satisfies readonly (keyof ProvidedContext)[];

export type ProvidedEnvKey = (typeof PROVIDED_KEYS)[number];

/** `postingsQueueUrl` -> `INTEGRATION_POSTINGS_QUEUE_URL`. */
export function providedEnvName(key: ProvidedEnvKey): string {
  return `INTEGRATION_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}
