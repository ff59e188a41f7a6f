import {
  type Decimal,
  DomainError,
  type Movement,
  postingPeriod,
  reverse,
  type StockDelta,
  stockKey,
} from "../../domain/index.js";
import {
  isPeriodClosedFor,
  MAX_TRANSACTION_ITEMS,
  type MovementView,
  type StoredBacklogLine,
  type StoredPlan,
  TransactionCancelledError,
  type Write,
} from "../adapters/table/index.js";
import { projectReversal } from "./ledger.js";
import {
  issuedValueByStockItem,
  movementViews,
  type PostingDeps,
  withPostingRetries,
  withTransientRetries,
} from "./posting-support.js";

export type ReversalOutcome =
  | { readonly status: "reversed"; readonly items: number }
  | { readonly status: "rejected"; readonly code: string }
  | { readonly status: "duplicate" };

/** What a reversal too large for one transaction persists with its first chunk (REVPLAN). */
interface ReversalPlan {
  readonly period: string;
  readonly at: string;
  readonly requestedAt: string;
  readonly stock: readonly { delta: StockDelta; issuedValue?: Decimal | undefined }[];
  readonly cancel: readonly StoredBacklogLine[];
  readonly movements: readonly MovementView[];
  /** The requested posting date and the opposite lines to project (absent in older plans). */
  readonly postingDate?: string | undefined;
  readonly ledgerLines?: number | undefined;
}

/**
 * Reversal of a posted confirmation (docs/rules.md, reversal): the exact opposite of what it
 * posted, once. The REVERSAL record is the exactly-once guard; a reversal of a reversed
 * confirmation is a no-op. One that cannot post is recorded `rejected` with its reason for
 * this request (`requestedAt`); a newer request may try again. A reversal of more than 100
 * items commits in chunks that resume after a crash, as a large posting does.
 */
export async function reverseConfirmation(
  deps: PostingDeps,
  plant: string,
  id: string,
  postingDate: string,
  requestedAt = "",
): Promise<ReversalOutcome> {
  let outcome: ReversalOutcome;
  try {
    outcome = await withPostingRetries(deps, () => attempt(deps, plant, id, postingDate, requestedAt));
  } catch (error) {
    if (!(error instanceof TransactionCancelledError && error.kind === "duplicate")) throw error;
    outcome = { status: "duplicate" };
  }
  // The opposite ledger lines, after commit and before the message is acknowledged; on a
  // redelivery only what a crash left missing (docs/data-model.md, "The stock ledger").
  if (outcome.status !== "rejected") await projectReversal(deps.store.ledger, plant, id, postingDate);
  return outcome;
}

async function attempt(
  deps: PostingDeps,
  plant: string,
  id: string,
  postingDate: string,
  requestedAt: string,
): Promise<ReversalOutcome> {
  const s = deps.store;
  const at = deps.now().toISOString();
  const items = await s.confirmation(plant, id);
  if (items.reversal?.status === "reversed" || items.posting?.status === "reversed")
    return { status: "duplicate" };
  const resumable = await s.plan<ReversalPlan>("reversal", plant, id);
  if (resumable) return applyPlan(deps, plant, id, resumable);
  // This request, or a newer one, was already refused: a redelivery changes nothing.
  if (items.reversal && (items.reversal.requestedAt ?? "") >= requestedAt) return { status: "duplicate" };
  const reject = async (code: string, message: string): Promise<ReversalOutcome> => {
    await s.commit([
      s.writes.reversal(plant, id, { status: "rejected", rejection: { code, message }, at, requestedAt }),
    ]);
    deps.log.warn("reversal rejected", { confirmationId: id, code });
    return { status: "rejected", code };
  };
  const posting = items.posting;
  const record = posting?.data.record;
  if (!posting) {
    return reject(
      "NOT_POSTED",
      `confirmation ${id} has not posted (still queued, or in the dead-letter queue); nothing to reverse yet`,
    );
  }
  if (!record || posting.status === "rejected") {
    const why = posting.rejection ? ` (${posting.rejection.code})` : "";
    return reject(
      "NOTHING_TO_REVERSE",
      `confirmation ${id} was rejected${why} and posted nothing to reverse`,
    );
  }
  const stored = await s.order(plant, posting.order);
  if (!stored) throw new Error(`order ${posting.order} of posted confirmation ${id} is missing`);
  const backlogPostings: Movement[] = items.backlog.flatMap((b) => [...b.postings]);
  const materials = await s.materials(plant, [
    ...record.movements.flatMap((m) => (m.kind === "activity" ? [] : [m.material])),
    ...backlogPostings.flatMap((m) => (m.kind === "activity" ? [] : [m.material])),
  ]);
  const periods = await s.periods(plant);
  const period = postingPeriod(postingDate, isPeriodClosedFor(periods, stored.closedThrough));
  let result: ReturnType<typeof reverse>;
  try {
    result = reverse(stored.order, record, { period, materials, reversed: false, backlogPostings });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return reject(error.code, error.message);
  }
  const issued = issuedValueByStockItem(result.movements);
  const plan: ReversalPlan = {
    period,
    at,
    requestedAt,
    stock: result.stock.map((delta) => ({
      delta,
      issuedValue: issued.get(stockKey(delta.material, delta.location)),
    })),
    cancel: items.backlog.filter((b) => b.status === "open"),
    movements: movementViews(result.movements, materials),
    postingDate,
    // One opposite line per earlier line: the posting's and one per backlog posting so far.
    ledgerLines: posting.data.movements.length + backlogPostings.length,
  };
  const order = s.writes.order(stored, result.order);
  const effects = effectWrites(deps, plant, plan);
  if (effects.length + 3 <= MAX_TRANSACTION_ITEMS) {
    await s.commit([...finalWrites(deps, plant, id, plan), order, ...effects]);
    deps.metrics.add("ReversalsCommitted", "Count", 1);
    return { status: "reversed", items: effects.length + 3 };
  }
  // Chunk 0 fixes the outcome: the plan, the order state, and the posting marked `reversing`,
  // so none of its backlog lines posts before the later chunks cancel them.
  await s.commit([
    s.writes.plan("reversal", plant, id, plan),
    order,
    s.writes.postingReversing(plant, id, at),
  ]);
  return applyPlan(deps, plant, id, { plan, rev: 1 });
}

/** Stock writes (never guarded: the opposite of a posting must post) and backlog cancellations. */
function effectWrites(deps: PostingDeps, plant: string, plan: ReversalPlan): Write[] {
  const w = deps.store.writes;
  return [
    ...plan.stock.map((x) => w.stock(plant, x.delta, { period: plan.period, issuedValue: x.issuedValue })),
    ...plan.cancel.map((b) =>
      w.backlogUpdate(plant, b, { status: "cancelled", remaining: b.line.qty, postings: b.postings }),
    ),
  ];
}

/** The reversal record and the posting's `reversed` status: the last items of a reversal. */
function finalWrites(deps: PostingDeps, plant: string, id: string, plan: ReversalPlan): Write[] {
  const w = deps.store.writes;
  return [
    w.reversal(plant, id, {
      status: "reversed",
      period: plan.period,
      at: plan.at,
      requestedAt: plan.requestedAt,
      movements: plan.movements,
      postingDate: plan.postingDate,
      ledgerLines: plan.ledgerLines,
    }),
    w.postingReversed(plant, id, plan.at),
  ];
}

/** Chunks 1..n with markers (a resumed run skips what committed), then the records. */
async function applyPlan(
  deps: PostingDeps,
  plant: string,
  id: string,
  stored: StoredPlan<ReversalPlan>,
): Promise<ReversalOutcome> {
  const s = deps.store;
  const { plan } = stored;
  const effects = effectWrites(deps, plant, plan);
  const size = MAX_TRANSACTION_ITEMS - 1;
  for (let start = 0, n = 1; start < effects.length; start += size, n++) {
    const marker = s.writes.chunk("reversal", plant, id, n, deps.now().toISOString());
    try {
      await withTransientRetries(deps, () => s.commit([marker, ...effects.slice(start, start + size)]));
    } catch (error) {
      if (!(error instanceof TransactionCancelledError && error.kind === "duplicate")) throw error;
    }
    await deps.faults?.afterChunk?.(n);
  }
  try {
    await withTransientRetries(deps, () => s.commit(finalWrites(deps, plant, id, plan)));
  } catch (error) {
    // Committed before a crash: only the plan is left to remove.
    if (!(error instanceof TransactionCancelledError && error.kind === "duplicate")) throw error;
  }
  await s.removePlan("reversal", plant, id);
  deps.metrics.add("ReversalsCommitted", "Count", 1);
  return { status: "reversed", items: effects.length + 3 };
}
