import {
  backflush,
  type Confirmation,
  DomainError,
  type Material,
  type PostingResult,
  postingPeriod,
  stockKey,
  UnknownOrderError,
} from "../../domain/index.js";
import {
  isPeriodClosedFor,
  MAX_TRANSACTION_ITEMS,
  type StoredOrder,
  TransactionCancelledError,
} from "../adapters/table/index.js";
import { fromQueuedConfirmation, type QueuedConfirmation } from "../shared/queued-confirmation.js";
import { projectPosting } from "./ledger.js";
import { applyPlan, effectWrites, type PostingPlan, planLines, recordWrite } from "./posting-chunks.js";
import {
  isReorderCandidate,
  issuedValueByStockItem,
  movementViews,
  type PostingDeps,
  withPostingRetries,
} from "./posting-support.js";
import { retryLines } from "./reprocess-backlog.js";

export type PostingOutcome =
  | {
      readonly status: "posted" | "posted_with_backlog";
      readonly items: number;
      readonly backlogLines: number;
    }
  | { readonly status: "rejected"; readonly code: string }
  | { readonly status: "duplicate" };

/**
 * The backflush worker's use case: post one queued confirmation exactly once. Every effect
 * (stock, order state with its period journal, backlog lines, the posting record) commits in
 * one TransactWriteItems; a posting of more than 100 items commits in resumable chunks
 * (functions/use-cases/posting-chunks.ts). Backlog lines it leaves are then retried by
 * themselves, so a decision made on a stale stock read never keeps a line in the backlog
 * while its location holds enough (docs/rules.md, shortage).
 */
export async function postConfirmation(
  deps: PostingDeps,
  plant: string,
  body: QueuedConfirmation,
  receivedAt: string,
): Promise<PostingOutcome> {
  try {
    return await withPostingRetries(deps, () => attempt(deps, plant, body, receivedAt));
  } catch (error) {
    if (!(error instanceof TransactionCancelledError && error.kind === "duplicate")) throw error;
    // Another delivery committed first: its ledger lines exist before this one is acknowledged.
    await projectPosting(deps.store.ledger, plant, body.confirmationId, body.postingDate);
    return { status: "duplicate" };
  }
}

async function attempt(
  deps: PostingDeps,
  plant: string,
  body: QueuedConfirmation,
  receivedAt: string,
): Promise<PostingOutcome> {
  const s = deps.store;
  const id = body.confirmationId;
  const existing = await s.confirmation(plant, id);
  if (existing.posting) {
    // A crash may have come between the commit and its ledger lines (docs/data-model.md).
    await projectPosting(s.ledger, plant, id, body.postingDate);
    // A crash may have come between the commit and the retry of its backlog lines.
    await retryLines(
      deps,
      plant,
      existing.backlog.filter((b) => b.status === "open"),
    );
    return { status: "duplicate" };
  }
  if (existing.planExists) return resumePlan(deps, plant, id, body.postingDate);

  const stored = await s.order(plant, body.order);
  const at = deps.now().toISOString();
  let computed: { result: PostingResult; materials: ReadonlyMap<string, Material>; period: string };
  try {
    if (!stored) throw new UnknownOrderError(body.order);
    computed = await compute(deps, plant, stored, fromQueuedConfirmation(body));
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    await s.commit([
      s.writes.posting(plant, id, {
        status: "rejected",
        order: body.order,
        operation: body.operation,
        rejection: { code: error.code, message: error.message },
        data: { movements: [] },
        at,
        receivedAt,
      }),
    ]);
    deps.log.warn("confirmation rejected", { code: error.code, reason: error.message });
    return { status: "rejected", code: error.code };
  }
  if (!stored) throw new Error("unreachable");
  const { result, materials, period } = computed;
  const issued = issuedValueByStockItem(result.movements);
  const plan: PostingPlan = {
    status: result.status,
    order: body.order,
    operation: body.operation,
    period,
    createdAt: at,
    receivedAt,
    stock: result.stock.map((delta) => ({
      delta,
      issuedValue: issued.get(stockKey(delta.material, delta.location)),
      reorder: isReorderCandidate(delta, materials),
    })),
    backlog: result.backlog,
    data: { record: result.record, movements: movementViews(result.movements, materials) },
  };
  const order = s.writes.order(stored, result.order);
  const effects = effectWrites(deps, plant, id, plan);
  await deps.faults?.beforeCommit?.();
  let done = plan;
  if (effects.length + 2 <= MAX_TRANSACTION_ITEMS) {
    await s.commit([recordWrite(deps, plant, id, plan), order, ...effects]);
  } else {
    // Chunk 0 fixes the outcome (plan + order state); the rest applies it, stock guards kept.
    await s.commit([s.writes.plan("posting", plant, id, plan), order]);
    done = await applyPlan(deps, plant, id, { plan, rev: 1 });
  }
  const items = effects.length + 2;
  deps.metrics.add("PostingsCommitted", "Count", 1);
  deps.metrics.add("TransactionItems", "Count", items);
  deps.metrics.add("BacklogLinesCreated", "Count", planLines(id, done).length);
  // Intake to commit: measured after the last write, so it includes queue wait, retries and chunks.
  deps.metrics.add("PostingLatencyMs", "Milliseconds", deps.now().getTime() - Date.parse(receivedAt));
  // The ledger lines, after commit and before the message is acknowledged (docs/data-model.md).
  await projectPosting(s.ledger, plant, id, body.postingDate, ledgerSource(done));
  await retryLines(deps, plant, planLines(id, done));
  return { status: done.status, items, backlogLines: planLines(id, done).length };
}

async function compute(
  deps: PostingDeps,
  plant: string,
  stored: StoredOrder,
  conf: Confirmation & { postingDate: string },
) {
  const s = deps.store;
  const { snapshot } = stored.order;
  const extraComponents = (conf.components ?? []).flatMap((c) => ("component" in c ? [c.component] : []));
  const [materials, workCenters, periods] = await Promise.all([
    s.materials(plant, [snapshot.material, ...snapshot.items.map((i) => i.component), ...extraComponents]),
    s.workCenters(
      plant,
      snapshot.operations.flatMap((o) => (o.workCenter ? [o.workCenter] : [])),
    ),
    s.periods(plant),
  ]);
  const period = postingPeriod(conf.postingDate, isPeriodClosedFor(periods, stored.closedThrough));
  // A first pass against no stock names every stock item the posting may touch; then read them.
  const probe = backflush(stored.order, conf, { materials, workCenters, stock: new Map(), period });
  const stock = await s.stock(plant, [...probe.stock, ...probe.backlog]);
  const result = backflush(stored.order, conf, { materials, workCenters, stock, period });
  return { result, materials, period };
}

/** What the ledger projection takes from a posting plan: exactly what its posting record holds. */
const ledgerSource = (plan: PostingPlan) => ({
  order: plan.order,
  operation: plan.operation,
  period: plan.period,
  postedAt: plan.createdAt,
  movements: plan.data.movements,
});

async function resumePlan(
  deps: PostingDeps,
  plant: string,
  id: string,
  postingDate: string,
): Promise<PostingOutcome> {
  const stored = await deps.store.plan<PostingPlan>("posting", plant, id);
  if (!stored) return { status: "duplicate" };
  deps.log.info("resuming chunked posting", { confirmationId: id });
  const done = await applyPlan(deps, plant, id, stored);
  await projectPosting(deps.store.ledger, plant, id, postingDate);
  const lines = planLines(id, done);
  await retryLines(deps, plant, lines);
  return {
    status: done.status,
    items: done.stock.length + done.backlog.length + 2,
    backlogLines: lines.length,
  };
}
