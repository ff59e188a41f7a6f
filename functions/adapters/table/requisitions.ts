import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Decimal } from "../../../domain/index.js";
import { REORDER_INDEX } from "../../../infra/table.js";
import type { TableContext } from "./client.js";
import { fromNum, num } from "./codec.js";
import { indexKeys, keys } from "./keys.js";
import { queryAll } from "./query.js";
import type { TaggedItem } from "./transact.js";

/**
 * Requisitions of a plant, the per-material reorder state that serializes reorder runs, and the
 * transactional outbox of SNS notifications; all in the plant's requisition partition.
 */

/** `partially_received` until receivedQty ≥ qty, then `received` (docs/data-model.md). */
export type RequisitionStatus = "open" | "partially_received" | "received";

export interface StoredRequisition {
  readonly requisitionId: string;
  readonly material: string;
  readonly qty: Decimal;
  /** Quantity goods receipts naming it brought in so far; qty − receivedQty is still open. */
  readonly receivedQty: Decimal;
  /** The material's quantity decimals when it was created (for display). */
  readonly decimals: number;
  readonly status: RequisitionStatus;
  readonly notified: boolean;
  readonly reorderPoint: Decimal;
  readonly available: Decimal;
  readonly neededBy: string;
  readonly supplier?: string | undefined;
  readonly createdAt: string;
}

export interface ReorderState {
  /** Open quantity (qty − receivedQty) of the requisitions not yet received: available (docs/rules.md#reorder). */
  readonly openQty: Decimal;
  /** Number of requisitions ever created for the material (their ids end in it). */
  readonly seq: number;
  /** 0 when the item does not exist yet. */
  readonly version: number;
}

export async function getReorderState(
  t: TableContext,
  plant: string,
  material: string,
): Promise<ReorderState> {
  const res = await t.ddb.send(
    new GetCommand({ TableName: t.tableName, Key: keys.reorderState(plant, material), ConsistentRead: true }),
  );
  return {
    openQty: fromNum(res.Item?.openQty),
    seq: Number(String(res.Item?.seq ?? 0)),
    version: Number(String(res.Item?.version ?? 0)),
  };
}

/**
 * A new requisition, its outbox entry and the reorder state in one transaction. The state
 * write is conditional on the version read, so of two runs that evaluated the same state
 * only one creates a requisition; the other is cancelled and evaluates again.
 */
export function createRequisitionWrites(
  t: TableContext,
  plant: string,
  req: StoredRequisition,
  read: ReorderState,
): TaggedItem[] {
  const next = { openQty: read.openQty.plus(req.qty), seq: read.seq + 1, version: read.version + 1 };
  return [
    {
      role: "record",
      key: req.requisitionId,
      item: {
        Put: {
          TableName: t.tableName,
          Item: requisitionItem(plant, req),
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
    },
    {
      role: "marker",
      key: `${req.requisitionId}:outbox`,
      item: {
        Put: {
          TableName: t.tableName,
          Item: { ...keys.requisitionOutbox(plant, req.requisitionId), requisitionId: req.requisitionId },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
    },
    {
      role: "marker",
      key: `${req.material}:reorder-state`,
      item: {
        Update: {
          TableName: t.tableName,
          Key: keys.reorderState(plant, req.material),
          UpdateExpression: "SET material = :m, openQty = :open, seq = :seq, version = :next",
          ConditionExpression: read.version === 0 ? "attribute_not_exists(pk)" : "version = :v",
          ExpressionAttributeValues: {
            ":m": req.material,
            ":open": num(next.openQty),
            ":seq": next.seq,
            ":next": next.version,
            ...(read.version === 0 ? {} : { ":v": read.version }),
          },
        },
      },
    },
  ];
}

function requisitionItem(plant: string, r: StoredRequisition) {
  return {
    ...keys.requisition(plant, r.requisitionId),
    requisitionId: r.requisitionId,
    material: r.material,
    qty: num(r.qty),
    receivedQty: num(r.receivedQty),
    decimals: r.decimals,
    status: r.status,
    notified: r.notified,
    reorderPoint: num(r.reorderPoint),
    available: num(r.available),
    neededBy: r.neededBy,
    ...(r.supplier === undefined ? {} : { supplier: r.supplier }),
    createdAt: r.createdAt,
  };
}

function toRequisition(item: Record<string, unknown>): StoredRequisition {
  return {
    requisitionId: String(item.requisitionId),
    material: String(item.material),
    qty: fromNum(item.qty),
    receivedQty: fromNum(item.receivedQty),
    decimals: Number(String(item.decimals)),
    status: item.status as RequisitionStatus,
    notified: item.notified === true,
    reorderPoint: fromNum(item.reorderPoint),
    available: fromNum(item.available),
    neededBy: String(item.neededBy),
    supplier: typeof item.supplier === "string" ? item.supplier : undefined,
    createdAt: String(item.createdAt),
  };
}

export async function getRequisition(
  t: TableContext,
  plant: string,
  id: string,
): Promise<StoredRequisition | undefined> {
  const res = await t.ddb.send(
    new GetCommand({ TableName: t.tableName, Key: keys.requisition(plant, id), ConsistentRead: true }),
  );
  return res.Item ? toRequisition(res.Item) : undefined;
}

/** A page of the plant's requisitions in id order (material, then sequence). */
export async function listRequisitionsPage(
  t: TableContext,
  plant: string,
  page: { readonly limit: number; readonly start?: Record<string, unknown> | undefined },
): Promise<{ items: StoredRequisition[]; next?: Record<string, unknown> | undefined }> {
  const res = await t.ddb.send(
    new QueryCommand({
      TableName: t.tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :req)",
      ExpressionAttributeValues: { ":pk": keys.requisitionPk(plant), ":req": "REQ#" },
      Limit: page.limit,
      ExclusiveStartKey: page.start,
    }),
  );
  return { items: (res.Items ?? []).map(toRequisition), next: res.LastEvaluatedKey };
}

/** The open quantity a requisition still counts with: qty − receivedQty, never below 0. */
export const openQuantity = (r: Pick<StoredRequisition, "qty" | "receivedQty" | "status">): Decimal =>
  r.status === "received" || r.receivedQty.greaterThanOrEqualTo(r.qty)
    ? r.qty.minus(r.qty)
    : r.qty.minus(r.receivedQty);

/**
 * A requisition closed by hand: `received` whatever arrived, its open quantity leaves the
 * reorder state (whose version moves, so a reorder run that read the old state re-evaluates).
 */
export function requisitionReceivedWrites(
  t: TableContext,
  plant: string,
  req: StoredRequisition,
  at: string,
): TaggedItem[] {
  return [
    {
      role: "record",
      key: req.requisitionId,
      item: {
        Update: {
          TableName: t.tableName,
          Key: keys.requisition(plant, req.requisitionId),
          UpdateExpression: "SET #s = :received, receivedAt = :at",
          ConditionExpression: "#s = :read",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: { ":received": "received", ":read": req.status, ":at": at },
        },
      },
    },
    reorderStateChange(t, plant, req.material, openQuantity(req)),
  ];
}

/**
 * A goods receipt of `qty` naming the requisition it fills (docs/data-model.md): receivedQty
 * grows, the status becomes `partially_received` or `received`, and the part of the receipt
 * that was still open leaves the reorder state's open quantity. Conditional on the
 * receivedQty read (and the material), so two receipts on one requisition never both count
 * the same open quantity: the later one is cancelled and decides again.
 */
export function requisitionFillWrites(
  t: TableContext,
  plant: string,
  req: StoredRequisition,
  qty: Decimal,
  at: string,
): TaggedItem[] {
  const received = req.receivedQty.plus(qty);
  const status: RequisitionStatus =
    req.status === "received" || received.greaterThanOrEqualTo(req.qty) ? "received" : "partially_received";
  const open = openQuantity(req);
  const filled = qty.lessThan(open) ? qty : open;
  const readCondition = req.receivedQty.isZero()
    ? "(attribute_not_exists(receivedQty) OR receivedQty = :read)"
    : "receivedQty = :read";
  const writes: TaggedItem[] = [
    {
      role: "other",
      key: `requisition:${req.requisitionId}`,
      item: {
        Update: {
          TableName: t.tableName,
          Key: keys.requisition(plant, req.requisitionId),
          UpdateExpression: "SET receivedQty = :received, #s = :s, receivedAt = :at",
          ConditionExpression: `material = :m AND ${readCondition}`,
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: {
            ":received": num(received),
            ":s": status,
            ":at": at,
            ":m": req.material,
            ":read": num(req.receivedQty),
          },
        },
      },
    },
  ];
  if (filled.greaterThan(0)) writes.push(reorderStateChange(t, plant, req.material, filled));
  return writes;
}

/** Takes `filled` out of the material's open quantity and moves its version. */
function reorderStateChange(t: TableContext, plant: string, material: string, filled: Decimal): TaggedItem {
  return {
    role: "other",
    key: `reorder-state:${material}`,
    item: {
      Update: {
        TableName: t.tableName,
        Key: keys.reorderState(plant, material),
        UpdateExpression: "ADD openQty :minus, version :one",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":minus": num(filled.neg()), ":one": 1 },
      },
    },
  };
}

export interface ReorderCandidate {
  readonly material: string;
  readonly location: string;
}

/** Stock items flagged since the last run (sparse REORDER_INDEX). */
export async function listReorderCandidates(t: TableContext, plant: string): Promise<ReorderCandidate[]> {
  const items = await queryAll(t, {
    IndexName: REORDER_INDEX.indexName,
    KeyConditionExpression: `${REORDER_INDEX.partitionKey} = :pk`,
    ExpressionAttributeValues: {
      ":pk": indexKeys.reorderCandidate(plant, "", "")[REORDER_INDEX.partitionKey],
    },
    // KEYS_ONLY index: the sort key is material@location (identifiers never contain "@").
    ProjectionExpression: REORDER_INDEX.sortKey,
  });
  return items.map((i) => {
    const [material = "", location = ""] = String(i[REORDER_INDEX.sortKey]).split("@");
    return { material, location };
  });
}

/**
 * Takes a stock item out of the reorder index, but only if its on-hand is still what the
 * evaluation used: a decrease since then keeps the flag for the next run.
 * `onHand` undefined clears unconditionally (the material no longer has reorder parameters).
 */
export async function clearReorderCandidate(
  t: TableContext,
  plant: string,
  c: ReorderCandidate,
  onHand: Decimal | undefined,
): Promise<boolean> {
  try {
    await t.ddb.send(
      new UpdateCommand({
        TableName: t.tableName,
        Key: keys.stock(plant, c.material, c.location),
        UpdateExpression: `REMOVE ${REORDER_INDEX.partitionKey}, ${REORDER_INDEX.sortKey}`,
        ConditionExpression: onHand === undefined ? "attribute_exists(pk)" : "onHand = :read",
        ...(onHand === undefined ? {} : { ExpressionAttributeValues: { ":read": num(onHand) } }),
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Requisitions still to be published. */
export async function listOutbox(t: TableContext, plant: string): Promise<string[]> {
  const items = await queryAll(t, {
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :outbox)",
    ExpressionAttributeValues: { ":pk": keys.requisitionPk(plant), ":outbox": "OUTBOX#" },
    ConsistentRead: true,
  });
  return items.map((i) => String(i.requisitionId));
}

/**
 * A lease on an outbox entry, so two concurrent runs never publish the same requisition;
 * one that crashed while holding it lets the lease run out. False: someone else holds it.
 */
export async function claimOutbox(
  t: TableContext,
  plant: string,
  id: string,
  claim: { readonly claimId: string; readonly now: string; readonly until: string },
): Promise<boolean> {
  try {
    await t.ddb.send(
      new UpdateCommand({
        TableName: t.tableName,
        Key: keys.requisitionOutbox(plant, id),
        UpdateExpression: "SET claimId = :c, claimUntil = :until",
        ConditionExpression:
          "attribute_exists(pk) AND (attribute_not_exists(claimUntil) OR claimUntil < :now)",
        ExpressionAttributeValues: { ":c": claim.claimId, ":until": claim.until, ":now": claim.now },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Gives a lease back after a failed publish, so the next run retries at once. */
export async function releaseOutbox(
  t: TableContext,
  plant: string,
  id: string,
  claimId: string,
): Promise<void> {
  try {
    await t.ddb.send(
      new UpdateCommand({
        TableName: t.tableName,
        Key: keys.requisitionOutbox(plant, id),
        UpdateExpression: "REMOVE claimId, claimUntil",
        ConditionExpression: "claimId = :c",
        ExpressionAttributeValues: { ":c": claimId },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** After SNS accepted it: notified = true and the outbox entry gone, together. */
export function notifiedWrites(
  t: TableContext,
  plant: string,
  id: string,
  claimId: string,
  at: string,
): TaggedItem[] {
  return [
    {
      role: "other",
      key: id,
      item: {
        Update: {
          TableName: t.tableName,
          Key: keys.requisition(plant, id),
          UpdateExpression: "SET notified = :true, notifiedAt = :at",
          ExpressionAttributeValues: { ":true": true, ":at": at },
        },
      },
    },
    {
      role: "marker",
      key: `${id}:outbox`,
      item: {
        Delete: {
          TableName: t.tableName,
          Key: keys.requisitionOutbox(plant, id),
          ConditionExpression: "claimId = :c",
          ExpressionAttributeValues: { ":c": claimId },
        },
      },
    },
  ];
}

/** Drops an outbox entry whose requisition no longer exists (never expected; keeps the outbox from jamming). */
export function dropOutboxWrite(t: TableContext, plant: string, id: string): TaggedItem {
  return {
    role: "other",
    key: `${id}:outbox`,
    item: { Delete: { TableName: t.tableName, Key: keys.requisitionOutbox(plant, id) } },
  };
}
