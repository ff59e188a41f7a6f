import { createHash, randomUUID } from "node:crypto";
import {
  formatQty,
  InvalidInputError,
  isValidDate,
  type Material,
  reorderDecision,
  sum,
  ZERO,
} from "../../domain/index.js";
import {
  claimOutbox,
  clearReorderCandidate,
  createRequisitionWrites,
  dropOutboxWrite,
  getReorderState,
  getRequisition,
  isTransient,
  listOutbox,
  listPlants,
  listReorderCandidates,
  listStock,
  loadMaterials,
  notifiedWrites,
  type ReorderCandidate,
  releaseOutbox,
  requisitionPage,
  requisitionReceivedWrites,
  type StoredRequisition,
  type TableContext,
  TransactionCancelledError,
  transactWrite,
} from "../adapters/table/index.js";
import type { RequisitionNotification } from "../adapters/topic.js";
import { PAGE_LIMITS, type PageRequest } from "../shared/paging.js";
import { backoffDelay, type LogPort, type MetricsPort, sleep } from "../shared/ports.js";
import { ReorderRunError } from "./errors.js";

/** GET reorders item (docs/api.md#reorders): the notification procurement receives, without `plant`. */
export type ReorderItem = Omit<RequisitionNotification, "plant">;

export interface ReorderDeps {
  readonly table: TableContext;
  readonly now: () => Date;
  readonly log: LogPort;
  readonly metrics: MetricsPort;
  /** Publishes one notification on the reorders topic; resolves once the topic accepted it. */
  readonly publish: (message: RequisitionNotification) => Promise<void>;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  readonly publishRetry?: { readonly maxAttempts: number; readonly baseDelayMs: number } | undefined;
  /** How long a run holds an outbox entry; a run that crashed holding one gives it up after this. */
  readonly leaseMs?: number | undefined;
}

export interface ReorderRunResult {
  readonly created: readonly ReorderItem[];
  /** Notifications SNS accepted in this run. */
  readonly published: number;
  /** Notifications still waiting for a later run (SNS failed, or another run holds them). */
  readonly pending: number;
}

const EVALUATION_ATTEMPTS = 5;
const DEFAULT_PUBLISH_RETRY = { maxAttempts: 3, baseDelayMs: 200 } as const;
const DEFAULT_LEASE_MS = 60_000;

/**
 * Reorder run of one plant (docs/rules.md#reorder): every material with a stock item flagged
 * since the last run is evaluated on its on-hand over all locations plus its open
 * requisitions. A requisition commits with the material's reorder state under a version
 * condition, so concurrent runs create at most one. Then the outbox is published to SNS.
 */
export async function runReorders(
  deps: ReorderDeps,
  plant: string,
  today: string,
): Promise<ReorderRunResult> {
  if (!isValidDate(today)) throw new InvalidInputError("today", `not a date: ${today}`);
  const t = deps.table;
  const byMaterial = new Map<string, ReorderCandidate[]>();
  for (const c of await listReorderCandidates(t, plant)) {
    byMaterial.set(c.material, [...(byMaterial.get(c.material) ?? []), c]);
  }
  const materials =
    byMaterial.size > 0 ? await loadMaterials(t, plant, byMaterial.keys()) : new Map<string, Material>();
  const created: ReorderItem[] = [];
  for (const [id, candidates] of byMaterial) {
    const req = await evaluateMaterial(deps, plant, id, materials.get(id), candidates, today);
    if (req) created.push(reorderItem(req));
  }
  const { published, pending } = await publishOutbox(deps, plant);
  return { created, published, pending };
}

/** Every registered plant (the 15-minute schedule); failures are collected so one plant cannot block the rest. */
export async function runReordersForAllPlants(deps: ReorderDeps, today: string) {
  const failed: { plant: string; error: unknown }[] = [];
  let created = 0;
  for (const plant of await listPlants(deps.table)) {
    try {
      created += (await runReorders(deps, plant, today)).created.length;
    } catch (error) {
      deps.log.error("reorder run failed", { plant, error });
      failed.push({ plant, error });
    }
  }
  if (failed.length > 0) {
    throw new ReorderRunError(
      failed.map((f) => f.plant),
      { cause: new AggregateError(failed.map((f) => f.error)) },
    );
  }
  return { created };
}

async function evaluateMaterial(
  deps: ReorderDeps,
  plant: string,
  id: string,
  material: Material | undefined,
  candidates: readonly ReorderCandidate[],
  today: string,
): Promise<StoredRequisition | undefined> {
  const t = deps.table;
  if (!material?.reorder) {
    // No reorder parameters (any more): nothing to evaluate, the flags only cost reads.
    for (const c of candidates) await clearReorderCandidate(t, plant, c, undefined);
    return undefined;
  }
  for (let attempt = 1; ; attempt++) {
    const [stock, state] = await Promise.all([listStock(t, plant, id), getReorderState(t, plant, id)]);
    const proposal = reorderDecision(material, sum(stock.map((s) => s.onHand)), state.openQty, today);
    let created: StoredRequisition | undefined;
    if (proposal) {
      const req: StoredRequisition = {
        requisitionId: requisitionId(id, state.seq + 1),
        material: id,
        qty: proposal.qty,
        receivedQty: ZERO,
        decimals: material.decimals,
        status: "open",
        notified: false,
        reorderPoint: proposal.reorderPoint,
        available: proposal.available,
        neededBy: proposal.neededBy,
        supplier: proposal.supplier,
        createdAt: deps.now().toISOString(),
      };
      try {
        await transactWrite(t, createRequisitionWrites(t, plant, req, state));
        created = req;
      } catch (error) {
        // Another run (or a receipt) changed the state since we read it: evaluate again.
        const retryable =
          isTransient(error) || (error instanceof TransactionCancelledError && error.kind !== "other");
        if (!retryable || attempt >= EVALUATION_ATTEMPTS) throw error;
        deps.log.info("reorder state changed concurrently, evaluating again", {
          plant,
          material: id,
          attempt,
        });
        await (deps.sleep ?? sleep)(backoffDelay(attempt, 25));
        continue;
      }
      deps.metrics.add("RequisitionsCreated", "Count", 1, { plant });
      deps.log.info("requisition created", {
        plant,
        requisitionId: req.requisitionId,
        qty: req.qty.toFixed(),
      });
    }
    const onHand = new Map(stock.map((s) => [s.location, s.onHand]));
    for (const c of candidates) {
      const read = onHand.get(c.location);
      if (read !== undefined) await clearReorderCandidate(t, plant, c, read);
    }
    return created;
  }
}

/** Stable and sortable: one sequence per material, kept in its reorder state. */
/**
 * A stable, readable requisition id that a goods receipt's `reference` can name: identifiers
 * are at most 64 characters, so a long material id is shortened to a hash of it.
 */
export function requisitionId(material: string, seq: number): string {
  const suffix = `-${String(seq).padStart(6, "0")}`;
  const readable = `REQ-${material}${suffix}`;
  if (readable.length <= 64) return readable;
  return `REQ-${createHash("sha256").update(material).digest("hex").slice(0, 24)}${suffix}`;
}

/**
 * The outbox: every requisition not yet accepted by SNS. Each one is leased before publishing
 * (no two runs publish it), marked notified only after SNS accepted it, and given back on
 * failure for the next run. An outage stops the loop at the first entry that keeps failing.
 */
async function publishOutbox(
  deps: ReorderDeps,
  plant: string,
): Promise<{ published: number; pending: number }> {
  const t = deps.table;
  const ids = await listOutbox(t, plant);
  const claimId = randomUUID();
  let published = 0;
  for (const id of ids) {
    const now = deps.now();
    const until = new Date(now.getTime() + (deps.leaseMs ?? DEFAULT_LEASE_MS)).toISOString();
    if (!(await claimOutbox(t, plant, id, { claimId, now: now.toISOString(), until }))) continue;
    const req = await getRequisition(t, plant, id);
    if (!req) {
      deps.log.warn("outbox entry without its requisition dropped", { plant, requisitionId: id });
      await transactWrite(t, [dropOutboxWrite(t, plant, id)]);
      continue;
    }
    if (!(await publishWithRetries(deps, { plant, ...reorderItem(req) }))) {
      await releaseOutbox(t, plant, id, claimId);
      break;
    }
    published++;
    try {
      await transactWrite(t, notifiedWrites(t, plant, id, claimId, deps.now().toISOString()));
    } catch (error) {
      if (!(error instanceof TransactionCancelledError)) throw error;
      // The lease ran out while SNS was slow and another run took the entry: it publishes again.
      deps.log.warn("outbox lease lost after publishing; the requisition may be notified twice", {
        plant,
        requisitionId: id,
      });
    }
  }
  return { published, pending: ids.length - published };
}

async function publishWithRetries(deps: ReorderDeps, message: RequisitionNotification): Promise<boolean> {
  const { maxAttempts, baseDelayMs } = deps.publishRetry ?? DEFAULT_PUBLISH_RETRY;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      await deps.publish(message);
      return true;
    } catch (error) {
      deps.log.warn("requisition publish failed", { requisitionId: message.requisitionId, attempt, error });
      deps.metrics.add("RequisitionPublishFailures", "Count", 1, { plant: message.plant });
      if (attempt < maxAttempts) await (deps.sleep ?? sleep)(backoffDelay(attempt, baseDelayMs));
    }
  }
  return false;
}

export type ReceivedOutcome = "received" | "already_received" | "not_found";

/**
 * A goods receipt whose `reference` names a requisition (docs/rules.md#goods-receipt): it becomes
 * `received` and leaves the open quantity. Idempotent; an unknown reference changes nothing. A receipt
 * that wants both in one transaction uses requisitionReceivedWrites() from the table adapter.
 */
export async function markRequisitionReceived(
  deps: { readonly table: TableContext; readonly now: () => Date },
  plant: string,
  id: string,
): Promise<ReceivedOutcome> {
  const t = deps.table;
  for (let attempt = 1; ; attempt++) {
    const req = await getRequisition(t, plant, id);
    if (!req) return "not_found";
    if (req.status === "received") return "already_received";
    try {
      await transactWrite(t, requisitionReceivedWrites(t, plant, req, deps.now().toISOString()));
      return "received";
    } catch (error) {
      const retryable = isTransient(error) || error instanceof TransactionCancelledError;
      if (!retryable || attempt >= EVALUATION_ATTEMPTS) throw error;
      await sleep(backoffDelay(attempt, 25));
    }
  }
}

/** GET reorders: a page of the plant's requisitions (docs/api.md, "Paging"). */
export async function listRequisitions(
  deps: { readonly table: TableContext },
  plant: string,
  page: PageRequest = { limit: PAGE_LIMITS.default },
): Promise<{ items: ReorderItem[]; next: string | null }> {
  const res = await requisitionPage(deps.table, plant, page);
  return { items: res.items.map(reorderItem), next: res.next };
}

function reorderItem(r: StoredRequisition): ReorderItem {
  return {
    requisitionId: r.requisitionId,
    material: r.material,
    qty: formatQty(r.qty, r.decimals),
    status: r.status,
    receivedQty: formatQty(r.receivedQty, r.decimals),
    reorderPoint: formatQty(r.reorderPoint, r.decimals),
    available: formatQty(r.available, r.decimals),
    neededBy: r.neededBy,
    supplier: r.supplier ?? null,
    createdAt: r.createdAt,
  };
}
