/**
 * The API's lists, one page at a time (docs/api.md, "Paging"): each list's cursor shape and
 * its paged Query. Every page is bounded by `limit`, never by the plant's data.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type {
  Material,
  Order,
  OrderSnapshot,
  OrderState,
  OrderStatus,
  WorkCenter,
} from "../../../domain/index.js";
import { BACKLOG_INDEX, ORDERS_INDEX, STOCK_INDEX } from "../../../infra/table.js";
import { type CursorShape, decodeCursor, encodeCursor, type PageRequest } from "../../common/paging.js";
import { listOpenBacklog, type StoredBacklogLine } from "./backlog.js";
import type { TableContext } from "./client.js";
import { unpack } from "./codec.js";
import { indexKeys, keys } from "./keys.js";
import { batchGet } from "./master-data.js";
import { queryPage } from "./query.js";
import { listRequisitionsPage, type StoredRequisition } from "./requisitions.js";
import { type StockRow, toStockRow } from "./stock.js";

export interface PageOf<T> {
  readonly items: T[];
  readonly next: string | null;
}

/** Cursor shapes: the start key each list's Query takes, partition fixed to the plant. */
export const cursorShapes = {
  plantStock: (plant: string): CursorShape => ({
    list: "stock",
    fixed: { [STOCK_INDEX.partitionKey]: indexKeys.plantStock(plant, "", "")[STOCK_INDEX.partitionKey] },
    free: { [STOCK_INDEX.sortKey]: "", pk: `${keys.stockPk(plant, "")}`, sk: "LOC#" },
  }),
  materialStock: (plant: string, material: string): CursorShape => ({
    list: "stock-of-material",
    fixed: { pk: keys.stockPk(plant, material) },
    free: { sk: "LOC#" },
  }),
  backlog: (plant: string): CursorShape => ({
    list: "backlog",
    fixed: {
      [BACKLOG_INDEX.partitionKey]: indexKeys.openBacklog(plant, "", "", "", "")[BACKLOG_INDEX.partitionKey],
    },
    free: { [BACKLOG_INDEX.sortKey]: "", pk: `P#${plant}#CONF#`, sk: "BL#" },
  }),
  requisitions: (plant: string): CursorShape => ({
    list: "reorders",
    fixed: { pk: keys.requisitionPk(plant) },
    free: { sk: "REQ#" },
  }),
  orders: (plant: string): CursorShape => ({
    list: "orders",
    fixed: { plant },
    free: { before: "" },
  }),
  materials: (plant: string): CursorShape => ({
    list: "materials",
    fixed: { pk: keys.material(plant, "").pk },
    free: { sk: keys.material(plant, "").sk },
  }),
  workCenters: (plant: string): CursorShape => ({
    list: "work-centers",
    fixed: { pk: keys.workCenter(plant, "").pk },
    free: { sk: keys.workCenter(plant, "").sk },
  }),
} as const;

/**
 * Stock items of the whole plant in material, location order: the plant-stock index (keys
 * only) names a page of them, one BatchGetItem reads them.
 */
export async function plantStockPage(t: TableContext, plant: string, page: PageRequest) {
  const shape = cursorShapes.plantStock(plant);
  const res = await queryPage(
    t,
    {
      IndexName: STOCK_INDEX.indexName,
      KeyConditionExpression: `${STOCK_INDEX.partitionKey} = :pk`,
      ExpressionAttributeValues: { ":pk": shape.fixed[STOCK_INDEX.partitionKey] },
    },
    { limit: page.limit, start: decodeCursor(shape, page.cursor), shape },
  );
  const items = await batchGet(
    t,
    res.items.map((i) => ({ pk: String(i.pk), sk: String(i.sk) })),
  );
  const order = new Map(res.items.map((i, n) => [`${String(i.pk)}|${String(i.sk)}`, n]));
  const rows = items
    .sort((a, b) => (order.get(`${a.pk}|${a.sk}`) ?? 0) - (order.get(`${b.pk}|${b.sk}`) ?? 0))
    .map(toStockRow);
  return { items: rows, next: encodeCursor(shape, res.next) } satisfies PageOf<StockRow>;
}

/** Stock of one material, location by location: one Query on the material's partition. */
export async function materialStockPage(t: TableContext, plant: string, material: string, page: PageRequest) {
  const shape = cursorShapes.materialStock(plant, material);
  const res = await queryPage(
    t,
    {
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": shape.fixed.pk },
      ConsistentRead: true,
    },
    { limit: page.limit, start: decodeCursor(shape, page.cursor), shape },
  );
  return { items: res.items.map(toStockRow), next: encodeCursor(shape, res.next) } satisfies PageOf<StockRow>;
}

/** Open backlog lines of the plant, in the backlog index's material@location order. */
export async function backlogPage(t: TableContext, plant: string, page: PageRequest) {
  const shape = cursorShapes.backlog(plant);
  const { lines, next } = await listOpenBacklog(t, plant, undefined, {
    limit: page.limit,
    start: decodeCursor(shape, page.cursor),
  });
  return { items: lines, next: encodeCursor(shape, next) } satisfies PageOf<StoredBacklogLine>;
}

/** Requisitions of the plant in id order. */
export async function requisitionPage(t: TableContext, plant: string, page: PageRequest) {
  const shape = cursorShapes.requisitions(plant);
  const res = await listRequisitionsPage(t, plant, {
    limit: page.limit,
    start: decodeCursor(shape, page.cursor),
  });
  return { items: res.items, next: encodeCursor(shape, res.next) } satisfies PageOf<StoredRequisition>;
}

/** Master data of one kind (materials or work centers) in id order: one Query on the plant's master-data partition. */
async function masterDataPage<T>(t: TableContext, shape: CursorShape, page: PageRequest) {
  const res = await queryPage(
    t,
    {
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :kind)",
      ExpressionAttributeValues: { ":pk": shape.fixed.pk, ":kind": shape.free.sk },
      ConsistentRead: true,
    },
    { limit: page.limit, start: decodeCursor(shape, page.cursor), shape },
  );
  return {
    items: res.items.map((i) => unpack<T>(i.data as Uint8Array)),
    next: encodeCursor(shape, res.next),
  };
}

export const materialsPage = (
  t: TableContext,
  plant: string,
  page: PageRequest,
): Promise<PageOf<Omit<Material, "hasBom">>> => masterDataPage(t, cursorShapes.materials(plant), page);

export const workCentersPage = (
  t: TableContext,
  plant: string,
  page: PageRequest,
): Promise<PageOf<WorkCenter>> => masterDataPage(t, cursorShapes.workCenters(plant), page);

const ORDER_STATUSES: readonly OrderStatus[] = ["released", "in_process", "completed", "closed"];

/** Query requests one status partition may take for a page when a material filter skips most keys. */
const MAX_FILTERED_REQUESTS = 4;

interface PartitionTop {
  /** Sort keys, newest first. */
  readonly keys: string[];
  /** The lowest sort key read when the partition has more that this page did not read. */
  readonly frontier?: string | undefined;
}

/** The newest `need` orders of one status partition older than `before`. */
async function partitionTop(
  t: TableContext,
  pk: string,
  need: number,
  before: string | undefined,
  material: string | undefined,
): Promise<PartitionTop> {
  const found: string[] = [];
  let start: Record<string, unknown> | undefined;
  // DynamoDB filters on no key attribute, so the material is matched here, on keys only.
  const tag = material === undefined ? undefined : indexKeys.orderListMaterial(material);
  for (let request = 1; ; request++) {
    const res = await t.ddb.send(
      new QueryCommand({
        TableName: t.tableName,
        IndexName: ORDERS_INDEX.indexName,
        KeyConditionExpression: before ? "#pk = :pk AND #sk < :before" : "#pk = :pk",
        ExpressionAttributeNames: {
          "#pk": ORDERS_INDEX.partitionKey,
          ...(before && { "#sk": ORDERS_INDEX.sortKey }),
        },
        ExpressionAttributeValues: { ":pk": pk, ...(before && { ":before": before }) },
        ...(tag === undefined && { Limit: need - found.length }),
        ScanIndexForward: false,
        ExclusiveStartKey: start,
      }),
    );
    const sortKeys = (res.Items ?? []).map((i) => String(i[ORDERS_INDEX.sortKey]));
    found.push(...(tag === undefined ? sortKeys : sortKeys.filter((sk) => sk.endsWith(tag))));
    start = res.LastEvaluatedKey;
    if (found.length >= need) return { keys: found.slice(0, need) };
    if (!start) return { keys: found };
    if (request >= MAX_FILTERED_REQUESTS) {
      return { keys: found, frontier: String(start[ORDERS_INDEX.sortKey]) };
    }
  }
}

/**
 * A page of the plant's orders, newest release first, optionally of one status and one
 * material: the orders index (keys only) per status partition, merged by release time, then
 * one BatchGetItem for the page's orders. The cursor is the sort key of the page's last order,
 * so the next page reads each partition strictly below it: no scan, no offset.
 */
export async function ordersPage(
  t: TableContext,
  plant: string,
  filter: { readonly status?: OrderStatus | undefined; readonly material?: string | undefined },
  page: PageRequest,
): Promise<PageOf<Order>> {
  const shape = cursorShapes.orders(plant);
  const before = decodeCursor(shape, page.cursor)?.before;
  const statuses = filter.status ? [filter.status] : ORDER_STATUSES;
  const tops = await Promise.all(
    statuses.map((s) =>
      partitionTop(t, indexKeys.orderListPk(plant, s), page.limit + 1, before, filter.material),
    ),
  );
  // Past the highest frontier, a partition that stopped early may hold orders newer than what the others gave.
  const frontiers = tops.flatMap((top) => (top.frontier === undefined ? [] : [top.frontier]));
  const boundary = frontiers.sort().at(-1);
  const merged = tops
    .flatMap((top) => top.keys)
    .filter((sk) => boundary === undefined || sk >= boundary)
    .sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  const chosen = merged.slice(0, page.limit);
  const last = chosen.at(-1);
  const next =
    merged.length > page.limit && last !== undefined
      ? { before: last }
      : boundary !== undefined
        ? { before: boundary }
        : undefined;
  const ids = chosen.map((sk) => sk.split("|")[1] ?? "");
  const items = await batchGet(
    t,
    ids.flatMap((id) => [keys.order(plant, id), keys.orderSnapshot(plant, id)]),
  );
  const byKey = new Map(items.map((i) => [`${String(i.pk)}|${String(i.sk)}`, i]));
  const orders = ids.flatMap((id): Order[] => {
    const state = byKey.get(`${keys.order(plant, id).pk}|ORDER`);
    const snapshot = byKey.get(`${keys.orderSnapshot(plant, id).pk}|SNAPSHOT`);
    if (!state || !snapshot) return [];
    return [
      {
        snapshot: unpack<OrderSnapshot>(snapshot.data as Uint8Array),
        state: unpack<OrderState>(state.data as Uint8Array),
      },
    ];
  });
  return { items: orders, next: encodeCursor(shape, next) };
}
