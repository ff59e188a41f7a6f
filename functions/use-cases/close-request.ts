/**
 * Requests of a period close (docs/rules.md#period-close): the controller's POST and the
 * monthly schedule. They lock the period and queue the close; close-run.ts does the work.
 */
import {
  closability,
  InvalidInputError,
  isValidPeriod,
  needsPostedPeriods,
  type OrderState,
  periodOf,
  periodsWithPostings,
  previousPeriod,
} from "../../domain/index.js";
import type { LogPort } from "../common/ports.js";
import {
  EarlierPeriodOpenError,
  LaterPeriodLockedError,
  QueueUnavailableError,
  ScheduledCloseError,
} from "./errors.js";
import type { PeriodCloseStore } from "./period-close-port.js";
import { isoDate } from "./posting-support.js";

export interface CloseRequestDeps {
  readonly store: PeriodCloseStore;
  readonly now: () => Date;
  readonly log: LogPort;
  /** Puts a close request on the close queue; the close worker runs runClose for it. */
  readonly enqueueClose: (plant: string, period: string) => Promise<void>;
}

export function assertPeriod(period: string): void {
  if (!isValidPeriod(period)) throw new InvalidInputError("period", `not a period YYYY-MM: ${period}`);
}

/**
 * POST .../periods/{period}/close: locks the period ("closing": new postings dated in it land
 * in the next open period) and queues the close. The current period may be closed early; a
 * future one may not. A closed period answers "closed" and nothing happens. Closes go in
 * order: refused while an earlier period with postings is not closed (docs/rules.md#closes-in-order).
 */
export async function requestClose(
  deps: CloseRequestDeps,
  plant: string,
  period: string,
): Promise<{ plant: string; period: string; status: "closing" | "closed" }> {
  assertPeriod(period);
  const state = await deps.store.getPeriodState(plant);
  const current = periodOf(isoDate(deps.now()));
  let check = closability(state, period, current);
  if (check.kind === "open" && needsPostedPeriods(state, period))
    check = closability(state, period, current, await postedPeriods(deps.store, plant));
  if (check.kind === "future") throw new InvalidInputError("period", `period ${period} has not begun yet`);
  if (check.kind === "closed") return { plant, period, status: "closed" };
  if (check.kind === "later_locked") throw new LaterPeriodLockedError(period, check.later);
  if (check.kind === "earlier_open") throw new EarlierPeriodOpenError(period, check.earlier);

  if ((await deps.store.markPeriodClosing(plant, period)) === "closed")
    return { plant, period, status: "closed" };
  try {
    await deps.enqueueClose(plant, period);
  } catch (error) {
    // The lock stays: postings already go to the next period; a retried request enqueues again.
    throw new QueueUnavailableError(`close request for ${plant} ${period} not queued`, { cause: error });
  }
  deps.log.info("period close requested", { plant, period });
  return { plant, period, status: "closing" };
}

/**
 * The periods with postings no close has taken. From the plant's posted-period markers: a few
 * items, whatever the number of orders and stock items (docs/data-model.md, "posted periods").
 * A plant whose markers are not complete (it posted before they existed) is read the old way
 * once, from the orders the next close must read (the close index) and the stock items, and
 * its markers are completed from what that found.
 */
async function postedPeriods(store: PeriodCloseStore, plant: string): Promise<ReadonlySet<string>> {
  const marked = await store.postedPeriods(plant);
  if (marked) return marked;
  const orders: { state: OrderState; closedThrough?: string | undefined }[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.listOrdersToClose(plant, { limit: 100, start });
    orders.push(...page.orders);
    start = page.next;
  } while (start);
  const found = periodsWithPostings(orders, await store.listPlantStock(plant));
  await store.completePostedPeriods(plant, found);
  return found;
}

/**
 * The monthly schedule: close the month before the event's time for every registered plant.
 * Every plant is tried; failures are collected and thrown together so the invocation retries.
 */
export async function requestScheduledCloses(
  deps: CloseRequestDeps,
  eventTime: string,
): Promise<{ period: string; requested: string[] }> {
  const period = previousPeriod(periodOf(eventTime.slice(0, 10)));
  const requested: string[] = [];
  const failed: { plant: string; error: unknown }[] = [];
  for (const plant of await deps.store.listPlants()) {
    try {
      await requestClose(deps, plant, period);
      requested.push(plant);
    } catch (error) {
      if (error instanceof LaterPeriodLockedError) {
        deps.log.warn("scheduled close skipped: a later period is locked", { plant, period });
        continue;
      }
      if (error instanceof EarlierPeriodOpenError) {
        // Closes go in order: the controller closes the earlier period first, then this one.
        deps.log.warn("scheduled close skipped: an earlier period with postings is open", {
          plant,
          period,
          earlier: error.earlier,
        });
        continue;
      }
      deps.log.error("scheduled close request failed", { plant, period, error });
      failed.push({ plant, error });
    }
  }
  if (failed.length > 0) {
    throw new ScheduledCloseError(
      period,
      failed.map((f) => f.plant),
      { cause: new AggregateError(failed.map((f) => f.error)) },
    );
  }
  return { period, requested };
}
