import {
  type ConfirmationHeader,
  confirmationLines,
  formatMoney,
  InvalidInputError,
  isValidDate,
  isValidPeriod,
  type LedgerLine,
  ledgerDigest,
  linePostingDate,
  type PostedMovement,
  reversalLines,
  sumByWorkCenter,
  type WorkCenterVariance,
} from "../../domain/index.js";
import {
  getPeriodState,
  getStoredReport,
  type LedgerFilter,
  type LedgerPath,
  type LedgerStore,
  ledgerCursorShape,
  periodLines,
  queryLedger,
  type TableContext,
} from "../adapters/table/index.js";
import { decodeCursor, encodeCursor } from "../common/paging.js";
import { csvTable } from "./csv.js";

/**
 * The stock ledger's use cases (docs/data-model.md, "The stock ledger"): projecting a
 * confirmation's posting and reversal into lines, the movements query, the period digest and
 * its verification. A confirmation's lines commit with its posting when they fit its transaction
 * (post-confirmation.ts); a larger posting's and a reversal's are projected after the commit and
 * before the worker acknowledges the message; stock documents and backlog postings write their
 * lines inside their own transaction (see stock-postings.ts, reprocess-backlog.ts).
 */

/** A posting's lines from its record: numbered 1..n in the order of its movements. */
export function postingLedgerLines(
  plant: string,
  id: string,
  posting: {
    order: string;
    operation: string;
    period: string;
    postedAt: string;
    movements: readonly PostedMovement[];
  },
  requestedDate: string,
): LedgerLine[] {
  const header: ConfirmationHeader = {
    plant,
    document: id,
    order: posting.order,
    operation: posting.operation,
    period: posting.period,
    postingDate: linePostingDate(requestedDate, posting.period),
    postedAt: posting.postedAt,
  };
  return confirmationLines(header, posting.movements);
}

/**
 * After a posting committed (`fresh`: this attempt committed it and hands its record over) or
 * when its message comes again (`repair`: the record is read back and only missing lines are
 * written). Either way every line exists once before the message is acknowledged.
 */
export async function projectPosting(
  t: LedgerStore,
  plant: string,
  id: string,
  requestedDate: string,
  fresh?: Parameters<typeof postingLedgerLines>[2],
): Promise<number> {
  if (fresh) {
    const lines = postingLedgerLines(plant, id, fresh, requestedDate);
    await t.write(lines);
    return lines.length;
  }
  const { posting } = await t.source(plant, id);
  if (!posting?.period || posting.status === "rejected") return 0;
  // The record's own requested date where it keeps one (docs/data-model.md), else the message's.
  const date = posting.postingDate ?? requestedDate;
  const expected = postingLedgerLines(plant, id, { ...posting, period: posting.period }, date);
  return writeMissing(t, plant, id, expected);
}

/** Writes those of `expected` the document does not hold yet (a read first: a repair is mostly a no-op). */
async function writeMissing(t: LedgerStore, plant: string, id: string, expected: readonly LedgerLine[]) {
  if (expected.length === 0) return 0;
  const have = new Set((await t.documentLines(plant, id)).map((l) => `${l.documentType}#${l.line}`));
  const missing = expected.filter((l) => !have.has(`${l.documentType}#${l.line}`));
  return missing.length === 0 ? 0 : t.writeMissing(missing);
}

/**
 * After a reversal committed, or on its redelivery: the opposite of every line of the document
 * that is not itself a reversal line (the posting's, and its backlog lines that posted later),
 * numbered on after them. The posting's own lines are made whole first (a crash may have cut
 * their projection short); only missing reversal lines are written.
 */
export async function projectReversal(
  t: LedgerStore,
  plant: string,
  id: string,
  requestedDate: string,
): Promise<number> {
  const { posting, reversal } = await t.source(plant, id);
  if (reversal?.status !== "reversed" || !reversal.period || !reversal.reversedAt) return 0;
  if (posting?.period) {
    await writeMissing(
      t,
      plant,
      id,
      // The posting's lines carry the posting's date, not the reversal's.
      postingLedgerLines(
        plant,
        id,
        { ...posting, period: posting.period },
        posting.postingDate ?? requestedDate,
      ),
    );
  }
  const existing = await t.documentLines(plant, id);
  const originals = existing.filter((l) => l.reverses === null && l.documentType === "confirmation");
  const first = originals.reduce((n, l) => Math.max(n, l.line), 0) + 1;
  const lines = reversalLines(
    originals,
    {
      period: reversal.period,
      postingDate: linePostingDate(reversal.postingDate ?? requestedDate, reversal.period),
      postedAt: reversal.reversedAt,
    },
    first,
  );
  const have = new Set(existing.filter((l) => l.documentType === "confirmation").map((l) => l.line));
  const missing = lines.filter((l) => !have.has(l.line));
  if (missing.length === 0) return 0;
  // Nothing of the reversal written yet: one batch; else only the lines still missing, conditionally.
  if (missing.length === lines.length) {
    await t.write(missing);
    return missing.length;
  }
  return t.writeMissing(missing);
}

/**
 * Which of a confirmation's projections are not whole (docs/ledger.md, "What the seal relies on"):
 * its posting's lines 1..n, and once it is reversed one opposite line per earlier line. The outbox
 * sweeper settles a posting only when both are; otherwise it sends the message again, whose
 * delivery writes what is missing (a queue that lost the message after the commit, before the
 * projection, would leave the lines missing until the period's close).
 */
export async function ledgerGaps(
  t: LedgerStore,
  plant: string,
  id: string,
  items: {
    readonly posting?:
      | {
          readonly status: string;
          readonly period?: string | undefined;
          readonly data: { readonly movements: readonly unknown[] };
        }
      | undefined;
    readonly reversal?: { readonly status: string } | undefined;
  },
): Promise<{ posting: boolean; reversal: boolean }> {
  const n =
    items.posting?.status === "rejected" || !items.posting?.period ? 0 : items.posting.data.movements.length;
  const reversed = items.reversal?.status === "reversed";
  if (n === 0 && !reversed) return { posting: false, reversal: false };
  const lines = (await t.documentLines(plant, id)).filter((l) => l.documentType === "confirmation");
  const originals = new Set(lines.filter((l) => l.reverses === null).map((l) => l.line));
  let posting = false;
  for (let line = 1; line <= n; line++) if (!originals.has(line)) posting = true;
  const opposite = lines.filter((l) => l.reverses !== null).length;
  return { posting, reversal: reversed && (posting || opposite < originals.size) };
}

/**
 * The line a backlog line's posting adds to its confirmation's document: numbered after the
 * posting's n lines and every backlog posting of the confirmation so far. Written in the
 * backlog posting's own transaction; two of them racing for a number conflict on the line's
 * attribute_not_exists and the loser recomputes.
 */
export function backlogLedgerLine(
  plant: string,
  posting: { confirmationId: string; order: string; operation: string; movements: number },
  earlierBacklogPostings: number,
  movement: PostedMovement,
  at: { period: string; postingDate: string; postedAt: string },
): LedgerLine {
  const header: ConfirmationHeader = {
    plant,
    document: posting.confirmationId,
    order: posting.order,
    operation: posting.operation,
    period: at.period,
    postingDate: linePostingDate(at.postingDate, at.period),
    postedAt: at.postedAt,
  };
  const [line] = confirmationLines(header, [movement], posting.movements + earlierBacklogPostings + 1);
  if (!line) throw new Error("unreachable: one movement makes one line");
  return line;
}

/** GET movements query (after zod): at least one of material, order, document, period. */
export interface MovementsQuery extends LedgerFilter {
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/** The access path: the most selective criterion given picks the index, the rest filter. */
function pathOf(q: LedgerFilter): LedgerPath {
  if (q.document !== undefined) return { by: "document", document: q.document };
  if (q.order !== undefined) return { by: "order", order: q.order };
  if (q.material !== undefined) return { by: "material", material: q.material };
  if (q.period !== undefined) return { by: "period", period: q.period };
  throw new InvalidInputError("query", "give at least one of material, order, document, period");
}

/** A movement line as GET movements shows it (docs/ledger.md, "Queries"). */
export function movementItem(l: LedgerLine) {
  return {
    document: l.document,
    line: l.line,
    kind: l.kind,
    reverses: l.reverses,
    ...(l.reversesLine !== null && { reversesLine: l.reversesLine }),
    ...(l.order !== undefined && { order: l.order }),
    ...(l.operation !== undefined && { operation: l.operation }),
    ...(l.material !== undefined && { material: l.material }),
    ...(l.location !== undefined && { location: l.location }),
    ...(l.qty !== undefined && { qty: l.qty }),
    value: l.value,
    ...(l.workCenter !== undefined && { workCenter: l.workCenter }),
    ...(l.activity !== undefined && { activity: l.activity }),
    ...(l.hours !== undefined && { hours: l.hours }),
    period: l.period,
    postingDate: l.postingDate,
    postedAt: l.postedAt,
  };
}

export type MovementItem = ReturnType<typeof movementItem>;

/** GET movements: one page of the plant's ledger, oldest first; `next` continues it. */
export async function movementsView(
  t: TableContext,
  plant: string,
  q: MovementsQuery,
): Promise<{ items: MovementItem[]; next: string | null }> {
  if (q.location !== undefined && q.material === undefined)
    throw new InvalidInputError("query.location", "location needs material");
  if (q.period !== undefined && !isValidPeriod(q.period))
    throw new InvalidInputError("query.period", `not a period YYYY-MM: ${q.period}`);
  for (const f of ["from", "to"] as const) {
    const d = q[f];
    if (d !== undefined && !isValidDate(d))
      throw new InvalidInputError(`query.${f}`, `not a date YYYY-MM-DD: ${d}`);
  }
  if (q.from !== undefined && q.to !== undefined && q.from > q.to)
    throw new InvalidInputError("query.from", "from is after to");
  const path = pathOf(q);
  const shape = ledgerCursorShape(plant, path);
  const start = decodeCursor(shape, q.cursor);
  const { lines, next } = await queryLedger(t, plant, path, q, { limit: q.limit, start });
  return { items: lines.map(movementItem), next: encodeCursor(shape, next) };
}

const CSV_COLUMNS = [
  "document",
  "line",
  "kind",
  "reverses",
  "reversesLine",
  "order",
  "operation",
  "material",
  "location",
  "qty",
  "value",
  "workCenter",
  "activity",
  "hours",
  "period",
  "postingDate",
  "postedAt",
] as const;

/** One page of movements as CSV (RFC 4180, CRLF, a header row); the next cursor travels beside it. */
export function movementsToCsv(items: readonly MovementItem[]): string {
  return csvTable(
    CSV_COLUMNS,
    items.map((m) => {
      const row = m as Record<string, unknown>;
      return CSV_COLUMNS.map((c) => (row[c] === undefined || row[c] === null ? "" : String(row[c])));
    }),
  );
}

/** The digest of a period's lines as they are stored now: one pass over the period index. */
export async function periodLedgerDigest(t: TableContext, plant: string, period: string) {
  return ledgerDigest(await periodLines(t, plant, period));
}

export interface VerifyResult {
  readonly period: string;
  readonly status: "open" | "closing" | "closed";
  readonly ledgerDigest: string | null;
  readonly recomputedDigest: string;
  readonly lines: number;
  readonly ok: boolean;
}

/**
 * GET periods/{p}/verify: the digest sealed by the close against one recomputed from the
 * stored lines. `ok` only for a closed period whose lines still give the sealed digest.
 */
export async function verifyPeriod(t: TableContext, plant: string, period: string): Promise<VerifyResult> {
  if (!isValidPeriod(period)) throw new InvalidInputError("period", `not a period YYYY-MM: ${period}`);
  const status = (await getPeriodState(t, plant)).locked.get(period) ?? "open";
  const [report, recomputed] = await Promise.all([
    status === "closed" ? getStoredReport<{ ledgerDigest?: string }>(t, plant, period) : undefined,
    periodLedgerDigest(t, plant, period),
  ]);
  const sealed = report?.ledgerDigest ?? null;
  return {
    period,
    status,
    ledgerDigest: sealed,
    recomputedDigest: recomputed.digest,
    lines: recomputed.lines,
    ok: status === "closed" && sealed !== null && sealed === recomputed.digest,
  };
}

/** A work center row as the period report shows it (docs/ledger.md, "Variance by work center"). */
export interface WorkCenterRow {
  readonly workCenter: string | null;
  readonly scrap: string;
  readonly usage: string;
}

export const workCenterRows = (rows: readonly WorkCenterVariance[] | undefined): WorkCenterRow[] =>
  (rows ?? []).map((r) => ({
    workCenter: r.workCenter,
    scrap: formatMoney(r.scrap),
    usage: formatMoney(r.usage),
  }));

/** The period's `varianceByWorkCenter`: its settled orders' rows summed per work center. */
export const periodWorkCenterRows = (
  variances: Iterable<{ readonly byWorkCenter?: readonly WorkCenterVariance[] | undefined }>,
): WorkCenterRow[] => workCenterRows(sumByWorkCenter([...variances].map((v) => v.byWorkCenter ?? [])));
