/**
 * The period close (docs/rules.md#period-close), by concern: close-request.ts (POST and the
 * monthly schedule), close-run.ts (the close worker), period-report.ts (the report and GET),
 * period-close-port.ts (the storage port). The CSV form of the report is the HTTP edge's
 * (functions/api/http/period-csv.ts).
 */
export * from "./close-request.js";
export * from "./close-run.js";
export type * from "./period-close-port.js";
export * from "./period-report.js";
