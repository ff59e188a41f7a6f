import { BatchGetCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Bom, Material, Routing, WorkCenter } from "../../../domain/index.js";
import { REORDER_INDEX } from "../../../infra/table.js";
import type { TableContext } from "./client.js";
import { pack, unpack } from "./codec.js";
import { indexKeys, keys } from "./keys.js";
import { completePostedPeriods } from "./posted-periods.js";

type StoredMaterial = Omit<Material, "hasBom">;

export async function putMaterial(t: TableContext, plant: string, material: StoredMaterial, now: string) {
  // A material with reorder settings is in the reorder index (the sweep of every such material).
  const index = indexKeys.reorderable(plant, material.material);
  const [pkName, skName] = [REORDER_INDEX.partitionKey, REORDER_INDEX.sortKey];
  await t.ddb.send(
    new UpdateCommand({
      TableName: t.tableName,
      Key: keys.material(plant, material.material),
      // hasBom is owned by the BOM upsert; a material upsert keeps it.
      UpdateExpression:
        "SET #data = :data, updatedAt = :now, hasBom = if_not_exists(hasBom, :false)" +
        (material.reorder ? ", #rpk = :rpk, #rsk = :rsk" : " REMOVE #rpk, #rsk"),
      ExpressionAttributeNames: { "#data": "data", "#rpk": pkName, "#rsk": skName },
      ExpressionAttributeValues: {
        ":data": pack(material),
        ":now": now,
        ":false": false,
        ...(material.reorder ? { ":rpk": index[pkName], ":rsk": index[skName] } : {}),
      },
    }),
  );
  await registerPlant(t, plant, now);
  await bumpMasterDataVersion(t, plant);
}

/**
 * Raised after every write a posting reads (material, work center, BOM's hasBom), never before
 * it: a cache that saw the old counter re-reads, so a changed standard price applies to the
 * next posting (functions/adapters/table/worker-store.ts).
 */
async function bumpMasterDataVersion(t: TableContext, plant: string) {
  await t.ddb.send(
    new UpdateCommand({
      TableName: t.tableName,
      Key: keys.masterDataVersion(plant),
      UpdateExpression: "ADD version :one",
      ExpressionAttributeValues: { ":one": 1 },
    }),
  );
}

/** The master-data counter (0 before the first upsert). */
export async function getMasterDataVersion(t: TableContext, plant: string): Promise<number> {
  const res = await t.ddb.send(
    new GetCommand({ TableName: t.tableName, Key: keys.masterDataVersion(plant), ConsistentRead: true }),
  );
  return parseMasterDataVersion(res.Item);
}

export function parseMasterDataVersion(item: Record<string, unknown> | undefined): number {
  return item?.version === undefined ? 0 : Number(String(item.version));
}

/** The plant registry lets the scheduled close and reorder runs fan out without a scan. */
async function registerPlant(t: TableContext, plant: string, now: string) {
  const res = await t.ddb.send(
    new UpdateCommand({
      TableName: t.tableName,
      Key: keys.plantRegistry(plant),
      UpdateExpression: "SET plant = :p, registeredAt = if_not_exists(registeredAt, :now)",
      ExpressionAttributeValues: { ":p": plant, ":now": now },
      ReturnValues: "ALL_OLD",
    }),
  );
  // A new plant has no postings yet: its posted-period markers cover all it will post.
  if (res.Attributes?.registeredAt === undefined) await completePostedPeriods(t, plant, []);
}

export async function putWorkCenter(t: TableContext, plant: string, wc: WorkCenter, now: string) {
  await t.ddb.send(
    new PutCommand({
      TableName: t.tableName,
      Item: { ...keys.workCenter(plant, wc.workCenter), data: pack(wc), updatedAt: now },
    }),
  );
  await bumpMasterDataVersion(t, plant);
}

/** Stores the BOM and marks its parent as a manufactured material (inventory account FINISHED_GOODS). */
export async function putBom(t: TableContext, plant: string, bom: Bom, now: string) {
  await t.ddb.send(
    new PutCommand({
      TableName: t.tableName,
      Item: { ...keys.bom(plant, bom.material), data: pack(bom), updatedAt: now },
    }),
  );
  await t.ddb.send(
    new UpdateCommand({
      TableName: t.tableName,
      Key: keys.material(plant, bom.material),
      UpdateExpression: "SET hasBom = :true",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":true": true },
    }),
  );
  await bumpMasterDataVersion(t, plant);
}

export async function putRouting(t: TableContext, plant: string, routing: Routing, now: string) {
  await t.ddb.send(
    new PutCommand({
      TableName: t.tableName,
      Item: { ...keys.routing(plant, routing.material), data: pack(routing), updatedAt: now },
    }),
  );
}

async function getData<T>(t: TableContext, key: { pk: string; sk: string }): Promise<T | undefined> {
  const res = await t.ddb.send(new GetCommand({ TableName: t.tableName, Key: key, ConsistentRead: true }));
  return res.Item ? unpack<T>(res.Item.data as Uint8Array) : undefined;
}

export const getBom = (t: TableContext, plant: string, material: string) =>
  getData<Bom>(t, keys.bom(plant, material));
export const getRouting = (t: TableContext, plant: string, material: string) =>
  getData<Routing>(t, keys.routing(plant, material));

export async function getMaterial(
  t: TableContext,
  plant: string,
  material: string,
): Promise<Material | undefined> {
  return (await loadMaterials(t, plant, [material])).get(material);
}

export async function getWorkCenter(
  t: TableContext,
  plant: string,
  wc: string,
): Promise<WorkCenter | undefined> {
  return (await loadWorkCenters(t, plant, [wc])).get(wc);
}

export async function loadMaterials(
  t: TableContext,
  plant: string,
  ids: Iterable<string>,
): Promise<Map<string, Material>> {
  const items = await batchGet(
    t,
    [...new Set(ids)].map((id) => keys.material(plant, id)),
  );
  return new Map(
    items.map((item) => {
      const m = unpack<StoredMaterial>(item.data as Uint8Array);
      return [m.material, { ...m, hasBom: item.hasBom === true }];
    }),
  );
}

export async function loadWorkCenters(t: TableContext, plant: string, ids: Iterable<string>) {
  const items = await batchGet(
    t,
    [...new Set(ids)].map((id) => keys.workCenter(plant, id)),
  );
  return new Map(
    items.map((item) => {
      const wc = unpack<WorkCenter>(item.data as Uint8Array);
      return [wc.workCenter, wc];
    }),
  );
}

/** BatchGetItem in pages of 100, retrying unprocessed keys (they come back under load). */
export async function batchGet(
  t: TableContext,
  keyList: readonly { pk: string; sk: string }[],
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < keyList.length; i += 100) {
    let pending: Record<string, unknown>[] = keyList.slice(i, i + 100);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 8) throw new Error("BatchGetItem kept returning unprocessed keys");
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      const res = await t.ddb.send(
        new BatchGetCommand({ RequestItems: { [t.tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      out.push(...(res.Responses?.[t.tableName] ?? []));
      pending = (res.UnprocessedKeys?.[t.tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
  }
  return out;
}
