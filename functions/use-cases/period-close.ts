import {
  type Decimal,
  formatMoney,
  InvalidInputError,
  inventoryTurnover,
  isValidPeriod,
  type JournalTotals,
  journalLines,
  type MasterData,
  type Material,
  mergeJournals,
  type Order,
  type OrderState,
  periodOf,
  previousPeriod,
  roundMoney,
  settle,
  sum,
  UnbalancedJournalError,
  type Variance,
  type WorkCenter,
  wipBalance,
  ZERO,
} from "../../domain/index.js";
import {
  type CloseRow,
  closeRowsWrite,
  countOpenBacklog,
  finishCloseWrites,
  getCloseCheckpoint,
  getOrderSnapshots,
  getOrderStates,
  getPeriodState,
  getStoredReport,
  isTransient,
  listCloseRows,
  listOrdersToClose,
  listPlantStock,
  listPlants,
  loadMaterials,
  loadWorkCenters,
  markPeriodClosing,
  type OrderStateEntry,
  orderWrite,
  plantCurrency,
  putCloseCheckpoint,
  reopenPeriod,
  type StockRow,
  type StoredOrder,
  stockAggregate,
  type TableContext,
  type TaggedItem,
  TransactionCancelledError,
  transactWrite,
} from "../adapters/table/index.js";
import { fromNum } from "../shared/codec.js";
import { backoffDelay, type LogPort, type MetricsPort, sleep } from "../shared/ports.js";
import {
  LaterPeriodLockedError,
  MissingPeriodReportError,
  QueueUnavailableError,
  ScheduledCloseError,
} from "./errors.js";
import { periodLedgerDigest, periodWorkCenterRows, type WorkCenterRow, workCenterRows } from "./ledger.js";
import { isoDate } from "./posting-support.js";

export type PeriodStatus = "open" | "closing" | "closed";

/** GET period report (docs/api.md#periods): money as strings with 2 places. */
export interface PeriodReport {
  readonly plant: string;
  readonly period: string;
  readonly status: PeriodStatus;
  readonly currency: string;
  readonly orders: readonly ReportOrder[];
  readonly wipTotal: string;
  readonly varianceTotal: string;
  /** The settled orders' scrap and usage summed per work center (docs/ledger.md). */
  readonly varianceByWorkCenter: readonly WorkCenterRow[];
  /** SHA-256 over the period's ledger lines, sealed by the close (docs/ledger.md); null while open. */
  readonly ledgerDigest: string | null;
  readonly journal: readonly { readonly account: string; readonly debit: string; readonly credit: string }[];
  readonly inventoryTurnover: readonly TurnoverLine[];
  readonly backlogOpen: number;
}

export interface ReportOrder {
  readonly order: string;
  readonly material: string;
  readonly status: string;
  readonly wip: string;
  readonly variance: {
    readonly total: string;
    readonly scrap: string;
    readonly usage: string;
    readonly other: string;
    readonly byWorkCenter: readonly WorkCenterRow[];
  };
}

export interface TurnoverLine {
  readonly material: string;
  readonly issuedValue: string;
  readonly averageValue: string;
  /** Null when the average stock value is zero (turnover undefined). */
  readonly turnover: string | null;
}

/** What the close stores besides the rows: the report without its orders, and the sealed line count. */
type StoredReport = Omit<PeriodReport, "orders" | "status"> & { readonly ledgerLines?: number };

export interface CloseRequestDeps {
  readonly table: TableContext;
  readonly now: () => Date;
  readonly log: LogPort;
  /** Puts a close request on the close queue; the close worker runs runClose for it. */
  readonly enqueueClose: (plant: string, period: string) => Promise<void>;
}

export interface CloseDeps extends CloseRequestDeps {
  readonly metrics: MetricsPort;
  /**
   * Epoch ms after which an invocation stops between pages, keeps its checkpoint and enqueues
   * a continuation (the Lambda's remaining time minus a margin). Absent: run to the end.
   */
  readonly deadline?: number | undefined;
  /** Orders per close-index page; one checkpoint per page. */
  readonly pageSize?: number | undefined;
  /** Orders per transaction (at most 99: the report rows ride along as the 100th item). */
  readonly chunkSize?: number | undefined;
  /** Transactions of a page committed in parallel. */
  readonly concurrency?: number | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Fault injection for tests: throwing here simulates a crash after a commit (n orders closed so far). */
  readonly faults?: { afterCommit?(closedInThisInvocation: number): void } | undefined;
}

export type CloseRunResult =
  | { readonly status: "closed"; readonly report: PeriodReport }
  | { readonly status: "continued"; readonly processed: number };

const MAX_CHUNK = 99;
const DEFAULT_PAGE_SIZE = MAX_CHUNK;
/** Packed order state per transaction, well below the 4 MB TransactWriteItems limit. */
const MAX_TRANSACTION_BYTES = 3_000_000;
const ORDER_ATTEMPTS = 8;
/** Only if a plant has no material at all (then it has nothing to report either). */
const FALLBACK_CURRENCY = "USD";

/**
 * POST .../periods/{period}/close: locks the period ("closing": new postings dated in it land
 * in the next open period) and queues the close. The current period may be closed early; a
 * future one may not. A closed period answers "closed" and nothing happens.
 */
export async function requestClose(
  deps: CloseRequestDeps,
  plant: string,
  period: string,
): Promise<{ plant: string; period: string; status: "closing" | "closed" }> {
  assertPeriod(period);
  const current = periodOf(isoDate(deps.now()));
  if (period > current) throw new InvalidInputError("period", `period ${period} has not begun yet`);
  const state = await getPeriodState(deps.table, plant);
  if (state.locked.get(period) === "closed") return { plant, period, status: "closed" };
  const later = [...state.locked.keys()].filter((p) => p > period).sort()[0];
  if (later !== undefined) throw new LaterPeriodLockedError(period, later);

  if ((await markPeriodClosing(deps.table, plant, period)) === "closed")
    return { plant, period, status: "closed" };
  try {
    await deps.enqueueClose(plant, period);
  } catch (error) {
    // The lock stays: postings already go to the next period; a retried request enqueues again.
    throw new QueueUnavailableError(`close request for ${plant} ${period} not queued`, { cause: error });
  }
  deps.log.info("period close requested", { plant, period });
  return { plant, period, status: "closing" };
}

/**
 * The monthly schedule: close the month before the event's time for every registered plant.
 * Every plant is tried; failures are collected and thrown together so the invocation retries.
 */
export async function requestScheduledCloses(
  deps: CloseRequestDeps,
  eventTime: string,
): Promise<{ period: string; requested: string[] }> {
  const period = previousPeriod(periodOf(eventTime.slice(0, 10)));
  const requested: string[] = [];
  const failed: { plant: string; error: unknown }[] = [];
  for (const plant of await listPlants(deps.table)) {
    try {
      await requestClose(deps, plant, period);
      requested.push(plant);
    } catch (error) {
      if (error instanceof LaterPeriodLockedError) {
        deps.log.warn("scheduled close skipped: a later period is locked", { plant, period });
        continue;
      }
      deps.log.error("scheduled close request failed", { plant, period, error });
      failed.push({ plant, error });
    }
  }
  if (failed.length > 0) {
    throw new ScheduledCloseError(
      period,
      failed.map((f) => f.plant),
      { cause: new AggregateError(failed.map((f) => f.error)) },
    );
  }
  return { period, requested };
}

/**
 * The close worker (docs/rules.md#period-close). Walks the close index in pages: each order is
 * settled and written back with `closedThrough = period`, up to 99 orders per transaction
 * together with their report rows. The version bump is the lock protocol: a posting that read
 * the order before fails its
 * condition, re-reads the (now locked) period state and lands in the next period. An order
 * whose closedThrough already reaches the period is done and never settled twice, so a crashed
 * or duplicated run resumes from its checkpoint without double effects. After the last page:
 * stock journal, inventory turnover, backlog; the journal must balance, else the period is
 * given back and the close fails loudly. Report and lock "closed" commit together.
 */
export async function runClose(deps: CloseDeps, plant: string, period: string): Promise<CloseRunResult> {
  assertPeriod(period);
  const t = deps.table;
  const lock = (await getPeriodState(t, plant)).locked.get(period);
  if (lock === "closed" || (lock === undefined && (await markPeriodClosing(t, plant, period)) === "closed")) {
    return { status: "closed", report: await closedReport(t, plant, period) };
  }

  const checkpoint = await getCloseCheckpoint(t, plant, period);
  let cursor = checkpoint?.cursor;
  let scanned = checkpoint?.scanned ?? false;
  let processed = checkpoint?.processed ?? 0;
  const pass: ClosePass = {
    deps,
    plant,
    period,
    cache: { materials: new Map(), workCenters: new Map() },
    closed: 0,
  };
  let pages = 0;
  const pastDeadline = () => deps.deadline !== undefined && deps.now().getTime() >= deps.deadline;

  while (!scanned) {
    // At least one page per invocation, so a continuation always makes progress.
    if (pages > 0 && pastDeadline()) return continueLater(deps, plant, period, processed);
    const page = await listOrdersToClose(t, plant, {
      limit: deps.pageSize ?? DEFAULT_PAGE_SIZE,
      start: cursor,
    });
    processed += await closePage(pass, page.orders);
    pages++;
    cursor = page.next;
    scanned = cursor === undefined;
    await putCloseCheckpoint(t, plant, period, {
      cursor,
      scanned,
      processed,
      updatedAt: deps.now().toISOString(),
    });
  }
  if (pages > 0 && pastDeadline()) return continueLater(deps, plant, period, processed);
  return { status: "closed", report: await finishClose(deps, plant, period) };
}

async function continueLater(deps: CloseDeps, plant: string, period: string, processed: number) {
  await deps.enqueueClose(plant, period);
  deps.log.info("period close continues in a new invocation", { plant, period, processed });
  return { status: "continued", processed } as const;
}

interface MasterDataCache {
  readonly materials: Map<string, Material>;
  readonly workCenters: Map<string, WorkCenter>;
}

interface ClosePass {
  readonly deps: CloseDeps;
  readonly plant: string;
  readonly period: string;
  readonly cache: MasterDataCache;
  /** Orders this invocation closed, for the checkpoint and the fault hook. */
  closed: number;
}

const isDone = (closedThrough: string | undefined, period: string) =>
  closedThrough !== undefined && closedThrough >= period;

/** One page of the close index: the orders not yet done, in transactions of up to chunkSize orders. */
async function closePage(pass: ClosePass, entries: readonly OrderStateEntry[]): Promise<number> {
  const { deps, plant } = pass;
  const open = entries.filter((e) => !isDone(e.closedThrough, pass.period));
  if (open.length === 0) return 0;
  const snapshots = await getOrderSnapshots(
    deps.table,
    plant,
    open.map((e) => e.order),
  );
  const stored: StoredOrder[] = [];
  for (const e of open) {
    const snapshot = snapshots.get(e.order);
    if (!snapshot) {
      deps.log.warn("order in the close index has no snapshot", { plant, order: e.order });
      continue;
    }
    stored.push({
      plant,
      order: { snapshot, state: e.state },
      version: e.version,
      closedThrough: e.closedThrough,
    });
  }
  const md = await masterDataFor(
    deps.table,
    plant,
    stored.map((s) => s.order),
    pass.cache,
  );
  const size = Math.max(1, Math.min(deps.chunkSize ?? MAX_CHUNK, MAX_CHUNK));
  const chunks: StoredOrder[][] = [];
  for (let i = 0; i < stored.length; i += size) chunks.push(stored.slice(i, i + size));
  const before = pass.closed;
  await forEachLimited(chunks, deps.concurrency ?? 1, (chunk) => commitChunk(pass, chunk, md, 1));
  return pass.closed - before;
}

/**
 * Settles the orders of a chunk and commits them with their report rows in one transaction,
 * each order under the version it was read with. A cancelled transaction (a posting got in
 * between) re-reads the orders consistently and retries in halves, so one busy order cannot
 * hold up the rest; a lone order retries with backoff.
 */
async function commitChunk(
  pass: ClosePass,
  chunk: readonly StoredOrder[],
  md: MasterData,
  attempt: number,
): Promise<void> {
  const { deps, plant, period } = pass;
  const t = deps.table;
  const todo = chunk.filter((s) => !isDone(s.closedThrough, period));
  if (todo.length === 0) return;
  const rows: CloseRow[] = [];
  const writes: TaggedItem[] = [];
  let bytes = 0;
  for (const stored of todo) {
    const { next, row } = closeResult(stored.order, md, period);
    const leaveCloseIndex =
      next.state.status === "closed" &&
      wipBalance(next.state).isZero() &&
      !hasTotalsAfter(next.state, period);
    const write = orderWrite(t, stored, next, { closedThrough: period, leaveCloseIndex });
    bytes += (write.item.Put?.Item?.data as Uint8Array | undefined)?.length ?? 0;
    writes.push(write);
    if (row) rows.push(row);
  }
  // TransactWriteItems takes at most 4 MB: big orders go in smaller transactions.
  if (bytes > MAX_TRANSACTION_BYTES && todo.length > 1) return splitAndCommit(pass, todo, md, attempt);
  if (rows.length > 0) writes.push(closeRowsWrite(t, plant, period, rows));
  try {
    await transactWrite(t, writes);
  } catch (error) {
    const retryable =
      isTransient(error) || (error instanceof TransactionCancelledError && error.kind === "version");
    if (!retryable || attempt >= ORDER_ATTEMPTS) throw error;
    await (deps.sleep ?? sleep)(backoffDelay(attempt, 25));
    const fresh = await getOrderStates(
      t,
      plant,
      todo.map((s) => s.order.snapshot.order),
    );
    const reread = todo.flatMap((s): StoredOrder[] => {
      const e = fresh.get(s.order.snapshot.order);
      if (!e) return [];
      return [
        {
          plant,
          order: { snapshot: s.order.snapshot, state: e.state },
          version: e.version,
          closedThrough: e.closedThrough,
        },
      ];
    });
    if (reread.length > 1) return splitAndCommit(pass, reread, md, attempt);
    return commitChunk(pass, reread, md, attempt + 1);
  }
  pass.closed += todo.length;
  deps.faults?.afterCommit?.(pass.closed);
}

async function splitAndCommit(
  pass: ClosePass,
  orders: readonly StoredOrder[],
  md: MasterData,
  attempt: number,
) {
  const half = Math.ceil(orders.length / 2);
  await commitChunk(pass, orders.slice(0, half), md, attempt);
  await commitChunk(pass, orders.slice(half), md, attempt);
}

/** Current master data of every material and work center the orders' settlement prices. */
async function masterDataFor(
  t: TableContext,
  plant: string,
  orders: readonly Order[],
  cache: MasterDataCache,
): Promise<MasterData> {
  const materials = new Set<string>();
  const workCenters = new Set<string>();
  for (const { snapshot, state } of orders) {
    materials.add(snapshot.material);
    for (const it of snapshot.items) materials.add(it.component);
    for (const c of Object.values(state.components)) materials.add(c.component);
    for (const op of snapshot.operations) if (op.workCenter) workCenters.add(op.workCenter);
  }
  const missingMaterials = [...materials].filter((m) => !cache.materials.has(m));
  const missingWorkCenters = [...workCenters].filter((w) => !cache.workCenters.has(w));
  const [m, w] = await Promise.all([
    missingMaterials.length > 0 ? loadMaterials(t, plant, missingMaterials) : new Map<string, Material>(),
    missingWorkCenters.length > 0
      ? loadWorkCenters(t, plant, missingWorkCenters)
      : new Map<string, WorkCenter>(),
  ]);
  for (const [k, v] of m) cache.materials.set(k, v);
  for (const [k, v] of w) cache.workCenters.set(k, v);
  return cache;
}

const NO_VARIANCE: Variance = { total: ZERO, scrap: ZERO, usage: ZERO, other: ZERO, byWorkCenter: [] };

/** The settled (or carried) order and its report row; none for an order with nothing in or for the period. */
function closeResult(order: Order, md: MasterData, period: string): { next: Order; row?: CloseRow } {
  const result = settle(order, md, period);
  const next = result.order;
  const journal = next.state.periods[period] ?? {};
  if (result.kind === "nothing" && Object.keys(journal).length === 0) return { next };
  return {
    next,
    row: {
      order: next.snapshot.order,
      material: next.snapshot.material,
      status: next.state.status,
      wip: wipThrough(next.state, period),
      variance: result.kind === "settled" ? result.variance : NO_VARIANCE,
      journal,
    },
  };
}

/**
 * WIP at the end of `period`: the WIP side of every period's totals up to it. Equal to the
 * order's balance unless postings of a later period already arrived before the close ran.
 */
function wipThrough(state: OrderState, period: string): Decimal {
  let wip = ZERO;
  for (const [p, totals] of Object.entries(state.periods)) {
    if (p > period) continue;
    const row = totals.WIP;
    if (row) wip = wip.plus(row.debit).minus(row.credit);
  }
  return wip;
}

const hasTotalsAfter = (state: OrderState, period: string) =>
  Object.entries(state.periods).some(([p, totals]) => p > period && Object.keys(totals).length > 0);

async function finishClose(deps: CloseDeps, plant: string, period: string): Promise<PeriodReport> {
  const t = deps.table;
  const [rows, stock, backlogOpen, currency] = await Promise.all([
    listCloseRows(t, plant, period),
    listPlantStock(t, plant),
    countOpenBacklog(t, plant),
    plantCurrency(t, plant),
  ]);
  const materials = await loadMaterials(
    t,
    plant,
    stock.map((s) => s.material),
  );
  const totals = mergeJournals([...rows.map((r) => r.journal), stockJournal(stock, period)]);
  let lines: ReturnType<typeof journalLines>;
  try {
    lines = journalLines(totals);
  } catch (error) {
    if (error instanceof UnbalancedJournalError) {
      // A bug, never an input problem: give the period back and fail loudly (DLQ, alarm).
      deps.log.error("period journal does not balance; period reopened", {
        plant,
        period,
        debit: error.debit,
        credit: error.credit,
      });
      await reopenPeriod(t, plant, period);
    }
    throw error;
  }
  // The seal: one pass over the period's ledger lines by the period index (docs/ledger.md).
  const ledger = await periodLedgerDigest(t, plant, period);
  const report: StoredReport = {
    plant,
    period,
    currency: currency ?? FALLBACK_CURRENCY,
    wipTotal: formatMoney(sum(rows.map((r) => r.wip))),
    varianceTotal: formatMoney(sum(rows.map((r) => r.variance.total))),
    varianceByWorkCenter: periodWorkCenterRows(rows.map((r) => r.variance)),
    ledgerDigest: ledger.digest,
    ledgerLines: ledger.lines,
    journal: lines.map((l) => ({
      account: l.account,
      debit: formatMoney(l.debit),
      credit: formatMoney(l.credit),
    })),
    inventoryTurnover: turnoverLines(stock, materials, period),
    backlogOpen,
  };
  deps.metrics.add("BacklogOpen", "Count", backlogOpen, { plant });
  try {
    await transactWrite(
      t,
      finishCloseWrites(t, plant, period, { closedAt: deps.now().toISOString(), data: report }),
    );
  } catch (error) {
    // A duplicate delivery of the same close finished first: its report stands.
    if (!(error instanceof TransactionCancelledError)) throw error;
    if ((await getPeriodState(t, plant)).locked.get(period) !== "closed") throw error;
    return closedReport(t, plant, period);
  }
  deps.log.info("period closed", { plant, period, orders: rows.length, backlogOpen });
  return reportView(report, rows);
}

/** Journal totals of stock-only postings (receipts, counts) kept on the stock items: `j#P#ACCOUNT#dr|cr`. */
function stockJournal(stock: readonly StockRow[], period: string): JournalTotals {
  const prefix = stockAggregate.journalPrefix(period);
  const totals: Record<string, { debit: Decimal; credit: Decimal }> = {};
  for (const row of stock) {
    for (const [name, value] of Object.entries(row.attributes)) {
      if (!name.startsWith(prefix)) continue;
      const rest = name.slice(prefix.length);
      const cut = rest.lastIndexOf("#");
      const account = rest.slice(0, cut);
      const cur = totals[account] ?? { debit: ZERO, credit: ZERO };
      if (rest.slice(cut + 1) === "dr") cur.debit = cur.debit.plus(fromNum(value));
      else cur.credit = cur.credit.plus(fromNum(value));
      totals[account] = cur;
    }
  }
  return totals;
}

/**
 * Inventory turnover per component (docs/rules.md#inventory-turnover): issued value / average of
 * opening and closing value. Closing quantity = on-hand now minus the changes of later periods; opening
 * = closing minus the period's change; both valued at today's standard price. A manufactured material
 * that nothing consumed is not a component; a line with no stock and no issue says nothing.
 */
function turnoverLines(
  stock: readonly StockRow[],
  materials: ReadonlyMap<string, Material>,
  period: string,
): TurnoverLine[] {
  const issuedName = stockAggregate.issuedValue(period);
  const changeName = stockAggregate.qtyChange(period);
  const changePrefix = stockAggregate.qtyChange("");
  const byMaterial = new Map<string, { onHand: Decimal; later: Decimal; change: Decimal; issued: Decimal }>();
  for (const row of stock) {
    const agg = byMaterial.get(row.material) ?? { onHand: ZERO, later: ZERO, change: ZERO, issued: ZERO };
    agg.onHand = agg.onHand.plus(row.onHand);
    for (const [name, value] of Object.entries(row.attributes)) {
      if (name === issuedName) agg.issued = agg.issued.plus(fromNum(value));
      else if (name === changeName) agg.change = agg.change.plus(fromNum(value));
      else if (name.startsWith(changePrefix) && name.slice(changePrefix.length) > period)
        agg.later = agg.later.plus(fromNum(value));
    }
    byMaterial.set(row.material, agg);
  }
  const lines: TurnoverLine[] = [];
  for (const [id, agg] of [...byMaterial].sort(([a], [b]) => a.localeCompare(b))) {
    const material = materials.get(id);
    if (!material) continue;
    const closingQty = agg.onHand.minus(agg.later);
    const openingQty = closingQty.minus(agg.change);
    const closing = roundMoney(closingQty.times(material.standardPrice));
    const opening = roundMoney(openingQty.times(material.standardPrice));
    if (material.hasBom && agg.issued.isZero()) continue;
    if (agg.issued.isZero() && closing.isZero() && opening.isZero()) continue;
    const turnover = inventoryTurnover(agg.issued, opening, closing);
    lines.push({
      material: id,
      issuedValue: formatMoney(agg.issued),
      averageValue: formatMoney(roundMoney(opening.plus(closing).div(2))),
      turnover: turnover === null ? null : formatMoney(turnover),
    });
  }
  return lines;
}

/**
 * GET period report: the stored report of a closed period; for an open or closing one the
 * status with empty figures (the live open backlog count is cheap and shown).
 */
export async function getPeriodReport(
  deps: { readonly table: TableContext },
  plant: string,
  period: string,
): Promise<PeriodReport> {
  assertPeriod(period);
  const t = deps.table;
  const lock = (await getPeriodState(t, plant)).locked.get(period);
  if (lock === "closed") return closedReport(t, plant, period);
  const [currency, backlogOpen] = await Promise.all([plantCurrency(t, plant), countOpenBacklog(t, plant)]);
  return {
    plant,
    period,
    status: lock ?? "open",
    currency: currency ?? FALLBACK_CURRENCY,
    orders: [],
    wipTotal: "0.00",
    varianceTotal: "0.00",
    varianceByWorkCenter: [],
    ledgerDigest: null,
    journal: [],
    inventoryTurnover: [],
    backlogOpen,
  };
}

/** A closed period's report: the stored summary and the rows the close wrote, in order id order. */
async function closedReport(t: TableContext, plant: string, period: string): Promise<PeriodReport> {
  const [report, rows] = await Promise.all([
    getStoredReport<StoredReport>(t, plant, period),
    listCloseRows(t, plant, period),
  ]);
  if (!report) throw new MissingPeriodReportError(plant, period);
  return reportView(report, rows);
}

function reportView(report: StoredReport, rows: readonly CloseRow[]): PeriodReport {
  return {
    plant: report.plant,
    period: report.period,
    status: "closed",
    currency: report.currency,
    orders: rows.map((r) => ({
      order: r.order,
      material: r.material,
      status: r.status,
      wip: formatMoney(r.wip),
      variance: {
        total: formatMoney(r.variance.total),
        scrap: formatMoney(r.variance.scrap),
        usage: formatMoney(r.variance.usage),
        other: formatMoney(r.variance.other),
        byWorkCenter: workCenterRows(r.variance.byWorkCenter),
      },
    })),
    wipTotal: report.wipTotal,
    varianceTotal: report.varianceTotal,
    varianceByWorkCenter: report.varianceByWorkCenter ?? [],
    ledgerDigest: report.ledgerDigest ?? null,
    journal: report.journal,
    inventoryTurnover: report.inventoryTurnover,
    backlogOpen: report.backlogOpen,
  };
}

const CSV_COLUMNS = [
  "record",
  "plant",
  "period",
  "account",
  "debit",
  "credit",
  "order",
  "material",
  "status",
  "wip",
  "variance_total",
  "variance_scrap",
  "variance_usage",
  "variance_other",
] as const;

/** The report as CSV (RFC 4180, CRLF): a header, one row per journal line, then one per order. */
export function reportToCsv(report: PeriodReport): string {
  const rows: string[][] = [[...CSV_COLUMNS]];
  for (const l of report.journal) {
    rows.push([
      "journal",
      report.plant,
      report.period,
      l.account,
      l.debit,
      l.credit,
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
    ]);
  }
  for (const o of report.orders) {
    const v = o.variance;
    rows.push([
      "order",
      report.plant,
      report.period,
      "",
      "",
      "",
      o.order,
      o.material,
      o.status,
      o.wip,
      v.total,
      v.scrap,
      v.usage,
      v.other,
    ]);
  }
  return rows
    .map((r) => r.map(csvField).join(","))
    .join("\r\n")
    .concat("\r\n");
}

const csvField = (value: string): string =>
  /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replaceAll('"', '""')}"` : value;

function assertPeriod(period: string): void {
  if (!isValidPeriod(period)) throw new InvalidInputError("period", `not a period YYYY-MM: ${period}`);
}

/**
 * Runs `fn` over the items, at most `limit` at a time. After a failure no new item starts, the
 * running ones finish, and the first error is thrown.
 */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (errors.length === 0 && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (errors.length > 0) throw errors[0];
}
