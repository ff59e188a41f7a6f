import { type Decimal, formatMoney, sum, ZERO } from "./decimal.js";
import { UnbalancedJournalError } from "./errors.js";
import type { Account, JournalEntry } from "./model.js";

/** Signed totals per account for one period: debits and credits as posted (reversals negative). */
export type JournalTotals = Readonly<Record<string, { readonly debit: Decimal; readonly credit: Decimal }>>;

export function addToJournal(
  totals: JournalTotals | undefined,
  entries: readonly JournalEntry[],
): JournalTotals {
  const next: Record<string, { debit: Decimal; credit: Decimal }> = { ...(totals ?? {}) };
  const add = (account: string, side: "debit" | "credit", amount: Decimal) => {
    const row = next[account] ?? { debit: ZERO, credit: ZERO };
    next[account] = { ...row, [side]: row[side].plus(amount) };
  };
  for (const e of entries) {
    if (e.amount.isZero()) continue;
    add(e.debit, "debit", e.amount);
    add(e.credit, "credit", e.amount);
  }
  return next;
}

export function mergeJournals(parts: Iterable<JournalTotals | undefined>): JournalTotals {
  const next: Record<string, { debit: Decimal; credit: Decimal }> = {};
  for (const part of parts) {
    for (const [account, row] of Object.entries(part ?? {})) {
      const cur = next[account] ?? { debit: ZERO, credit: ZERO };
      next[account] = { debit: cur.debit.plus(row.debit), credit: cur.credit.plus(row.credit) };
    }
  }
  return next;
}

export interface JournalLine {
  readonly account: string;
  readonly debit: Decimal;
  readonly credit: Decimal;
}

/**
 * The period's journal as a controller reads it: one line per account, a negative total on
 * one side (a reversal) shown on the other side, accounts in a fixed order. Throws
 * UnbalancedJournalError when debits and credits differ by as much as a cent.
 */
export function journalLines(totals: JournalTotals): JournalLine[] {
  const lines = journalView(totals);
  assertBalanced(lines);
  return lines;
}

/** The journal lines of `journalLines` without the balance check (a report that must show what is there). */
export function journalView(totals: JournalTotals): JournalLine[] {
  return Object.entries(totals)
    .map(([account, row]) => {
      const debit = (row.debit.isNegative() ? ZERO : row.debit).plus(
        row.credit.isNegative() ? row.credit.neg() : ZERO,
      );
      const credit = (row.credit.isNegative() ? ZERO : row.credit).plus(
        row.debit.isNegative() ? row.debit.neg() : ZERO,
      );
      return { account, debit, credit };
    })
    .filter((l) => !(l.debit.isZero() && l.credit.isZero()))
    .sort((a, b) => accountRank(a.account) - accountRank(b.account) || a.account.localeCompare(b.account));
}

export function assertBalanced(lines: readonly { debit: Decimal; credit: Decimal }[]): void {
  const debit = sum(lines.map((l) => l.debit));
  const credit = sum(lines.map((l) => l.credit));
  if (!debit.equals(credit)) throw new UnbalancedJournalError(formatMoney(debit), formatMoney(credit));
}

const ACCOUNT_ORDER: readonly Account[] = [
  "RAW_MATERIALS",
  "WIP",
  "FINISHED_GOODS",
  "INVENTORY_ADJUSTMENT",
  "APPLIED_LABOR",
  "APPLIED_MACHINE",
  "GRIR",
  "PURCHASE_PRICE_VARIANCE",
  "VARIANCE_SCRAP",
  "VARIANCE_USAGE",
  "VARIANCE_OTHER",
];
const accountRank = (account: string): number => {
  const i = ACCOUNT_ORDER.indexOf(account as Account);
  return i < 0 ? ACCOUNT_ORDER.length : i;
};

/** APPLIED_<ACTIVITY> account of an activity ("labor" → APPLIED_LABOR). */
export const appliedAccount = (activity: string): Account => `APPLIED_${activity.toUpperCase()}`;
