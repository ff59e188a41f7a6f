import { createHash } from "node:crypto";
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { OUTBOX } from "../../../infra/messaging.js";
import { OUTBOX_INDEX } from "../../../infra/table.js";
import type { ConfirmationMessage, ReversalMessage } from "../../common/messages.js";
import type { TableContext } from "./client.js";
import { keys } from "./keys.js";

/**
 * Intake records: one per plant and confirmationId (sk INTAKE on the confirmation's partition), the
 * fingerprint of the body, the queued message, and the outbox entry (docs/data-model.md). An intake
 * record that got its 202 carries the outbox index keys (gsi5) until the sweeper has seen its
 * posting (and its reversal, once one was requested): the outbox is that sparse index.
 */
export interface IntakeRecord {
  readonly hash: string;
  /**
   * queued: stored in the outbox and sent, or being sent (a 202, or no answer: the outbox sends it);
   * accepted: the queue refused it (the client got 503; a retry of the same body sends it).
   */
  readonly status: "accepted" | "queued";
  readonly order: string;
  readonly message: ConfirmationMessage;
  readonly receivedAt: string;
  readonly reversalRequested?: string | undefined;
  /** The latest reversal request's queued message. */
  readonly reversal?: ReversalMessage | undefined;
  /** When the outbox sends it again unless it has posted by then; absent once settled. */
  readonly outboxDue?: string | undefined;
  readonly outboxSends: number;
}

export interface NewIntake {
  readonly hash: string;
  readonly order: string;
  readonly message: ConfirmationMessage;
  readonly receivedAt: string;
}

export interface OutboxEntry {
  readonly plant: string;
  readonly confirmationId: string;
  /** The due time this entry was read with: every change below is conditional on it. */
  readonly due: string;
}

export interface OutboxPage {
  readonly entries: readonly OutboxEntry[];
  readonly cursor?: Record<string, unknown> | undefined;
}

export interface IntakeRecords {
  get(plant: string, id: string): Promise<IntakeRecord | undefined>;
  /**
   * Stores a new record as `queued`, in the outbox until `due`, before it is sent (the outbox
   * sends it if the sender dies); false when a record under this id exists already.
   */
  create(plant: string, id: string, intake: NewIntake, due: Date): Promise<boolean>;
  /** The queue refused its first send: `accepted`, out of the outbox (the client gets 503). */
  markUnsent(plant: string, id: string): Promise<void>;
  /** The queue took the confirmation: `queued`, in the outbox until `due`. */
  markQueued(plant: string, id: string, due: Date): Promise<void>;
  /** The queue took a reversal of it: remembered (the latest request) and in the outbox until `due`. */
  markReversalQueued(plant: string, id: string, reversal: ReversalMessage, due: Date): Promise<void>;
  /** One page of a shard's entries due at `now`, oldest first. */
  dueEntries(shard: number, now: Date, limit: number, cursor?: Record<string, unknown>): Promise<OutboxPage>;
  /** Sent again: due next at `next`. False when the entry changed since it was read. */
  resent(entry: OutboxEntry, next: Date): Promise<boolean>;
  /** Seen posted (and reversed, if asked): out of the outbox. False when it changed since it was read. */
  settle(entry: OutboxEntry): Promise<boolean>;
  /** Out of re-sends: out of the outbox, marked `outboxExhausted` for an operator. */
  exhaust(entry: OutboxEntry, at: Date): Promise<boolean>;
}

/** Which outbox partition a confirmation's entry lives in (spreads the index writes). */
export function outboxShard(plant: string, id: string): number {
  return createHash("sha256").update(`${plant}#${id}`).digest().readUInt32BE(0) % OUTBOX.shards;
}

const shardKey = (shard: number) => `OUTBOX#${shard}`;
const CONFIRMATION_PK = /^P#([^#]+)#CONF#([^#]+)$/;

export function intakeRecords(t: TableContext): IntakeRecords {
  const conditional = async (update: Omit<ConstructorParameters<typeof UpdateCommand>[0], "TableName">) => {
    try {
      await t.ddb.send(new UpdateCommand({ TableName: t.tableName, ...update }));
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === "ConditionalCheckFailedException") return false;
      throw error;
    }
  };
  const outboxKeys = (plant: string, id: string, due: Date) => ({
    ":shard": shardKey(outboxShard(plant, id)),
    ":due": due.toISOString(),
  });

  return {
    async get(plant, id) {
      const { Item: item } = await t.ddb.send(
        new GetCommand({ TableName: t.tableName, Key: keys.intake(plant, id), ConsistentRead: true }),
      );
      return parseIntakeRecord(item);
    },

    async create(plant, id, intake, due) {
      const outbox = outboxKeys(plant, id, due);
      try {
        await t.ddb.send(
          new PutCommand({
            TableName: t.tableName,
            Item: {
              ...keys.intake(plant, id),
              ...intake,
              status: "queued",
              [OUTBOX_INDEX.partitionKey]: outbox[":shard"],
              [OUTBOX_INDEX.sortKey]: outbox[":due"],
            },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof Error && error.name === "ConditionalCheckFailedException") return false;
        throw error;
      }
    },

    async markUnsent(plant, id) {
      await t.ddb.send(
        new UpdateCommand({
          TableName: t.tableName,
          Key: keys.intake(plant, id),
          UpdateExpression: "SET #s = :accepted REMOVE #opk, #osk",
          ExpressionAttributeNames: {
            "#s": "status",
            "#opk": OUTBOX_INDEX.partitionKey,
            "#osk": OUTBOX_INDEX.sortKey,
          },
          ExpressionAttributeValues: { ":accepted": "accepted" },
        }),
      );
    },

    async markQueued(plant, id, due) {
      await t.ddb.send(
        new UpdateCommand({
          TableName: t.tableName,
          Key: keys.intake(plant, id),
          UpdateExpression: "SET #s = :queued, #opk = :shard, #osk = :due",
          ExpressionAttributeNames: {
            "#s": "status",
            "#opk": OUTBOX_INDEX.partitionKey,
            "#osk": OUTBOX_INDEX.sortKey,
          },
          ExpressionAttributeValues: { ":queued": "queued", ...outboxKeys(plant, id, due) },
        }),
      );
    },

    async markReversalQueued(plant, id, reversal, due) {
      await t.ddb.send(
        new UpdateCommand({
          TableName: t.tableName,
          Key: keys.intake(plant, id),
          UpdateExpression: "SET reversalRequested = :at, reversal = :reversal, #opk = :shard, #osk = :due",
          ExpressionAttributeNames: { "#opk": OUTBOX_INDEX.partitionKey, "#osk": OUTBOX_INDEX.sortKey },
          ExpressionAttributeValues: {
            ":at": reversal.receivedAt,
            ":reversal": reversal,
            ...outboxKeys(plant, id, due),
          },
        }),
      );
    },

    async dueEntries(shard, now, limit, cursor) {
      const page = await t.ddb.send(
        new QueryCommand({
          TableName: t.tableName,
          IndexName: OUTBOX_INDEX.indexName,
          KeyConditionExpression: "#opk = :shard AND #osk <= :now",
          ExpressionAttributeNames: { "#opk": OUTBOX_INDEX.partitionKey, "#osk": OUTBOX_INDEX.sortKey },
          ExpressionAttributeValues: { ":shard": shardKey(shard), ":now": now.toISOString() },
          Limit: limit,
          ...(cursor !== undefined && { ExclusiveStartKey: cursor }),
        }),
      );
      const entries = (page.Items ?? []).flatMap((item): OutboxEntry[] => {
        const match = CONFIRMATION_PK.exec(String(item.pk));
        if (!match?.[1] || !match[2]) return [];
        return [{ plant: match[1], confirmationId: match[2], due: String(item[OUTBOX_INDEX.sortKey]) }];
      });
      return { entries, cursor: page.LastEvaluatedKey };
    },

    resent: (entry, next) =>
      conditional({
        Key: keys.intake(entry.plant, entry.confirmationId),
        UpdateExpression: "SET #osk = :next ADD outboxSends :one",
        ConditionExpression: "#osk = :seen",
        ExpressionAttributeNames: { "#osk": OUTBOX_INDEX.sortKey },
        ExpressionAttributeValues: { ":next": next.toISOString(), ":seen": entry.due, ":one": 1 },
      }),

    settle: (entry) =>
      conditional({
        Key: keys.intake(entry.plant, entry.confirmationId),
        UpdateExpression: "REMOVE #opk, #osk",
        ConditionExpression: "#osk = :seen",
        ExpressionAttributeNames: { "#opk": OUTBOX_INDEX.partitionKey, "#osk": OUTBOX_INDEX.sortKey },
        ExpressionAttributeValues: { ":seen": entry.due },
      }),

    exhaust: (entry, at) =>
      conditional({
        Key: keys.intake(entry.plant, entry.confirmationId),
        UpdateExpression: "SET outboxExhausted = :at REMOVE #opk, #osk",
        ConditionExpression: "#osk = :seen",
        ExpressionAttributeNames: { "#opk": OUTBOX_INDEX.partitionKey, "#osk": OUTBOX_INDEX.sortKey },
        ExpressionAttributeValues: { ":seen": entry.due, ":at": at.toISOString() },
      }),
  };
}

/** An intake record item as read (undefined: none under this id). */
export function parseIntakeRecord(item: Record<string, unknown> | undefined): IntakeRecord | undefined {
  if (!item) return undefined;
  return {
    hash: String(item.hash),
    status: item.status === "queued" ? "queued" : "accepted",
    order: String(item.order),
    message: item.message as ConfirmationMessage,
    receivedAt: String(item.receivedAt),
    reversalRequested: item.reversalRequested === undefined ? undefined : String(item.reversalRequested),
    reversal: item.reversal as ReversalMessage | undefined,
    outboxDue: item[OUTBOX_INDEX.sortKey] === undefined ? undefined : String(item[OUTBOX_INDEX.sortKey]),
    outboxSends: item.outboxSends === undefined ? 0 : Number(String(item.outboxSends)),
  };
}
