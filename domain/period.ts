import { InvalidInputError } from "./errors.js";

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const PERIOD = /^(\d{4})-(\d{2})$/;

/** True for a real calendar date `YYYY-MM-DD` (2026-02-30 is not). */
export function isValidDate(date: string): boolean {
  const m = DATE.exec(date);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === date;
}

export function isValidPeriod(period: string): boolean {
  const m = PERIOD.exec(period);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 12;
}

/** The period `YYYY-MM` of a posting date `YYYY-MM-DD` (UTC). */
export function periodOf(date: string): string {
  if (!isValidDate(date)) throw new InvalidInputError("postingDate", `not a date: ${date}`);
  return date.slice(0, 7);
}

export function nextPeriod(period: string): string {
  const [y, m] = period.split("-").map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
}

export function previousPeriod(period: string): string {
  const [y, m] = period.split("-").map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

/**
 * The period a posting lands in: its date's period, or, when that one is closed, the next
 * open one (docs/rules.md#posting-period: an already queued confirmation is posted in the next open period).
 */
export function postingPeriod(postingDate: string, isClosed: (period: string) => boolean): string {
  let period = periodOf(postingDate);
  // Bounded: a plant cannot have more closed periods ahead than months exist in a century.
  for (let i = 0; i < 1200 && isClosed(period); i++) period = nextPeriod(period);
  return period;
}

export function addDays(date: string, days: number): string {
  if (!isValidDate(date)) throw new InvalidInputError("date", `not a date: ${date}`);
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A period a close has started (`closing`) or finished (`closed`). */
export type PeriodLock = "closing" | "closed";

/** The periods of a plant that a close has locked, by period `YYYY-MM`. */
export interface PeriodState {
  readonly locked: ReadonlyMap<string, PeriodLock>;
}

/**
 * A posting may not land in a locked period, nor in any period before the latest locked one
 * (closes go in order, so an earlier period can never be reported again), nor in a period the
 * order was already closed for.
 */
export function isPeriodClosedFor(state: PeriodState, closedThrough: string | undefined) {
  const latest = [...state.locked.keys()].sort().at(-1);
  return (period: string): boolean =>
    (latest !== undefined && period <= latest) || (closedThrough !== undefined && period <= closedThrough);
}
