import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { DocumentType, LedgerKind, LedgerLine } from "../../../domain/index.js";
import {
  LEDGER_MATERIAL_INDEX,
  LEDGER_ORDER_INDEX,
  LEDGER_PERIOD_INDEX,
  TABLE_KEY,
} from "../../../infra/table.js";
import type { CursorShape } from "../../common/paging.js";
import type { TableContext } from "./client.js";
import { indexKeys, keys } from "./keys.js";
import { getLedgerSource, type LedgerSource, optionalString } from "./ledger-sources.js";
import type { TaggedItem } from "./transact.js";

/**
 * The stock ledger's items (docs/data-model.md, "The stock ledger"): one item per line, plain
 * attributes (strings and numbers, no packed blob) so an S3 export reads as is. The primary
 * key is the document's partition and the line number; three indexes serve the material, order
 * and period queries, all sorted by `postingDate#postedAt#document#line#type` (oldest first).
 */
const TYPE_CODE: Record<DocumentType, string> = {
  confirmation: "C",
  goods_receipt: "GR",
  transfer: "TR",
  count: "CC",
};

const pad = (line: number) => String(line).padStart(6, "0");

/** The sort key of a line in every ledger index. */
export const ledgerSortKey = (l: LedgerLine) =>
  `${l.postingDate}#${l.postedAt}#${l.document}#${pad(l.line)}#${TYPE_CODE[l.documentType]}`;

export const ledgerKey = (l: LedgerLine) =>
  keys.ledgerLine(l.plant, l.document, l.line, TYPE_CODE[l.documentType]);

/** The item of one line: its fields as they are, the index keys beside them. */
export function ledgerItem(l: LedgerLine): Record<string, unknown> {
  const sk = ledgerSortKey(l);
  const item: Record<string, unknown> = {
    ...ledgerKey(l),
    plant: l.plant,
    documentType: l.documentType,
    document: l.document,
    line: l.line,
    kind: l.kind,
    period: l.period,
    postingDate: l.postingDate,
    postedAt: l.postedAt,
    value: l.value,
    [LEDGER_PERIOD_INDEX.partitionKey]: indexKeys.ledgerByPeriod(l.plant, l.period),
    [LEDGER_PERIOD_INDEX.sortKey]: sk,
  };
  const optional = {
    reverses: l.reverses ?? undefined,
    reversesLine: l.reversesLine ?? undefined,
    order: l.order,
    operation: l.operation,
    material: l.material,
    location: l.location,
    qty: l.qty,
    workCenter: l.workCenter,
    activity: l.activity,
    hours: l.hours,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) item[k] = v;
  if (l.material !== undefined) {
    item[LEDGER_MATERIAL_INDEX.partitionKey] = indexKeys.ledgerByMaterial(l.plant, l.material);
    item[LEDGER_MATERIAL_INDEX.sortKey] = sk;
  }
  if (l.order !== undefined) {
    item[LEDGER_ORDER_INDEX.partitionKey] = indexKeys.ledgerByOrder(l.plant, l.order);
    item[LEDGER_ORDER_INDEX.sortKey] = sk;
  }
  return item;
}

const int = (v: unknown) => (v === undefined || v === null ? null : Number(String(v)));

/** A stored item back as a line (numbers arrive wrapped; line numbers are small integers). */
export function toLedgerLine(item: Record<string, unknown>): LedgerLine {
  return {
    plant: String(item.plant),
    documentType: item.documentType as DocumentType,
    document: String(item.document),
    line: Number(String(item.line)),
    kind: item.kind as LedgerKind,
    reverses: optionalString(item.reverses) ?? null,
    reversesLine: int(item.reversesLine),
    order: optionalString(item.order),
    operation: optionalString(item.operation),
    material: optionalString(item.material),
    location: optionalString(item.location),
    qty: optionalString(item.qty),
    value: String(item.value),
    workCenter: optionalString(item.workCenter),
    activity: optionalString(item.activity),
    hours: optionalString(item.hours),
    period: String(item.period),
    postingDate: String(item.postingDate),
    postedAt: String(item.postedAt),
  };
}

/** A line written inside its posting's own transaction, once (attribute_not_exists). */
export function ledgerPut(t: TableContext, line: LedgerLine): TaggedItem {
  return {
    role: "document",
    key: `ledger:${line.document}:${line.line}`,
    item: {
      Put: {
        TableName: t.tableName,
        Item: ledgerItem(line),
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  };
}

/**
 * Lines projected right after their posting committed: BatchWriteItem, one standard write
 * each. Their keys and contents follow from the posting record, so a concurrent duplicate
 * delivery writing the same lines writes the same items.
 */
export async function writeLedgerLines(t: TableContext, lines: readonly LedgerLine[]): Promise<void> {
  for (let i = 0; i < lines.length; i += 25) {
    let pending: Record<string, unknown>[] = lines
      .slice(i, i + 25)
      .map((l) => ({ PutRequest: { Item: ledgerItem(l) } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 8) throw new Error("BatchWriteItem kept returning unprocessed ledger lines");
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      const res = await t.ddb.send(new BatchWriteCommand({ RequestItems: { [t.tableName]: pending } }));
      pending = (res.UnprocessedItems?.[t.tableName] ?? []) as Record<string, unknown>[];
    }
  }
}

/**
 * Repair after a crash or a redelivery: writes only the lines that are missing, each under
 * attribute_not_exists, so a line already there is never rewritten (append only).
 * Returns how many were missing.
 */
export async function writeMissingLedgerLines(
  t: TableContext,
  lines: readonly LedgerLine[],
): Promise<number> {
  const results = await Promise.all(
    lines.map(async (l) => {
      try {
        await t.ddb.send(
          new PutCommand({
            TableName: t.tableName,
            Item: ledgerItem(l),
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
        return 1;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 0;
        throw error;
      }
    }),
  );
  return results.reduce<number>((n, x) => n + x, 0);
}

/** Every line of one document (its partition), in line order. */
export async function documentLines(t: TableContext, plant: string, document: string): Promise<LedgerLine[]> {
  const out: LedgerLine[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await t.ddb.send(
      new QueryCommand({
        TableName: t.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.ledgerPk(plant, document) },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    out.push(...(res.Items ?? []).map(toLedgerLine));
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Which access path a movements query takes, and what it filters on the way. */
export type LedgerPath =
  | { readonly by: "document"; readonly document: string }
  | { readonly by: "order"; readonly order: string }
  | { readonly by: "material"; readonly material: string }
  | { readonly by: "period"; readonly period: string };

export interface LedgerFilter {
  readonly material?: string | undefined;
  readonly location?: string | undefined;
  readonly order?: string | undefined;
  readonly document?: string | undefined;
  readonly period?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

const index = (i: { indexName: string; partitionKey: string; sortKey: string }) =>
  ({ index: i.indexName, pk: i.partitionKey, sk: i.sortKey }) as const;
const PATHS = {
  document: { index: undefined, pk: TABLE_KEY.partitionKey, sk: TABLE_KEY.sortKey },
  material: index(LEDGER_MATERIAL_INDEX),
  order: index(LEDGER_ORDER_INDEX),
  period: index(LEDGER_PERIOD_INDEX),
} as const;

/**
 * What a start key of this path looks like (functions/common/paging.ts): the path's partition
 * exactly, the table key (and on an index its sort key) as ledger keys of this plant.
 */
export function ledgerCursorShape(plant: string, path: LedgerPath): CursorShape {
  const p = PATHS[path.by];
  const partition = ledgerPartition(plant, path);
  const free: Record<string, string> = p.index
    ? { pk: keys.ledgerPk(plant, ""), sk: "L#", [p.sk]: "" }
    : { sk: "L#" };
  return { list: `movements:${path.by}`, fixed: { [partition.name]: partition.value }, free };
}

/** The partition a path reads; a start key from another partition is not this query's. */
export function ledgerPartition(plant: string, path: LedgerPath): { name: string; value: string } {
  const name = PATHS[path.by].pk;
  switch (path.by) {
    case "document":
      return { name, value: keys.ledgerPk(plant, path.document) };
    case "order":
      return { name, value: indexKeys.ledgerByOrder(plant, path.order) };
    case "material":
      return { name, value: indexKeys.ledgerByMaterial(plant, path.material) };
    case "period":
      return { name, value: indexKeys.ledgerByPeriod(plant, path.period) };
  }
}

/**
 * One page of a movements query: a Query on the path's partition (never a scan), the posting-date
 * range in the key condition where the sort key starts with it, every other criterion a filter.
 * Pages of the underlying Query are read until `limit` lines matched or the partition ends.
 */
export async function queryLedger(
  t: TableContext,
  plant: string,
  path: LedgerPath,
  filter: LedgerFilter,
  page: { readonly limit: number; readonly start?: Record<string, unknown> | undefined },
): Promise<{ lines: LedgerLine[]; next?: Record<string, unknown> | undefined }> {
  const p = PATHS[path.by];
  const partition = ledgerPartition(plant, path);
  const names: Record<string, string> = { "#pk": p.pk };
  const values: Record<string, unknown> = { ":pk": partition.value };
  let keyCondition = "#pk = :pk";
  const filters: string[] = [];
  const addFilter = (attr: string, value: string | undefined, op = "=") => {
    if (value === undefined) return;
    const n = `#f${filters.length}`;
    names[n] = attr;
    values[`:f${filters.length}`] = value;
    filters.push(`${n} ${op} :f${filters.length}`);
  };
  if (p.index) {
    // Index sort keys start with the posting date: the range is part of the key condition.
    if (filter.from !== undefined || filter.to !== undefined) names["#sk"] = p.sk;
    if (filter.from !== undefined && filter.to !== undefined) {
      keyCondition += " AND #sk BETWEEN :from AND :to";
      values[":from"] = `${filter.from}#`;
      values[":to"] = `${filter.to}#~`;
    } else if (filter.from !== undefined) {
      keyCondition += " AND #sk >= :from";
      values[":from"] = `${filter.from}#`;
    } else if (filter.to !== undefined) {
      keyCondition += " AND #sk <= :to";
      values[":to"] = `${filter.to}#~`;
    }
  } else {
    addFilter("postingDate", filter.from, ">=");
    addFilter("postingDate", filter.to, "<=");
  }
  if (path.by !== "material") addFilter("material", filter.material);
  addFilter("location", filter.location);
  if (path.by !== "order") addFilter("order", filter.order);
  if (path.by !== "document") addFilter("document", filter.document);
  if (path.by !== "period") addFilter("period", filter.period);

  const lines: LedgerLine[] = [];
  let start = page.start;
  do {
    const res = await t.ddb.send(
      new QueryCommand({
        TableName: t.tableName,
        ...(p.index ? { IndexName: p.index } : {}),
        KeyConditionExpression: keyCondition,
        ...(filters.length > 0 ? { FilterExpression: filters.join(" AND ") } : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ExclusiveStartKey: start,
        Limit: page.limit - lines.length,
      }),
    );
    lines.push(...(res.Items ?? []).map(toLedgerLine));
    start = res.LastEvaluatedKey;
  } while (start && lines.length < page.limit);
  return { lines, next: start };
}

/** Every line of a period by the period index, in index order: the digest pass, one read of each line. */
export async function periodLines(t: TableContext, plant: string, period: string): Promise<LedgerLine[]> {
  const out: LedgerLine[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await t.ddb.send(
      new QueryCommand({
        TableName: t.tableName,
        IndexName: PATHS.period.index,
        KeyConditionExpression: `${PATHS.period.pk} = :pk`,
        ExpressionAttributeValues: { ":pk": indexKeys.ledgerByPeriod(plant, period) },
        ExclusiveStartKey: start,
      }),
    );
    out.push(...(res.Items ?? []).map(toLedgerLine));
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}

/** The ledger's port for the worker's use cases (docs/data-model.md, "The stock ledger"). */
export interface LedgerStore {
  /** The posting and reversal records a confirmation's lines are projected from. */
  source(plant: string, id: string): Promise<LedgerSource>;
  documentLines(plant: string, document: string): Promise<LedgerLine[]>;
  /** Lines of a posting that committed without them: one standard write each. */
  write(lines: readonly LedgerLine[]): Promise<void>;
  /** Only the missing ones, each under attribute_not_exists; returns how many were written. */
  writeMissing(lines: readonly LedgerLine[]): Promise<number>;
  /** A line inside a posting's own transaction. */
  put(line: LedgerLine): TaggedItem;
}

export function ledgerStore(t: TableContext): LedgerStore {
  return {
    source: (plant, id) => getLedgerSource(t, plant, id),
    documentLines: (plant, document) => documentLines(t, plant, document),
    write: (lines) => writeLedgerLines(t, lines),
    writeMissing: (lines) => writeMissingLedgerLines(t, lines),
    put: (line) => ledgerPut(t, line),
  };
}
