/**
 * The API's lists, one page at a time (docs/api.md, "Paging"): each list's cursor shape and
 * its paged Query. Every page is bounded by `limit`, never by the plant's data.
 */
import { BACKLOG_INDEX, STOCK_INDEX } from "../../../infra/table.js";
import { fromNum } from "../../shared/codec.js";
import { indexKeys, keys } from "../../shared/keys.js";
import { type CursorShape, decodeCursor, encodeCursor, type PageRequest } from "../../shared/paging.js";
import { listOpenBacklog, type StoredBacklogLine } from "./backlog.js";
import type { TableContext } from "./client.js";
import { batchGet } from "./master-data.js";
import { queryPage } from "./query.js";
import { listRequisitionsPage, type StoredRequisition } from "./requisitions.js";
import type { StockRow } from "./stock.js";

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

const toStockRow = (item: Record<string, unknown>): StockRow => ({
  material: String(item.material),
  location: String(item.location),
  onHand: fromNum(item.onHand),
  attributes: item,
});
