import {
  type BacklogLine,
  type Decimal,
  type Movement,
  type StockDelta,
  stockKey,
  withdrawIssues,
} from "../../domain/index.js";
import {
  backlogId,
  MAX_TRANSACTION_ITEMS,
  type PostingRecordData,
  type StoredBacklogLine,
  type StoredPlan,
  TransactionCancelledError,
  type Write,
} from "../adapters/table/index.js";
import { type PostingDeps, withPostingRetries, withTransientRetries } from "./posting-support.js";

/** What a chunked posting persists first, so every later chunk can be rebuilt after a crash. */
export interface PostingPlan {
  readonly status: "posted" | "posted_with_backlog";
  readonly order: string;
  readonly operation: string;
  readonly period: string;
  readonly createdAt: string;
  readonly receivedAt: string;
  /** The requested posting date (absent in plans from before it was kept). */
  readonly postingDate?: string | undefined;
  readonly stock: readonly { delta: StockDelta; issuedValue?: Decimal | undefined; reorder: boolean }[];
  /** Backlog lines decided at planning; written by the chunks. */
  readonly backlog: readonly BacklogLine[];
  /** Lines whose stock guard failed in a chunk; written with the plan's amendment. */
  readonly lateBacklog?: readonly BacklogLine[] | undefined;
  readonly data: PostingRecordData;
}

/** The posting record: the exactly-once guard, written last. */
export function recordWrite(deps: PostingDeps, plant: string, id: string, plan: PostingPlan): Write {
  return deps.store.writes.posting(plant, id, {
    status: plan.status,
    order: plan.order,
    operation: plan.operation,
    period: plan.period,
    data: plan.data,
    at: plan.createdAt,
    receivedAt: plan.receivedAt,
    ...(plan.postingDate !== undefined && { postingDate: plan.postingDate }),
  });
}

/**
 * Stock writes and backlog lines of a posting. Every stock write keeps its `onHand >= need`
 * guard where the material's policy is `backlog` or `split`, in a chunk as in one transaction.
 */
export function effectWrites(deps: PostingDeps, plant: string, id: string, plan: PostingPlan): Write[] {
  const w = deps.store.writes;
  return [
    ...plan.stock.map((s) =>
      w.stock(plant, s.delta, {
        period: plan.period,
        issuedValue: s.issuedValue,
        reorderCandidate: s.reorder,
      }),
    ),
    ...plan.backlog.map((line, i) =>
      w.backlogLine(plant, {
        confirmationId: id,
        order: plan.order,
        seq: i + 1,
        line,
        createdAt: plan.createdAt,
      }),
    ),
  ];
}

/** Every backlog line the posting left, as stored when written (open, version 1). */
export function planLines(id: string, plan: PostingPlan): StoredBacklogLine[] {
  return [...plan.backlog, ...(plan.lateBacklog ?? [])].map((line, i) => ({
    id: backlogId(id, i + 1),
    seq: i + 1,
    confirmationId: id,
    order: plan.order,
    line,
    status: "open",
    createdAt: plan.createdAt,
    postings: [],
    version: 1,
  }));
}

/**
 * Chunks 1..n, each with a marker so a resumed run skips what already committed; the record
 * goes last. A chunk whose stock guard fails (another posting took the stock since the plan
 * was made) has those stock items' lines withdrawn into the backlog first: the plan is
 * amended, the order's issued and WIP go back, and the chunk is tried again without them.
 * Chunks before it keep their items, since only items of the failed chunk leave the list.
 */
export async function applyPlan(
  deps: PostingDeps,
  plant: string,
  id: string,
  stored: StoredPlan<PostingPlan>,
): Promise<PostingPlan> {
  const s = deps.store;
  let { plan, rev } = stored;
  const size = MAX_TRANSACTION_ITEMS - 1;
  for (let n = 1; ; n++) {
    const effects = effectWrites(deps, plant, id, plan);
    const start = (n - 1) * size;
    if (start >= effects.length) break;
    const marker = s.writes.chunk("posting", plant, id, n, deps.now().toISOString());
    try {
      await withTransientRetries(deps, () => s.commit([marker, ...effects.slice(start, start + size)]));
    } catch (error) {
      if (!(error instanceof TransactionCancelledError)) throw error;
      if (error.kind === "stock") {
        ({ plan, rev } = await amend(deps, plant, id, { plan, rev }, shortStockKeys(error)));
        n--;
        continue;
      }
      if (error.kind !== "duplicate") throw error;
    }
    await deps.faults?.afterChunk?.(n);
  }
  await withPostingRetries(deps, () => s.commit([recordWrite(deps, plant, id, plan)]));
  await s.removePlan("posting", plant, id);
  return plan;
}

/** Stock items whose guard failed, from the cancellation's reasons. */
function shortStockKeys(error: TransactionCancelledError): Set<string> {
  return new Set(
    error.failures.flatMap((f) => (f.role === "stock" && f.code === "ConditionalCheckFailed" ? [f.key] : [])),
  );
}

async function amend(
  deps: PostingDeps,
  plant: string,
  id: string,
  stored: StoredPlan<PostingPlan>,
  all: ReadonlySet<string>,
): Promise<StoredPlan<PostingPlan>> {
  const { plan, rev } = stored;
  const s = deps.store;
  const record = plan.data.record;
  if (!record || all.size === 0) throw new Error(`chunked posting ${id} failed a stock guard it cannot name`);
  // As many stock items as one transaction takes with the plan and the order; the chunk's
  // retry fails again on the rest and brings them here next.
  const short = new Set<string>();
  let lineCount = 0;
  for (const key of all) {
    const n = record.movements.filter(
      (m) => m.kind === "issue" && stockKey(m.material, m.location) === key,
    ).length;
    if (short.size > 0 && lineCount + n > MAX_TRANSACTION_ITEMS - 2) break;
    short.add(key);
    lineCount += n;
  }
  const isShort = (m: Movement): m is Movement & { kind: "issue" } =>
    m.kind === "issue" && short.has(stockKey(m.material, m.location));
  const withdrawn = record.movements.filter(isShort);
  const lines: BacklogLine[] = withdrawn.map((m) => ({
    line: m.item,
    material: m.material,
    location: m.location,
    qty: m.qty,
  }));
  const kept = record.movements.map((m) => !isShort(m));
  const earlier = plan.backlog.length + (plan.lateBacklog?.length ?? 0);
  const next: PostingPlan = {
    ...plan,
    status: "posted_with_backlog",
    stock: plan.stock.filter((x) => !short.has(stockKey(x.delta.material, x.delta.location))),
    lateBacklog: [...(plan.lateBacklog ?? []), ...lines],
    data: {
      record: { ...record, movements: record.movements.filter((_, i) => kept[i]) },
      movements: plan.data.movements.filter((_, i) => kept[i]),
    },
  };
  deps.log.warn("chunked posting: stock taken since the plan, lines to the backlog", {
    confirmationId: id,
    items: [...short],
  });
  await withPostingRetries(deps, async () => {
    const order = await s.order(plant, plan.order);
    if (!order) throw new Error(`order ${plan.order} of chunked posting ${id} is missing`);
    const materials = await s.materials(
      plant,
      lines.map((l) => l.material),
    );
    await s.commit([
      s.writes.plan("posting", plant, id, next, rev),
      s.writes.order(order, withdrawIssues(order.order, withdrawn, { materials, period: plan.period })),
      ...lines.map((line, i) =>
        s.writes.backlogLine(plant, {
          confirmationId: id,
          order: plan.order,
          seq: earlier + i + 1,
          line,
          createdAt: plan.createdAt,
        }),
      ),
    ]);
  });
  return { plan: next, rev: rev + 1 };
}
