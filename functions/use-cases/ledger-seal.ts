import { type LedgerLine, ledgerDigest } from "../../domain/index.js";
import type { LedgerSourceEntry, LedgerStore } from "../adapters/table/index.js";
import type { LogPort } from "../common/ports.js";
import { projectPosting, projectReversal } from "./ledger.js";

/**
 * The seal of a period's ledger (docs/ledger.md, "What the seal relies on"). A confirmation's
 * lines are projected after its posting committed, so a close can come between the two. Every
 * such posting and reversal is listed with its line count under the period (the close index,
 * written in its own transaction); before the digest the close compares that list with the lines
 * the period holds and projects whatever is missing itself, from the records, as the worker's
 * redelivery would. The projection is idempotent (lines are keyed, repairs write only what is
 * missing), so the worker's own projection afterwards writes nothing new.
 */
export interface LedgerSealStore {
  /** Every line of the period by the period index (the digest pass). */
  periodLines(plant: string, period: string): Promise<LedgerLine[]>;
  /** The postings and reversals of the period whose lines are projected after their commit. */
  ledgerSources(plant: string, period: string): Promise<LedgerSourceEntry[]>;
  readonly ledger: LedgerStore;
}

export interface LedgerSeal {
  readonly digest: string;
  readonly lines: number;
  /** Documents the close found short of lines, and the lines it wrote for them. */
  readonly repairedDocuments: number;
  readonly repairedLines: number;
}

/** The documents listed for the period whose lines the period does not hold in full. */
export function incompleteDocuments(
  lines: readonly LedgerLine[],
  sources: readonly LedgerSourceEntry[],
): string[] {
  const originals = new Map<string, Set<number>>();
  const opposites = new Map<string, number>();
  for (const l of lines) {
    if (l.documentType !== "confirmation") continue;
    if (l.reverses === null) originals.set(l.document, (originals.get(l.document) ?? new Set()).add(l.line));
    else opposites.set(l.document, (opposites.get(l.document) ?? 0) + 1);
  }
  const short = new Set<string>();
  for (const s of sources) {
    if (s.kind === "posting") {
      // A posting's lines are 1..n, all in its period (later backlog lines are numbered after them).
      const have = originals.get(s.document);
      let count = 0;
      for (let line = 1; line <= s.lines; line++) if (have?.has(line)) count++;
      if (count < s.lines) short.add(s.document);
    } else if ((opposites.get(s.document) ?? 0) < s.lines) short.add(s.document);
  }
  return [...short].sort();
}

/**
 * The period's digest over a complete set of lines: the period index once, the period's listed
 * sources once (keys only), and for a document found short its repair and a consistent read of
 * its partition (so a line just written counts even where the index has not caught up yet).
 */
export async function sealPeriodLedger(
  store: LedgerSealStore,
  plant: string,
  period: string,
  log?: LogPort,
): Promise<LedgerSeal> {
  const [lines, sources] = await Promise.all([
    store.periodLines(plant, period),
    store.ledgerSources(plant, period),
  ]);
  const short = incompleteDocuments(lines, sources);
  if (short.length === 0) return { ...ledgerDigest(lines), repairedDocuments: 0, repairedLines: 0 };
  let repairedLines = 0;
  const fresh: LedgerLine[] = [];
  for (const document of short) {
    const { reversal } = await store.ledger.source(plant, document);
    // A reversal's repair makes the posting's lines whole first, then writes the opposite lines.
    repairedLines +=
      reversal?.status === "reversed"
        ? await projectReversal(store.ledger, plant, document, reversal.postingDate ?? "")
        : await projectPosting(store.ledger, plant, document, "");
    const stored = await store.ledger.documentLines(plant, document);
    fresh.push(...stored.filter((l) => l.documentType === "confirmation" && l.period === period));
  }
  const repaired = new Set(short);
  const kept = lines.filter((l) => !(l.documentType === "confirmation" && repaired.has(l.document)));
  log?.warn("period close projected ledger lines still missing", {
    plant,
    period,
    documents: short.length,
    lines: repairedLines,
  });
  return { ...ledgerDigest([...kept, ...fresh]), repairedDocuments: short.length, repairedLines };
}
