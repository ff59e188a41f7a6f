/**
 * What the period close needs from storage, as one small interface (the port). The DynamoDB
 * implementation is functions/adapters/table/period-close-store.ts; the use cases
 * (close-request.ts, close-run.ts, period-report.ts) never see a table or an SDK command.
 */
import type {
  CloseRow,
  Material,
  Order,
  OrderSnapshot,
  OrderState,
  PeriodLock,
  PeriodState,
  StockItemTotals,
  WorkCenter,
} from "../../domain/index.js";
import type { LedgerSealStore } from "./ledger-seal.js";

/** An order's running state as the close reads it (the immutable snapshot is read separately). */
export interface OrderStateEntry {
  readonly order: string;
  readonly state: OrderState;
  readonly version: number;
  readonly closedThrough?: string | undefined;
}

export interface CloseCheckpoint {
  /** Close-index key to continue after; absent before the first page and after the last. */
  readonly cursor?: Record<string, unknown> | undefined;
  /** True once every page was processed: only the report remains to be written. */
  readonly scanned: boolean;
  readonly processed: number;
  readonly updatedAt: string;
}

/** One order the close writes back, closed through the period, under the version it was read with. */
export interface ClosedOrderWrite {
  readonly next: Order;
  readonly version: number;
  /** Nothing can reach a later close: drop the order from the close index. */
  readonly leaveCloseIndex: boolean;
}

/**
 * The outcome of committing a chunk of closed orders with their rows: `conflict` when a
 * posting got in between (an order's version moved) or the store was busy, `too_large` when
 * the chunk does not fit one transaction. Either way nothing of the chunk was written.
 */
export type CommitOutcome = "committed" | "conflict" | "too_large";

/** A page of the report rows: `next` continues after the last row returned. */
export interface CloseRowsPage {
  readonly rows: readonly CloseRow[];
  readonly next?: string | undefined;
}

export interface PeriodCloseStore {
  getPeriodState(plant: string): Promise<PeriodState>;
  /** Sets the period `closing` unless it is already closed; returns the lock it holds afterwards. */
  markPeriodClosing(plant: string, period: string): Promise<PeriodLock>;
  /** A failed close gives the period back (only while it is still closing) and forgets its checkpoint. */
  reopenPeriod(plant: string, period: string): Promise<void>;
  /** Every registered plant (the scheduled fan-out). */
  listPlants(): Promise<string[]>;

  getCheckpoint(plant: string, period: string): Promise<CloseCheckpoint | undefined>;
  putCheckpoint(plant: string, period: string, checkpoint: CloseCheckpoint): Promise<void>;

  /** One page of the orders the next close must read (the close index), read consistently. */
  listOrdersToClose(
    plant: string,
    page: { readonly limit: number; readonly start?: Record<string, unknown> | undefined },
  ): Promise<{ orders: OrderStateEntry[]; next?: Record<string, unknown> | undefined }>;
  getOrderStates(plant: string, orders: readonly string[]): Promise<Map<string, OrderStateEntry>>;
  getOrderSnapshots(plant: string, orders: readonly string[]): Promise<Map<string, OrderSnapshot>>;
  loadMaterials(plant: string, materials: readonly string[]): Promise<Map<string, Material>>;
  loadWorkCenters(plant: string, workCenters: readonly string[]): Promise<Map<string, WorkCenter>>;

  /** The orders (each under the version it was read with) and their report rows, in one transaction. */
  commitClosedOrders(
    plant: string,
    period: string,
    orders: readonly ClosedOrderWrite[],
    rows: readonly CloseRow[],
  ): Promise<CommitOutcome>;
  /** Every report row a close of the period wrote, by order id. */
  listCloseRows(plant: string, period: string): Promise<CloseRow[]>;
  /** Report rows in order id order, `limit` at a time, after the `cursor` a previous page returned. */
  pageCloseRows(
    plant: string,
    period: string,
    page: { readonly limit: number; readonly cursor?: string | undefined },
  ): Promise<CloseRowsPage>;

  /** Every stock item of the plant with its per-period aggregates. */
  listPlantStock(plant: string): Promise<StockItemTotals[]>;
  /**
   * The periods the plant posted stock or WIP in, from its posted-period markers (a few items);
   * undefined while they are not known to cover every posting (a plant from before them).
   */
  postedPeriods(plant: string): Promise<ReadonlySet<string> | undefined>;
  /** Records `periods` (read the old way) as the plant's posted periods and the markers as complete. */
  completePostedPeriods(plant: string, periods: Iterable<string>): Promise<void>;
  countOpenBacklog(plant: string): Promise<number>;
  /** The plant's first material by id (its currency is the plant's). */
  firstMaterial(plant: string): Promise<Pick<Material, "currency"> | undefined>;

  /**
   * The close's last step in one transaction: the report stored, the lock `closed` (only from
   * `closing`) and the checkpoint gone. False when it was cancelled (a concurrent finisher won).
   */
  finishClose(plant: string, period: string, report: { closedAt: string; data: unknown }): Promise<boolean>;
  getStoredReport<T>(plant: string, period: string): Promise<T | undefined>;
  /**
   * What the ledger seal reads and repairs (docs/ledger.md): the period's lines, the postings and
   * reversals listed under the period, and the ledger port to project what is missing.
   */
  readonly ledgerSeal: LedgerSealStore;
}
