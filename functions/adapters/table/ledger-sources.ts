import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { PostedMovement } from "../../../domain/index.js";
import { CLOSE_INDEX } from "../../../infra/table.js";
import type { TableContext } from "./client.js";
import { unpack } from "./codec.js";
import { indexKeys, keys } from "./keys.js";
import { queryAll } from "./query.js";

/**
 * Where a confirmation's ledger lines come from (docs/data-model.md, "The stock ledger"): its
 * posting and reversal records, and the period's list of them that the seal checks.
 */

/** A stored attribute that is a string, else undefined (absent, or from an older item shape). */
export const optionalString = (v: unknown) => (typeof v === "string" ? v : undefined);

/** What the ledger projection needs of a confirmation's posting and reversal records. */
export interface LedgerSource {
  readonly posting?:
    | {
        readonly status: string;
        readonly order: string;
        readonly operation: string;
        readonly period?: string | undefined;
        readonly postedAt: string;
        /** The requested posting date, kept on the record (absent on records from before). */
        readonly postingDate?: string | undefined;
        readonly movements: readonly PostedMovement[];
      }
    | undefined;
  readonly reversal?:
    | {
        readonly status: string;
        readonly period?: string | undefined;
        readonly reversedAt?: string | undefined;
        readonly postingDate?: string | undefined;
      }
    | undefined;
}

/** The posting and reversal records of a confirmation, consistently (two GetItems on its partition). */
export async function getLedgerSource(t: TableContext, plant: string, id: string): Promise<LedgerSource> {
  const [posting, reversal] = await Promise.all(
    [keys.posting(plant, id), keys.reversal(plant, id)].map((Key) =>
      t.ddb.send(new GetCommand({ TableName: t.tableName, Key, ConsistentRead: true })),
    ),
  );
  const p = posting?.Item;
  const r = reversal?.Item;
  return {
    posting: p
      ? {
          status: String(p.status),
          order: String(p.order),
          operation: String(p.operation),
          period: optionalString(p.period),
          postedAt: String(p.postedAt),
          postingDate: optionalString(p.postingDate),
          movements: unpack<{ movements?: PostedMovement[] }>(p.data as Uint8Array).movements ?? [],
        }
      : undefined,
    reversal: r
      ? {
          status: String(r.status),
          period: optionalString(r.period),
          reversedAt: optionalString(r.reversedAt),
          postingDate: optionalString(r.postingDate),
        }
      : undefined,
  };
}

/** A posting or reversal of the period, with the number of lines it has in the period. */
export interface LedgerSourceEntry {
  readonly document: string;
  readonly kind: "posting" | "reversal";
  readonly lines: number;
}

/**
 * The postings and reversals of a period: their partition of the close index (keys only, so a few
 * bytes per posting), read once by the close before the seal (docs/ledger.md, "What the seal relies on").
 */
export async function listLedgerSources(
  t: TableContext,
  plant: string,
  period: string,
): Promise<LedgerSourceEntry[]> {
  const items = await queryAll(t, {
    IndexName: CLOSE_INDEX.indexName,
    KeyConditionExpression: "#pk = :pk",
    ExpressionAttributeNames: { "#pk": CLOSE_INDEX.partitionKey, "#sk": CLOSE_INDEX.sortKey },
    ExpressionAttributeValues: { ":pk": indexKeys.ledgerSourcesPk(plant, period) },
    ProjectionExpression: "#sk",
  });
  return items.map((item): LedgerSourceEntry => {
    const [document = "", kind, lines] = String(item[CLOSE_INDEX.sortKey]).split("#");
    return { document, kind: kind === "R" ? "reversal" : "posting", lines: Number(lines) };
  });
}
