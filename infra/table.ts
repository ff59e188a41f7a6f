/**
 * The one table definition. CDK (cdk/stateful-stack.ts), the sandbox (local/) and the
 * integration tests create the table from this object, so they can never drift apart.
 *
 * Keys are generic strings (`pk`, `sk`); see functions/adapters/table/keys.ts for the item layout
 * and docs/data-model.md for the access patterns each index serves.
 */
export const TABLE_KEY = { partitionKey: "pk", sortKey: "sk" } as const;

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** Why the index exists: the job that must find these items without a scan. */
  readonly purpose: string;
  /**
   * KEYS_ONLY where the indexed item is rewritten by every posting (stock, orders): an update
   * that leaves the index keys alone then costs no index write. ALL where items are written
   * once and listed with their attributes (backlog lines, ledger lines).
   */
  readonly projection: "ALL" | "KEYS_ONLY";
}

/** Open backlog lines per plant, sorted `material@location#createdAt#id`. */
export const BACKLOG_INDEX = {
  indexName: "gsi1",
  partitionKey: "gsi1pk",
  sortKey: "gsi1sk",
  purpose: "open backlog per plant, ordered by material#location so a receipt retries only its own lines",
  projection: "ALL",
} as const satisfies IndexDefinition;

/** Stock items flagged for the next reorder run (sparse). */
export const REORDER_INDEX = {
  indexName: "gsi2",
  partitionKey: "gsi2pk",
  sortKey: "gsi2sk",
  purpose: "stock items whose material may have fallen to its reorder point since the last reorder run",
  projection: "KEYS_ONLY",
} as const satisfies IndexDefinition;

/**
 * What a period close must read (sparse): the orders, and per period the confirmation postings and
 * reversals whose ledger lines are projected after their commit (the seal checks they are all there).
 */
export const CLOSE_INDEX = {
  indexName: "gsi3",
  partitionKey: "gsi3pk",
  sortKey: "gsi3sk",
  purpose:
    "orders the next period close must read (unsettled, or posted to since settlement); per period, the postings and reversals whose ledger lines the seal checks",
  projection: "KEYS_ONLY",
} as const satisfies IndexDefinition;

/** Every stock item of a plant. */
export const STOCK_INDEX = {
  indexName: "gsi4",
  partitionKey: "gsi4pk",
  sortKey: "gsi4sk",
  purpose: "every stock item of a plant (period close: inventory turnover and stock journal lines)",
  projection: "KEYS_ONLY",
} as const satisfies IndexDefinition;

/** Stock ledger lines of one material, sorted `postingDate#postedAt#document#line#type`. */
export const LEDGER_MATERIAL_INDEX = {
  indexName: "gsi5",
  partitionKey: "gsi5pk",
  sortKey: "gsi5sk",
  purpose: "stock ledger lines of one material (location a filter), by posting date, oldest first",
  projection: "ALL",
} as const satisfies IndexDefinition;

/** Stock ledger lines of one production order (sparse: stock documents have none). */
export const LEDGER_ORDER_INDEX = {
  indexName: "gsi6",
  partitionKey: "gsi6pk",
  sortKey: "gsi6sk",
  purpose: "stock ledger lines of one production order, by posting date, oldest first",
  projection: "ALL",
} as const satisfies IndexDefinition;

/** Stock ledger lines of one period of a plant. */
export const LEDGER_PERIOD_INDEX = {
  indexName: "gsi7",
  partitionKey: "gsi7pk",
  sortKey: "gsi7sk",
  purpose: "stock ledger lines of one period (GET movements by period, the close's digest, verify)",
  projection: "ALL",
} as const satisfies IndexDefinition;

/**
 * Every order of a plant by status, newest release first: GET orders (docs/api.md), one partition
 * per status. Keys only: every posting rewrites its order, and an update that leaves the keys alone
 * costs no index write; the sort key carries the material so a material filter reads keys only.
 */
export const ORDERS_INDEX = {
  indexName: "gsi8",
  partitionKey: "gsi8pk",
  sortKey: "gsi8sk",
  purpose: "orders of a plant per status, newest release first (GET orders, its status and material filters)",
  projection: "KEYS_ONLY",
} as const satisfies IndexDefinition;

/** The outbox (sparse: only intake records accepted with 202 and not yet seen posted carry its keys). */
export const OUTBOX_INDEX = {
  indexName: "gsi9",
  partitionKey: "gsi9pk",
  sortKey: "gsi9sk",
  purpose:
    "the outbox: intake records accepted (202) but not yet seen posted, sharded, by the time they are due to be sent again",
  projection: "KEYS_ONLY",
} as const satisfies IndexDefinition;

export const TABLE_INDEXES: readonly IndexDefinition[] = [
  BACKLOG_INDEX,
  REORDER_INDEX,
  CLOSE_INDEX,
  STOCK_INDEX,
  LEDGER_MATERIAL_INDEX,
  LEDGER_ORDER_INDEX,
  LEDGER_PERIOD_INDEX,
  ORDERS_INDEX,
  OUTBOX_INDEX,
];

/** Attribute holding an epoch-seconds expiry; only idempotency records of synchronous calls use it. */
export const TTL_ATTRIBUTE = "expiresAt";

/** Parameters for the DynamoDB CreateTable API (sandbox and tests), all strings: PAY_PER_REQUEST. */
export function createTableInput(tableName: string) {
  const attributes = ([TABLE_KEY.partitionKey, TABLE_KEY.sortKey] as string[]).concat(
    TABLE_INDEXES.flatMap((i) => [i.partitionKey, i.sortKey]),
  );
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST" as const,
    AttributeDefinitions: attributes.map((name) => ({ AttributeName: name, AttributeType: "S" as const })),
    KeySchema: [
      { AttributeName: TABLE_KEY.partitionKey, KeyType: "HASH" as const },
      { AttributeName: TABLE_KEY.sortKey, KeyType: "RANGE" as const },
    ],
    GlobalSecondaryIndexes: TABLE_INDEXES.map((i) => ({
      IndexName: i.indexName,
      KeySchema: [
        { AttributeName: i.partitionKey, KeyType: "HASH" as const },
        { AttributeName: i.sortKey, KeyType: "RANGE" as const },
      ],
      Projection: { ProjectionType: i.projection },
    })),
  };
}
