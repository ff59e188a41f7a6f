/**
 * The period report (docs/api.md#periods): its shape, the summary a close stores (built from
 * the settled rows alone, so further figures can be added in one place), and GET of a period.
 */
import {
  type CloseRow,
  formatMoney,
  type JournalTotals,
  journalLines,
  type Material,
  mergeJournals,
  plantCurrency,
  type StockItemTotals,
  stockJournal,
  sum,
  type TurnoverLine,
  turnoverLines,
} from "../../domain/index.js";
import { assertPeriod } from "./close-request.js";
import { MissingPeriodReportError } from "./errors.js";
import type { PeriodCloseStore } from "./period-close-port.js";

export type PeriodStatus = "open" | "closing" | "closed";
export type { TurnoverLine } from "../../domain/index.js";

/** GET period report: money as strings with 2 places. */
export interface PeriodReport {
  readonly plant: string;
  readonly period: string;
  readonly status: PeriodStatus;
  readonly currency: string;
  readonly orders: readonly ReportOrder[];
  readonly wipTotal: string;
  readonly varianceTotal: string;
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
  };
}

/** What the close stores besides the rows: the report without its orders. */
export type StoredReport = Omit<PeriodReport, "orders" | "status">;

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
 * inventory turnover, open backlog. Throws UnbalancedJournalError when the journal does not balance.
 */
export function summarizePeriod(f: PeriodFigures): StoredReport {
  const lines = journalLines(periodJournal(f));
  return {
    plant: f.plant,
    period: f.period,
    currency: f.currency,
    wipTotal: formatMoney(sum(f.rows.map((r) => r.wip))),
    varianceTotal: formatMoney(sum(f.rows.map((r) => r.variance.total))),
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
  },
});

export function reportView(report: StoredReport, rows: readonly CloseRow[]): PeriodReport {
  return {
    plant: report.plant,
    period: report.period,
    status: "closed",
    currency: report.currency,
    orders: rows.map(reportOrder),
    wipTotal: report.wipTotal,
    varianceTotal: report.varianceTotal,
    journal: report.journal,
    inventoryTurnover: report.inventoryTurnover,
    backlogOpen: report.backlogOpen,
  };
}

/** A closed period's report: the stored summary and the rows the close wrote, in order id order. */
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

/**
 * GET period report: the stored report of a closed period; for an open or closing one the
 * status with empty figures (the live open backlog count is cheap and shown).
 */
export async function getPeriodReport(
  deps: { readonly store: PeriodCloseStore },
  plant: string,
  period: string,
): Promise<PeriodReport> {
  assertPeriod(period);
  const { store } = deps;
  const lock = (await store.getPeriodState(plant)).locked.get(period);
  if (lock === "closed") return closedReport(store, plant, period);
  const [first, backlogOpen] = await Promise.all([store.firstMaterial(plant), store.countOpenBacklog(plant)]);
  return {
    plant,
    period,
    status: lock ?? "open",
    currency: plantCurrency(first),
    orders: [],
    wipTotal: "0.00",
    varianceTotal: "0.00",
    journal: [],
    inventoryTurnover: [],
    backlogOpen,
  };
}
