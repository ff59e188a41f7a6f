import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Decimal, Material } from "../../../domain/index.js";
import { REORDER_INDEX } from "../../../infra/table.js";
import type { PageRequest } from "../../common/paging.js";
import { TransactionCancelledError } from "../errors.js";
import type { TableContext } from "./client.js";
import { indexKeys } from "./keys.js";
import { requisitionPage } from "./lists.js";
import { loadMaterials } from "./master-data.js";
import { listPlants } from "./plants.js";
import {
  claimOutbox,
  clearReorderCandidate,
  createRequisitionWrites,
  dropOutboxWrite,
  getReorderState,
  getRequisition,
  listOutbox,
  listReorderCandidates,
  notifiedWrites,
  type ReorderCandidate,
  type ReorderState,
  releaseOutbox,
  requisitionReceivedWrites,
  type StoredRequisition,
} from "./requisitions.js";
import { listStock } from "./stock.js";
import { isTransient, transactWrite } from "./transact.js";

/**
 * The reorder use case's port (functions/use-cases/reorder.ts): requisitions, the reorder
 * state, the outbox, and the two ways to find the materials to evaluate: the change index
 * (stock items flagged by a decrease) and the reorderable index (every material with reorder
 * settings, paged). docs/data-model.md describes the items and indexes.
 */
export interface ReorderStore {
  plants(): Promise<string[]>;
  /** Stock items flagged since the last run (the change index). */
  candidates(plant: string): Promise<ReorderCandidate[]>;
  /** One page of the plant's materials with reorder settings, in id order; `next` resumes. */
  reorderable(plant: string, start?: string): Promise<{ materials: string[]; next?: string | undefined }>;
  materials(plant: string, ids: Iterable<string>): Promise<Map<string, Material>>;
  /** On-hand of a material at every location of the plant (consistent read). */
  stock(plant: string, material: string): Promise<{ location: string; onHand: Decimal }[]>;
  reorderState(plant: string, material: string): Promise<ReorderState>;
  /** `changed`: the reorder state moved since `read` (another run, a receipt), decide again. */
  createRequisition(
    plant: string,
    req: StoredRequisition,
    read: ReorderState,
  ): Promise<"created" | "changed">;
  /** Takes the flag off if on-hand is still `onHand` (undefined: unconditionally). */
  clearCandidate(plant: string, c: ReorderCandidate, onHand: Decimal | undefined): Promise<boolean>;
  outbox(plant: string): Promise<string[]>;
  claimOutbox(
    plant: string,
    id: string,
    claim: { readonly claimId: string; readonly now: string; readonly until: string },
  ): Promise<boolean>;
  releaseOutbox(plant: string, id: string, claimId: string): Promise<void>;
  requisition(plant: string, id: string): Promise<StoredRequisition | undefined>;
  dropOutbox(plant: string, id: string): Promise<void>;
  /** false: the lease was lost (another run took the entry). */
  markNotified(plant: string, id: string, claimId: string, at: string): Promise<boolean>;
  /** Closes a requisition by hand; `changed`: it moved since it was read. */
  markReceived(plant: string, req: StoredRequisition, at: string): Promise<"done" | "changed">;
  requisitionPage(plant: string, page: PageRequest): ReturnType<typeof requisitionPage>;
}

/** Materials per page of the reorderable index. */
export const REORDERABLE_PAGE = 100;

export function reorderStore(t: TableContext, options: { readonly pageSize?: number } = {}): ReorderStore {
  const pageSize = options.pageSize ?? REORDERABLE_PAGE;
  return {
    plants: () => listPlants(t),
    candidates: (plant) => listReorderCandidates(t, plant),
    reorderable: (plant, start) => reorderablePage(t, plant, start, pageSize),
    materials: (plant, ids) => loadMaterials(t, plant, ids),
    stock: async (plant, material) =>
      (await listStock(t, plant, material)).map((s) => ({ location: s.location, onHand: s.onHand })),
    reorderState: (plant, material) => getReorderState(t, plant, material),
    createRequisition: async (plant, req, read) =>
      (await changedOnCancel(() => transactWrite(t, createRequisitionWrites(t, plant, req, read))))
        ? "changed"
        : "created",
    clearCandidate: (plant, c, onHand) => clearReorderCandidate(t, plant, c, onHand),
    outbox: (plant) => listOutbox(t, plant),
    claimOutbox: (plant, id, claim) => claimOutbox(t, plant, id, claim),
    releaseOutbox: (plant, id, claimId) => releaseOutbox(t, plant, id, claimId),
    requisition: (plant, id) => getRequisition(t, plant, id),
    dropOutbox: (plant, id) => transactWrite(t, [dropOutboxWrite(t, plant, id)]),
    markNotified: async (plant, id, claimId, at) => {
      try {
        await transactWrite(t, notifiedWrites(t, plant, id, claimId, at));
        return true;
      } catch (error) {
        if (error instanceof TransactionCancelledError) return false;
        throw error;
      }
    },
    markReceived: async (plant, req, at) =>
      (await changedOnCancel(() => transactWrite(t, requisitionReceivedWrites(t, plant, req, at))))
        ? "changed"
        : "done",
    requisitionPage: (plant, page) => requisitionPage(t, plant, page),
  };
}

/** Runs a write; true when it was cancelled by a condition, a conflict or throttling. */
async function changedOnCancel(write: () => Promise<void>): Promise<boolean> {
  try {
    await write();
    return false;
  } catch (error) {
    if (error instanceof TransactionCancelledError || isTransient(error)) return true;
    throw error;
  }
}

/** One page of the reorderable index: the material ids, `next` the last one when more may follow. */
async function reorderablePage(t: TableContext, plant: string, start: string | undefined, limit: number) {
  const pk = indexKeys.reorderable(plant, "")[REORDER_INDEX.partitionKey] as string;
  const res = await t.ddb.send(
    new QueryCommand({
      TableName: t.tableName,
      IndexName: REORDER_INDEX.indexName,
      KeyConditionExpression: `${REORDER_INDEX.partitionKey} = :pk${start === undefined ? "" : ` AND ${REORDER_INDEX.sortKey} > :after`}`,
      ExpressionAttributeValues: { ":pk": pk, ...(start === undefined ? {} : { ":after": start }) },
      Limit: limit,
    }),
  );
  const materials = (res.Items ?? []).map((i) => String(i[REORDER_INDEX.sortKey]));
  return { materials, next: res.LastEvaluatedKey ? materials.at(-1) : undefined };
}
