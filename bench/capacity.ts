/**
 * Capacity accounting from what a client actually sends and receives. A meter sits in the
 * document client's middleware stack (after marshalling, so it sees DynamoDB's own attribute
 * values) and records every write that succeeded and every item a read returned.
 *
 * Billing rules (DynamoDB developer guide, "Read/write capacity mode" and "Item sizes"):
 * - a write is billed per started KB of item size, at least 1; a transactional one twice;
 * - an update is billed at the larger of the item before and after. A transaction cannot
 *   return the item, so the meter reads every updated key once after the run and bills each
 *   update at max(size it had when last Put in the run, size at the end). Items here only
 *   grow during a run (aggregates are added, never removed), so this bills each update at an
 *   upper bound of its true size; it never under-counts.
 * - index propagation is billed too (a standard write per KB of the index entry); that figure is
 *   kept apart, as the minimum of README.md#performance leaves it out. An index projecting ALL is written with
 *   every write of an item in it. A KEYS_ONLY index only when an item enters or leaves it or its
 *   index keys change; in this table an item's index keys follow from its identity and never
 *   change, so each item in such an index is billed one entry write per run (an upper bound:
 *   items already in the index before the run cost nothing in reality).
 * Reads are billed by DynamoDB Local itself (ReturnConsumedCapacity), which follows AWS's rules
 * for them (4 KB units, half for eventually consistent reads). Its figures for transactional
 * writes do not (it reports a few units for a 20-item transaction), hence the bill above.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  type ConsumedCapacity,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { TABLE_INDEXES, TABLE_KEY } from "../infra/table.js";

type Item = Record<string, AttributeValue>;

const READS = new Set([
  "GetItemCommand",
  "QueryCommand",
  "ScanCommand",
  "BatchGetItemCommand",
  "TransactGetItemsCommand",
]);
type Operation = "Put" | "Update" | "Delete" | "ConditionCheck";

export interface SentWrite {
  readonly operation: Operation;
  readonly transactional: boolean;
  readonly key: string;
  /** Size of the item a Put sent. */
  readonly putBytes?: number;
  /** Indexes the item a Put sent is in (it has their partition key). */
  readonly putIndexes?: readonly string[];
  /** Index of the TransactWriteItems call it belonged to. */
  readonly transaction?: number;
}

export interface ReadTally {
  requests: number;
  items: number;
  /** Read units as the engine reported them (ReturnConsumedCapacity). */
  units: number;
}

/** Size of one attribute value as DynamoDB counts it (without the attribute name). */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((n, s) => n + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((n, s) => n + numberSize(s), 0);
  if (value.BS !== undefined) return value.BS.reduce((n, b) => n + b.byteLength, 0);
  // Lists and maps: 3 bytes of overhead, 1 per element, plus the elements (and map keys).
  if (value.L !== undefined) return 3 + value.L.reduce((n, v) => n + 1 + valueSize(v), 0);
  if (value.M !== undefined) return 3 + Object.values(value.M).length + itemSize(value.M);
  return 0;
}

/** Size of an item: every attribute name plus its value. */
export function itemSize(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8(name) + valueSize(value);
  return size;
}

/** Write units of one write of an item of `bytes`. */
export const writeUnits = (bytes: number, transactional: boolean): number =>
  Math.max(1, Math.ceil(bytes / 1024)) * (transactional ? 2 : 1);

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");

/** About 1 byte per two significant digits, plus 1. */
function numberSize(n: string): number {
  const digits = n.replace(/^-/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
  return Math.ceil(digits.length / 2) + 1;
}

const keyOf = (item: Item | undefined): string =>
  `${item?.[TABLE_KEY.partitionKey]?.S ?? "?"}|${item?.[TABLE_KEY.sortKey]?.S ?? "?"}`;

function keyToItem(key: string): Item {
  const [pk = "", sk = ""] = key.split("|");
  return { [TABLE_KEY.partitionKey]: { S: pk }, [TABLE_KEY.sortKey]: { S: sk } };
}

let meters = 0;

/** Records the writes and reads of one document client while attached. */
export class CapacityMeter {
  readonly writes: SentWrite[] = [];
  /** Items of every committed TransactWriteItems, in commit order. */
  readonly transactionSizes: number[] = [];
  readonly reads: ReadTally = { requests: 0, items: 0, units: 0 };
  /** Calls per command and the time spent waiting for them (SDK retries included). */
  readonly calls = new Map<string, { count: number; ms: number }>();

  /** Starts recording on `ddb`; the returned function stops. */
  attach(ddb: DynamoDBDocumentClient): () => void {
    const stack = ddb.middlewareStack;
    const id = ++meters;
    const askName = `benchAskCapacity${id}`;
    const recordName = `benchRecordCapacity${id}`;
    stack.add(
      // Reads report their units (DynamoDB Local computes them per AWS's rules); writes are billed below.
      (next, context) => async (args) =>
        READS.has(context.commandName ?? "")
          ? next({ ...args, input: { ...args.input, ReturnConsumedCapacity: "TOTAL" } })
          : next(args),
      { step: "initialize", name: askName },
    );
    stack.add(
      (next, context) => async (args) => {
        const started = performance.now();
        const result = await next(args);
        const command = context.commandName ?? "";
        const call = this.calls.get(command) ?? { count: 0, ms: 0 };
        this.calls.set(command, { count: call.count + 1, ms: call.ms + performance.now() - started });
        this.record(command, args.input as object, result.output as object);
        return result;
      },
      { step: "build", name: recordName },
    );
    return () => {
      stack.remove(askName);
      stack.remove(recordName);
    };
  }

  private record(command: string, input: object, output: object): void {
    const consumed = (output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
      .ConsumedCapacity;
    if (READS.has(command)) {
      this.recordRead(command, output, consumed);
      return;
    }
    if (command === "TransactWriteItemsCommand") this.recordTransaction(input as TransactInput);
    else if (command === "PutItemCommand") this.addWrite("Put", false, (input as { Item?: Item }).Item);
    else if (command === "UpdateItemCommand") this.addKeyWrite("Update", (input as KeyInput).Key);
    else if (command === "DeleteItemCommand") this.addKeyWrite("Delete", (input as KeyInput).Key);
    else if (command === "BatchWriteItemCommand")
      this.recordBatchWrite(input as BatchWriteInput, output as BatchWriteInput);
  }

  private recordTransaction(input: TransactInput) {
    const transaction = this.transactionSizes.length;
    const items = input.TransactItems ?? [];
    this.transactionSizes.push(items.length);
    for (const it of items) {
      if (it.Put) this.addWrite("Put", true, it.Put.Item, transaction);
      else if (it.Update) this.addKeyWrite("Update", it.Update.Key, true, transaction);
      else if (it.Delete) this.addKeyWrite("Delete", it.Delete.Key, true, transaction);
      else if (it.ConditionCheck)
        this.addKeyWrite("ConditionCheck", it.ConditionCheck.Key, true, transaction);
    }
  }

  private recordBatchWrite(input: BatchWriteInput, output: BatchWriteInput) {
    const unprocessed = new Set(
      Object.values(output.RequestItems ?? {})
        .flat()
        .map((w) => keyOf(w.PutRequest?.Item ?? w.DeleteRequest?.Key)),
    );
    for (const w of Object.values(input.RequestItems ?? {}).flat()) {
      const key = keyOf(w.PutRequest?.Item ?? w.DeleteRequest?.Key);
      if (unprocessed.has(key)) continue;
      if (w.PutRequest) this.addWrite("Put", false, w.PutRequest.Item);
      else this.addKeyWrite("Delete", w.DeleteRequest?.Key);
    }
  }

  private recordRead(
    command: string,
    output: object,
    consumed: ConsumedCapacity | ConsumedCapacity[] | undefined,
  ) {
    let items: number;
    if (command === "GetItemCommand") items = (output as { Item?: unknown }).Item ? 1 : 0;
    else if (command === "BatchGetItemCommand") {
      const responses = (output as { Responses?: Record<string, unknown[]> }).Responses ?? {};
      items = Object.values(responses).reduce((n, list) => n + list.length, 0);
    } else if (command === "TransactGetItemsCommand") {
      const responses = (output as { Responses?: { Item?: unknown }[] }).Responses ?? [];
      items = responses.filter((r) => r.Item).length;
    } else {
      // A query or scan pays for what it evaluated, before any filter: ScannedCount.
      const out = output as { Count?: number; ScannedCount?: number };
      items = out.ScannedCount ?? out.Count ?? 0;
    }
    this.reads.requests++;
    this.reads.items += items;
    this.reads.units += [consumed ?? []].flat().reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);
  }

  private addWrite(operation: "Put", transactional: boolean, item: Item | undefined, transaction?: number) {
    this.writes.push({
      operation,
      transactional,
      key: keyOf(item),
      putBytes: item ? itemSize(item) : 0,
      putIndexes: indexesOf(item),
      ...(transaction !== undefined && { transaction }),
    });
  }

  private addKeyWrite(
    operation: Operation,
    key: Item | undefined,
    transactional = false,
    transaction?: number,
  ) {
    this.writes.push({
      operation,
      transactional,
      key: keyOf(key),
      ...(transaction !== undefined && { transaction }),
    });
  }
}

interface KeyInput {
  readonly Key?: Item;
}
interface TransactInput {
  readonly TransactItems?: readonly {
    readonly Put?: { readonly Item?: Item };
    readonly Update?: KeyInput;
    readonly Delete?: KeyInput;
    readonly ConditionCheck?: KeyInput;
  }[];
}
interface BatchWriteInput {
  readonly RequestItems?: Record<
    string,
    readonly { readonly PutRequest?: { readonly Item?: Item }; readonly DeleteRequest?: KeyInput }[]
  >;
}

/** Units of one item family (stock, order, ...). */
export interface RoleBill {
  writes: number;
  units: number;
  indexUnits: number;
  bytes: number;
}

export interface WriteBill {
  /** Table write units as README.md#performance counts them. */
  readonly units: number;
  /** Index propagation: a standard write per KB for every index the item is projected into. */
  readonly indexUnits: number;
  readonly byRole: ReadonlyMap<string, RoleBill>;
}

/**
 * Bills the meter's writes. `raw` is a plain client (not metered) to read the final items;
 * `roleOf` names the item family of a key ("stock", "order", ...).
 */
export async function billWrites(
  meter: CapacityMeter,
  raw: DynamoDBClient,
  tableName: string,
  roleOf: (key: string) => string,
): Promise<WriteBill> {
  const final = await finalItems(
    raw,
    tableName,
    meter.writes.filter((w) => w.operation !== "Put").map((w) => w.key),
  );
  const lastPut = new Map<string, number>();
  const entries = new Set<string>();
  const byRole = new Map<string, RoleBill>();
  let units = 0;
  let indexUnits = 0;
  for (const w of meter.writes) {
    const stored = final.get(w.key);
    const bytes = billedBytes(w, lastPut.get(w.key), stored ? itemSize(stored) : 0);
    if (w.operation === "Put") lastPut.set(w.key, w.putBytes ?? 0);
    const u = writeUnits(bytes, w.transactional);
    const iu = indexWrites(w, stored, entries).reduce(
      (n, all) => n + (all ? writeUnits(bytes, false) : 1),
      0,
    );
    units += u;
    indexUnits += iu;
    const role = byRole.get(roleOf(w.key)) ?? { writes: 0, units: 0, indexUnits: 0, bytes: 0 };
    role.writes++;
    role.units += u;
    role.indexUnits += iu;
    role.bytes += bytes;
    byRole.set(roleOf(w.key), role);
  }
  return { units, indexUnits, byRole };
}

function billedBytes(w: SentWrite, previousPut: number | undefined, finalBytes: number): number {
  if (w.operation === "Put") return Math.max(w.putBytes ?? 0, previousPut ?? 0);
  return Math.max(finalBytes, previousPut ?? 0);
}

/**
 * The index writes one write causes, each `true` for a full copy (ALL) and `false` for a keys-only
 * entry. `entries` remembers the keys-only entries already billed in this run.
 */
function indexWrites(w: SentWrite, stored: Item | undefined, entries: Set<string>): boolean[] {
  if (w.operation === "ConditionCheck") return [];
  const inIndexes = new Set(w.putIndexes ?? indexesOf(stored));
  return TABLE_INDEXES.flatMap((index) => {
    if (!inIndexes.has(index.indexName)) return [];
    if (index.projection === "ALL") return [true];
    const entry = `${index.indexName}|${w.key}`;
    if (entries.has(entry)) return [];
    entries.add(entry);
    return [false];
  });
}

const indexesOf = (item: Item | undefined): string[] =>
  TABLE_INDEXES.filter((i) => item?.[i.partitionKey] !== undefined).map((i) => i.indexName);

async function finalItems(raw: DynamoDBClient, tableName: string, keys: readonly string[]) {
  const unique = [...new Set(keys)];
  const items = new Map<string, Item>();
  for (let i = 0; i < unique.length; i += 100) {
    let pending: Item[] = unique.slice(i, i + 100).map(keyToItem);
    while (pending.length > 0) {
      const res = await raw.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of res.Responses?.[tableName] ?? []) items.set(keyOf(item), item);
      pending = res.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return items;
}
