import { DomainError, postBacklog, postingPeriod } from "../../domain/index.js";
import {
  backlogUpdate,
  getOrder,
  getPeriodState,
  isPeriodClosedFor,
  listOpenBacklog,
  loadMaterials,
  orderWrite,
  readStock,
  type StoredBacklogLine,
  stockWrite,
  transactWrite,
} from "../adapters/table/index.js";
import { isoDate, isReorderCandidate, type PostingDeps, withPostingRetries } from "./posting-support.js";

export interface ReprocessOutcome {
  readonly examined: number;
  readonly posted: number;
  readonly cleared: number;
}

/**
 * Retries open backlog lines (docs/rules.md#shortage): all of a plant's, or those of one material at one
 * location after stock arrived there. Each line posts in its own transaction, in the period
 * in which it finally posts; a line still short stays open.
 */
export async function reprocessBacklog(
  deps: PostingDeps,
  plant: string,
  filter?: { material: string; location: string },
): Promise<ReprocessOutcome> {
  const { lines } = await listOpenBacklog(deps.table, plant, filter);
  let posted = 0;
  let cleared = 0;
  for (const line of lines) {
    const outcome = await withPostingRetries(deps, () => attemptLine(deps, plant, line.id, filter));
    if (outcome !== "short") posted++;
    if (outcome === "cleared") cleared++;
  }
  if (posted > 0) deps.log.info("backlog reprocessed", { plant, examined: lines.length, posted, cleared });
  return { examined: lines.length, posted, cleared };
}

async function attemptLine(
  deps: PostingDeps,
  plant: string,
  id: string,
  filter: { material: string; location: string } | undefined,
): Promise<"short" | "partial" | "cleared"> {
  const t = deps.table;
  // Re-read the line itself: a retry after a conflict must see what the other writer did.
  const fresh = (await listOpenBacklog(t, plant, filter)).lines.find((l) => l.id === id);
  if (!fresh) return "short";
  const stored = await getOrder(t, plant, fresh.order);
  if (!stored) throw new Error(`order ${fresh.order} of backlog line ${id} is missing`);
  const [materials, periods, stock] = await Promise.all([
    loadMaterials(t, plant, [fresh.line.material]),
    getPeriodState(t, plant),
    readStock(t, plant, [fresh.line]),
  ]);
  const period = postingPeriod(isoDate(deps.now()), isPeriodClosedFor(periods, stored.closedThrough));
  let result: ReturnType<typeof postBacklog>;
  try {
    result = postBacklog(stored.order, fresh.line, { materials, stock, period });
  } catch (error) {
    // A line whose material vanished cannot post; it stays open and visible, never dropped.
    if (error instanceof DomainError) {
      deps.log.warn("backlog line cannot post", { id, reason: error.message });
      return "short";
    }
    throw error;
  }
  if (!result.movement) return "short";
  const done = result.remaining.isZero();
  await transactWrite(t, [
    backlogUpdate(t, plant, fresh, lineAfter(fresh, result.remaining, result.movement, done)),
    orderWrite(t, stored, result.order),
    ...result.stock.map((delta) =>
      stockWrite(t, plant, delta, {
        period,
        issuedValue: result.movement?.value,
        reorderCandidate: isReorderCandidate(delta, materials),
      }),
    ),
  ]);
  return done ? "cleared" : "partial";
}

function lineAfter(
  read: StoredBacklogLine,
  remaining: StoredBacklogLine["line"]["qty"],
  movement: NonNullable<ReturnType<typeof postBacklog>["movement"]>,
  done: boolean,
) {
  return {
    status: done ? ("posted" as const) : ("open" as const),
    remaining,
    postings: [...read.postings, movement],
  };
}
