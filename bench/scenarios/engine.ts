/**
 * The engine's ceiling (README.md#performance): raw TransactWriteItems per second on the same DynamoDB
 * Local, at the worker's concurrency, each transaction as large as the worker's average one
 * and built like it: an order-like Put of the worker's average order item size, a record-like
 * Put of its average record size, and stock updates (the adapter's own ADD with the same
 * non-negative guard), of which the hot ones hit the same few items in every transaction and
 * the rest rotate over a plant-sized pool of stock items. No reads, no computation: only the
 * transaction, retried on a conflict as the worker retries it. With `ledgerLinesPerTransaction`,
 * that many of the items are ledger-line Puts built by the ledger adapter (their three index
 * keys included), as a posting commits its lines (docs/ledger.md, "When lines are written").
 */
import { randomBytes } from "node:crypto";
import { dec, type LedgerLine } from "../../domain/index.js";
import {
  isTransient,
  ledgerPut,
  type StockWriteOptions,
  stockWrite,
  type TableContext,
  type TaggedItem,
  TransactionCancelledError,
  transactWrite,
} from "../../functions/adapters/table/index.js";
import { indexKeys, keys } from "../../functions/adapters/table/keys.js";
import { backoffDelay, sleep } from "../../functions/common/ports.js";
import { DEFAULT_RETRY } from "../../functions/use-cases/posting-support.js";
import type { BenchServices } from "../services.js";
import { forEachLimited, timed } from "../timing.js";
import { HOT_LOCATION } from "../workload.js";
import type { TransactionShape } from "./worker.js";

export interface EngineFigures {
  readonly transactions: number;
  readonly itemsPerTransaction: number;
  readonly seconds: number;
  readonly txPerSec: number;
  readonly conflictsPerTransaction: number;
}

const PERIOD = "2026-01";
const STOCK_OPTIONS: StockWriteOptions = { period: PERIOD, issuedValue: dec("1.25") };

export async function runEngine(
  services: BenchServices,
  shape: TransactionShape,
  seconds: number,
  tag: string,
): Promise<EngineFigures> {
  const t = services.table;
  const plants = Array.from({ length: shape.plants }, (_, i) => `${tag}${String.fromCharCode(65 + i)}`);
  const pool = Array.from(
    { length: shape.stockItemsPerPlant },
    (_, i) => `S-${String(i + 1).padStart(3, "0")}`,
  );
  for (const plant of plants) await stockUp(t, plant, pool);

  const items = Math.max(3, Math.round(shape.itemsPerTransaction));
  const counts = { committed: 0, conflicts: 0 };
  const deadline = Date.now() + seconds * 1000;
  const lanes = Array.from({ length: shape.concurrency }, (_, lane) => lane);
  const run = await timed(() =>
    forEachLimited(lanes, lanes.length, async (lane) => {
      const plant = plants[lane % plants.length] ?? "";
      for (let seq = 0; Date.now() < deadline; seq++) {
        const tx = transaction(t, shape, { plant, pool, items, lane, seq, tag });
        counts.conflicts += await commit(t, tx);
        counts.committed++;
      }
    }),
  );
  return {
    transactions: counts.committed,
    itemsPerTransaction: items,
    seconds: run.seconds,
    txPerSec: counts.committed / run.seconds,
    conflictsPerTransaction: counts.conflicts / counts.committed,
  };
}

/** Commits, retrying conflicts with the worker's backoff; returns how many attempts conflicted. */
async function commit(t: TableContext, tx: readonly TaggedItem[]): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await transactWrite(t, tx);
      return attempt - 1;
    } catch (error) {
      const transient =
        isTransient(error) || (error instanceof TransactionCancelledError && error.kind === "conflict");
      if (!transient || attempt >= DEFAULT_RETRY.maxAttempts) throw error;
      await sleep(backoffDelay(attempt, DEFAULT_RETRY.baseDelayMs));
    }
  }
}

async function stockUp(t: TableContext, plant: string, pool: readonly string[]): Promise<void> {
  for (let i = 0; i < pool.length; i += 25) {
    await transactWrite(
      t,
      pool
        .slice(i, i + 25)
        .map((material) =>
          stockWrite(
            t,
            plant,
            { material, location: HOT_LOCATION, qty: dec("1000000000"), guardNonNegative: false },
            { period: PERIOD },
          ),
        ),
    );
  }
}

interface Slot {
  readonly plant: string;
  readonly pool: readonly string[];
  readonly items: number;
  readonly lane: number;
  readonly seq: number;
  readonly tag: string;
}

/**
 * Order Put, record Put, stock updates (the hot items first, the rest rotating over the pool),
 * then the ledger lines.
 */
function transaction(t: TableContext, shape: TransactionShape, s: Slot): TaggedItem[] {
  const lines = Math.round(shape.ledgerLinesPerTransaction ?? 0);
  const stock = s.items - 2 - lines;
  const hot = Math.min(shape.hotItems, stock);
  const rest = s.pool.slice(shape.hotItems);
  const start = (s.seq * 7 + s.lane * 13) % Math.max(1, rest.length);
  const materials = [
    ...s.pool.slice(0, hot),
    ...Array.from({ length: stock - hot }, (_, i) => rest[(start + i) % rest.length] ?? ""),
  ];
  return [
    orderPut(t, s.plant, `L${s.lane}`, shape.orderItemBytes),
    recordPut(t, s.plant, `${s.tag}-L${s.lane}-${s.seq}`, shape.recordItemBytes),
    ...materials.map((material) =>
      stockWrite(
        t,
        s.plant,
        { material, location: HOT_LOCATION, qty: dec("-0.001"), guardNonNegative: true },
        STOCK_OPTIONS,
      ),
    ),
    ...ledgerLines(s.plant, s.pool, `${s.tag}-L${s.lane}-${s.seq}`, lines).map((l) => ledgerPut(t, l)),
  ];
}

function orderPut(t: TableContext, plant: string, order: string, bytes: number): TaggedItem {
  const base = {
    ...keys.order(plant, order),
    order,
    material: "FG-20",
    status: "in_process",
    ...indexKeys.orderToClose(plant, order),
  };
  // `version` (a number of 1 digit) takes 9 bytes.
  return put(t, "order", order, { ...base, version: 1, data: padding(base, bytes - 9) });
}

function recordPut(t: TableContext, plant: string, id: string, bytes: number): TaggedItem {
  const base = {
    ...keys.posting(plant, id),
    confirmationId: id,
    status: "posted",
    order: "L",
    operation: "0010",
    period: PERIOD,
    postedAt: new Date().toISOString(),
  };
  return put(t, "record", id, { ...base, data: padding(base, bytes) });
}

const put = (
  t: TableContext,
  role: TaggedItem["role"],
  key: string,
  item: Record<string, unknown>,
): TaggedItem => ({ role, key, item: { Put: { TableName: t.tableName, Item: item } } });

/** Incompressible bytes that bring an item of these string attributes plus `data` to `bytes`. */
function padding(strings: Record<string, string>, bytes: number): Uint8Array {
  const used = Object.entries(strings).reduce(
    (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
    0,
  );
  return randomBytes(Math.max(1, Math.round(bytes) - used - "data".length));
}

/** Lines like a confirmation's: issues of the pool's materials at the hot location, on one order. */
function ledgerLines(plant: string, pool: readonly string[], document: string, count: number): LedgerLine[] {
  const postedAt = new Date().toISOString();
  return Array.from({ length: count }, (_, i) => ({
    plant,
    documentType: "confirmation",
    document,
    line: i + 1,
    kind: "issue",
    reverses: null,
    reversesLine: null,
    order: "L",
    operation: "0010",
    material: pool[i % pool.length] ?? "S-001",
    location: HOT_LOCATION,
    qty: "-0.001",
    value: "-0.01",
    period: PERIOD,
    postingDate: `${PERIOD}-15`,
    postedAt,
  }));
}
