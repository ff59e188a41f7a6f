import { csvTable } from "../../use-cases/csv.js";
import type { PeriodReport } from "../../use-cases/period-report.js";

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

/**
 * GET period report `?format=csv` (docs/api.md#periods): RFC 4180 with CRLF, a header, one row
 * per journal line, then one per order of the page.
 */
export function reportToCsv(report: PeriodReport): string {
  const rows: string[][] = [];
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
  return csvTable(CSV_COLUMNS, rows);
}
