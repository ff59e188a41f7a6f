/** The DynamoDB table adapter: one module per AWS service, split by item family. */
export { type CancellationKind, OrderExistsError, TransactionCancelledError } from "../errors.js";
export * from "./backlog.js";
export * from "./client.js";
export * from "./confirmations.js";
export * from "./ledger.js";
export * from "./lists.js";
export * from "./master-data.js";
export * from "./orders.js";
export * from "./period-close.js";
export * from "./periods.js";
export * from "./plans.js";
export * from "./plants.js";
export * from "./requisitions.js";
export * from "./reversals.js";
export * from "./stock.js";
export * from "./stock-documents.js";
export * from "./transact.js";
export * from "./worker-store.js";
