import { PutCommand, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import {
  type Order,
  type OrderSnapshot,
  type OrderState,
  periodsWithPostings,
} from "../../../domain/index.js";
import { CLOSE_INDEX } from "../../../infra/table.js";
import { OrderExistsError } from "../errors.js";
import type { TableContext } from "./client.js";
import { pack, unpack } from "./codec.js";
import { indexKeys, keys } from "./keys.js";
import type { TaggedItem } from "./transact.js";

/** An order as read, with what a conditional write of it needs. */
export interface StoredOrder {
  readonly plant: string;
  readonly order: Order;
  readonly version: number;
  /** Last period a close processed this order in; postings may not land in it or before. */
  readonly closedThrough?: string | undefined;
}

export async function getOrder(
  t: TableContext,
  plant: string,
  order: string,
): Promise<StoredOrder | undefined> {
  const res = await t.ddb.send(
    new QueryCommand({
      TableName: t.tableName,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": keys.order(plant, order).pk },
      ConsistentRead: true,
    }),
  );
  return parseStoredOrder(
    plant,
    res.Items?.find((i) => i.sk === "ORDER"),
    res.Items?.find((i) => i.sk === "SNAPSHOT"),
  );
}

/** The two items of an order: its running state and its immutable snapshot. */
export const orderItemKeys = (plant: string, order: string) =>
  [keys.order(plant, order), keys.orderSnapshot(plant, order)] as const;

/** Snapshots kept decoded per container before the cache starts over (a bound on its memory). */
const MAX_DECODED_SNAPSHOTS = 1000;
const decodedSnapshots = new Map<
  string,
  { readonly bytes: Uint8Array; readonly createdAt: string; readonly snapshot: OrderSnapshot }
>();

/**
 * The snapshot decoded once per container: intake and the worker read it for every confirmation, and
 * gunzip plus decimal decoding was the largest share of intake's own CPU (README.md#performance). A hit
 * needs the very bytes decoded before, so the answer is the decode of what was read, whatever happened
 * to the item in between. The snapshot is readonly all the way down (domain/order.ts), so sharing it is safe.
 */
function decodeSnapshot(snap: Record<string, unknown>): OrderSnapshot {
  const pk = String(snap.pk);
  const bytes = snap.data as Uint8Array;
  const createdAt = String(snap.createdAt);
  const hit = decodedSnapshots.get(pk);
  if (hit !== undefined && hit.createdAt === createdAt && Buffer.compare(hit.bytes, bytes) === 0)
    return hit.snapshot;
  const decoded = unpack<OrderSnapshot>(bytes);
  // Orders released before the snapshot carried it: the snapshot item's own creation time.
  const snapshot = decoded.releasedAt ? decoded : { ...decoded, releasedAt: createdAt };
  if (decodedSnapshots.size >= MAX_DECODED_SNAPSHOTS) decodedSnapshots.clear();
  decodedSnapshots.set(pk, { bytes, createdAt, snapshot });
  return snapshot;
}

/** An order's snapshot from its stored item; undefined when there is none. */
export function parseOrderSnapshot(snap: Record<string, unknown> | undefined): OrderSnapshot | undefined {
  return snap === undefined ? undefined : decodeSnapshot(snap);
}

/** An order from its state and snapshot items; undefined unless both are there. */
export function parseStoredOrder(
  plant: string,
  state: Record<string, unknown> | undefined,
  snap: Record<string, unknown> | undefined,
): StoredOrder | undefined {
  if (!state || !snap) return undefined;
  return {
    plant,
    order: {
      snapshot: decodeSnapshot(snap),
      state: unpack<OrderState>(state.data as Uint8Array),
    },
    version: Number(String(state.version)),
    closedThrough: typeof state.closedThrough === "string" ? state.closedThrough : undefined,
  };
}

/** Release: the immutable snapshot and the running state, once (a second release is a conflict). */
export async function createOrder(
  t: TableContext,
  plant: string,
  released: Order,
  now: string,
): Promise<void> {
  const order: Order = { ...released, snapshot: { ...released.snapshot, releasedAt: now } };
  try {
    await t.ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: t.tableName,
              Item: {
                ...keys.orderSnapshot(plant, order.snapshot.order),
                data: pack(order.snapshot),
                createdAt: now,
              },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Put: {
              TableName: t.tableName,
              Item: orderItem(plant, order, 1, undefined),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (error instanceof Error && error.name === "TransactionCanceledException") {
      throw new OrderExistsError(order.snapshot.order);
    }
    throw error;
  }
}

/** Sorts after every real release time in a newest-first list: a snapshot that never had one. */
const LEGACY_RELEASE = "0000-00-00T00:00:00.000Z";

function orderItem(plant: string, order: Order, version: number, closedThrough: string | undefined) {
  const { snapshot, state } = order;
  return {
    ...keys.order(plant, snapshot.order),
    order: snapshot.order,
    material: snapshot.material,
    status: state.status,
    version,
    ...(closedThrough ? { closedThrough } : {}),
    data: pack(state),
    // Every write that may leave work for the next close keeps the order in the close index.
    ...indexKeys.orderToClose(plant, snapshot.order),
    // Every write keeps it in the order list, under its status of now.
    ...indexKeys.orderList(
      plant,
      state.status,
      snapshot.releasedAt ?? LEGACY_RELEASE,
      snapshot.order,
      snapshot.material,
    ),
  };
}

/** The order write of a posting: full state, version + 1, only if nobody wrote it since we read it. */
export function orderWrite(
  t: TableContext,
  stored: StoredOrder,
  next: Order,
  opts?: { closedThrough?: string; leaveCloseIndex?: boolean },
): TaggedItem {
  const closedThrough = opts?.closedThrough ?? stored.closedThrough;
  const item: Record<string, unknown> = orderItem(stored.plant, next, stored.version + 1, closedThrough);
  if (opts?.leaveCloseIndex) {
    delete item[CLOSE_INDEX.partitionKey];
    delete item[CLOSE_INDEX.sortKey];
  }
  return {
    role: "order",
    key: next.snapshot.order,
    // Its WIP postings: the periods with journal totals no close has taken.
    posts: {
      plant: stored.plant,
      periods: [...periodsWithPostings([{ state: next.state, closedThrough }], [])],
    },
    item: {
      Put: {
        TableName: t.tableName,
        Item: item,
        ConditionExpression: "version = :v",
        ExpressionAttributeValues: { ":v": stored.version },
      },
    },
  };
}

/** PATCH of an order outside a posting (qty, due date), with the same version condition. */
export async function saveOrder(t: TableContext, stored: StoredOrder, next: Order): Promise<void> {
  const w = orderWrite(t, stored, next);
  if (!w.item.Put) throw new Error("unreachable");
  await t.ddb.send(new PutCommand(w.item.Put));
}
