import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { CloseRow, Material, OrderSnapshot, OrderState, PeriodLock } from "../../../domain/index.js";
import { BACKLOG_INDEX, CLOSE_INDEX } from "../../../infra/table.js";
import type { CloseCheckpoint, OrderStateEntry } from "../../use-cases/period-close-port.js";
import type { TableContext } from "./client.js";
import { pack, unpack } from "./codec.js";
import { indexKeys, keys } from "./keys.js";
import { batchGet } from "./master-data.js";
import { queryAll } from "./query.js";
import type { TaggedItem } from "./transact.js";

/**
 * Items of the period close: the lock on the plant's period state, the resume checkpoint, one
 * report row per processed order and the stored report. The close's port over them is
 * period-close-store.ts.
 */

/**
 * Sets locked[period] = "closing" unless the period is already closed; returns the lock it
 * holds afterwards. Two writes because a nested SET needs the `locked` map to exist first.
 */
export async function markPeriodClosing(t: TableContext, plant: string, period: string): Promise<PeriodLock> {
  await t.ddb.send(
    new UpdateCommand({
      TableName: t.tableName,
      Key: keys.periods(plant),
      UpdateExpression: "SET locked = if_not_exists(locked, :empty)",
      ExpressionAttributeValues: { ":empty": {} },
    }),
  );
  try {
    await t.ddb.send(
      new UpdateCommand({
        TableName: t.tableName,
        Key: keys.periods(plant),
        UpdateExpression: "SET locked.#p = :closing",
        ConditionExpression: "attribute_not_exists(locked.#p) OR locked.#p = :closing",
        ExpressionAttributeNames: { "#p": period },
        ExpressionAttributeValues: { ":closing": "closing" },
      }),
    );
    return "closing";
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return "closed";
    throw error;
  }
}

/** A failed close gives the period back (only while it is still "closing") and forgets its cursor. */
export async function reopenPeriod(t: TableContext, plant: string, period: string): Promise<void> {
  try {
    await t.ddb.send(
      new UpdateCommand({
        TableName: t.tableName,
        Key: keys.periods(plant),
        UpdateExpression: "REMOVE locked.#p",
        ConditionExpression: "locked.#p = :closing",
        ExpressionAttributeNames: { "#p": period },
        ExpressionAttributeValues: { ":closing": "closing" },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  await t.ddb.send(new DeleteCommand({ TableName: t.tableName, Key: keys.closeCheckpoint(plant, period) }));
}

export async function getCloseCheckpoint(
  t: TableContext,
  plant: string,
  period: string,
): Promise<CloseCheckpoint | undefined> {
  const res = await t.ddb.send(
    new GetCommand({
      TableName: t.tableName,
      Key: keys.closeCheckpoint(plant, period),
      ConsistentRead: true,
    }),
  );
  if (!res.Item) return undefined;
  return {
    cursor: res.Item.cursor as Record<string, unknown> | undefined,
    scanned: res.Item.scanned === true,
    processed: Number(String(res.Item.processed ?? 0)),
    updatedAt: String(res.Item.updatedAt),
  };
}

export async function putCloseCheckpoint(
  t: TableContext,
  plant: string,
  period: string,
  checkpoint: CloseCheckpoint,
): Promise<void> {
  await t.ddb.send(
    new PutCommand({
      TableName: t.tableName,
      Item: { ...keys.closeCheckpoint(plant, period), ...checkpoint },
    }),
  );
}

const toStateEntry = (item: Record<string, unknown>): OrderStateEntry => ({
  order: String(item.order),
  state: unpack<OrderState>(item.data as Uint8Array),
  version: Number(String(item.version)),
  closedThrough: typeof item.closedThrough === "string" ? item.closedThrough : undefined,
});

/**
 * One page of the close index (CLOSE_INDEX) and the order items it names. The index keeps only keys
 * (a posting rewrites its order, and a full copy in the index would double every such write),
 * so the orders are read from the table, consistently, one BatchGetItem per page.
 */
export async function listOrdersToClose(
  t: TableContext,
  plant: string,
  page: { readonly limit: number; readonly start?: Record<string, unknown> | undefined },
): Promise<{ orders: OrderStateEntry[]; next?: Record<string, unknown> | undefined }> {
  const res = await t.ddb.send(
    new QueryCommand({
      TableName: t.tableName,
      IndexName: CLOSE_INDEX.indexName,
      KeyConditionExpression: `${CLOSE_INDEX.partitionKey} = :pk`,
      ExpressionAttributeValues: { ":pk": indexKeys.orderToClose(plant, "")[CLOSE_INDEX.partitionKey] },
      ProjectionExpression: CLOSE_INDEX.sortKey,
      Limit: page.limit,
      ExclusiveStartKey: page.start,
    }),
  );
  const ids = (res.Items ?? []).map((i) => String(i[CLOSE_INDEX.sortKey]));
  const states = await getOrderStates(t, plant, ids);
  const orders = ids.flatMap((id) => {
    const entry = states.get(id);
    return entry ? [entry] : [];
  });
  return { orders, next: res.LastEvaluatedKey };
}

/** Order states read consistently (after a cancelled close write). */
export async function getOrderStates(
  t: TableContext,
  plant: string,
  orders: readonly string[],
): Promise<Map<string, OrderStateEntry>> {
  const items = await batchGet(
    t,
    orders.map((o) => keys.order(plant, o)),
  );
  return new Map(items.map((i) => [String(i.order), toStateEntry(i)]));
}

/** Order snapshots; they never change after release, so any read is current. */
export async function getOrderSnapshots(
  t: TableContext,
  plant: string,
  orders: readonly string[],
): Promise<Map<string, OrderSnapshot>> {
  const items = await batchGet(
    t,
    orders.map((o) => keys.orderSnapshot(plant, o)),
  );
  return new Map(
    items.map((i) => {
      const snapshot = unpack<OrderSnapshot>(i.data as Uint8Array);
      return [snapshot.order, snapshot];
    }),
  );
}

/**
 * The report rows of the orders one close transaction commits, as one item beside them: a row
 * exists exactly when its order was closed, and every order commits in exactly one such
 * transaction, so the item named after its first order is never written twice.
 */
export function closeRowsWrite(
  t: TableContext,
  plant: string,
  period: string,
  rows: readonly CloseRow[],
): TaggedItem {
  const first = rows[0]?.order ?? "";
  return {
    role: "other",
    key: `${first}:close-rows`,
    item: {
      Put: {
        TableName: t.tableName,
        Item: { ...keys.closeRows(plant, period, first), count: rows.length, data: pack(rows) },
      },
    },
  };
}

/** Every row a close wrote, in order id order. */
export async function listCloseRows(t: TableContext, plant: string, period: string): Promise<CloseRow[]> {
  const items = await queryAll(t, {
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": keys.closeRowsPk(plant, period) },
    ConsistentRead: true,
  });
  return items
    .flatMap((i) => unpack<CloseRow[]>(i.data as Uint8Array))
    .sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
}

/**
 * The close's last step in one transaction: the report, the lock "closed" (only from
 * "closing", so a concurrent finisher loses), and the checkpoint gone.
 */
export function finishCloseWrites(
  t: TableContext,
  plant: string,
  period: string,
  report: { readonly closedAt: string; readonly data: unknown },
): TaggedItem[] {
  return [
    {
      role: "record",
      key: `${period}:report`,
      item: {
        Put: {
          TableName: t.tableName,
          Item: { ...keys.periodReport(plant, period), closedAt: report.closedAt, data: pack(report.data) },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
    },
    {
      role: "marker",
      key: `${period}:lock`,
      item: {
        Update: {
          TableName: t.tableName,
          Key: keys.periods(plant),
          UpdateExpression: "SET locked.#p = :closed",
          ConditionExpression: "locked.#p = :closing",
          ExpressionAttributeNames: { "#p": period },
          ExpressionAttributeValues: { ":closed": "closed", ":closing": "closing" },
        },
      },
    },
    {
      role: "other",
      key: `${period}:checkpoint`,
      item: { Delete: { TableName: t.tableName, Key: keys.closeCheckpoint(plant, period) } },
    },
  ];
}

export async function getStoredReport<T>(
  t: TableContext,
  plant: string,
  period: string,
): Promise<T | undefined> {
  const res = await t.ddb.send(
    new GetCommand({ TableName: t.tableName, Key: keys.periodReport(plant, period), ConsistentRead: true }),
  );
  return res.Item ? unpack<T>(res.Item.data as Uint8Array) : undefined;
}

/** Open backlog lines of a plant: a COUNT over the sparse backlog index, no items transferred. */
export async function countOpenBacklog(t: TableContext, plant: string): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const res = await t.ddb.send(
      new QueryCommand({
        TableName: t.tableName,
        IndexName: BACKLOG_INDEX.indexName,
        KeyConditionExpression: `${BACKLOG_INDEX.partitionKey} = :pk`,
        ExpressionAttributeValues: { ":pk": `BACKLOG#${plant}` },
        Select: "COUNT",
        ExclusiveStartKey: start,
      }),
    );
    count += res.Count ?? 0;
    start = res.LastEvaluatedKey;
  } while (start);
  return count;
}

/** The plant's first material by id: its currency is the plant's (domain/period-close.ts, plantCurrency). */
export async function plantCurrencyMaterial(
  t: TableContext,
  plant: string,
): Promise<Pick<Material, "currency"> | undefined> {
  const res = await t.ddb.send(
    new QueryCommand({
      TableName: t.tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :mat)",
      ExpressionAttributeValues: { ":pk": keys.material(plant, "").pk, ":mat": "MAT#" },
      Limit: 1,
    }),
  );
  const item = res.Items?.[0];
  return item
    ? { currency: unpack<Pick<Material, "currency">>(item.data as Uint8Array).currency }
    : undefined;
}
