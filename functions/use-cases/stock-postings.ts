import {
  type Decimal,
  formatMoney,
  goodsReceipt,
  InsufficientStockError,
  inventoryCount,
  type JournalEntry,
  linePostingDate,
  type Material,
  negate,
  postingPeriod,
  roundMoney,
  type StockDelta,
  stockDocumentLines,
  transfer,
} from "../../domain/index.js";
import {
  type CommitOutcome,
  type DocumentKind,
  type FollowUps,
  isPeriodClosedFor,
  type StockDocumentStore,
  type StoredRequisition,
} from "../adapters/table/index.js";
import type { LogPort } from "../common/ports.js";
import {
  FollowUpPendingError,
  IdempotencyKeyReusedError,
  InvalidReferenceError,
  RequisitionMismatchError,
} from "./errors.js";
import { fingerprint } from "./idempotency.js";
import { isoDate } from "./posting-support.js";
import { backOff, type RetryDeps } from "./retry.js";

/** Sends the asynchronous backlog retry of one material at one location (deduplicated by `key`). */
export type EnqueueBacklogRetry = (
  message: {
    readonly plant: string;
    readonly material: string;
    readonly location: string;
    readonly receivedAt: string;
  },
  key: string,
) => Promise<void>;

export interface StockDeps extends RetryDeps {
  /** The stock documents' table port (functions/adapters/table/stock-documents.ts). */
  readonly store: StockDocumentStore;
  readonly enqueueBacklogRetry: EnqueueBacklogRetry;
  readonly now: () => Date;
  readonly log: LogPort;
}

/** What a posting commits besides its document record. */
interface Prepared<R> {
  readonly result: R;
  readonly period: string;
  readonly stock: readonly StockDelta[];
  readonly journal: readonly JournalEntry[];
  readonly expectOnHand?: Decimal | undefined;
  readonly reorderCandidate?: boolean | undefined;
  readonly fills?: { readonly requisition: StoredRequisition; readonly qty: Decimal } | undefined;
  readonly followUps: FollowUps;
  /** The stock changes as the document's ledger lines show them (docs/ledger.md), signed. */
  readonly ledger: readonly LedgerChange[];
}

interface LedgerChange {
  readonly material: string;
  readonly location: string;
  readonly qty: string;
  readonly value: string;
}

const LEDGER_TYPE = { GR: "goods_receipt", TR: "transfer", CC: "count" } as const;

const NAMES: Record<DocumentKind, string> = { GR: "goods receipt", TR: "transfer", CC: "inventory count" };

/**
 * Runs a synchronous stock posting once per client id (docs/rules.md#goods-receipt): the
 * document record (hash, result, follow-ups) and every change of the posting commit in one
 * transaction; the same id with the same body returns the stored result and finishes the
 * follow-ups a failure after the commit left undone; with another body it is refused.
 * Conflicts are decided again after a backoff with jitter; when they never stop, 503.
 */
async function once<R>(
  deps: StockDeps,
  plant: string,
  kind: DocumentKind,
  id: string,
  body: unknown,
  prepare: () => Promise<Prepared<R>>,
  refusal?: (outcome: CommitOutcome) => Error | undefined,
): Promise<R> {
  const hash = fingerprint(body);
  for (let attempt = 1; ; attempt++) {
    const stored = await deps.store.readDocument<R>(plant, kind, id);
    if (stored) {
      if (stored.hash !== hash)
        throw new IdempotencyKeyReusedError(`${id} was already posted with a different body`);
      await finish(deps, plant, kind, id, stored.followUps);
      return stored.result;
    }
    const { ledger: changes, ...prepared } = await prepare();
    const postedAt = deps.now().toISOString();
    // The ledger lines ride in the document's own transaction: no queue would deliver it again.
    const ledger = stockDocumentLines(
      {
        plant,
        document: id,
        period: prepared.period,
        postingDate: linePostingDate(postedAt.slice(0, 10), prepared.period),
        postedAt,
      },
      LEDGER_TYPE[kind],
      changes,
    );
    const outcome = await deps.store.commit(plant, { kind, id, hash, postedAt, ...prepared, ledger });
    if (outcome === "committed") {
      await finish(deps, plant, kind, id, prepared.followUps);
      return prepared.result;
    }
    // `duplicate`: a concurrent retry of the same id committed first; the next read returns its result.
    deps.log.info("stock posting met a concurrent change, deciding again", {
      plant,
      kind,
      id,
      outcome,
      attempt,
    });
    try {
      await backOff(deps, attempt, `${NAMES[kind]} ${id}`, outcome);
    } catch (exhausted) {
      throw refusal?.(outcome) ?? exhausted;
    }
  }
}

/** The follow-ups of a committed document: run them, then take them off the document. */
async function finish(deps: StockDeps, plant: string, kind: DocumentKind, id: string, followUps: FollowUps) {
  const retry = followUps.backlogRetry;
  if (!retry) return;
  try {
    await deps.enqueueBacklogRetry(
      { plant, material: retry.material, location: retry.location, receivedAt: deps.now().toISOString() },
      `${kind}:${id}`,
    );
    await deps.store.followUpsDone(plant, kind, id);
  } catch (error) {
    deps.log.warn("stock posting committed, its backlog retry is still pending", { plant, kind, id, error });
    throw new FollowUpPendingError(
      `${NAMES[kind]} ${id} is posted, but its backlog retry is not queued yet; send the same request again`,
      { cause: error },
    );
  }
}

async function materialOf(deps: StockDeps, plant: string, material: string): Promise<Material> {
  const found = await deps.store.material(plant, material);
  if (!found) throw new InvalidReferenceError("material", `material ${material} does not exist`);
  return found;
}

async function currentPeriod(deps: StockDeps, plant: string) {
  const periods = await deps.store.periodState(plant);
  return postingPeriod(isoDate(deps.now()), isPeriodClosedFor(periods, undefined));
}

export interface GoodsReceiptRequest {
  readonly receiptId: string;
  readonly material: string;
  readonly location: string;
  readonly qty: Decimal;
  readonly unitCost?: Decimal | undefined;
  readonly reference?: string | undefined;
}

/**
 * Goods receipt (docs/rules.md#goods-receipt): stock in at standard, GRIR at the invoice price, the
 * difference to PPV. A `reference` must name a requisition of the same material; the receipt
 * adds its quantity to the requisition's receivedQty in the same transaction.
 */
export async function postGoodsReceipt(deps: StockDeps, plant: string, request: GoodsReceiptRequest) {
  const material = await materialOf(deps, plant, request.material);
  return once(deps, plant, "GR", request.receiptId, request, async () => {
    const period = await currentPeriod(deps, plant);
    const posting = goodsReceipt(material, request);
    const fills = request.reference
      ? {
          requisition: await requisitionFor(deps, plant, request.reference, request.material),
          qty: request.qty,
        }
      : undefined;
    return {
      result: {
        receiptId: request.receiptId,
        material: request.material,
        location: request.location,
        qty: request.qty.toFixed(material.decimals),
        value: formatMoney(posting.value),
        purchasePriceVariance: formatMoney(posting.purchasePriceVariance),
        period,
        ...(request.reference ? { reference: request.reference } : {}),
      },
      period,
      stock: posting.stock,
      journal: posting.journal,
      fills,
      followUps: { backlogRetry: { material: request.material, location: request.location } },
      // At standard: the PPV is no stock value.
      ledger: [
        {
          material: request.material,
          location: request.location,
          qty: request.qty.toFixed(material.decimals),
          value: formatMoney(posting.value),
        },
      ],
    };
  });
}

async function requisitionFor(deps: StockDeps, plant: string, reference: string, material: string) {
  const requisition = await deps.store.requisition(plant, reference);
  if (!requisition)
    throw new RequisitionMismatchError(`reference ${reference} names no requisition of plant ${plant}`);
  if (requisition.material !== material) {
    throw new RequisitionMismatchError(
      `requisition ${reference} is for material ${requisition.material}, not ${material}`,
    );
  }
  return requisition;
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
  const material = await materialOf(deps, plant, request.material);
  return once(
    deps,
    plant,
    "TR",
    request.transferId,
    request,
    async () => {
      const period = await currentPeriod(deps, plant);
      const onHandFrom = await deps.store.onHand(plant, request.material, request.from);
      const posting = transfer(material, request, onHandFrom);
      return {
        result: {
          transferId: request.transferId,
          material: request.material,
          from: request.from,
          to: request.to,
          qty: request.qty.toFixed(material.decimals),
          period,
        },
        period,
        stock: posting.stock,
        journal: posting.journal,
        followUps: { backlogRetry: { material: request.material, location: request.to } },
        ledger: transferLines(material, request),
      };
    },
    // A guard that kept failing at commit is the same refusal as one seen at read time.
    (outcome) =>
      outcome === "stock"
        ? new InsufficientStockError(
            request.material,
            request.from,
            "less than requested",
            request.qty.toFixed(),
          )
        : undefined,
  );
}

/** Both sides of a transfer at standard: `from` out, `to` in; they cancel. */
function transferLines(material: Material, request: TransferRequest): LedgerChange[] {
  const qty = request.qty.toFixed(material.decimals);
  const value = formatMoney(roundMoney(request.qty.times(material.standardPrice)));
  return [
    { material: request.material, location: request.from, qty: negate(qty), value: negate(value) },
    { material: request.material, location: request.to, qty, value },
  ];
}

export interface CountRequest {
  readonly countId: string;
  readonly material: string;
  readonly location: string;
  readonly counted: Decimal;
}

/** Inventory count (docs/rules.md#inventory-count): counted replaces on-hand; the difference posts to INVENTORY_ADJUSTMENT. */
export async function postInventoryCount(deps: StockDeps, plant: string, request: CountRequest) {
  const material = await materialOf(deps, plant, request.material);
  return once(deps, plant, "CC", request.countId, request, async () => {
    const period = await currentPeriod(deps, plant);
    const onHand = await deps.store.onHand(plant, request.material, request.location);
    const posting = inventoryCount(material, request, onHand);
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
      period,
      stock: posting.stock,
      journal: posting.journal,
      // The count is relative to what we read: if on-hand moved meanwhile, the commit fails and we count again.
      expectOnHand: onHand,
      // A loss may take the material to its reorder point: the frequent reorder run looks at it.
      reorderCandidate: posting.difference.isNegative() && material.reorder !== undefined,
      // Only a gain can cover backlog at that location.
      followUps: posting.difference.greaterThan(0)
        ? { backlogRetry: { material: request.material, location: request.location } }
        : {},
      ledger: posting.difference.isZero()
        ? []
        : [
            {
              material: request.material,
              location: request.location,
              qty: posting.difference.toFixed(material.decimals),
              value: formatMoney(posting.value),
            },
          ],
    };
  });
}
