import { QueryCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import type { TableContext } from "./client.js";

/** Every item a Query matches, page after page (a page stops at 1 MB). */
export async function queryAll(
  t: TableContext,
  input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await t.ddb.send(
      new QueryCommand({ ...input, TableName: t.tableName, ExclusiveStartKey: start }),
    );
    items.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start);
  return items;
}
