import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { BacklogLine, Decimal, Movement, PostedConfirmation } from "../../../domain/index.js";
import { BACKLOG_INDEX } from "../../../infra/table.js";
import { pack, unpack } from "../../shared/codec.js";
import { indexKeys, keys } from "../../shared/keys.js";
import type { TableContext } from "./client.js";
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

export interface StoredBacklogLine {
  readonly id: string;
  readonly seq: number;
  readonly confirmationId: string;
  readonly order: string;
  readonly line: BacklogLine;
  readonly status: "open" | "posted" | "cancelled";
  readonly createdAt: string;
  /** Issues that posted from this line (a split policy may post it in parts). */
  readonly postings: readonly Movement[];
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

export function toBacklogLine(item: Record<string, unknown>): StoredBacklogLine {
  const data = unpack<{ line: BacklogLine; postings: Movement[] }>(item.data as Uint8Array);
  return {
    id: String(item.id),
    seq: Number(String(item.seq)),
    confirmationId: String(item.confirmationId),
    order: String(item.order),
    line: data.line,
    status: item.status as StoredBacklogLine["status"],
    createdAt: String(item.createdAt),
    postings: data.postings,
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
  },
): TaggedItem {
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
          postedAt: p.at,
          data: pack(p.data),
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  };
}

export const backlogId = (confirmationId: string, seq: number) => `${confirmationId}:BL${seq}`;

export function backlogPut(
  t: TableContext,
  plant: string,
  b: { confirmationId: string; order: string; seq: number; line: BacklogLine; createdAt: string },
): TaggedItem {
  const id = backlogId(b.confirmationId, b.seq);
  return {
    role: "backlog",
    key: id,
    item: {
      Put: {
        TableName: t.tableName,
        Item: {
          ...keys.backlog(plant, b.confirmationId, b.seq),
          id,
          seq: b.seq,
          confirmationId: b.confirmationId,
          order: b.order,
          material: b.line.material,
          location: b.line.location,
          status: "open",
          createdAt: b.createdAt,
          data: pack({ line: b.line, postings: [] }),
          ...indexKeys.openBacklog(plant, b.line.material, b.line.location, b.createdAt, id),
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  };
}

/**
 * A backlog line after a (partial) posting or a cancellation: only if it is still as we read
 * it, so a reprocess and a reversal can never both act on it. Closed lines leave the index.
 */
export function backlogUpdate(
  t: TableContext,
  plant: string,
  read: StoredBacklogLine,
  next: { status: StoredBacklogLine["status"]; remaining: Decimal; postings: readonly Movement[] },
): TaggedItem {
  const open = next.status === "open";
  return {
    role: "backlog",
    key: read.id,
    item: {
      Update: {
        TableName: t.tableName,
        Key: keys.backlog(plant, read.confirmationId, read.seq),
        UpdateExpression: open
          ? "SET #s = :s, #d = :d"
          : `SET #s = :s, #d = :d REMOVE ${BACKLOG_INDEX.partitionKey}, ${BACKLOG_INDEX.sortKey}`,
        ConditionExpression: "#s = :open AND #d = :read",
        ExpressionAttributeNames: { "#s": "status", "#d": "data" },
        ExpressionAttributeValues: {
          ":s": next.status,
          ":open": "open",
          ":read": pack({ line: read.line, postings: read.postings }),
          ":d": pack({ line: { ...read.line, qty: next.remaining }, postings: next.postings }),
        },
      },
    },
  };
}

/** Open backlog of a plant, optionally of one material at one location, oldest first per item. */
export async function listOpenBacklog(
  t: TableContext,
  plant: string,
  filter?: { material: string; location: string },
  page?: { limit: number; start?: Record<string, unknown> | undefined },
): Promise<{ lines: StoredBacklogLine[]; next?: Record<string, unknown> | undefined }> {
  const pk = `BACKLOG#${plant}`;
  const lines: StoredBacklogLine[] = [];
  let start = page?.start;
  do {
    const res = await t.ddb.send(
      new QueryCommand({
        TableName: t.tableName,
        IndexName: BACKLOG_INDEX.indexName,
        KeyConditionExpression: filter
          ? `${BACKLOG_INDEX.partitionKey} = :pk AND begins_with(${BACKLOG_INDEX.sortKey}, :prefix)`
          : `${BACKLOG_INDEX.partitionKey} = :pk`,
        ExpressionAttributeValues: {
          ":pk": pk,
          ...(filter ? { ":prefix": indexKeys.openBacklogPrefix(filter.material, filter.location) } : {}),
        },
        ExclusiveStartKey: start,
        ...(page ? { Limit: page.limit - lines.length } : {}),
      }),
    );
    lines.push(...(res.Items ?? []).map(toBacklogLine));
    start = res.LastEvaluatedKey;
    if (page && lines.length >= page.limit) return { lines, next: start };
  } while (start);
  return { lines };
}
