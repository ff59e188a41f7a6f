/**
 * The period close's port (functions/use-cases/period-close-port.ts) on the table: the period
 * items of period-close.ts, the orders, master data, stock and backlog reads, and the close's
 * transactions. Transaction details (item limits, sizes, cancellation reasons) stay here.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { CloseRow } from "../../../domain/index.js";
import type { CloseRowsPage, CommitOutcome, PeriodCloseStore } from "../../use-cases/period-close-port.js";
import { TransactionCancelledError } from "../errors.js";
import type { TableContext } from "./client.js";
import { unpack } from "./codec.js";
import { keys } from "./keys.js";
import { ledgerStore, periodLines } from "./ledger.js";
import { listLedgerSources } from "./ledger-sources.js";
import { loadMaterials, loadWorkCenters } from "./master-data.js";
import { orderWrite } from "./orders.js";
import {
  closeRowsWrite,
  countOpenBacklog,
  finishCloseWrites,
  getCloseCheckpoint,
  getOrderSnapshots,
  getOrderStates,
  getStoredReport,
  listCloseRows,
  listOrdersToClose,
  markPeriodClosing,
  plantCurrencyMaterial,
  putCloseCheckpoint,
  reopenPeriod,
} from "./period-close.js";
import { getPeriodState } from "./periods.js";
import { listPlants } from "./plants.js";
import { completePostedPeriods, readPostedPeriods } from "./posted-periods.js";
import { listPlantStock } from "./stock.js";
import { isTransient, type TaggedItem, transactWrite } from "./transact.js";

/** Packed order state per transaction, well below the 4 MB TransactWriteItems limit. */
const MAX_TRANSACTION_BYTES = 3_000_000;

export function periodCloseStore(t: TableContext): PeriodCloseStore {
  return {
    getPeriodState: (plant) => getPeriodState(t, plant),
    markPeriodClosing: (plant, period) => markPeriodClosing(t, plant, period),
    reopenPeriod: (plant, period) => reopenPeriod(t, plant, period),
    listPlants: () => listPlants(t),
    getCheckpoint: (plant, period) => getCloseCheckpoint(t, plant, period),
    putCheckpoint: (plant, period, checkpoint) => putCloseCheckpoint(t, plant, period, checkpoint),
    listOrdersToClose: (plant, page) => listOrdersToClose(t, plant, page),
    getOrderStates: (plant, orders) => getOrderStates(t, plant, orders),
    getOrderSnapshots: (plant, orders) => getOrderSnapshots(t, plant, orders),
    loadMaterials: (plant, materials) => loadMaterials(t, plant, materials),
    loadWorkCenters: (plant, workCenters) => loadWorkCenters(t, plant, workCenters),
    async commitClosedOrders(plant, period, orders, rows): Promise<CommitOutcome> {
      const writes: TaggedItem[] = [];
      let bytes = 0;
      for (const o of orders) {
        const stored = { plant, order: o.next, version: o.version };
        const write = orderWrite(t, stored, o.next, {
          closedThrough: period,
          leaveCloseIndex: o.leaveCloseIndex,
        });
        bytes += (write.item.Put?.Item?.data as Uint8Array | undefined)?.length ?? 0;
        writes.push(write);
      }
      // TransactWriteItems takes at most 4 MB: big orders go in smaller transactions.
      if (bytes > MAX_TRANSACTION_BYTES && orders.length > 1) return "too_large";
      if (rows.length > 0) writes.push(closeRowsWrite(t, plant, period, rows));
      try {
        await transactWrite(t, writes);
        return "committed";
      } catch (error) {
        const conflict =
          isTransient(error) || (error instanceof TransactionCancelledError && error.kind === "version");
        if (conflict) return "conflict";
        throw error;
      }
    },
    listCloseRows: (plant, period) => listCloseRows(t, plant, period),
    pageCloseRows: (plant, period, page) => pageCloseRows(t, plant, period, page),
    listPlantStock: (plant) => listPlantStock(t, plant),
    postedPeriods: (plant) => readPostedPeriods(t, plant),
    completePostedPeriods: (plant, periods) => completePostedPeriods(t, plant, periods),
    countOpenBacklog: (plant) => countOpenBacklog(t, plant),
    firstMaterial: (plant) => plantCurrencyMaterial(t, plant),
    async finishClose(plant, period, report) {
      try {
        await transactWrite(t, finishCloseWrites(t, plant, period, report));
        return true;
      } catch (error) {
        // A conflict or throttling is worth another try (the caller retries); a failed condition
        // means a concurrent finisher closed the period first.
        if (error instanceof TransactionCancelledError && !isTransient(error)) return false;
        throw error;
      }
    },
    getStoredReport: (plant, period) => getStoredReport(t, plant, period),
    ledgerSeal: {
      periodLines: (plant, period) => periodLines(t, plant, period),
      ledgerSources: (plant, period) => listLedgerSources(t, plant, period),
      ledger: ledgerStore(t),
    },
  };
}

/**
 * A page of a closed period's rows, in order id order, after the order `page.cursor` names.
 * Rows are stored in items of up to 99 (one per close transaction), keyed by their first
 * order; the items' order ranges never overlap (each transaction takes a contiguous run of
 * the close index's order ids), so the rows after order `a` are in the last item keyed at or
 * before `a` and in the items after it. Reads grow with the page, not with the period.
 */
async function pageCloseRows(
  t: TableContext,
  plant: string,
  period: string,
  page: { readonly limit: number; readonly cursor?: string | undefined },
): Promise<CloseRowsPage> {
  const pk = keys.closeRowsPk(plant, period);
  const after = page.cursor;
  const firstSk = keys.closeRows(plant, period, after ?? "").sk;
  const items: Record<string, unknown>[] = [];
  if (after !== undefined) {
    const res = await t.ddb.send(
      new QueryCommand({
        TableName: t.tableName,
        KeyConditionExpression: "pk = :pk AND sk <= :sk",
        ExpressionAttributeValues: { ":pk": pk, ":sk": firstSk },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    items.push(...(res.Items ?? []));
  }
  const rows: CloseRow[] = [];
  const take = (item: Record<string, unknown>) => {
    const sorted = unpack<CloseRow[]>(item.data as Uint8Array).sort((a, b) => compare(a.order, b.order));
    for (const r of sorted) if (after === undefined || r.order > after) rows.push(r);
  };
  for (const item of items) take(item);
  let start: Record<string, unknown> | undefined;
  while (rows.length <= page.limit) {
    const res = await t.ddb.send(
      new QueryCommand({
        TableName: t.tableName,
        KeyConditionExpression: after === undefined ? "pk = :pk" : "pk = :pk AND sk > :sk",
        ExpressionAttributeValues: after === undefined ? { ":pk": pk } : { ":pk": pk, ":sk": firstSk },
        ConsistentRead: true,
        // Every item holds at least one row: this many items fill the page and tell whether more follow.
        Limit: Math.min(100, page.limit + 1 - rows.length),
        ExclusiveStartKey: start,
      }),
    );
    for (const item of res.Items ?? []) take(item);
    start = res.LastEvaluatedKey;
    if (!start) break;
  }
  const pageRows = rows.slice(0, page.limit);
  const more = rows.length > page.limit;
  return { rows: pageRows, next: more ? pageRows.at(-1)?.order : undefined };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
