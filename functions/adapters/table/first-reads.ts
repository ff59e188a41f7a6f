/**
 * The small items intake and the worker start with (the order, the period state, the master-data
 * counter and, for intake, the intake record), read in one consistent BatchGetItem instead of one
 * request each: on DynamoDB every request is a round trip, on DynamoDB Local a fixed cost of the
 * engine (README.md#performance, `readRequestsPerConfirmation`).
 */

import type { OrderSnapshot } from "../../../domain/index.js";
import type { TableContext } from "./client.js";
import { type IntakeRecord, parseIntakeRecord } from "./intake-records.js";
import { keys } from "./keys.js";
import { batchGet, parseMasterDataVersion } from "./master-data.js";
import { orderItemKeys, parseOrderSnapshot, parseStoredOrder, type StoredOrder } from "./orders.js";
import { type PeriodState, parsePeriodState } from "./periods.js";

export interface PostingStart {
  readonly order: StoredOrder | undefined;
  readonly periods: PeriodState;
  /** The plant's master-data counter, for MasterDataCache.read (no second request for it). */
  readonly masterDataVersion: number;
}

/**
 * Intake's start: the order's snapshot without its running state, which intake does not use (its
 * checks need the quantities' decimals only) and which is the largest item of the read.
 */
export interface IntakeStart extends Omit<PostingStart, "order"> {
  /** Undefined for an unknown order, which intake leaves to the worker to reject. */
  readonly snapshot: OrderSnapshot | undefined;
  readonly intake: IntakeRecord | undefined;
}

const id = (key: { pk: string; sk: string }) => `${key.pk}\u0000${key.sk}`;

async function readKeys(t: TableContext, list: readonly { pk: string; sk: string }[]) {
  const items = await batchGet(t, list);
  const byKey = new Map(items.map((item) => [id({ pk: String(item.pk), sk: String(item.sk) }), item]));
  return (key: { pk: string; sk: string }) => byKey.get(id(key));
}

/** The plant's items both starts read: the period state and the master-data counter. */
const plantKeys = (plant: string) => [keys.periods(plant), keys.masterDataVersion(plant)];

function plantStart(item: Awaited<ReturnType<typeof readKeys>>, plant: string) {
  return {
    periods: parsePeriodState(item(keys.periods(plant))),
    masterDataVersion: parseMasterDataVersion(item(keys.masterDataVersion(plant))),
  };
}

/** The worker's start: the order's two items, the period state and the counter. */
export async function readPostingStart(t: TableContext, plant: string, order: string): Promise<PostingStart> {
  const [state, snapshot] = orderItemKeys(plant, order);
  const item = await readKeys(t, [state, snapshot, ...plantKeys(plant)]);
  return { order: parseStoredOrder(plant, item(state), item(snapshot)), ...plantStart(item, plant) };
}

/** Intake's start: its own record, the order's snapshot, the period state and the counter. */
export async function readIntakeStart(
  t: TableContext,
  plant: string,
  confirmationId: string,
  order: string,
): Promise<IntakeStart> {
  const intake = keys.intake(plant, confirmationId);
  const [, snapshot] = orderItemKeys(plant, order);
  const item = await readKeys(t, [intake, snapshot, ...plantKeys(plant)]);
  return {
    intake: parseIntakeRecord(item(intake)),
    snapshot: parseOrderSnapshot(item(snapshot)),
    ...plantStart(item, plant),
  };
}
