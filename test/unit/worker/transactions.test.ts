import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import {
  type TableContext,
  type TaggedItem,
  TransactionCancelledError,
  transactWrite,
  workerStore,
} from "../../../functions/adapters/table/index.js";
import type { MetricsPort } from "../../../functions/common/ports.js";
import { silentLog } from "../../../functions/common/ports.js";
import { type PostingDeps, withPostingRetries } from "../../../functions/use-cases/posting-support.js";

/**
 * DynamoDB Local runs transactions one at a time, so it never answers TransactionConflict or
 * throttling: this is the one place the worker's reading of CancellationReasons and its retry
 * policy are tested, with a fake client that answers as DynamoDB does.
 */
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: "Transaction cancelled",
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

function fakeTable(answers: (Error | undefined)[]): TableContext & { calls: number } {
  const state = { calls: 0 };
  const ddb = {
    send: async () => {
      const answer = answers[state.calls++];
      if (answer) throw answer;
      return {};
    },
  } as unknown as DynamoDBDocumentClient;
  return {
    ddb,
    tableName: "t",
    get calls() {
      return state.calls;
    },
  };
}

const items: TaggedItem[] = [
  { role: "record", key: "C-1", item: {} },
  { role: "order", key: "1000001", item: {} },
  { role: "stock", key: "RIM@MACH-01", item: {} },
];

describe("transactWrite explains a cancellation by its reasons", () => {
  it.each([
    { codes: ["ConditionalCheckFailed", "None", "None"], kind: "duplicate" },
    { codes: ["None", "ConditionalCheckFailed", "None"], kind: "version" },
    { codes: ["None", "None", "ConditionalCheckFailed"], kind: "stock" },
    { codes: ["None", "TransactionConflict", "None"], kind: "conflict" },
    { codes: ["None", "None", "ThrottlingError"], kind: "throttled" },
    { codes: ["ValidationError", "None", "None"], kind: "other" },
  ])("$codes → $kind", async ({ codes, kind }) => {
    const table = fakeTable([cancelled(...codes)]);
    const error = await transactWrite(table, items).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCancelledError);
    expect((error as TransactionCancelledError).kind).toBe(kind);
  });
});

describe("withPostingRetries", () => {
  const recorded: { name: string; dimensions?: Record<string, string> }[] = [];
  const metrics: MetricsPort = {
    add: (name, _unit, _value, dimensions) => recorded.push({ name, dimensions }),
  };
  const deps = (maxAttempts: number): PostingDeps => ({
    store: workerStore(fakeTable([])),
    now: () => new Date(0),
    log: silentLog,
    metrics,
    retry: { maxAttempts, baseDelayMs: 1 },
    sleep: async () => {},
  });

  it("retries a transaction conflict and throttling, then commits", async () => {
    recorded.length = 0;
    const table = fakeTable([cancelled("TransactionConflict"), cancelled("None", "ThrottlingError")]);
    await withPostingRetries(deps(5), () => transactWrite(table, items.slice(0, 2)));
    expect(table.calls).toBe(3);
    expect(recorded.map((r) => r.dimensions?.reason)).toEqual(["conflict", "throttled"]);
  });

  it("gives up after the bound so SQS delivers the record again", async () => {
    const table = fakeTable(Array.from({ length: 10 }, () => cancelled("TransactionConflict")));
    await expect(
      withPostingRetries(deps(3), () => transactWrite(table, items.slice(0, 1))),
    ).rejects.toBeInstanceOf(TransactionCancelledError);
    expect(table.calls).toBe(3);
  });

  it("does not retry a duplicate: the caller treats it as success", async () => {
    const table = fakeTable([cancelled("ConditionalCheckFailed")]);
    const error = await withPostingRetries(deps(5), () => transactWrite(table, items.slice(0, 1))).catch(
      (e) => e,
    );
    expect((error as TransactionCancelledError).kind).toBe("duplicate");
    expect(table.calls).toBe(1);
  });

  it("retries a throttled request outside a transaction", async () => {
    const throttled = Object.assign(new Error("slow down"), {
      name: "ProvisionedThroughputExceededException",
    });
    const table = fakeTable([throttled]);
    await withPostingRetries(deps(5), () => transactWrite(table, items.slice(0, 1)));
    expect(table.calls).toBe(2);
  });
});
