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
  REORDERABLE_PAGE,
  type ReorderCandidate,
  type ReorderStore,
  type StoredRequisition,
} from "../adapters/table/index.js";
import type { RequisitionNotification } from "../adapters/topic.js";
import { PAGE_LIMITS, type PageRequest } from "../common/paging.js";
import { backoffDelay, type LogPort, type MetricsPort, sleep } from "../common/ports.js";
import { ReorderRunError } from "./errors.js";

/** GET reorders item (docs/api.md#reorders): the notification procurement receives, without `plant`. */
export type ReorderItem = Omit<RequisitionNotification, "plant">;

export interface ReorderDeps {
  /** The reorder port (functions/adapters/table/reorder-store.ts). */
  readonly store: ReorderStore;
  readonly now: () => Date;
  readonly log: LogPort;
  readonly metrics: MetricsPort;
  /** Publishes one notification on the reorders topic; resolves once the topic accepted it. */
  readonly publish: (message: RequisitionNotification) => Promise<void>;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  readonly publishRetry?: { readonly maxAttempts: number; readonly baseDelayMs: number } | undefined;
  /** How long a run holds an outbox entry; a run that crashed holding one gives it up after this. */
  readonly leaseMs?: number | undefined;
  /** Materials evaluated at the same time (default 4). */
  readonly concurrency?: number | undefined;
}

/**
 * What a run evaluates: `all` every material of the plant with reorder settings (plus any
 * flagged in the change index), `changed` only those the change index flagged since the last
 * run (the frequent schedule; cheap, but blind to what no decrease flagged).
 */
export type ReorderScope = "all" | "changed";

/**
 * The scope a scheduled invocation asks for: the daily rule ReorderSweep sends
 * `{ "scope": "all", "time" }` (cdk/stateless-stack.ts), the frequent rule the plain Scheduled
 * Event, which evaluates the change index only.
 */
export function scheduledScope(event: object): ReorderScope {
  return "scope" in event && event.scope === "all" ? "all" : "changed";
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
 * Reorder run of one plant (docs/rules.md#reorder). The rule is on the state: with scope `all`
 * (POST reorders/run and the daily sweep) every material with reorder settings is evaluated,
 * page by page of the reorderable index, whatever brought it to its point (an issue, a count, a
 * backlog, a raised reorder point, reorder settings added to a material already below). Scope
 * `changed` evaluates only the materials the change index flagged. Each evaluation reads the
 * on-hand over all locations plus the open quantity of its requisitions; a requisition commits
 * with the material's reorder state under a version condition, so concurrent runs create at most
 * one. Then the outbox is published to SNS.
 */
export async function runReorders(
  deps: ReorderDeps,
  plant: string,
  today: string,
  scope: ReorderScope = "all",
): Promise<ReorderRunResult> {
  if (!isValidDate(today)) throw new InvalidInputError("today", `not a date: ${today}`);
  const flagged = new Map<string, ReorderCandidate[]>();
  for (const c of await deps.store.candidates(plant)) {
    flagged.set(c.material, [...(flagged.get(c.material) ?? []), c]);
  }
  const created: StoredRequisition[] = [];
  const evaluated = new Set<string>();
  const evaluate = async (ids: readonly string[]) => {
    if (ids.length === 0) return;
    const materials = await deps.store.materials(plant, ids);
    await eachLimited(ids, deps.concurrency ?? 4, async (id) => {
      evaluated.add(id);
      const req = await evaluateMaterial(deps, plant, id, materials.get(id), flagged.get(id) ?? [], today);
      if (req) created.push(req);
    });
  };
  if (scope === "all") {
    let start: string | undefined;
    do {
      const page = await deps.store.reorderable(plant, start);
      await evaluate(page.materials);
      start = page.next;
    } while (start !== undefined);
  }
  const rest = [...flagged.keys()].filter((id) => !evaluated.has(id));
  for (let i = 0; i < rest.length; i += REORDERABLE_PAGE) await evaluate(rest.slice(i, i + REORDERABLE_PAGE));
  created.sort((a, b) => a.requisitionId.localeCompare(b.requisitionId));
  const { published, pending } = await publishOutbox(deps, plant);
  return { created: created.map(reorderItem), published, pending };
}

/**
 * Every registered plant: the frequent schedule with scope `changed`, the daily sweep with
 * `all`. Failures are collected so one plant cannot block the rest.
 */
export async function runReordersForAllPlants(
  deps: ReorderDeps,
  today: string,
  scope: ReorderScope = "changed",
) {
  const failed: { plant: string; error: unknown }[] = [];
  let created = 0;
  for (const plant of await deps.store.plants()) {
    try {
      created += (await runReorders(deps, plant, today, scope)).created.length;
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

/** Runs `task` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

async function evaluateMaterial(
  deps: ReorderDeps,
  plant: string,
  id: string,
  material: Material | undefined,
  candidates: readonly ReorderCandidate[],
  today: string,
): Promise<StoredRequisition | undefined> {
  const store = deps.store;
  if (!material?.reorder) {
    // No reorder parameters (any more): nothing to evaluate, the flags only cost reads.
    for (const c of candidates) await store.clearCandidate(plant, c, undefined);
    return undefined;
  }
  for (let attempt = 1; ; attempt++) {
    const [stock, state] = await Promise.all([store.stock(plant, id), store.reorderState(plant, id)]);
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
      if ((await store.createRequisition(plant, req, state)) === "changed") {
        // Another run (or a receipt) changed the state since we read it: evaluate again.
        if (attempt >= EVALUATION_ATTEMPTS) {
          throw new ReorderRunError([plant], {
            cause: new Error(`reorder state of ${id} kept changing during ${attempt} evaluations`),
          });
        }
        deps.log.info("reorder state changed concurrently, evaluating again", {
          plant,
          material: id,
          attempt,
        });
        await (deps.sleep ?? sleep)(backoffDelay(attempt, 25));
        continue;
      }
      created = req;
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
      if (read !== undefined) await store.clearCandidate(plant, c, read);
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
  const store = deps.store;
  const ids = await store.outbox(plant);
  const claimId = randomUUID();
  let published = 0;
  for (const id of ids) {
    const now = deps.now();
    const until = new Date(now.getTime() + (deps.leaseMs ?? DEFAULT_LEASE_MS)).toISOString();
    if (!(await store.claimOutbox(plant, id, { claimId, now: now.toISOString(), until }))) continue;
    const req = await store.requisition(plant, id);
    if (!req) {
      deps.log.warn("outbox entry without its requisition dropped", { plant, requisitionId: id });
      await store.dropOutbox(plant, id);
      continue;
    }
    if (!(await publishWithRetries(deps, { plant, ...reorderItem(req) }))) {
      await store.releaseOutbox(plant, id, claimId);
      break;
    }
    published++;
    if (!(await store.markNotified(plant, id, claimId, deps.now().toISOString()))) {
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
 * Closes a requisition by hand: `received` whatever arrived, and its open quantity leaves the
 * reorder state. Idempotent; an unknown id changes nothing. Goods receipts that name a
 * requisition fill it in their own transaction instead (functions/use-cases/stock-postings.ts).
 */
export async function markRequisitionReceived(
  deps: { readonly store: ReorderStore; readonly now: () => Date },
  plant: string,
  id: string,
): Promise<ReceivedOutcome> {
  for (let attempt = 1; ; attempt++) {
    const req = await deps.store.requisition(plant, id);
    if (!req) return "not_found";
    if (req.status === "received") return "already_received";
    if ((await deps.store.markReceived(plant, req, deps.now().toISOString())) === "done") return "received";
    if (attempt >= EVALUATION_ATTEMPTS) {
      throw new ReorderRunError([plant], { cause: new Error(`requisition ${id} kept changing`) });
    }
    await sleep(backoffDelay(attempt, 25));
  }
}

/** GET reorders: a page of the plant's requisitions (docs/api.md, "Paging"). */
export async function listRequisitions(
  deps: { readonly store: ReorderStore },
  plant: string,
  page: PageRequest = { limit: PAGE_LIMITS.default },
): Promise<{ items: ReorderItem[]; next: string | null }> {
  const res = await deps.store.requisitionPage(plant, page);
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
