/**
 * The close worker (docs/rules.md#period-close): settles every order of the close index in
 * pages with checkpoints, then writes the period's report. The rules are in domain/
 * (settlement.ts, period-close.ts); storage is the PeriodCloseStore port.
 */
import {
  type CloseRow,
  closeOrder,
  isClosedThrough,
  leavesCloseIndex,
  type MasterData,
  type Material,
  type Order,
  plantCurrency,
  UnbalancedJournalError,
  type WorkCenter,
} from "../../domain/index.js";
import { backoffDelay, type MetricsPort, sleep } from "../common/ports.js";
import { assertPeriod, type CloseRequestDeps } from "./close-request.js";
import { retryingCloseStore } from "./close-retry.js";
import { CloseConflictError } from "./errors.js";
import { sealPeriodLedger } from "./ledger-seal.js";
import type { ClosedOrderWrite, OrderStateEntry, PeriodCloseStore } from "./period-close-port.js";
import { closedReport, type PeriodReport, reportView, summarizePeriod } from "./period-report.js";
import type { RetryPolicy } from "./retry.js";

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
  /** Backoff of the store calls' retries on conflicts and throttling (retry.ts; SYNC_RETRY when absent). */
  readonly retry?: Partial<RetryPolicy> | undefined;
  /** Fault injection for tests: throwing here simulates a crash after a commit (n orders closed so far). */
  readonly faults?: { afterCommit?(closedInThisInvocation: number): void } | undefined;
}

export type CloseRunResult =
  | { readonly status: "closed"; readonly report: PeriodReport }
  | { readonly status: "continued"; readonly processed: number };

const MAX_CHUNK = 99;
const DEFAULT_PAGE_SIZE = MAX_CHUNK;
const ORDER_ATTEMPTS = 8;

/** An order as the close holds it: snapshot, state, and the version a write-back is conditioned on. */
interface ClosingOrder {
  readonly order: Order;
  readonly version: number;
  readonly closedThrough?: string | undefined;
}

/**
 * Walks the close index in pages: each order is settled and written back with
 * `closedThrough = period`, up to 99 orders per transaction together with their report rows.
 * The version bump is the lock protocol: a posting that read the order before fails its
 * condition, re-reads the (now locked) period state and lands in the next period. An order
 * whose closedThrough already reaches the period is done and never settled twice, so a crashed
 * or duplicated run resumes from its checkpoint without double effects. After the last page:
 * stock journal, inventory turnover, backlog; the journal must balance, else the period is
 * given back and the close fails loudly. Report and lock "closed" commit together.
 */
export async function runClose(given: CloseDeps, plant: string, period: string): Promise<CloseRunResult> {
  assertPeriod(period);
  // Conflicts and throttling are retried in place (close-retry.ts), not by a redelivery.
  const deps: CloseDeps = { ...given, store: retryingCloseStore(given.store, given) };
  const { store } = deps;
  const lock = (await store.getPeriodState(plant)).locked.get(period);
  if (
    lock === "closed" ||
    (lock === undefined && (await store.markPeriodClosing(plant, period)) === "closed")
  ) {
    return { status: "closed", report: await closedReport(store, plant, period) };
  }

  const checkpoint = await store.getCheckpoint(plant, period);
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
    const page = await store.listOrdersToClose(plant, {
      limit: deps.pageSize ?? DEFAULT_PAGE_SIZE,
      start: cursor,
    });
    processed += await closePage(pass, page.orders);
    pages++;
    cursor = page.next;
    scanned = cursor === undefined;
    await store.putCheckpoint(plant, period, {
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

/** One page of the close index: the orders not yet done, in transactions of up to chunkSize orders. */
async function closePage(pass: ClosePass, entries: readonly OrderStateEntry[]): Promise<number> {
  const { deps, plant } = pass;
  const open = entries.filter((e) => !isClosedThrough(e.closedThrough, pass.period));
  if (open.length === 0) return 0;
  const snapshots = await deps.store.getOrderSnapshots(
    plant,
    open.map((e) => e.order),
  );
  const orders: ClosingOrder[] = [];
  for (const e of open) {
    const snapshot = snapshots.get(e.order);
    if (!snapshot) {
      deps.log.warn("order in the close index has no snapshot", { plant, order: e.order });
      continue;
    }
    orders.push({ order: { snapshot, state: e.state }, version: e.version, closedThrough: e.closedThrough });
  }
  const md = await masterDataFor(
    deps.store,
    plant,
    orders.map((s) => s.order),
    pass.cache,
  );
  const size = Math.max(1, Math.min(deps.chunkSize ?? MAX_CHUNK, MAX_CHUNK));
  const chunks: ClosingOrder[][] = [];
  for (let i = 0; i < orders.length; i += size) chunks.push(orders.slice(i, i + size));
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
  chunk: readonly ClosingOrder[],
  md: MasterData,
  attempt: number,
): Promise<void> {
  const { deps, plant, period } = pass;
  const todo = chunk.filter((s) => !isClosedThrough(s.closedThrough, period));
  if (todo.length === 0) return;
  const rows: CloseRow[] = [];
  const writes: ClosedOrderWrite[] = [];
  for (const closing of todo) {
    const { next, row } = closeOrder(closing.order, md, period);
    writes.push({ next, version: closing.version, leaveCloseIndex: leavesCloseIndex(next.state, period) });
    if (row) rows.push(row);
  }
  const outcome = await deps.store.commitClosedOrders(plant, period, writes, rows);
  if (outcome === "too_large") return splitAndCommit(pass, todo, md, attempt);
  if (outcome === "conflict") {
    if (attempt >= ORDER_ATTEMPTS) throw new CloseConflictError(plant, period, attempt);
    await (deps.sleep ?? sleep)(backoffDelay(attempt, 25));
    const fresh = await deps.store.getOrderStates(
      plant,
      todo.map((s) => s.order.snapshot.order),
    );
    const reread = todo.flatMap((s): ClosingOrder[] => {
      const e = fresh.get(s.order.snapshot.order);
      if (!e) return [];
      return [
        {
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
  orders: readonly ClosingOrder[],
  md: MasterData,
  attempt: number,
) {
  const half = Math.ceil(orders.length / 2);
  await commitChunk(pass, orders.slice(0, half), md, attempt);
  await commitChunk(pass, orders.slice(half), md, attempt);
}

/** Current master data of every material and work center the orders' settlement prices. */
async function masterDataFor(
  store: PeriodCloseStore,
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
    missingMaterials.length > 0 ? store.loadMaterials(plant, missingMaterials) : new Map<string, Material>(),
    missingWorkCenters.length > 0
      ? store.loadWorkCenters(plant, missingWorkCenters)
      : new Map<string, WorkCenter>(),
  ]);
  for (const [k, v] of m) cache.materials.set(k, v);
  for (const [k, v] of w) cache.workCenters.set(k, v);
  return cache;
}

async function finishClose(deps: CloseDeps, plant: string, period: string): Promise<PeriodReport> {
  const { store } = deps;
  const [rows, stock, backlogOpen, first] = await Promise.all([
    store.listCloseRows(plant, period),
    store.listPlantStock(plant),
    store.countOpenBacklog(plant),
    store.firstMaterial(plant),
  ]);
  const materials = await store.loadMaterials(
    plant,
    stock.map((s) => s.material),
  );
  let report: ReturnType<typeof summarizePeriod>;
  try {
    report = summarizePeriod({
      plant,
      period,
      currency: plantCurrency(first),
      rows,
      stock,
      materials,
      backlogOpen,
    });
  } catch (error) {
    if (error instanceof UnbalancedJournalError) {
      // A bug, never an input problem: give the period back and fail loudly (DLQ, alarm).
      deps.log.error("period journal does not balance; period reopened", {
        plant,
        period,
        debit: error.debit,
        credit: error.credit,
      });
      await store.reopenPeriod(plant, period);
    }
    throw error;
  }
  // The seal: one pass over the period's ledger lines by the period index, after the lines of
  // postings still being projected are written (docs/ledger.md, "What the seal relies on").
  const ledger = await sealPeriodLedger(store.ledgerSeal, plant, period, deps.log);
  report = { ...report, ledgerDigest: ledger.digest, ledgerLines: ledger.lines };
  deps.metrics.add("BacklogOpen", "Count", backlogOpen, { plant });
  if (!(await store.finishClose(plant, period, { closedAt: deps.now().toISOString(), data: report }))) {
    // A duplicate delivery of the same close finished first: its report stands.
    if ((await store.getPeriodState(plant)).locked.get(period) !== "closed")
      throw new Error(`close of ${plant} ${period} could not be finished`);
    return closedReport(store, plant, period);
  }
  deps.log.info("period closed", { plant, period, orders: rows.length, backlogOpen });
  return reportView(report, rows);
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
