import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { PostedConfirmation } from "../../../domain/index.js";
import { type StoredBacklogLine, toBacklogLine } from "./backlog.js";
import type { TableContext } from "./client.js";
import { pack, unpack } from "./codec.js";
import { indexKeys, keys } from "./keys.js";
import { queryAll } from "./query.js";
import type { TaggedItem } from "./transact.js";

export type PostingStatus = "posted" | "posted_with_backlog" | "rejected" | "reversed";

/** A movement as the HTTP contract shows it (GET confirmation), strings already formatted. */
export interface MovementView {
  readonly kind: "issue" | "receipt" | "activity";
  readonly material?: string;
  readonly location?: string;
  readonly qty: string;
  readonly value: string;
  readonly workCenter?: string;
  readonly activity?: string;
  readonly operation?: string;
}

export interface PostingRecordData {
  readonly record?: PostedConfirmation | undefined;
  readonly movements: readonly MovementView[];
}

export interface StoredPosting {
  readonly status: PostingStatus;
  readonly order: string;
  readonly operation: string;
  readonly period?: string | undefined;
  readonly rejection?: { code: string; message: string } | undefined;
  readonly data: PostingRecordData;
}

/**
 * The reversal record: `reversed` once and for all, or `rejected` for the latest request
 * that could not post (`requestedAt` names it; a later request may try again).
 */
export interface StoredReversal {
  readonly status: "reversed" | "rejected";
  readonly requestedAt?: string | undefined;
  readonly period?: string | undefined;
  readonly rejection?: { code: string; message: string } | undefined;
}

export interface ConfirmationItems {
  readonly intake?: Record<string, unknown> | undefined;
  readonly posting?: StoredPosting | undefined;
  readonly planExists: boolean;
  readonly reversal?: StoredReversal | undefined;
  readonly backlog: readonly StoredBacklogLine[];
}

/** Everything about one confirmation: one Query on its partition. */
export async function getConfirmationItems(
  t: TableContext,
  plant: string,
  id: string,
): Promise<ConfirmationItems> {
  const items = await queryAll(t, {
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": keys.confirmationPk(plant, id) },
    ConsistentRead: true,
  });
  const bySk = (sk: string) => items.find((i) => i.sk === sk);
  const posting = bySk("POSTING");
  return {
    intake: bySk("INTAKE"),
    posting: posting ? toStoredPosting(posting) : undefined,
    planExists: bySk("PLAN") !== undefined,
    reversal: toStoredReversal(bySk("REVERSAL")),
    backlog: items.filter((i) => String(i.sk).startsWith("BL#")).map(toBacklogLine),
  };
}

export async function getPosting(
  t: TableContext,
  plant: string,
  id: string,
): Promise<StoredPosting | undefined> {
  const res = await t.ddb.send(
    new GetCommand({ TableName: t.tableName, Key: keys.posting(plant, id), ConsistentRead: true }),
  );
  return res.Item ? toStoredPosting(res.Item) : undefined;
}

function toStoredPosting(item: Record<string, unknown>): StoredPosting {
  return {
    status: item.status as PostingStatus,
    order: String(item.order),
    operation: String(item.operation),
    period: typeof item.period === "string" ? item.period : undefined,
    rejection: item.rejection as StoredPosting["rejection"],
    data: unpack<PostingRecordData>(item.data as Uint8Array),
  };
}

function toStoredReversal(item: Record<string, unknown> | undefined): StoredReversal | undefined {
  if (!item) return undefined;
  return {
    status: item.status === "reversed" ? "reversed" : "rejected",
    requestedAt: typeof item.requestedAt === "string" ? item.requestedAt : undefined,
    period: typeof item.period === "string" ? item.period : undefined,
    rejection: item.rejection as StoredReversal["rejection"],
  };
}

/** The posting record: written once (attribute_not_exists) — the exactly-once guard of a confirmation. */
export function postingWrite(
  t: TableContext,
  plant: string,
  id: string,
  p: {
    status: PostingStatus;
    order: string;
    operation: string;
    period?: string;
    rejection?: { code: string; message: string };
    data: PostingRecordData;
    at: string;
    receivedAt?: string;
    /** The requested posting date (its lines' postingDate follows from it and the period). */
    postingDate?: string;
  },
): TaggedItem {
  // The lines this record projects after its commit: listed for the period's close (docs/ledger.md).
  const lines = p.data.movements.length;
  const listed =
    p.status !== "rejected" && p.period !== undefined && p.postingDate !== undefined && lines > 0;
  return {
    role: "record",
    key: id,
    item: {
      Put: {
        TableName: t.tableName,
        Item: {
          ...keys.posting(plant, id),
          confirmationId: id,
          status: p.status,
          order: p.order,
          operation: p.operation,
          ...(p.period ? { period: p.period } : {}),
          ...(p.rejection ? { rejection: p.rejection } : {}),
          ...(p.receivedAt ? { receivedAt: p.receivedAt } : {}),
          ...(p.postingDate ? { postingDate: p.postingDate } : {}),
          ...(listed && p.period ? indexKeys.ledgerSource(plant, p.period, id, "P", lines) : {}),
          postedAt: p.at,
          data: pack(p.data),
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  };
}
