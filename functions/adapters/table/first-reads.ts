/**
 * The small items intake and the worker start with (the order, the period state, the master-data
 * counter and, for intake, the intake record), read in one consistent BatchGetItem instead of one
 * request each: on DynamoDB every request is a round trip, on DynamoDB Local a fixed cost of the
 * engine (README.md#performance, `readRequestsPerConfirmation`).
 */

import type { TableContext } from "./client.js";
import { type IntakeRecord, parseIntakeRecord } from "./intake-records.js";
import { keys } from "./keys.js";
import { batchGet, parseMasterDataVersion } from "./master-data.js";
import { orderItemKeys, parseStoredOrder, type StoredOrder } from "./orders.js";
import { type PeriodState, parsePeriodState } from "./periods.js";

export interface PostingStart {
  readonly order: StoredOrder | undefined;
  readonly periods: PeriodState;
  /** The plant's master-data counter, for MasterDataCache.read (no second request for it). */
  readonly masterDataVersion: number;
}

export interface IntakeStart extends PostingStart {
  readonly intake: IntakeRecord | undefined;
}

const id = (key: { pk: string; sk: string }) => `${key.pk}\u0000${key.sk}`;

async function readKeys(t: TableContext, list: readonly { pk: string; sk: string }[]) {
  const items = await batchGet(t, list);
  const byKey = new Map(items.map((item) => [id({ pk: String(item.pk), sk: String(item.sk) }), item]));
  return (key: { pk: string; sk: string }) => byKey.get(id(key));
}

/** The order's two items, the period state and the counter, with `extra` keys in the same request. */
async function readStart(
  t: TableContext,
  plant: string,
  order: string,
  extra: readonly { pk: string; sk: string }[],
) {
  const [state, snapshot] = orderItemKeys(plant, order);
  const item = await readKeys(t, [
    ...extra,
    state,
    snapshot,
    keys.periods(plant),
    keys.masterDataVersion(plant),
  ]);
  const start: PostingStart = {
    order: parseStoredOrder(plant, item(state), item(snapshot)),
    periods: parsePeriodState(item(keys.periods(plant))),
    masterDataVersion: parseMasterDataVersion(item(keys.masterDataVersion(plant))),
  };
  return { item, start };
}

export async function readPostingStart(t: TableContext, plant: string, order: string): Promise<PostingStart> {
  return (await readStart(t, plant, order, [])).start;
}

export async function readIntakeStart(
  t: TableContext,
  plant: string,
  confirmationId: string,
  order: string,
): Promise<IntakeStart> {
  const intake = keys.intake(plant, confirmationId);
  const { item, start } = await readStart(t, plant, order, [intake]);
  return { ...start, intake: parseIntakeRecord(item(intake)) };
}
