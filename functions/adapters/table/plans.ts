import { DeleteCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
import type { TableContext } from "./client.js";
import { pack, unpack } from "./codec.js";
import { keys } from "./keys.js";
import type { TaggedItem } from "./transact.js";

/**
 * Plans and chunk markers of effects too large for one transaction (docs/data-model.md): a
 * posting's (`PLAN`, `CHUNK#n`) or a reversal's (`REVPLAN`, `REVCHUNK#n`). The plan is written
 * with the transaction that fixes the outcome; every later chunk carries its marker, so a
 * resumed run skips what already committed. `rev` numbers the plan's amendments.
 */
export type PlanKind = "posting" | "reversal";

const planKey = (kind: PlanKind, plant: string, id: string) =>
  kind === "posting" ? keys.plan(plant, id) : keys.reversalPlan(plant, id);
const chunkKey = (kind: PlanKind, plant: string, id: string, n: number) =>
  kind === "posting" ? keys.chunk(plant, id, n) : keys.reversalChunk(plant, id, n);

export interface StoredPlan<T> {
  readonly plan: T;
  readonly rev: number;
}

export async function getPlan<T>(
  t: TableContext,
  kind: PlanKind,
  plant: string,
  id: string,
): Promise<StoredPlan<T> | undefined> {
  const res = await t.ddb.send(
    new GetCommand({ TableName: t.tableName, Key: planKey(kind, plant, id), ConsistentRead: true }),
  );
  if (!res.Item) return undefined;
  return {
    plan: unpack<T>(res.Item.data as Uint8Array),
    rev: res.Item.rev === undefined ? 0 : Number(String(res.Item.rev)),
  };
}

/** The plan, new (`after` undefined) or amended over the revision it was read at. */
export function planPut<T>(
  t: TableContext,
  kind: PlanKind,
  plant: string,
  id: string,
  plan: T,
  after?: number,
): TaggedItem {
  const rev = (after ?? 0) + 1;
  return {
    role: "marker",
    key: `${id}:${kind}-plan`,
    item: {
      Put: {
        TableName: t.tableName,
        Item: { ...planKey(kind, plant, id), rev, data: pack(plan) },
        ...(after === undefined
          ? { ConditionExpression: "attribute_not_exists(pk)" }
          : {
              ConditionExpression: after === 0 ? "attribute_not_exists(rev)" : "rev = :after",
              ...(after === 0 ? {} : { ExpressionAttributeValues: { ":after": after } }),
            }),
      },
    },
  };
}

export function chunkMarker(
  t: TableContext,
  kind: PlanKind,
  plant: string,
  id: string,
  n: number,
  at: string,
): TaggedItem {
  return {
    role: "marker",
    key: `${id}:${kind}-chunk${n}`,
    item: {
      Put: {
        TableName: t.tableName,
        Item: { ...chunkKey(kind, plant, id, n), committedAt: at },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  };
}

/** Done: the plan goes; the markers stay as the record of what committed. */
export async function deletePlan(t: TableContext, kind: PlanKind, plant: string, id: string): Promise<void> {
  await t.ddb.send(new DeleteCommand({ TableName: t.tableName, Key: planKey(kind, plant, id) }));
}
