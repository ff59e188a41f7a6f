import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { keys } from "../../shared/keys.js";
import type { TableContext } from "./client.js";

/** Every plant in the registry (a material upsert registers its plant): the scheduled jobs fan out over it. */
export async function listPlants(t: TableContext): Promise<string[]> {
  const plants: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await t.ddb.send(
      new QueryCommand({
        TableName: t.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.plantRegistry("").pk },
        ProjectionExpression: "plant",
        ExclusiveStartKey: start,
      }),
    );
    for (const item of res.Items ?? []) plants.push(String(item.plant));
    start = res.LastEvaluatedKey;
  } while (start);
  return plants;
}
