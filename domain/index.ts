/** The domain engine: pure rules of docs/rules.md. No AWS, no I/O, no clock. */
export * from "./backflush.js";
export * from "./backlog.js";
export * from "./cutoff.js";
export * from "./decimal.js";
export * from "./errors.js";
export * from "./issue-lines.js";
export * from "./journal.js";
export * from "./ledger.js";
export * from "./model.js";
export * from "./order.js";
export * from "./period.js";
export * from "./period-close.js";
export * from "./reorder.js";
export * from "./reversal.js";
export * from "./settlement.js";
export * from "./stock.js";
export * from "./variance-by-work-center.js";
