import type { TableContext } from "./client.js";
import { keys } from "./keys.js";
import { queryAll } from "./query.js";

/** Every plant in the registry (a material upsert registers its plant): the scheduled jobs fan out over it. */
export async function listPlants(t: TableContext): Promise<string[]> {
  const items = await queryAll(t, {
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": keys.plantRegistry("").pk },
    ProjectionExpression: "plant",
  });
  return items.map((item) => String(item.plant));
}
