import { GetCommand } from "@aws-sdk/lib-dynamodb";
import {
  type Decimal,
  formatMoney,
  goodsReceipt,
  InsufficientStockError,
  inventoryCount,
  type JournalEntry,
  type Material,
  postingPeriod,
  type StockDelta,
  transfer,
} from "../../domain/index.js";
import { backlogGroup, deduplicationId, type QueueContext, sendPosting } from "../adapters/queue.js";
import {
  getMaterial,
  getPeriodState,
  isPeriodClosedFor,
  periodOpenCheck,
  readStock,
  stockWrite,
  type TableContext,
  type TaggedItem,
  TransactionCancelledError,
  transactWrite,
} from "../adapters/table/index.js";
import { pack, unpack } from "../shared/codec.js";
import { keys } from "../shared/keys.js";
import type { LogPort } from "../shared/ports.js";
import { IdempotencyKeyReusedError, InvalidReferenceError } from "./errors.js";
import { fingerprint } from "./idempotency.js";
import { isoDate } from "./posting-support.js";

export interface StockDeps {
  readonly table: TableContext;
  readonly queue: QueueContext;
  readonly now: () => Date;
  readonly log: LogPort;
  /** Marks a requisition received when a receipt names it (reorder use case). */
  readonly requisitionReceived?: (plant: string, requisitionId: string) => Promise<void>;
}

type DocKind = "GR" | "TR" | "CC";

/**
 * Runs a synchronous stock posting once per client id: the document record (hash + result)
 * and the stock writes commit in one transaction; the same id with the same body returns the
 * stored result, with another body it is refused.
 */
async function once<R extends Record<string, unknown>>(
  deps: StockDeps,
  plant: string,
  kind: DocKind,
  id: string,
  body: unknown,
  post: () => Promise<{ result: R; writes: TaggedItem[]; period: string }>,
): Promise<{ result: R; replay: boolean }> {
  const hash = fingerprint(body);
  for (let attempt = 1; ; attempt++) {
    const stored = await readDocument<R>(deps.table, plant, kind, id);
    if (stored) {
      if (stored.hash !== hash)
        throw new IdempotencyKeyReusedError(`${id} was already posted with a different body`);
      return { result: stored.result, replay: true };
    }
    const { result, writes, period } = await post();
    const doc: TaggedItem = {
      role: "document",
      key: `${kind}#${id}`,
      item: {
        Put: {
          TableName: deps.table.tableName,
          Item: {
            ...keys.stockDocument(plant, kind, id),
            hash,
            data: pack(result),
            postedAt: deps.now().toISOString(),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
    };
    try {
      // The period must still be open at commit: a close that locked it since our read has read
      // (or will read) the stock without this posting, so it goes to the next open period instead.
      await transactWrite(deps.table, [doc, ...writes, periodOpenCheck(deps.table, plant, period)]);
      return { result, replay: false };
    } catch (error) {
      // The document appeared meanwhile (a retry raced us), stock moved or the period was locked:
      // read again and decide again.
      const retry = error instanceof TransactionCancelledError && error.kind !== "other" && attempt < 8;
      if (!retry) throw error;
    }
  }
}

async function readDocument<R>(t: TableContext, plant: string, kind: DocKind, id: string) {
  const res = await t.ddb.send(
    new GetCommand({
      TableName: t.tableName,
      Key: keys.stockDocument(plant, kind, id),
      ConsistentRead: true,
    }),
  );
  if (!res.Item) return undefined;
  return { hash: String(res.Item.hash), result: unpack<R>(res.Item.data as Uint8Array) };
}

async function materialOf(t: TableContext, plant: string, material: string): Promise<Material> {
  const found = await getMaterial(t, plant, material);
  if (!found) throw new InvalidReferenceError("material", `material ${material} does not exist`);
  return found;
}

async function currentPeriod(deps: StockDeps, plant: string) {
  const periods = await getPeriodState(deps.table, plant);
  return postingPeriod(isoDate(deps.now()), isPeriodClosedFor(periods, undefined));
}

const writesFor = (
  deps: StockDeps,
  plant: string,
  period: string,
  deltas: readonly StockDelta[],
  journal: readonly JournalEntry[],
) => deltas.map((d, i) => stockWrite(deps.table, plant, d, { period, journal: i === 0 ? journal : [] }));

/** Stock that arrived at a location retries that material's backlog there (asynchronously, in order). */
async function retryBacklog(
  deps: StockDeps,
  plant: string,
  material: string,
  location: string,
  dedupe: string,
) {
  await sendPosting(
    deps.queue,
    { type: "backlog", plant, material, location, receivedAt: deps.now().toISOString() },
    { groupId: backlogGroup(plant), deduplicationId: deduplicationId(plant, dedupe) },
  );
}

export interface GoodsReceiptRequest {
  readonly receiptId: string;
  readonly material: string;
  readonly location: string;
  readonly qty: Decimal;
  readonly unitCost?: Decimal | undefined;
  readonly reference?: string | undefined;
}

/** Goods receipt (docs/rules.md#goods-receipt): stock in at standard, GRIR at invoice price, PPV between. */
export async function postGoodsReceipt(deps: StockDeps, plant: string, request: GoodsReceiptRequest) {
  const material = await materialOf(deps.table, plant, request.material);
  const { result, replay } = await once(deps, plant, "GR", request.receiptId, request, async () => {
    const period = await currentPeriod(deps, plant);
    const posting = goodsReceipt(material, request);
    const ppv = posting.journal.find(
      (e) => e.debit === "PURCHASE_PRICE_VARIANCE" || e.credit === "PURCHASE_PRICE_VARIANCE",
    );
    return {
      result: {
        receiptId: request.receiptId,
        material: request.material,
        location: request.location,
        qty: request.qty.toFixed(material.decimals),
        value: formatMoney(posting.value),
        purchasePriceVariance: formatMoney(
          ppv
            ? ppv.debit === "PURCHASE_PRICE_VARIANCE"
              ? ppv.amount
              : ppv.amount.neg()
            : posting.value.minus(posting.value),
        ),
        period,
        ...(request.reference ? { reference: request.reference } : {}),
      },
      writes: writesFor(deps, plant, period, posting.stock, posting.journal),
      period,
    };
  });
  if (!replay) {
    if (request.reference && deps.requisitionReceived)
      await deps.requisitionReceived(plant, request.reference);
    await retryBacklog(deps, plant, request.material, request.location, `GR:${request.receiptId}`);
  }
  return result;
}

export interface TransferRequest {
  readonly transferId: string;
  readonly material: string;
  readonly from: string;
  readonly to: string;
  readonly qty: Decimal;
}

/** Transfer (docs/rules.md#transfer): no value change; refused (409) when `from` would go below zero. */
export async function postTransfer(deps: StockDeps, plant: string, request: TransferRequest) {
  const material = await materialOf(deps.table, plant, request.material);
  const { result, replay } = await once(deps, plant, "TR", request.transferId, request, async () => {
    const period = await currentPeriod(deps, plant);
    const view = await readStock(deps.table, plant, [{ material: request.material, location: request.from }]);
    const onHandFrom = view.get(`${request.material}@${request.from}`);
    const posting = transfer(material, request, onHandFrom ?? request.qty.minus(request.qty));
    return {
      result: {
        transferId: request.transferId,
        material: request.material,
        from: request.from,
        to: request.to,
        qty: request.qty.toFixed(material.decimals),
        period,
      },
      writes: writesFor(deps, plant, period, posting.stock, posting.journal),
      period,
    };
  }).catch((error: unknown) => {
    // A guard that failed at commit is the same refusal as one seen at read time.
    if (error instanceof TransactionCancelledError && error.kind === "stock") {
      throw new InsufficientStockError(
        request.material,
        request.from,
        "less than requested",
        request.qty.toFixed(),
      );
    }
    throw error;
  });
  if (!replay) await retryBacklog(deps, plant, request.material, request.to, `TR:${request.transferId}`);
  return result;
}

export interface CountRequest {
  readonly countId: string;
  readonly material: string;
  readonly location: string;
  readonly counted: Decimal;
}

/** Inventory count (docs/rules.md#inventory-count): counted replaces on-hand; difference to INVENTORY_ADJUSTMENT. */
export async function postInventoryCount(deps: StockDeps, plant: string, request: CountRequest) {
  const material = await materialOf(deps.table, plant, request.material);
  let gained = false;
  const { result, replay } = await once(deps, plant, "CC", request.countId, request, async () => {
    const period = await currentPeriod(deps, plant);
    const view = await readStock(deps.table, plant, [request]);
    const onHand =
      view.get(`${request.material}@${request.location}`) ?? request.counted.minus(request.counted);
    const posting = inventoryCount(material, request, onHand);
    gained = posting.difference.greaterThan(0);
    // The count is relative to what we read: if on-hand moved meanwhile, the write fails and we count again.
    const writes = posting.stock.map((d) =>
      stockWrite(deps.table, plant, d, { period, journal: posting.journal, expectOnHand: onHand }),
    );
    return {
      result: {
        countId: request.countId,
        material: request.material,
        location: request.location,
        counted: request.counted.toFixed(material.decimals),
        bookQty: onHand.toFixed(material.decimals),
        difference: posting.difference.toFixed(material.decimals),
        value: formatMoney(posting.value),
        period,
      },
      writes,
      period,
    };
  });
  // Only a gain can cover backlog at that location.
  if (!replay && gained)
    await retryBacklog(deps, plant, request.material, request.location, `CC:${request.countId}`);
  return result;
}
