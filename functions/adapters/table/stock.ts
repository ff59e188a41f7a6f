import {
  type Decimal,
  type JournalEntry,
  type StockAggregates,
  type StockDelta,
  type StockView,
  stockKey,
  ZERO,
} from "../../../domain/index.js";
import { REORDER_INDEX, STOCK_INDEX } from "../../../infra/table.js";
import type { TableContext } from "./client.js";
import { fromNum, num } from "./codec.js";
import { indexKeys, keys } from "./keys.js";
import { batchGet } from "./master-data.js";
import { queryAll } from "./query.js";
import type { TaggedItem } from "./transact.js";

export interface StockRow {
  readonly material: string;
  readonly location: string;
  readonly onHand: Decimal;
  /** Per-period aggregates kept on the item (see stockWrite), parsed from their attributes. */
  readonly aggregates: StockAggregates;
}

export async function readStock(
  t: TableContext,
  plant: string,
  items: Iterable<{ material: string; location: string }>,
): Promise<Map<ReturnType<typeof stockKey>, Decimal>> {
  const unique = new Map([...items].map((i) => [stockKey(i.material, i.location), i]));
  const rows = await batchGet(
    t,
    [...unique.values()].map((i) => keys.stock(plant, i.material, i.location)),
  );
  const view = new Map<ReturnType<typeof stockKey>, Decimal>();
  for (const i of unique.values()) view.set(stockKey(i.material, i.location), ZERO);
  for (const r of rows) view.set(stockKey(String(r.material), String(r.location)), fromNum(r.onHand));
  return view;
}

export const emptyStockView: StockView = new Map();

/** Stock of one material at every location: one Query on the material's partition. */
export async function listStock(t: TableContext, plant: string, material: string): Promise<StockRow[]> {
  const items = await queryAll(t, {
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": keys.stockPk(plant, material) },
    ConsistentRead: true,
  });
  return items.map(toStockRow);
}

/**
 * Every stock item of a plant: the plant-stock index (keys only, so postings that rewrite a
 * stock item cost no index write) names them, a BatchGetItem reads them. Reads grow with
 * stock items, not with postings.
 */
export async function listPlantStock(t: TableContext, plant: string): Promise<StockRow[]> {
  const index = await queryAll(t, {
    IndexName: STOCK_INDEX.indexName,
    KeyConditionExpression: `${STOCK_INDEX.partitionKey} = :pk`,
    ExpressionAttributeValues: { ":pk": indexKeys.plantStock(plant, "", "")[STOCK_INDEX.partitionKey] },
  });
  const names = index.map((i) => ({ pk: String(i.pk), sk: String(i.sk) }));
  const items = await batchGet(t, names);
  return items
    .map(toStockRow)
    .sort((a, b) => a.material.localeCompare(b.material) || a.location.localeCompare(b.location));
}

/** A stored stock item as a row, its aggregate attributes parsed. */
export const toStockRow = (item: Record<string, unknown>): StockRow => ({
  material: String(item.material),
  location: String(item.location),
  onHand: fromNum(item.onHand),
  aggregates: parseAggregates(item),
});

const AGGREGATE = /^(qc|iv)#(\d{4}-\d{2})$/;
const JOURNAL_AGGREGATE = /^j#(\d{4}-\d{2})#(.+)#(dr|cr)$/;

/** The stored attributes `qc#P`, `iv#P` and `j#P#ACCOUNT#dr|cr` as typed totals per period. */
export function parseAggregates(item: Readonly<Record<string, unknown>>): StockAggregates {
  const qtyChange = new Map<string, Decimal>();
  const issuedValue = new Map<string, Decimal>();
  const journal = new Map<string, Record<string, { debit: Decimal; credit: Decimal }>>();
  for (const [name, value] of Object.entries(item)) {
    const agg = AGGREGATE.exec(name);
    if (agg) {
      const target = agg[1] === "qc" ? qtyChange : issuedValue;
      const period = agg[2] as string;
      target.set(period, (target.get(period) ?? ZERO).plus(fromNum(value)));
      continue;
    }
    const j = JOURNAL_AGGREGATE.exec(name);
    if (!j) continue;
    const [, period, account, side] = j as unknown as [string, string, string, "dr" | "cr"];
    const totals = journal.get(period) ?? {};
    const row = totals[account] ?? { debit: ZERO, credit: ZERO };
    totals[account] =
      side === "dr"
        ? { ...row, debit: row.debit.plus(fromNum(value)) }
        : { ...row, credit: row.credit.plus(fromNum(value)) };
    journal.set(period, totals);
  }
  return { qtyChange, issuedValue, journal };
}

/** Attribute names of the per-period aggregates a stock item carries. */
export const stockAggregate = {
  issuedValue: (period: string) => `iv#${period}`,
  qtyChange: (period: string) => `qc#${period}`,
  journal: (period: string, account: string, side: "dr" | "cr") => `j#${period}#${account}#${side}`,
  journalPrefix: (period: string) => `j#${period}#`,
} as const;

export interface StockWriteOptions {
  readonly period: string;
  /** Value of issues from this item in this posting (inventory turnover). */
  readonly issuedValue?: Decimal | undefined;
  /** Journal entries of stock-only postings (receipt, count), kept on the item for the close. */
  readonly journal?: readonly JournalEntry[] | undefined;
  /** Put the item in the reorder index: its material may have fallen to its reorder point. */
  readonly reorderCandidate?: boolean | undefined;
  /** Condition: on-hand before the write equals this (an inventory count replaces on-hand). */
  readonly expectOnHand?: Decimal | undefined;
}

/**
 * One stock item's change: ADD on-hand (atomic, so concurrent postings never lose an update),
 * guarded by `onHand >= need` where the material must not go negative. The same write keeps
 * the item's period aggregates and index keys, so no extra item is ever written per posting.
 */
export function stockWrite(
  t: TableContext,
  plant: string,
  delta: StockDelta,
  opts: StockWriteOptions,
): TaggedItem {
  const names: Record<string, string> = { "#qc": stockAggregate.qtyChange(opts.period) };
  const values: Record<string, unknown> = {
    ":q": num(delta.qty),
    ":m": delta.material,
    ":l": delta.location,
    ...indexValues(indexKeys.plantStock(plant, delta.material, delta.location)),
  };
  const add = ["onHand :q", "#qc :q"];
  const set = [
    "material = :m",
    "#loc = :l",
    `${STOCK_INDEX.partitionKey} = :gsi4pk`,
    `${STOCK_INDEX.sortKey} = :gsi4sk`,
  ];
  names["#loc"] = "location";
  if (opts.issuedValue && !opts.issuedValue.isZero()) {
    names["#iv"] = stockAggregate.issuedValue(opts.period);
    values[":iv"] = num(opts.issuedValue);
    add.push("#iv :iv");
  }
  // One ADD per attribute: two entries on the same account and side (a receipt above standard credits
  // GRIR for the standard value and for the variance) would otherwise be overlapping paths, which
  // DynamoDB refuses as a whole.
  const journalTotals = new Map<string, Decimal>();
  for (const e of opts.journal ?? []) {
    for (const name of [
      stockAggregate.journal(opts.period, e.debit, "dr"),
      stockAggregate.journal(opts.period, e.credit, "cr"),
    ]) {
      journalTotals.set(name, (journalTotals.get(name) ?? ZERO).plus(e.amount));
    }
  }
  [...journalTotals].forEach(([name, amount], i) => {
    names[`#j${i}`] = name;
    values[`:j${i}`] = num(amount);
    add.push(`#j${i} :j${i}`);
  });
  if (opts.reorderCandidate) {
    Object.assign(values, indexValues(indexKeys.reorderCandidate(plant, delta.material, delta.location)));
    set.push(`${REORDER_INDEX.partitionKey} = :gsi2pk`, `${REORDER_INDEX.sortKey} = :gsi2sk`);
  }
  let condition: string | undefined;
  if (opts.expectOnHand) {
    condition = opts.expectOnHand.isZero()
      ? "attribute_not_exists(onHand) OR onHand = :expect"
      : "onHand = :expect";
    values[":expect"] = num(opts.expectOnHand);
  } else if (delta.guardNonNegative && delta.qty.isNegative()) {
    condition = "onHand >= :need";
    values[":need"] = num(delta.qty.neg());
  }
  return {
    role: "stock",
    key: stockKey(delta.material, delta.location),
    posts: { plant, periods: [opts.period] },
    item: {
      Update: {
        TableName: t.tableName,
        Key: keys.stock(plant, delta.material, delta.location),
        UpdateExpression: `SET ${set.join(", ")} ADD ${add.join(", ")}`,
        ...(condition ? { ConditionExpression: condition } : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
  };
}

function indexValues(index: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(index).map(([k, v]) => [`:${k}`, v]));
}
