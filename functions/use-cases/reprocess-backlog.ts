import { DomainError, type Material, postBacklog, postingPeriod } from "../../domain/index.js";
import {
  isPeriodClosedFor,
  type StoredBacklogLine,
  type StoredOrder,
  TransactionCancelledError,
} from "../adapters/table/index.js";
import { backlogLedgerLine } from "./ledger.js";
import {
  isoDate,
  isReorderCandidate,
  movementViews,
  type PostingDeps,
  withPostingRetries,
} from "./posting-support.js";

export interface ReprocessOutcome {
  readonly examined: number;
  readonly posted: number;
  readonly cleared: number;
  /** Lines that failed with an error; they stay open and visible (present only when > 0). */
  readonly failed?: number;
}

/** Open lines read per index page: the run walks the backlog once, page by page. */
const PAGE = 100;

/**
 * Retries open backlog lines (docs/rules.md, shortage): all of a plant's, or those of one
 * material at one location after stock arrived there. One pass over the backlog index, page by
 * page; each line posts in its own transaction, in the period in which it finally posts; a line
 * still short stays open. One failing line is logged and counted, never the end of the run.
 */
export async function reprocessBacklog(
  deps: PostingDeps,
  plant: string,
  filter?: { material: string; location: string },
): Promise<ReprocessOutcome> {
  const run = newRun();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.store.openBacklog(plant, filter, { limit: PAGE, start });
    for (const line of page.lines) await retryOne(deps, plant, line, run);
    start = page.next;
  } while (start);
  return finish(deps, plant, run);
}

/** Retries the given lines by themselves (a posting's own lines, right after it committed). */
export async function retryLines(
  deps: PostingDeps,
  plant: string,
  lines: readonly StoredBacklogLine[],
): Promise<ReprocessOutcome> {
  const run = newRun();
  for (const line of lines) await retryOne(deps, plant, line, run);
  return finish(deps, plant, run);
}

interface Run {
  examined: number;
  posted: number;
  cleared: number;
  failed: number;
  /** Master data and orders read once per run; an order as this run last wrote it. */
  readonly materials: Map<string, Material>;
  readonly orders: Map<string, StoredOrder>;
}

const newRun = (): Run => ({
  examined: 0,
  posted: 0,
  cleared: 0,
  failed: 0,
  materials: new Map(),
  orders: new Map(),
});

function finish(deps: PostingDeps, plant: string, run: Run): ReprocessOutcome {
  const { examined, posted, cleared, failed } = run;
  if (posted > 0 || failed > 0)
    deps.log.info("backlog reprocessed", { plant, examined, posted, cleared, failed });
  return { examined, posted, cleared, ...(failed > 0 ? { failed } : {}) };
}

async function retryOne(deps: PostingDeps, plant: string, listed: StoredBacklogLine, run: Run) {
  run.examined++;
  let tries = 0;
  try {
    const outcome = await withPostingRetries(deps, () =>
      attemptLine(deps, plant, listed, run, tries++ === 0),
    );
    if (outcome === "partial" || outcome === "cleared") run.posted++;
    if (outcome === "cleared") run.cleared++;
  } catch (error) {
    run.failed++;
    deps.metrics.add("BacklogLinesFailed", "Count", 1);
    deps.log.error("backlog line failed; it stays open for the next retry", {
      id: listed.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

type LineOutcome = "short" | "partial" | "cleared" | "skipped";

async function attemptLine(
  deps: PostingDeps,
  plant: string,
  listed: StoredBacklogLine,
  run: Run,
  first: boolean,
): Promise<LineOutcome> {
  const s = deps.store;
  // The first try trusts the listed copy (its version condition guards the write); a retry
  // re-reads the line and its order by key, to see what the other writer did.
  const line = first ? listed : await s.backlogLine(plant, listed.confirmationId, listed.seq);
  if (line?.status !== "open") return "skipped";
  if (!first) run.orders.delete(line.order);
  const stored = run.orders.get(line.order) ?? (await s.order(plant, line.order));
  if (!stored) throw new Error(`order ${line.order} of backlog line ${line.id} is missing`);
  const material = line.line.material;
  if (!run.materials.has(material)) {
    const found = (await s.materials(plant, [material])).get(material);
    if (found) run.materials.set(material, found);
  }
  const [periods, stock, confirmation] = await Promise.all([
    s.periods(plant),
    s.stock(plant, [line.line]),
    s.confirmation(plant, line.confirmationId),
  ]);
  // A chunked posting still committing has no record yet: its line waits for the next run.
  const posting = confirmation.posting;
  if (!posting) return "short";
  const period = postingPeriod(isoDate(deps.now()), isPeriodClosedFor(periods, stored.closedThrough));
  let result: ReturnType<typeof postBacklog>;
  try {
    result = postBacklog(stored.order, line.line, { materials: run.materials, stock, period });
  } catch (error) {
    // A line whose material vanished cannot post; it stays open and visible, never dropped.
    if (error instanceof DomainError) {
      deps.log.warn("backlog line cannot post", { id: line.id, reason: error.message });
      return "short";
    }
    throw error;
  }
  const movement = result.movement;
  if (!movement) return "short";
  const done = result.remaining.isZero();
  // Its ledger line, numbered after the posting's and every earlier backlog posting (docs/ledger.md).
  const [view] = movementViews([movement], run.materials);
  if (!view) throw new Error("unreachable: one movement has one view");
  const now = deps.now();
  const ledgerLine = backlogLedgerLine(
    plant,
    {
      confirmationId: line.confirmationId,
      order: line.order,
      operation: posting.operation,
      movements: posting.data.movements.length,
    },
    confirmation.backlog.reduce((n, b) => n + b.postings.length, 0),
    view,
    { period, postingDate: isoDate(now), postedAt: now.toISOString() },
  );
  try {
    await s.commit([
      s.ledger.put(ledgerLine),
      s.writes.backlogUpdate(plant, line, {
        status: done ? "posted" : "open",
        remaining: result.remaining,
        postings: [...line.postings, movement],
      }),
      s.writes.order(stored, result.order),
      // A reversal of the line's confirmation that is under way cancels the line instead.
      s.writes.postingStands(plant, line.confirmationId),
      ...result.stock.map((delta) =>
        s.writes.stock(plant, delta, {
          period,
          issuedValue: movement.value,
          reorderCandidate: isReorderCandidate(delta, run.materials),
        }),
      ),
    ]);
  } catch (error) {
    if (error instanceof TransactionCancelledError && error.kind === "reversing") return "skipped";
    throw error;
  }
  run.orders.set(line.order, { ...stored, order: result.order, version: stored.version + 1 });
  return done ? "cleared" : "partial";
}
