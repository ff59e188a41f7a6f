import {
  backflush,
  type Confirmation,
  Decimal,
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
  type PostingStart,
  type StoredOrder,
  TransactionCancelledError,
} from "../adapters/table/index.js";
import { fromQueuedConfirmation, type QueuedConfirmation } from "../common/queued-confirmation.js";
import { postingLedgerLines, projectPosting } from "./ledger.js";
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
    const state: AttemptState = { readStock: false };
    return await withPostingRetries(deps, () => attempt(deps, plant, body, receivedAt, state));
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
  state: AttemptState,
): Promise<PostingOutcome> {
  const s = deps.store;
  const id = body.confirmationId;
  // The confirmation's items and the order's (with periods and the master-data counter): two requests at once.
  const [existing, start] = await Promise.all([s.confirmation(plant, id), s.start(plant, body.order)]);
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

  const stored = start.order;
  const at = deps.now().toISOString();
  let computed: { result: PostingResult; materials: ReadonlyMap<string, Material>; period: string };
  try {
    if (!stored) throw new UnknownOrderError(body.order);
    computed = await compute(deps, plant, { ...start, order: stored }, fromQueuedConfirmation(body), state);
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
    postingDate: body.postingDate,
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
  // The ledger lines commit with the posting when they fit one transaction (docs/ledger.md,
  // "When lines are written"); a larger posting projects them after its last chunk.
  const lines = postingLedgerLines(plant, id, ledgerSource(plan), body.postingDate);
  const linesInCommit =
    !deps.faults?.linesAfterCommit && effects.length + 2 + lines.length <= MAX_TRANSACTION_ITEMS;
  await deps.faults?.beforeCommit?.();
  let done = plan;
  if (effects.length + 2 <= MAX_TRANSACTION_ITEMS) {
    const ledger = linesInCommit ? lines.map((l) => s.ledger.put(l)) : [];
    try {
      await s.commit([recordWrite(deps, plant, id, plan), order, ...effects, ...ledger]);
    } catch (error) {
      // A guard said the stock is not there: the next attempt reads it and decides per policy.
      if (error instanceof TransactionCancelledError && error.kind === "stock") state.readStock = true;
      throw error;
    }
  } else {
    // Chunk 0 fixes the outcome (plan + order state); the rest applies it, stock guards kept.
    await s.commit([s.writes.plan("posting", plant, id, plan), order]);
    done = await applyPlan(deps, plant, id, { plan, rev: 1 });
  }
  const items = effects.length + 2 + (linesInCommit ? lines.length : 0);
  deps.metrics.add("PostingsCommitted", "Count", 1);
  deps.metrics.add("TransactionItems", "Count", items);
  deps.metrics.add("BacklogLinesCreated", "Count", planLines(id, done).length);
  // Intake to commit: measured after the last write, so it includes queue wait, retries and chunks.
  deps.metrics.add("PostingLatencyMs", "Milliseconds", deps.now().getTime() - Date.parse(receivedAt));
  // Lines that did not fit: after commit and before the message is acknowledged (docs/ledger.md).
  if (!linesInCommit) await projectPosting(s.ledger, plant, id, body.postingDate, ledgerSource(done));
  await retryLines(deps, plant, planLines(id, done));
  return { status: done.status, items, backlogLines: planLines(id, done).length };
}

/** What one delivery learned across its attempts: a stock guard failed, so read the stock. */
interface AttemptState {
  readStock: boolean;
}

/** On-hand a first attempt assumes: every line posts, and the commit's guards check it. */
const ASSUMED_ON_HAND = new Decimal(10).pow(30);

/**
 * Reads the stock only where a decision needs it (docs/rules.md, shortage): a first attempt
 * assumes enough and lets the `onHand >= need` guards decide at commit; when one fails, or the
 * posting is too large for one transaction, the attempt reads the stock of the guarded lines
 * and applies the shortage policies to what is really there.
 */
async function compute(
  deps: PostingDeps,
  plant: string,
  start: PostingStart & { order: StoredOrder },
  conf: Confirmation & { postingDate: string },
  state: AttemptState,
) {
  const s = deps.store;
  const { order: stored, periods } = start;
  const { snapshot } = stored.order;
  const extraComponents = (conf.components ?? []).flatMap((c) => ("component" in c ? [c.component] : []));
  const { materials, workCenters } = await s.masterData(
    plant,
    {
      materials: [snapshot.material, ...snapshot.items.map((i) => i.component), ...extraComponents],
      workCenters: snapshot.operations.flatMap((o) => (o.workCenter ? [o.workCenter] : [])),
    },
    start.masterDataVersion,
  );
  const period = postingPeriod(conf.postingDate, isPeriodClosedFor(periods, stored.closedThrough));
  // A first pass against no stock names every stock item the posting may touch.
  const probe = backflush(stored.order, conf, { materials, workCenters, stock: new Map(), period });
  // Against no stock, every line under `backlog` or `split` lands in the probe's backlog: those
  // are the stock items a shortage decision reads (not `negative` lines, not the receipt).
  const guarded = probe.backlog;
  const assumed = new Map(guarded.map((i) => [stockKey(i.material, i.location), ASSUMED_ON_HAND]));
  let result = backflush(stored.order, conf, { materials, workCenters, stock: assumed, period });
  if (!state.readStock && result.stock.length + 2 > MAX_TRANSACTION_ITEMS) state.readStock = true;
  if (state.readStock && guarded.length > 0) {
    const stock = await s.stock(plant, guarded);
    result = backflush(stored.order, conf, { materials, workCenters, stock, period });
  }
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
