import { DeleteCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
import {
  type BacklogLine,
  backflush,
  type ComponentLine,
  type Confirmation,
  type Decimal,
  DomainError,
  dec,
  type Material,
  type PostingResult,
  postingPeriod,
  type StockDelta,
  stockKey,
  UnknownOrderError,
} from "../../domain/index.js";
import {
  backlogPut,
  getConfirmationItems,
  getOrder,
  getPeriodState,
  isPeriodClosedFor,
  loadMaterials,
  loadWorkCenters,
  MAX_TRANSACTION_ITEMS,
  orderWrite,
  type PostingRecordData,
  postingWrite,
  readStock,
  type StoredOrder,
  stockWrite,
  type TaggedItem,
  TransactionCancelledError,
  transactWrite,
} from "../adapters/table/index.js";
import { pack, unpack } from "../shared/codec.js";
import { keys } from "../shared/keys.js";
import type { ConfirmationBody } from "../shared/messages.js";
import {
  decimalOrZero,
  isReorderCandidate,
  issuedValueByStockItem,
  movementViews,
  type PostingDeps,
  withPostingRetries,
} from "./posting-support.js";

export type PostingOutcome =
  | {
      readonly status: "posted" | "posted_with_backlog";
      readonly items: number;
      readonly backlogLines: number;
    }
  | { readonly status: "rejected"; readonly code: string }
  | { readonly status: "duplicate" };

/** What a chunked posting persists first, so every later chunk can be rebuilt after a crash. */
interface PostingPlan {
  readonly status: "posted" | "posted_with_backlog";
  readonly order: string;
  readonly operation: string;
  readonly period: string;
  readonly createdAt: string;
  readonly receivedAt: string;
  readonly stock: readonly { delta: StockDelta; issuedValue?: Decimal; reorder: boolean }[];
  readonly backlog: readonly BacklogLine[];
  readonly data: PostingRecordData;
}

/**
 * The backflush worker's use case: post one queued confirmation exactly once. Every effect
 * (stock, order state with its period journal, backlog lines, the posting record) commits in
 * one TransactWriteItems; a posting of more than 100 items commits in resumable chunks.
 */
export async function postConfirmation(
  deps: PostingDeps,
  plant: string,
  body: ConfirmationBody,
  receivedAt: string,
): Promise<PostingOutcome> {
  try {
    return await withPostingRetries(deps, () => attempt(deps, plant, body, receivedAt));
  } catch (error) {
    if (error instanceof TransactionCancelledError && error.kind === "duplicate")
      return { status: "duplicate" };
    throw error;
  }
}

async function attempt(deps: PostingDeps, plant: string, body: ConfirmationBody, receivedAt: string) {
  const t = deps.table;
  const id = body.confirmationId;
  const existing = await getConfirmationItems(t, plant, id);
  if (existing.posting) return { status: "duplicate" } as const;
  if (existing.planExists) return resumePlan(deps, plant, id);

  const stored = await getOrder(t, plant, body.order);
  const at = deps.now().toISOString();
  let computed: { result: PostingResult; materials: ReadonlyMap<string, Material>; period: string };
  try {
    if (!stored) throw new UnknownOrderError(body.order);
    computed = await compute(deps, plant, stored, toConfirmation(body));
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    await transactWrite(t, [
      postingWrite(t, plant, id, {
        status: "rejected",
        order: body.order,
        operation: body.operation,
        rejection: { code: error.code, message: error.message },
        data: { movements: [] },
        at,
        receivedAt,
      }),
    ]);
    deps.log.warn("confirmation rejected", { code: error.code, reason: error.message });
    return { status: "rejected", code: error.code } as const;
  }
  if (!stored) throw new Error("unreachable");
  const { result, materials, period } = computed;
  const issued = issuedValueByStockItem(result.movements);
  const plan: PostingPlan = {
    status: result.status,
    order: body.order,
    operation: body.operation,
    period,
    createdAt: at,
    receivedAt,
    stock: result.stock.map((delta) => ({
      delta,
      issuedValue: issued.get(stockKey(delta.material, delta.location)),
      reorder: isReorderCandidate(delta, materials),
    })),
    backlog: result.backlog,
    data: { record: result.record, movements: movementViews(result.movements, materials) },
  };
  const order = orderWrite(t, stored, result.order);
  const effects = effectItems(deps, plant, id, plan, true);
  const record = recordItem(deps, plant, id, plan);
  if (effects.length + 2 <= MAX_TRANSACTION_ITEMS) {
    await transactWrite(t, [record, order, ...effects]);
  } else {
    // Chunk 0 fixes the outcome (plan + order state); the rest only applies it.
    await transactWrite(t, [planPut(deps, plant, id, plan), order]);
    await applyPlan(deps, plant, id, plan);
  }
  const items = effects.length + 2;
  deps.metrics.add("PostingsCommitted", "Count", 1);
  deps.metrics.add("TransactionItems", "Count", items);
  deps.metrics.add("BacklogLinesCreated", "Count", result.backlog.length);
  // Intake to commit: measured after the last write, so it includes queue wait, retries and chunks.
  deps.metrics.add("PostingLatencyMs", "Milliseconds", deps.now().getTime() - Date.parse(receivedAt));
  return { status: result.status, items, backlogLines: result.backlog.length } as const;
}

async function compute(
  deps: PostingDeps,
  plant: string,
  stored: StoredOrder,
  conf: Confirmation & { postingDate: string },
) {
  const t = deps.table;
  const { snapshot } = stored.order;
  const extraComponents = (conf.components ?? []).flatMap((c) => ("component" in c ? [c.component] : []));
  const [materials, workCenters, periods] = await Promise.all([
    loadMaterials(t, plant, [
      snapshot.material,
      ...snapshot.items.map((i) => i.component),
      ...extraComponents,
    ]),
    loadWorkCenters(
      t,
      plant,
      snapshot.operations.flatMap((o) => (o.workCenter ? [o.workCenter] : [])),
    ),
    getPeriodState(t, plant),
  ]);
  const period = postingPeriod(conf.postingDate, isPeriodClosedFor(periods, stored.closedThrough));
  // A first pass against no stock names every stock item the posting may touch; then read them.
  const probe = backflush(stored.order, conf, { materials, workCenters, stock: new Map(), period });
  const stock = await readStock(t, plant, [...probe.stock, ...probe.backlog]);
  const result = backflush(stored.order, conf, { materials, workCenters, stock, period });
  return { result, materials, period };
}

function toConfirmation(body: ConfirmationBody): Confirmation & { postingDate: string } {
  const components = body.components?.map((c): ComponentLine => {
    if ("item" in c) {
      return {
        item: c.item,
        qty: c.qty === undefined ? undefined : dec(c.qty, "qty"),
        scrap: c.scrap === undefined ? undefined : dec(c.scrap, "scrap"),
        location: c.location,
      };
    }
    return {
      component: c.component,
      qty: dec(c.qty, "qty"),
      scrap: c.scrap === undefined ? undefined : dec(c.scrap, "scrap"),
      location: c.location,
      replaces: c.replaces,
    };
  });
  return {
    confirmationId: body.confirmationId,
    order: body.order,
    operation: body.operation,
    yield: dec(body.yield, "yield"),
    scrap: decimalOrZero(body.scrap, "scrap"),
    postingDate: body.postingDate,
    activities: body.activities
      ? Object.fromEntries(Object.entries(body.activities).map(([k, v]) => [k, dec(v, `activities.${k}`)]))
      : undefined,
    components,
  };
}

function recordItem(deps: PostingDeps, plant: string, id: string, plan: PostingPlan): TaggedItem {
  return postingWrite(deps.table, plant, id, {
    status: plan.status,
    order: plan.order,
    operation: plan.operation,
    period: plan.period,
    data: plan.data,
    at: plan.createdAt,
    receivedAt: plan.receivedAt,
  });
}

/** Stock writes and backlog lines of a posting. Chunked postings drop the stock guards: the plan already decided. */
function effectItems(
  deps: PostingDeps,
  plant: string,
  id: string,
  plan: PostingPlan,
  guard: boolean,
): TaggedItem[] {
  const t = deps.table;
  return [
    ...plan.stock.map((s) =>
      stockWrite(t, plant, guard ? s.delta : { ...s.delta, guardNonNegative: false }, {
        period: plan.period,
        issuedValue: s.issuedValue,
        reorderCandidate: s.reorder,
      }),
    ),
    ...plan.backlog.map((line, i) =>
      backlogPut(t, plant, {
        confirmationId: id,
        order: plan.order,
        seq: i + 1,
        line,
        createdAt: plan.createdAt,
      }),
    ),
  ];
}

function planPut(deps: PostingDeps, plant: string, id: string, plan: PostingPlan): TaggedItem {
  return {
    role: "marker",
    key: `${id}:plan`,
    item: {
      Put: {
        TableName: deps.table.tableName,
        Item: { ...keys.plan(plant, id), data: pack(plan) },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  };
}

async function resumePlan(deps: PostingDeps, plant: string, id: string) {
  const res = await deps.table.ddb.send(
    new GetCommand({ TableName: deps.table.tableName, Key: keys.plan(plant, id), ConsistentRead: true }),
  );
  if (!res.Item) return { status: "duplicate" } as const;
  const plan = unpack<PostingPlan>(res.Item.data as Uint8Array);
  deps.log.info("resuming chunked posting", { confirmationId: id });
  await applyPlan(deps, plant, id, plan);
  return {
    status: plan.status,
    items: plan.stock.length + plan.backlog.length + 2,
    backlogLines: plan.backlog.length,
  };
}

/** Chunks 1..n, each with a marker so a resumed run skips what already committed; the record goes last. */
async function applyPlan(deps: PostingDeps, plant: string, id: string, plan: PostingPlan) {
  const t = deps.table;
  const effects = effectItems(deps, plant, id, plan, false);
  const size = MAX_TRANSACTION_ITEMS - 1;
  for (let start = 0, n = 1; start < effects.length; start += size, n++) {
    const marker: TaggedItem = {
      role: "marker",
      key: `${id}:chunk${n}`,
      item: {
        Put: {
          TableName: t.tableName,
          Item: { ...keys.chunk(plant, id, n), committedAt: deps.now().toISOString() },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
    };
    try {
      await withPostingRetries(deps, () => transactWrite(t, [marker, ...effects.slice(start, start + size)]));
    } catch (error) {
      if (!(error instanceof TransactionCancelledError && error.kind === "duplicate")) throw error;
    }
    deps.faults?.afterChunk?.(n);
  }
  await withPostingRetries(deps, () => transactWrite(t, [recordItem(deps, plant, id, plan)]));
  await t.ddb.send(new DeleteCommand({ TableName: t.tableName, Key: keys.plan(plant, id) }));
}
