/**
 * The periods a plant has posted in (docs/data-model.md, "posted periods"): one small item per
 * plant and period, written before the first transaction that posts stock or WIP in that period
 * commits, so the closes-in-order check (docs/rules.md#closes-in-order) reads a handful of items
 * instead of every order of the close index and every stock item.
 *
 * A marker never goes away and is written ahead of its posting: a posting that commits always
 * finds its period marked; a transaction that then fails for good leaves a marker without a
 * posting (that period must be closed first, which an empty period allows). `COMPLETE` says the
 * plant's markers cover all its postings: written when a plant is first registered, or by the
 * first close request that read everything the old way (a plant from before the markers).
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { TableContext } from "./client.js";
import { keys } from "./keys.js";
import { queryAll } from "./query.js";

/** What a transaction item posts: stock or WIP of `plant` in these periods. */
export interface PostedPeriods {
  readonly plant: string;
  readonly periods: readonly string[];
}

const COMPLETE = "COMPLETE";
const periodSk = (period: string) => `PER#${period}`;

/** Markers this process wrote or read: each (table, plant, period) is written once per process. */
const known = new Set<string>();
const knownKey = (t: TableContext, plant: string, period: string) =>
  `${t.tableName}\u0000${plant}\u0000${period}`;

/** Writes the markers of `posts` that this process does not know yet; resolves once all are stored. */
export async function markPostedPeriods(t: TableContext, posts: Iterable<PostedPeriods>): Promise<void> {
  const missing = new Map<string, { plant: string; period: string }>();
  for (const { plant, periods } of posts) {
    for (const period of periods) {
      const key = knownKey(t, plant, period);
      if (!known.has(key)) missing.set(key, { plant, period });
    }
  }
  await Promise.all(
    [...missing].map(async ([key, { plant, period }]) => {
      await putMarker(t, plant, period);
      known.add(key);
    }),
  );
}

const putMarker = (t: TableContext, plant: string, period: string) =>
  t.ddb.send(
    new PutCommand({
      TableName: t.tableName,
      Item: { pk: keys.postedPeriodsPk(plant), sk: periodSk(period), period },
    }),
  );

/** The plant's marked periods; undefined while the markers are not known to cover every posting. */
export async function readPostedPeriods(t: TableContext, plant: string): Promise<Set<string> | undefined> {
  const items = await queryAll(t, {
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": keys.postedPeriodsPk(plant) },
    ProjectionExpression: "sk, period",
    ConsistentRead: true,
  });
  const periods = new Set(items.flatMap((i) => (typeof i.period === "string" ? [i.period] : [])));
  return items.some((i) => i.sk === COMPLETE) ? periods : undefined;
}

/** Marks `periods` and then the plant's markers complete (a new plant, or a plant read the old way). */
export async function completePostedPeriods(
  t: TableContext,
  plant: string,
  periods: Iterable<string>,
): Promise<void> {
  // Written whatever this process remembers: what the old way found must be stored now.
  await Promise.all([...new Set(periods)].map((period) => putMarker(t, plant, period)));
  await t.ddb.send(
    new PutCommand({ TableName: t.tableName, Item: { pk: keys.postedPeriodsPk(plant), sk: COMPLETE } }),
  );
}
