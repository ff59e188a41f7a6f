import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Decimal, JournalEntry, LedgerLine, Material, StockDelta } from "../../../domain/index.js";
import { TransactionCancelledError } from "../errors.js";
import type { TableContext } from "./client.js";
import { pack, unpack } from "./codec.js";
import { keys } from "./keys.js";
import { ledgerPut } from "./ledger.js";
import { getMaterial } from "./master-data.js";
import { getPeriodState, type PeriodState, periodOpenCheck } from "./periods.js";
import { getRequisition, requisitionFillWrites, type StoredRequisition } from "./requisitions.js";
import { readStock, stockWrite } from "./stock.js";
import { isTransient, type TaggedItem, transactWrite } from "./transact.js";

/**
 * Stock documents: the synchronous stock postings a client keys itself (goods receipt "GR",
 * transfer "TR", inventory count "CC"). A document item records the request's hash and the
 * result, and commits in one transaction with everything the posting changes: the stock items,
 * the requisition a receipt fills, a check that its period is still open, and the follow-ups
 * still to run after the commit (the backlog retry), so a replay can finish what a failure
 * after the commit left undone.
 * docs/data-model.md describes the items.
 */

export type DocumentKind = "GR" | "TR" | "CC";

/** Work that belongs to the posting but runs after its commit; kept on the document until done. */
export interface FollowUps {
  /** Retry the open backlog of this material at this location (stock arrived there). */
  readonly backlogRetry?: { readonly material: string; readonly location: string } | undefined;
}

export interface StoredDocument<R> {
  readonly hash: string;
  readonly result: R;
  readonly followUps: FollowUps;
}

/** What one stock document commits. */
export interface DocumentCommit<R> {
  readonly kind: DocumentKind;
  readonly id: string;
  readonly hash: string;
  readonly result: R;
  readonly postedAt: string;
  readonly period: string;
  readonly stock: readonly StockDelta[];
  /** Journal of the posting; kept on its first stock item for the period close. */
  readonly journal: readonly JournalEntry[];
  /** Condition: on-hand before the write equals this (an inventory count replaces on-hand). */
  readonly expectOnHand?: Decimal | undefined;
  /** Put the stock items in the reorder change index (the posting lowered them). */
  readonly reorderCandidate?: boolean | undefined;
  /** The requisition a goods receipt fills, as read, and the quantity it brings. */
  readonly fills?: { readonly requisition: StoredRequisition; readonly qty: Decimal } | undefined;
  readonly followUps: FollowUps;
  /** The document's ledger lines, written once with it (docs/data-model.md, "The stock ledger"). */
  readonly ledger?: readonly LedgerLine[] | undefined;
}

/**
 * Why a commit did not happen: `duplicate` the document exists (a concurrent retry won),
 * `stock` a stock guard failed, `changed` something read before (on-hand, a requisition, the
 * period's lock) moved, `busy` a transaction conflict or throttling. Each one is decided again by the caller.
 */
export type CommitOutcome = "committed" | "duplicate" | "stock" | "changed" | "busy";

/** The port the stock-posting use cases take (functions/use-cases/stock-postings.ts). */
export interface StockDocumentStore {
  readDocument<R>(plant: string, kind: DocumentKind, id: string): Promise<StoredDocument<R> | undefined>;
  material(plant: string, material: string): Promise<Material | undefined>;
  periodState(plant: string): Promise<PeriodState>;
  onHand(plant: string, material: string, location: string): Promise<Decimal>;
  requisition(plant: string, id: string): Promise<StoredRequisition | undefined>;
  commit<R>(plant: string, doc: DocumentCommit<R>): Promise<CommitOutcome>;
  /** The follow-ups ran: take them off the document (idempotent). */
  followUpsDone(plant: string, kind: DocumentKind, id: string): Promise<void>;
}

export function stockDocumentStore(t: TableContext): StockDocumentStore {
  return {
    readDocument: (plant, kind, id) => readDocument(t, plant, kind, id),
    material: (plant, material) => getMaterial(t, plant, material),
    periodState: (plant) => getPeriodState(t, plant),
    onHand: async (plant, material, location) => {
      const view = await readStock(t, plant, [{ material, location }]);
      return [...view.values()][0] as Decimal;
    },
    requisition: (plant, id) => getRequisition(t, plant, id),
    commit: (plant, doc) => commitDocument(t, plant, doc),
    followUpsDone: (plant, kind, id) => followUpsDone(t, plant, kind, id),
  };
}

async function readDocument<R>(
  t: TableContext,
  plant: string,
  kind: DocumentKind,
  id: string,
): Promise<StoredDocument<R> | undefined> {
  const res = await t.ddb.send(
    new GetCommand({
      TableName: t.tableName,
      Key: keys.stockDocument(plant, kind, id),
      ConsistentRead: true,
    }),
  );
  if (!res.Item) return undefined;
  const retry = res.Item.backlogRetry as { material?: unknown; location?: unknown } | undefined;
  return {
    hash: String(res.Item.hash),
    result: unpack<R>(res.Item.data as Uint8Array),
    followUps: retry
      ? { backlogRetry: { material: String(retry.material), location: String(retry.location) } }
      : {},
  };
}

/** The transaction items of one stock document (exported for tests that inspect them). */
export function documentWrites<R>(t: TableContext, plant: string, doc: DocumentCommit<R>): TaggedItem[] {
  const record: TaggedItem = {
    role: "document",
    key: `${doc.kind}#${doc.id}`,
    item: {
      Put: {
        TableName: t.tableName,
        Item: {
          ...keys.stockDocument(plant, doc.kind, doc.id),
          hash: doc.hash,
          data: pack(doc.result),
          postedAt: doc.postedAt,
          ...(doc.followUps.backlogRetry ? { backlogRetry: { ...doc.followUps.backlogRetry } } : {}),
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  };
  const stock = doc.stock.map((d, i) =>
    stockWrite(t, plant, d, {
      period: doc.period,
      journal: i === 0 ? doc.journal : [],
      expectOnHand: doc.expectOnHand,
      reorderCandidate: doc.reorderCandidate,
    }),
  );
  const fills = doc.fills
    ? requisitionFillWrites(t, plant, doc.fills.requisition, doc.fills.qty, doc.postedAt)
    : [];
  // The period must still be open at commit: a close that locked it since the read has read (or
  // will read) the stock without this posting, so the posting decides again and takes the next one.
  const ledger = (doc.ledger ?? []).map((l) => ledgerPut(t, l));
  return [record, ...stock, ...fills, ...ledger, periodOpenCheck(t, plant, doc.period)];
}

async function commitDocument<R>(t: TableContext, plant: string, doc: DocumentCommit<R>) {
  try {
    await transactWrite(t, documentWrites(t, plant, doc));
    return "committed" as const;
  } catch (error) {
    return outcomeOf(error);
  }
}

/** A cancelled commit by its first failed item; anything else that is not transient is thrown. */
function outcomeOf(error: unknown): CommitOutcome {
  if (!(error instanceof TransactionCancelledError)) {
    if (isTransient(error)) return "busy";
    throw error;
  }
  const conditional = error.failedKeys.filter((k) => k.endsWith(":ConditionalCheckFailed"));
  if (conditional.some((k) => k.startsWith("document:"))) return "duplicate";
  if (conditional.some((k) => k.startsWith("stock:"))) return "stock";
  if (conditional.length > 0) return "changed";
  if (error.kind === "conflict" || error.kind === "throttled") return "busy";
  throw error;
}

async function followUpsDone(t: TableContext, plant: string, kind: DocumentKind, id: string) {
  try {
    await t.ddb.send(
      new UpdateCommand({
        TableName: t.tableName,
        Key: keys.stockDocument(plant, kind, id),
        UpdateExpression: "REMOVE backlogRetry",
        // Never create a document that is not there.
        ConditionExpression: "attribute_exists(pk)",
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
