import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { BacklogLine, Decimal, Movement } from "../../../domain/index.js";
import { BACKLOG_INDEX } from "../../../infra/table.js";
import type { TableContext } from "./client.js";
import { pack, unpack } from "./codec.js";
import { indexKeys, keys } from "./keys.js";
import type { TaggedItem } from "./transact.js";

/** Backlog lines (docs/data-model.md): one item per line under its confirmation, open ones in gsi1. */
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
  /** Optimistic lock: every change of the line writes version + 1 (0: a line from before versions). */
  readonly version: number;
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
    version: item.version === undefined ? 0 : Number(String(item.version)),
  };
}

export const backlogId = (confirmationId: string, seq: number) => `${confirmationId}:BL${seq}`;

/** Parses a backlog line id back into its confirmation and sequence number. */
export function parseBacklogId(id: string): { confirmationId: string; seq: number } | undefined {
  const at = id.lastIndexOf(":BL");
  const seq = Number(id.slice(at + 3));
  return at > 0 && Number.isInteger(seq) && seq > 0 ? { confirmationId: id.slice(0, at), seq } : undefined;
}

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
          version: 1,
          data: pack({ line: b.line, postings: [] }),
          ...indexKeys.openBacklog(plant, b.line.material, b.line.location, b.createdAt, id),
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  };
}

/**
 * A backlog line after a (partial) posting or a cancellation: only if it is still open at the
 * version we read, so a reprocess and a reversal can never both act on it. The lock is a
 * number, never the stored bytes (a different zlib would otherwise lock every line for good).
 * Closed lines leave the index.
 */
export function backlogUpdate(
  t: TableContext,
  plant: string,
  read: StoredBacklogLine,
  next: { status: StoredBacklogLine["status"]; remaining: Decimal; postings: readonly Movement[] },
): TaggedItem {
  const open = next.status === "open";
  const unversioned = read.version === 0;
  return {
    role: "backlog",
    key: read.id,
    item: {
      Update: {
        TableName: t.tableName,
        Key: keys.backlog(plant, read.confirmationId, read.seq),
        UpdateExpression: `SET #s = :s, #d = :d, #v = :next${
          open ? "" : ` REMOVE ${BACKLOG_INDEX.partitionKey}, ${BACKLOG_INDEX.sortKey}`
        }`,
        ConditionExpression: unversioned
          ? "#s = :open AND attribute_not_exists(#v)"
          : "#s = :open AND #v = :v",
        ExpressionAttributeNames: { "#s": "status", "#d": "data", "#v": "version" },
        ExpressionAttributeValues: {
          ":s": next.status,
          ":open": "open",
          ":next": read.version + 1,
          ...(unversioned ? {} : { ":v": read.version }),
          ":d": pack({ line: { ...read.line, qty: next.remaining }, postings: next.postings }),
        },
      },
    },
  };
}

/** One backlog line, read consistently by its key (a retry must see what another writer did). */
export async function getBacklogLine(
  t: TableContext,
  plant: string,
  confirmationId: string,
  seq: number,
): Promise<StoredBacklogLine | undefined> {
  const res = await t.ddb.send(
    new GetCommand({
      TableName: t.tableName,
      Key: keys.backlog(plant, confirmationId, seq),
      ConsistentRead: true,
    }),
  );
  return res.Item ? toBacklogLine(res.Item) : undefined;
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
