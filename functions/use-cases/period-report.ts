/**
 * The period report (docs/api.md#periods): its shape, the summary a close stores (built from
 * the settled rows alone, so further figures can be added in one place), and GET of a period.
 */
import {
  type CloseRow,
  formatMoney,
  isClosedThrough,
  type JournalTotals,
  journalLines,
  journalView,
  type Material,
  mergeJournals,
  plantCurrency,
  rowToDate,
  type StockItemTotals,
  stockJournal,
  sum,
  type TurnoverLine,
  turnoverLines,
} from "../../domain/index.js";
import { type CursorShape, decodeCursor, encodeCursor, PAGE_LIMITS } from "../common/paging.js";
import { assertPeriod } from "./close-request.js";
import { MissingPeriodReportError } from "./errors.js";
import { periodWorkCenterRows, type WorkCenterRow, workCenterRows } from "./ledger.js";
import type { OrderStateEntry, PeriodCloseStore } from "./period-close-port.js";

export type PeriodStatus = "open" | "closing" | "closed";
export type { TurnoverLine } from "../../domain/index.js";

/** GET period report: money as strings with 2 places. */
export interface PeriodReport {
  readonly plant: string;
  readonly period: string;
  readonly status: PeriodStatus;
  readonly currency: string;
  /** One page of the orders, in order id order (docs/api.md#paging). */
  readonly orders: readonly ReportOrder[];
  /** The cursor of the next page of orders; null on the last one. Totals are always whole. */
  readonly next: string | null;
  readonly wipTotal: string;
  readonly varianceTotal: string;
  /** The settled orders' scrap and usage summed per work center (docs/ledger.md). */
  readonly varianceByWorkCenter: readonly WorkCenterRow[];
  /** SHA-256 over the period's ledger lines, sealed by the close (docs/ledger.md); null until then. */
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

/** What the close stores besides the rows: the report without its orders. */
/** What the close stores besides the rows: the report without its orders, and the sealed line count. */
export type StoredReport = Omit<PeriodReport, "orders" | "next" | "status"> & {
  readonly ledgerLines?: number;
};

/** Everything the summary of a period is a function of. */
export interface PeriodFigures {
  readonly plant: string;
  readonly period: string;
  readonly currency: string;
  /** One row per order the period touched (settled, carried, or to date). */
  readonly rows: readonly CloseRow[];
  /** Every stock item of the plant with its per-period aggregates. */
  readonly stock: readonly StockItemTotals[];
  readonly materials: ReadonlyMap<string, Material>;
  readonly backlogOpen: number;
}

/** The period's journal totals: the orders' rows and the stock-only postings. */
export const periodJournal = (f: Pick<PeriodFigures, "rows" | "stock" | "period">): JournalTotals =>
  mergeJournals([...f.rows.map((r) => r.journal), stockJournal(f.stock, f.period)]);

/**
 * The report's summary from its figures: WIP and variance totals, the balanced journal,
 * inventory turnover, open backlog. Throws UnbalancedJournalError when the journal does not
 * balance, unless `checked` is false (a report to date shows what is there; the close refuses it).
 */
export function summarizePeriod(f: PeriodFigures, checked = true): StoredReport {
  const totals = periodJournal(f);
  const lines = checked ? journalLines(totals) : journalView(totals);
  return {
    plant: f.plant,
    period: f.period,
    currency: f.currency,
    wipTotal: formatMoney(sum(f.rows.map((r) => r.wip))),
    varianceTotal: formatMoney(sum(f.rows.map((r) => r.variance.total))),
    varianceByWorkCenter: periodWorkCenterRows(f.rows.map((r) => r.variance)),
    ledgerDigest: null,
    journal: lines.map((l) => ({
      account: l.account,
      debit: formatMoney(l.debit),
      credit: formatMoney(l.credit),
    })),
    inventoryTurnover: turnoverLines(f.stock, f.materials, f.period),
    backlogOpen: f.backlogOpen,
  };
}

/** One row as the report shows it. */
export const reportOrder = (r: CloseRow): ReportOrder => ({
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
});

export function reportView(
  report: StoredReport,
  rows: readonly CloseRow[],
  status: PeriodStatus = "closed",
  next: string | null = null,
): PeriodReport {
  return {
    plant: report.plant,
    period: report.period,
    status,
    currency: report.currency,
    orders: rows.map(reportOrder),
    next,
    wipTotal: report.wipTotal,
    varianceTotal: report.varianceTotal,
    varianceByWorkCenter: report.varianceByWorkCenter ?? [],
    ledgerDigest: report.ledgerDigest ?? null,
    journal: report.journal,
    inventoryTurnover: report.inventoryTurnover,
    backlogOpen: report.backlogOpen,
  };
}

/** A closed period's report: the stored summary and every row the close wrote, in order id order. */
export async function closedReport(
  store: PeriodCloseStore,
  plant: string,
  period: string,
): Promise<PeriodReport> {
  const [report, rows] = await Promise.all([
    store.getStoredReport<StoredReport>(plant, period),
    store.listCloseRows(plant, period),
  ]);
  if (!report) throw new MissingPeriodReportError(plant, period);
  return reportView(report, rows);
}

/** A page of the report's orders: `limit` of them after the order `cursor` names. */
export interface ReportPage {
  readonly limit: number;
  readonly cursor?: string | undefined;
}

export const DEFAULT_REPORT_PAGE: ReportPage = { limit: PAGE_LIMITS.default };

/** The cursor of the report's orders: the last order id of a page, bound to plant and period. */
const ordersCursor = (plant: string, period: string): CursorShape => ({
  list: "period-orders",
  fixed: { plant, period },
  free: { order: "" },
});

/**
 * GET period report (docs/api.md#periods), its orders a page at a time; totals, journal and
 * turnover always whole. A closed period: the stored summary and a page of the stored rows.
 * An open or closing period: the period to date, computed now from the orders the next close
 * must read and the stock items: WIP per order, the journal so far (balanced), turnover so
 * far, open backlog; variances only for the orders a running close has already settled.
 */
export async function getPeriodReport(
  deps: { readonly store: PeriodCloseStore },
  plant: string,
  period: string,
  page: ReportPage = DEFAULT_REPORT_PAGE,
): Promise<PeriodReport> {
  assertPeriod(period);
  const { store } = deps;
  const shape = ordersCursor(plant, period);
  const after = decodeCursor(shape, page.cursor)?.order;
  const lock = (await store.getPeriodState(plant)).locked.get(period);
  if (lock === "closed") {
    const [report, rows] = await Promise.all([
      store.getStoredReport<StoredReport>(plant, period),
      store.pageCloseRows(plant, period, { limit: page.limit, cursor: after }),
    ]);
    if (!report) throw new MissingPeriodReportError(plant, period);
    const next = rows.next === undefined ? null : encodeCursor(shape, { plant, period, order: rows.next });
    return reportView(report, rows.rows, "closed", next);
  }
  const { summary, rows } = await reportToDate(store, plant, period, lock === "closing");
  const from = after === undefined ? rows : rows.filter((r) => r.order > after);
  const pageRows = from.slice(0, page.limit);
  const last = pageRows.at(-1)?.order;
  const next =
    from.length > page.limit && last !== undefined
      ? encodeCursor(shape, { plant, period, order: last })
      : null;
  return reportView(summary, pageRows, lock ?? "open", next);
}

/** The figures of a period that is not closed, to date; rows in order id order. */
async function reportToDate(
  store: PeriodCloseStore,
  plant: string,
  period: string,
  closing: boolean,
): Promise<{ summary: StoredReport; rows: CloseRow[] }> {
  const [settled, entries, stock, backlogOpen, first] = await Promise.all([
    closing ? store.listCloseRows(plant, period) : Promise.resolve([]),
    allOrdersToClose(store, plant),
    store.listPlantStock(plant),
    store.countOpenBacklog(plant),
    store.firstMaterial(plant),
  ]);
  const open = entries.filter((e) => !isClosedThrough(e.closedThrough, period));
  const snapshots =
    open.length > 0
      ? await store.getOrderSnapshots(
          plant,
          open.map((e) => e.order),
        )
      : new Map();
  const done = new Set(settled.map((r) => r.order));
  const live = open.flatMap((e) => {
    const snapshot = snapshots.get(e.order);
    if (!snapshot || done.has(e.order)) return [];
    const row = rowToDate({ snapshot, state: e.state }, period);
    return row ? [row] : [];
  });
  const rows = [...settled, ...live].sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  const materials = await store.loadMaterials(
    plant,
    stock.map((s) => s.material),
  );
  const figures: PeriodFigures = {
    plant,
    period,
    currency: plantCurrency(first),
    rows,
    stock,
    materials,
    backlogOpen,
  };
  // Balanced by construction; if a bug broke that, GET shows it and the close refuses the period.
  return { summary: summarizePeriod(figures, false), rows };
}

async function allOrdersToClose(store: PeriodCloseStore, plant: string): Promise<OrderStateEntry[]> {
  const all: OrderStateEntry[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.listOrdersToClose(plant, { limit: 100, start });
    all.push(...page.orders);
    start = page.next;
  } while (start);
  return all;
}
