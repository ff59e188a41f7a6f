import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { PeriodLock, PeriodState } from "../../../domain/index.js";
import type { TableContext } from "./client.js";
import { keys } from "./keys.js";
import type { TaggedItem } from "./transact.js";

export type { PeriodLock, PeriodState } from "../../../domain/index.js";
/** Re-exported for the posting use cases; the rule lives in domain/period.ts. */
export { isPeriodClosedFor } from "../../../domain/index.js";

export async function getPeriodState(t: TableContext, plant: string): Promise<PeriodState> {
  const res = await t.ddb.send(
    new GetCommand({ TableName: t.tableName, Key: keys.periods(plant), ConsistentRead: true }),
  );
  return parsePeriodState(res.Item);
}

/** The plant's period state item as read (no item: nothing locked yet). */
export function parsePeriodState(item: Record<string, unknown> | undefined): PeriodState {
  const locked = (item?.locked ?? {}) as Record<string, PeriodLock>;
  return { locked: new Map(Object.entries(locked)) };
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
