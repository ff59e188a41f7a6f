import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { keys } from "../../shared/keys.js";
import type { TableContext } from "./client.js";
import type { TaggedItem } from "./transact.js";

export type PeriodLock = "closing" | "closed";

export interface PeriodState {
  /** Periods a close has started or finished: postings may no longer land in them. */
  readonly locked: ReadonlyMap<string, PeriodLock>;
}

export async function getPeriodState(t: TableContext, plant: string): Promise<PeriodState> {
  const res = await t.ddb.send(
    new GetCommand({ TableName: t.tableName, Key: keys.periods(plant), ConsistentRead: true }),
  );
  const locked = (res.Item?.locked ?? {}) as Record<string, PeriodLock>;
  return { locked: new Map(Object.entries(locked)) };
}

/**
 * A posting may not land in a locked period, nor in any period before the latest locked one
 * (closes go in order, so an earlier period can never be reported again), nor in a period the
 * order was already closed for.
 */
export function isPeriodClosedFor(state: PeriodState, closedThrough: string | undefined) {
  const latest = [...state.locked.keys()].sort().at(-1);
  return (period: string): boolean =>
    (latest !== undefined && period <= latest) || (closedThrough !== undefined && period <= closedThrough);
}

/**
 * A transaction item that holds only while `period` is neither closing nor closed: a stock
 * posting that chose its period from an earlier read commits only if no close has locked that
 * period since, so a close that already read the stock never misses it (the posting re-reads
 * the period state and lands in the next open period instead).
 */
export function periodOpenCheck(t: TableContext, plant: string, period: string): TaggedItem {
  return {
    role: "period",
    key: `${period}:open`,
    item: {
      ConditionCheck: {
        TableName: t.tableName,
        Key: keys.periods(plant),
        ConditionExpression: "attribute_not_exists(locked.#p)",
        ExpressionAttributeNames: { "#p": period },
      },
    },
  };
}
