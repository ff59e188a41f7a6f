import { QueryCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { type CursorShape, type StartKey, startKeyOf } from "../../common/paging.js";
import type { TableContext } from "./client.js";

type QueryInput = Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey" | "Limit">;

/** Every item a Query matches, page after page (a page stops at 1 MB). */
export async function queryAll(t: TableContext, input: QueryInput): Promise<Record<string, unknown>[]> {
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

/** Query requests one page may take (a selective filter reads on); past them the page ends early. */
const MAX_REQUESTS_PER_PAGE = 8;

/**
 * One page of a Query: up to `limit` items after `start`, and the start key of the next page
 * (undefined on the last one: one item more than `limit` is read to know). With a
 * FilterExpression a page may end short after a few requests; its `next` then resumes there.
 */
export async function queryPage(
  t: TableContext,
  input: QueryInput,
  page: { readonly limit: number; readonly start?: StartKey | undefined; readonly shape: CursorShape },
): Promise<{ items: Record<string, unknown>[]; next?: StartKey | undefined }> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined = page.start;
  for (let request = 1; ; request++) {
    const res = await t.ddb.send(
      new QueryCommand({
        ...input,
        TableName: t.tableName,
        ExclusiveStartKey: start,
        // With a filter, Limit counts items read, not items returned: let DynamoDB fill 1 MB.
        ...(input.FilterExpression === undefined && { Limit: page.limit + 1 - items.length }),
      }),
    );
    items.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
    if (items.length > page.limit) {
      const last = items[page.limit - 1];
      return { items: items.slice(0, page.limit), next: last && startKeyOf(page.shape, last) };
    }
    if (!start) return { items };
    if (request >= MAX_REQUESTS_PER_PAGE) return { items, next: startKeyOf(page.shape, start) };
  }
}
