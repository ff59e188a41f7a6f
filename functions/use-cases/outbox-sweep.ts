import { METRICS, OUTBOX } from "../../infra/messaging.js";
import { type EnqueuePosting, postingIds } from "../adapters/queue.js";
import type { ConfirmationItems, IntakeRecords, LedgerStore, OutboxEntry } from "../adapters/table/index.js";
import type { LogPort, MetricsPort } from "../common/ports.js";
import { confirmationOutcome } from "./confirmation-outcome.js";
import { ledgerGaps } from "./ledger.js";

/**
 * The outbox sweeper (docs/data-model.md, "Outbox"): every intake record that got its 202 stays in
 * the outbox index until its posting (and its reversal, once one was asked for) is seen recorded.
 * A sweep reads the entries that are due, page by page and bounded per shard (never a scan), and
 * for each one either takes it out (done), or sends its messages again and pushes it back by twice
 * the last wait, or, after `maxSends`, takes it out as exhausted (counted and alarmed). The worker
 * is exactly-once, so a message sent twice posts once.
 */
export interface SweepDeps {
  readonly intakes: IntakeRecords;
  readonly confirmationItems: (plant: string, id: string) => Promise<ConfirmationItems>;
  readonly enqueuePosting: EnqueuePosting;
  readonly now: () => Date;
  readonly resendAfterSeconds: number;
  readonly log: LogPort;
  readonly metrics: MetricsPort;
  /**
   * The stock ledger: a posting is settled only once its lines (and a reversal's) are all there
   * (ledgerGaps in ledger.ts). Absent: not checked (in-memory fakes without a ledger).
   */
  readonly ledger?: LedgerStore | undefined;
}

export interface SweepLimits {
  readonly shards: number;
  readonly pageSize: number;
  readonly maxPagesPerShard: number;
  readonly maxSends: number;
}

export interface SweepReport {
  readonly read: number;
  readonly settled: number;
  readonly resent: number;
  readonly exhausted: number;
  /** Changed between the index read and the record read (a retried POST, another sweep): left alone. */
  readonly skipped: number;
  /** A shard had more due entries than one sweep reads: the next sweep continues. */
  readonly more: boolean;
}

const MAX_WAIT_SECONDS = 6 * 3600;
const NO_MATERIALS = new Map();

export async function sweepOutbox(deps: SweepDeps, limits: SweepLimits = OUTBOX): Promise<SweepReport> {
  const counts = { read: 0, settled: 0, resent: 0, exhausted: 0, skipped: 0 };
  let more = false;
  const now = deps.now();
  for (let shard = 0; shard < limits.shards; shard++) {
    let cursor: Record<string, unknown> | undefined;
    let pages = 0;
    do {
      const page = await deps.intakes.dueEntries(shard, now, limits.pageSize, cursor);
      for (const entry of page.entries) {
        counts.read++;
        counts[await sweepOne(deps, entry, limits.maxSends)]++;
      }
      cursor = page.cursor;
      pages++;
    } while (cursor !== undefined && pages < limits.maxPagesPerShard);
    if (cursor !== undefined) more = true;
  }
  if (counts.resent > 0) deps.metrics.add(METRICS.outboxResent, "Count", counts.resent);
  if (counts.settled > 0) deps.metrics.add(METRICS.outboxSettled, "Count", counts.settled);
  // Always published, so the alarm on it has data points (0 most of the time).
  deps.metrics.add(METRICS.outboxExhausted, "Count", counts.exhausted);
  if (counts.resent > 0 || counts.exhausted > 0) deps.log.warn("outbox sent postings again", counts);
  return { ...counts, more };
}

type Outcome = "settled" | "resent" | "exhausted" | "skipped";

async function sweepOne(deps: SweepDeps, entry: OutboxEntry, maxSends: number): Promise<Outcome> {
  const { plant, confirmationId: id } = entry;
  const intake = await deps.intakes.get(plant, id);
  if (!intake || intake.outboxDue !== entry.due) return "skipped";
  const items = await deps.confirmationItems(plant, id);
  const confirmationPending = items.posting === undefined;
  // The status GET shows: a reversal is pending while it reads reversal_queued (a newer request than
  // the last rejected one counts as pending too).
  const reversalPending =
    intake.reversal !== undefined &&
    confirmationOutcome(items, intake.reversalRequested, NO_MATERIALS).status === "reversal_queued";
  // Recorded, but a lost message may have taken its ledger projection with it: send it again.
  const gaps =
    !confirmationPending && !reversalPending && deps.ledger
      ? await ledgerGaps(deps.ledger, plant, id, items)
      : { posting: false, reversal: false };
  const resendConfirmation = confirmationPending || (gaps.posting && !gaps.reversal);
  const resendReversal = reversalPending || gaps.reversal;
  if (!resendConfirmation && !resendReversal)
    return (await deps.intakes.settle(entry)) ? "settled" : "skipped";
  if (intake.outboxSends >= maxSends) {
    deps.log.error("outbox gave up on a posting", { plant, confirmationId: id, sends: intake.outboxSends });
    return (await deps.intakes.exhaust(entry, deps.now())) ? "exhausted" : "skipped";
  }
  // Same group, confirmation first: a reversal always follows what it reverses.
  if (resendConfirmation) {
    await deps.enqueuePosting(intake.message, postingIds.confirmation(plant, intake.order, id));
  }
  // A reversal's delivery makes the posting's lines whole too, so it alone repairs both.
  if (resendReversal && intake.reversal) {
    await deps.enqueuePosting(
      intake.reversal,
      postingIds.reversal(plant, intake.order, id, intake.reversal.receivedAt),
    );
  }
  const wait = Math.min(MAX_WAIT_SECONDS, deps.resendAfterSeconds * 2 ** (intake.outboxSends + 1));
  const next = new Date(deps.now().getTime() + wait * 1000);
  return (await deps.intakes.resent(entry, next)) ? "resent" : "skipped";
}
