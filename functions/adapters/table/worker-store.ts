import type {
  BacklogLine,
  Decimal,
  Material,
  Movement,
  Order,
  StockDelta,
  StockView,
  WorkCenter,
} from "../../../domain/index.js";
import type { StoredBacklogLine } from "./backlog.js";
import { backlogPut, backlogUpdate, getBacklogLine, listOpenBacklog } from "./backlog.js";
import type { TableContext } from "./client.js";
import type { ConfirmationItems, MovementView, PostingRecordData, PostingStatus } from "./confirmations.js";
import { getConfirmationItems, postingWrite } from "./confirmations.js";
import { type PostingStart, readPostingStart } from "./first-reads.js";
import { type LedgerStore, ledgerStore } from "./ledger.js";
import { MasterDataCache } from "./master-data-cache.js";
import type { StoredOrder } from "./orders.js";
import { getOrder, orderWrite } from "./orders.js";
import type { PeriodState } from "./periods.js";
import { getPeriodState } from "./periods.js";
import type { PlanKind, StoredPlan } from "./plans.js";
import { chunkMarker, deletePlan, getPlan, planPut } from "./plans.js";
import { postingReversed, postingReversing, postingStands, reversalPut } from "./reversals.js";
import type { StockWriteOptions } from "./stock.js";
import { readStock, stockWrite } from "./stock.js";
import type { TaggedItem } from "./transact.js";
import { transactWrite } from "./transact.js";

/** One item of a transaction, built by the store and opaque to the use case. */
export type Write = TaggedItem;

/**
 * The worker's port on the table (docs/data-model.md): reads, and builders of the writes a
 * use case composes into one transaction and hands to `commit`. The use cases decide what
 * commits together; workerStore() below knows the items.
 */
export interface WorkerStore {
  /** The stock ledger's lines (functions/adapters/table/ledger.ts). */
  readonly ledger: LedgerStore;
  confirmation(plant: string, id: string): Promise<ConfirmationItems>;
  /** The order, the period state and the master-data counter in one request (first-reads.ts). */
  start(plant: string, order: string): Promise<PostingStart>;
  order(plant: string, order: string): Promise<StoredOrder | undefined>;
  periods(plant: string): Promise<PeriodState>;
  materials(plant: string, ids: Iterable<string>): Promise<ReadonlyMap<string, Material>>;
  workCenters(plant: string, ids: Iterable<string>): Promise<ReadonlyMap<string, WorkCenter>>;
  /** Materials and work centers in one read of the master-data counter (cached per container). */
  masterData(
    plant: string,
    want: { materials?: Iterable<string>; workCenters?: Iterable<string> },
    /** The counter as read with the caller's first items (else read here). */
    knownVersion?: number,
  ): Promise<{ materials: ReadonlyMap<string, Material>; workCenters: ReadonlyMap<string, WorkCenter> }>;
  stock(plant: string, items: Iterable<{ material: string; location: string }>): Promise<StockView>;
  plan<T>(kind: PlanKind, plant: string, id: string): Promise<StoredPlan<T> | undefined>;
  removePlan(kind: PlanKind, plant: string, id: string): Promise<void>;
  backlogLine(plant: string, confirmationId: string, seq: number): Promise<StoredBacklogLine | undefined>;
  /** One page of open backlog (optionally of one material at one location) and where the next starts. */
  openBacklog(
    plant: string,
    filter: { material: string; location: string } | undefined,
    page: { limit: number; start?: Record<string, unknown> | undefined },
  ): Promise<{ lines: StoredBacklogLine[]; next?: Record<string, unknown> | undefined }>;
  commit(writes: readonly Write[]): Promise<void>;
  readonly writes: WorkerWrites;
}

export interface WorkerWrites {
  posting(
    plant: string,
    id: string,
    p: {
      status: PostingStatus;
      order: string;
      operation: string;
      period?: string;
      rejection?: { code: string; message: string };
      data: PostingRecordData;
      at: string;
      receivedAt?: string;
      postingDate?: string;
    },
  ): Write;
  order(stored: StoredOrder, next: Order): Write;
  stock(plant: string, delta: StockDelta, opts: StockWriteOptions): Write;
  backlogLine(
    plant: string,
    b: { confirmationId: string; order: string; seq: number; line: BacklogLine; createdAt: string },
  ): Write;
  backlogUpdate(
    plant: string,
    read: StoredBacklogLine,
    next: { status: StoredBacklogLine["status"]; remaining: Decimal; postings: readonly Movement[] },
  ): Write;
  plan<T>(kind: PlanKind, plant: string, id: string, plan: T, after?: number): Write;
  chunk(kind: PlanKind, plant: string, id: string, n: number, at: string): Write;
  reversal(
    plant: string,
    id: string,
    r: {
      status: "reversed" | "rejected";
      at: string;
      requestedAt: string;
      period?: string | undefined;
      rejection?: { code: string; message: string } | undefined;
      movements?: readonly MovementView[] | undefined;
      postingDate?: string | undefined;
      ledgerLines?: number | undefined;
    },
  ): Write;
  postingReversing(plant: string, id: string, at: string): Write;
  postingReversed(plant: string, id: string, at: string): Write;
  postingStands(plant: string, id: string): Write;
}

/** The worker's store on the one table: each item family from its own module. */
export function workerStore(t: TableContext, cache = new MasterDataCache(t)): WorkerStore {
  return {
    ledger: ledgerStore(t),
    confirmation: (plant, id) => getConfirmationItems(t, plant, id),
    start: (plant, order) => readPostingStart(t, plant, order),
    order: (plant, order) => getOrder(t, plant, order),
    periods: (plant) => getPeriodState(t, plant),
    materials: async (plant, ids) => (await cache.read(plant, { materials: ids })).materials,
    workCenters: async (plant, ids) => (await cache.read(plant, { workCenters: ids })).workCenters,
    masterData: (plant, want, knownVersion) => cache.read(plant, want, knownVersion),
    stock: (plant, items) => readStock(t, plant, items),
    plan: (kind, plant, id) => getPlan(t, kind, plant, id),
    removePlan: (kind, plant, id) => deletePlan(t, kind, plant, id),
    backlogLine: (plant, id, seq) => getBacklogLine(t, plant, id, seq),
    openBacklog: (plant, filter, page) => listOpenBacklog(t, plant, filter, page),
    commit: (writes) => transactWrite(t, writes),
    writes: {
      posting: (plant, id, p) => postingWrite(t, plant, id, p),
      order: (stored, next) => orderWrite(t, stored, next),
      stock: (plant, delta, opts) => stockWrite(t, plant, delta, opts),
      backlogLine: (plant, b) => backlogPut(t, plant, b),
      backlogUpdate: (plant, read, next) => backlogUpdate(t, plant, read, next),
      plan: (kind, plant, id, plan, after) => planPut(t, kind, plant, id, plan, after),
      chunk: (kind, plant, id, n, at) => chunkMarker(t, kind, plant, id, n, at),
      reversal: (plant, id, r) => reversalPut(t, plant, id, r),
      postingReversing: (plant, id, at) => postingReversing(t, plant, id, at),
      postingReversed: (plant, id, at) => postingReversed(t, plant, id, at),
      postingStands: (plant, id) => postingStands(t, plant, id),
    },
  };
}
