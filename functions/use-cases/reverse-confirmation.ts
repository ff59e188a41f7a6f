import { DomainError, type Movement, postingPeriod, reverse } from "../../domain/index.js";
import {
  backlogUpdate,
  getConfirmationItems,
  getOrder,
  getPeriodState,
  isPeriodClosedFor,
  loadMaterials,
  orderWrite,
  stockWrite,
  type TaggedItem,
  TransactionCancelledError,
  transactWrite,
} from "../adapters/table/index.js";
import { pack } from "../shared/codec.js";
import { keys } from "../shared/keys.js";
import {
  issuedValueByStockItem,
  movementViews,
  type PostingDeps,
  withPostingRetries,
} from "./posting-support.js";

export type ReversalOutcome =
  | { readonly status: "reversed"; readonly items: number }
  | { readonly status: "rejected"; readonly code: string }
  | { readonly status: "duplicate" };

/**
 * Reversal of a posted confirmation (docs/rules.md#reversal): the exact opposite of what it posted, once.
 * The REVERSAL record is the exactly-once guard; a reversal of a reversed confirmation is a no-op.
 */
export async function reverseConfirmation(
  deps: PostingDeps,
  plant: string,
  id: string,
  postingDate: string,
  requestedAt = "",
): Promise<ReversalOutcome> {
  try {
    return await withPostingRetries(deps, () => attempt(deps, plant, id, postingDate, requestedAt));
  } catch (error) {
    if (error instanceof TransactionCancelledError && error.kind === "duplicate")
      return { status: "duplicate" };
    throw error;
  }
}

async function attempt(
  deps: PostingDeps,
  plant: string,
  id: string,
  postingDate: string,
  requestedAt: string,
): Promise<ReversalOutcome> {
  const t = deps.table;
  const at = deps.now().toISOString();
  const items = await getConfirmationItems(t, plant, id);
  if (items.reversal?.status === "reversed" || items.posting?.status === "reversed")
    return { status: "duplicate" };
  // This request, or a newer one, was already refused: a redelivery changes nothing.
  if (items.reversal && (items.reversal.requestedAt ?? "") >= requestedAt) return { status: "duplicate" };
  const reject = async (code: string, message: string): Promise<ReversalOutcome> => {
    await transactWrite(t, [
      reversalPut(deps, plant, id, { status: "rejected", rejection: { code, message }, at, requestedAt }),
    ]);
    deps.log.warn("reversal rejected", { confirmationId: id, code });
    return { status: "rejected", code };
  };
  const posting = items.posting;
  const record = posting?.data.record;
  if (!posting) {
    return reject(
      "NOT_POSTED",
      `confirmation ${id} has not posted (still queued, or in the dead-letter queue); nothing to reverse yet`,
    );
  }
  if (!record || posting.status === "rejected") {
    const why = posting.rejection ? ` (${posting.rejection.code})` : "";
    return reject(
      "NOTHING_TO_REVERSE",
      `confirmation ${id} was rejected${why} and posted nothing to reverse`,
    );
  }
  const stored = await getOrder(t, plant, posting.order);
  if (!stored) throw new Error(`order ${posting.order} of posted confirmation ${id} is missing`);
  const backlogPostings: Movement[] = items.backlog.flatMap((b) => [...b.postings]);
  const materials = await loadMaterials(t, plant, [
    ...record.movements.flatMap((m) => (m.kind === "activity" ? [] : [m.material])),
    ...backlogPostings.flatMap((m) => (m.kind === "activity" ? [] : [m.material])),
  ]);
  const periods = await getPeriodState(t, plant);
  const period = postingPeriod(postingDate, isPeriodClosedFor(periods, stored.closedThrough));
  let result: ReturnType<typeof reverse>;
  try {
    result = reverse(stored.order, record, { period, materials, reversed: false, backlogPostings });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return reject(error.code, error.message);
  }
  const issued = issuedValueByStockItem(result.movements);
  const writes: TaggedItem[] = [
    reversalPut(deps, plant, id, {
      status: "reversed",
      period,
      at,
      requestedAt,
      movements: movementViews(result.movements, materials),
    }),
    postingStatusReversed(deps, plant, id, at),
    orderWrite(t, stored, result.order),
    ...result.stock.map((delta) =>
      stockWrite(t, plant, delta, { period, issuedValue: issued.get(`${delta.material}@${delta.location}`) }),
    ),
    ...items.backlog
      .filter((b) => b.status === "open")
      .map((b) =>
        backlogUpdate(t, plant, b, { status: "cancelled", remaining: b.line.qty, postings: b.postings }),
      ),
  ];
  await transactWrite(t, writes);
  deps.metrics.add("ReversalsCommitted", "Count", 1);
  return { status: "reversed", items: writes.length };
}

function reversalPut(
  deps: PostingDeps,
  plant: string,
  id: string,
  r: {
    status: "reversed" | "rejected";
    at: string;
    requestedAt: string;
    period?: string;
    rejection?: { code: string; message: string };
    movements?: unknown;
  },
): TaggedItem {
  return {
    role: "record",
    key: `${id}:reversal`,
    item: {
      Put: {
        TableName: deps.table.tableName,
        Item: {
          ...keys.reversal(plant, id),
          status: r.status,
          reversedAt: r.at,
          requestedAt: r.requestedAt,
          ...(r.period ? { period: r.period } : {}),
          ...(r.rejection ? { rejection: r.rejection } : {}),
          data: pack({ movements: r.movements ?? [] }),
        },
        // Once reversed, never again; a rejection gives way to a newer request only.
        ConditionExpression:
          r.status === "reversed"
            ? "attribute_not_exists(pk) OR #s = :rejected"
            : "attribute_not_exists(pk) OR (#s = :rejected AND (attribute_not_exists(requestedAt) OR requestedAt < :req))",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: {
          ":rejected": "rejected",
          ...(r.status === "rejected" ? { ":req": r.requestedAt } : {}),
        },
      },
    },
  };
}

function postingStatusReversed(deps: PostingDeps, plant: string, id: string, at: string): TaggedItem {
  return {
    role: "record",
    key: id,
    item: {
      Update: {
        TableName: deps.table.tableName,
        Key: keys.posting(plant, id),
        UpdateExpression: "SET #s = :reversed, reversedAt = :at",
        ConditionExpression: "#s IN (:posted, :backlog)",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: {
          ":reversed": "reversed",
          ":at": at,
          ":posted": "posted",
          ":backlog": "posted_with_backlog",
        },
      },
    },
  };
}
