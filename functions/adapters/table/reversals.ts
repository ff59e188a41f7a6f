import type { TableContext } from "./client.js";
import { pack } from "./codec.js";
import type { MovementView } from "./confirmations.js";
import { indexKeys, keys } from "./keys.js";
import type { TaggedItem } from "./transact.js";

/**
 * The reversal record (docs/data-model.md): `reversed` once and for all, or `rejected` for the
 * latest refused request. A rejection gives way to a newer request only; a reversal may
 * overwrite a rejection, never another reversal.
 */
export function reversalPut(
  t: TableContext,
  plant: string,
  id: string,
  r: {
    readonly status: "reversed" | "rejected";
    readonly at: string;
    readonly requestedAt: string;
    readonly period?: string | undefined;
    readonly rejection?: { code: string; message: string } | undefined;
    readonly movements?: readonly MovementView[] | undefined;
    /** The requested posting date of the reversal. */
    readonly postingDate?: string | undefined;
    /** The opposite lines it projects after its commit (one per earlier line of the document). */
    readonly ledgerLines?: number | undefined;
  },
): TaggedItem {
  const listed =
    r.status === "reversed" &&
    r.period !== undefined &&
    r.postingDate !== undefined &&
    (r.ledgerLines ?? 0) > 0;
  return {
    role: "record",
    key: `${id}:reversal`,
    item: {
      Put: {
        TableName: t.tableName,
        Item: {
          ...keys.reversal(plant, id),
          status: r.status,
          reversedAt: r.at,
          requestedAt: r.requestedAt,
          ...(r.period ? { period: r.period } : {}),
          ...(r.rejection ? { rejection: r.rejection } : {}),
          ...(r.postingDate ? { postingDate: r.postingDate } : {}),
          ...(listed && r.period ? indexKeys.ledgerSource(plant, r.period, id, "R", r.ledgerLines ?? 0) : {}),
          data: pack({ movements: r.movements ?? [] }),
        },
        ConditionExpression:
          r.status === "reversed"
            ? "attribute_not_exists(pk) OR #s = :rejected"
            : "attribute_not_exists(pk) OR (#s = :rejected AND (attribute_not_exists(requestedAt) OR requestedAt < :req))",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: {
          ":rejected": "rejected",
          ...(r.status === "rejected" ? { ":req": r.requestedAt } : {}),
        },
      },
    },
  };
}

const STANDING = { ":posted": "posted", ":backlog": "posted_with_backlog" } as const;

/**
 * First chunk of a reversal too large for one transaction: the posting is marked `reversing`,
 * so no backlog line of it posts while the later chunks cancel them (see postingStands).
 */
export function postingReversing(t: TableContext, plant: string, id: string, at: string): TaggedItem {
  return {
    role: "record",
    key: id,
    item: {
      Update: {
        TableName: t.tableName,
        Key: keys.posting(plant, id),
        UpdateExpression: "SET reversing = :at",
        ConditionExpression: "#s IN (:posted, :backlog) AND attribute_not_exists(reversing)",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: { ":at": at, ...STANDING },
      },
    },
  };
}

/** The posting reads `reversed` (last item of a reversal). */
export function postingReversed(t: TableContext, plant: string, id: string, at: string): TaggedItem {
  return {
    role: "record",
    key: id,
    item: {
      Update: {
        TableName: t.tableName,
        Key: keys.posting(plant, id),
        UpdateExpression: "SET #s = :reversed, reversedAt = :at REMOVE reversing",
        ConditionExpression: "#s IN (:posted, :backlog)",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: { ":reversed": "reversed", ":at": at, ...STANDING },
      },
    },
  };
}

/**
 * ConditionCheck of a backlog line's posting: the confirmation still stands and no reversal
 * of it is under way. Fails with kind `reversing`.
 */
export function postingStands(t: TableContext, plant: string, id: string): TaggedItem {
  return {
    role: "reversing",
    key: id,
    item: {
      ConditionCheck: {
        TableName: t.tableName,
        Key: keys.posting(plant, id),
        ConditionExpression: "#s IN (:posted, :backlog) AND attribute_not_exists(reversing)",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: STANDING,
      },
    },
  };
}
