/**
 * Period close reads (README.md#performance: they grow with orders, not postings). A plant of the worker's
 * mix gets `orders` orders, each with `postings` confirmations computed by the domain engine
 * and stored in the adapters' own item shapes: the order items, one posting record per
 * confirmation (so the table really holds orders × postings records), and the stock items'
 * period aggregates. Half of the orders are complete (the close settles them), half carry WIP.
 * Each run puts the orders back as they were before the close and closes the period again;
 * the meter counts every item the close reads.
 */
import { BatchWriteCommand, DeleteCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import {
  backflush,
  type Decimal,
  dec,
  type Material,
  type Order,
  type PostedConfirmation,
  periodOf,
  previousPeriod,
  release,
  type StockDelta,
  type StockView,
  stockKey,
  type WorkCenter,
  ZERO,
} from "../../domain/index.js";
import { pack, unpack } from "../../functions/adapters/table/codec.js";
import {
  ledgerItem,
  type MovementView,
  orderWrite,
  periodCloseStore,
  postingWrite,
  stockWrite,
  type TableContext,
  transactWrite,
} from "../../functions/adapters/table/index.js";
import { indexKeys, keys } from "../../functions/adapters/table/keys.js";
import { noMetrics, silentLog } from "../../functions/common/ports.js";
import { postingLedgerLines } from "../../functions/use-cases/ledger.js";
import { runClose } from "../../functions/use-cases/period-close.js";
import { issuedValueByStockItem, movementViews } from "../../functions/use-cases/posting-support.js";
import { CapacityMeter } from "../capacity.js";
import type { BenchServices } from "../services.js";
import { forEachLimited, timed } from "../timing.js";
import { type PlantMasterData, plantMasterData, seedMasterData, stockItems } from "../workload.js";

export interface CloseFixture {
  readonly plant: string;
  readonly period: string;
  readonly orders: number;
  readonly postingsPerOrder: number;
  /** The order items as released and posted, before any close: put back before every run. */
  readonly orderItems: readonly Record<string, unknown>[];
}

export interface CloseFigures {
  readonly orders: number;
  readonly postingsPerOrder: number;
  readonly itemsRead: number;
  readonly itemsReadPerOrder: number;
  readonly readUnitsPerOrder: number;
  readonly readRequests: number;
  readonly seconds: number;
}

const YIELD = dec("10");
const OPENING_STOCK = dec("1000000000");

/** Builds the plant once; postings records are written here, never again. */
export async function seedClose(
  services: BenchServices,
  tag: string,
  orders: number,
  postingsPerOrder: number,
  options: { readonly ledger?: boolean } = {},
): Promise<CloseFixture> {
  const t = services.table;
  const plant = tag;
  const period = previousPeriod(periodOf(new Date().toISOString().slice(0, 10)));
  const md = plantMasterData();
  await seedMasterData({ table: t, now: () => new Date() }, plant, md);
  const templates = postedTemplates(t, md, postingsPerOrder, period);
  const copies = orderCopies(t, plant, templates, orders);
  // With the ledger, each record is listed under its period as the worker's commit lists it
  // (the seal's completeness check reads that list, docs/ledger.md).
  const records = options.ledger ? copies.records.map((r) => listedRecord(plant, period, r)) : copies.records;
  await batchWrite(t, [...copies.snapshots, ...copies.orderItems, ...records]);
  // The posting records' ledger lines, as the worker's projection writes them (docs/ledger.md).
  if (options.ledger) await batchWrite(t, ledgerItems(plant, period, copies.records));
  await stockAggregates(t, plant, period, copies.used);
  return { plant, period, orders, postingsPerOrder, orderItems: copies.orderItems };
}

/** `orders` orders, each a copy of a template under its own id, with its own posting records. */
function orderCopies(t: TableContext, plant: string, templates: readonly Template[], orders: number) {
  const orderItems: Record<string, unknown>[] = [];
  const snapshots: Record<string, unknown>[] = [];
  const records: Record<string, unknown>[] = [];
  const used = new Map<Template, number>();
  for (let i = 0; i < orders; i++) {
    const template = templates[i % templates.length] as Template;
    used.set(template, (used.get(template) ?? 0) + 1);
    const id = `${plant}-O${String(i + 1).padStart(5, "0")}`;
    const order: Order = { snapshot: { ...template.order.snapshot, order: id }, state: template.order.state };
    orderItems.push(orderItem(t, plant, order));
    snapshots.push({
      ...keys.orderSnapshot(plant, id),
      data: pack(order.snapshot),
      createdAt: new Date().toISOString(),
    });
    template.records.forEach((r, n) => {
      const confirmationId = `${id}-C${String(n + 1).padStart(4, "0")}`;
      records.push({ ...r, ...keys.posting(plant, confirmationId), confirmationId, order: id });
    });
  }
  return { orderItems, snapshots, records, used };
}

/** A posting record with its requested date and its entry in the period's list of projected postings. */
function listedRecord(plant: string, period: string, r: Record<string, unknown>): Record<string, unknown> {
  const { movements } = unpack<{ movements: MovementView[] }>(r.data as Uint8Array);
  return {
    ...r,
    postingDate: `${period}-15`,
    ...indexKeys.ledgerSource(plant, period, String(r.confirmationId), "P", movements.length),
  };
}

/** The lines each posting record projects to (postingLedgerLines), as table items. */
function ledgerItems(plant: string, period: string, records: readonly Record<string, unknown>[]) {
  return records.flatMap((r) => {
    const { movements } = unpack<{ movements: MovementView[] }>(r.data as Uint8Array);
    const lines = postingLedgerLines(
      plant,
      String(r.confirmationId),
      { order: String(r.order), operation: "0010", period, postedAt: String(r.postedAt), movements },
      `${period}-15`,
    );
    return lines.map(ledgerItem);
  });
}

/** One close of the fixture's period, from the orders as they were before any close. */
export async function closeOnce(services: BenchServices, fixture: CloseFixture): Promise<CloseFigures> {
  const t = services.table;
  await reset(t, fixture);
  const meter = new CapacityMeter();
  const deps = {
    store: periodCloseStore(t),
    now: () => new Date(),
    log: silentLog,
    metrics: noMetrics,
    enqueueClose: async () => {
      throw new Error("a close without a deadline never continues in another invocation");
    },
  };
  const detach = meter.attach(services.ddb);
  const run = await timed(() => runClose(deps, fixture.plant, fixture.period)).finally(detach);
  if (run.result.status !== "closed" || run.result.report.orders.length !== fixture.orders) {
    throw new Error(
      `close of ${fixture.plant} ${fixture.period} did not report all ${fixture.orders} orders`,
    );
  }
  return {
    orders: fixture.orders,
    postingsPerOrder: fixture.postingsPerOrder,
    itemsRead: meter.reads.items,
    itemsReadPerOrder: meter.reads.items / fixture.orders,
    readUnitsPerOrder: meter.reads.units / fixture.orders,
    readRequests: meter.reads.requests,
    seconds: run.seconds,
  };
}

interface StockTotal {
  readonly material: string;
  readonly location: string;
  readonly qty: Decimal;
  readonly issued: Decimal;
}

interface Template {
  readonly order: Order;
  /** Posting record items of its confirmations, keys still to be set. */
  readonly records: readonly Record<string, unknown>[];
  /** Net stock change and issued value per stock item over all its confirmations. */
  readonly stock: ReadonlyMap<string, StockTotal>;
}

type PostingContext = Parameters<typeof backflush>[2];

/**
 * Every product twice, once completed by its last posting and once still in process, each
 * posted `postings` times by the domain engine; orders are copies of these.
 */
function postedTemplates(t: TableContext, md: PlantMasterData, postings: number, period: string): Template[] {
  const materials = new Map<string, Material>(
    md.materials.map((m) => [m.material, { ...m, hasBom: md.boms.some((b) => b.material === m.material) }]),
  );
  const workCenters = new Map<string, WorkCenter>([[md.workCenter.workCenter, md.workCenter]]);
  const stock: StockView = new Map(
    stockItems(md).map((s) => [stockKey(s.material, s.location), OPENING_STOCK]),
  );
  const ctx: PostingContext = { materials, workCenters, stock, period };
  return md.boms.flatMap((bom) => {
    const routing = md.routings.find((r) => r.material === bom.material);
    const released = (qty: Decimal) =>
      release({ order: "T", material: bom.material, qty, dueDate: "2027-12-31" }, { ...ctx, bom, routing });
    // Completed by its last posting, and still in process after them.
    return [1, 2].map((factor) => posted(t, released(YIELD.times(postings * factor)), postings, ctx));
  });
}

function posted(t: TableContext, released: Order, postings: number, ctx: PostingContext): Template {
  let order = released;
  const records: Record<string, unknown>[] = [];
  const totals = new Map<string, StockTotal>();
  for (let n = 1; n <= postings; n++) {
    const conf = { confirmationId: `T-${n}`, order: "T", operation: "0010", yield: YIELD, scrap: ZERO };
    const result = backflush(order, conf, ctx);
    order = result.order;
    records.push(recordItem(t, result.record, movementViews(result.movements, ctx.materials), ctx.period));
    addStock(totals, result.stock, issuedValueByStockItem(result.movements));
  }
  return { order, records, stock: totals };
}

/** A posting record as the worker writes it (postingWrite), to be copied under each order's keys. */
function recordItem(
  t: TableContext,
  record: PostedConfirmation,
  movements: readonly MovementView[],
  period: string,
): Record<string, unknown> {
  const at = new Date().toISOString();
  const write = postingWrite(t, "T", "T", {
    status: "posted",
    order: "T",
    operation: "0010",
    period,
    data: { record, movements },
    at,
    receivedAt: at,
  });
  return write.item.Put?.Item ?? {};
}

function addStock(
  totals: Map<string, StockTotal>,
  deltas: readonly StockDelta[],
  issued: ReadonlyMap<string, Decimal>,
) {
  for (const d of deltas) {
    const key = stockKey(d.material, d.location);
    const cur = totals.get(key) ?? { material: d.material, location: d.location, qty: ZERO, issued: ZERO };
    totals.set(key, { ...cur, qty: cur.qty.plus(d.qty), issued: cur.issued.plus(issued.get(key) ?? ZERO) });
  }
}

/** The order item of a posted order, version 1, in the close index (orderWrite's own shape). */
function orderItem(t: TableContext, plant: string, order: Order): Record<string, unknown> {
  const put = orderWrite(t, { plant, order, version: 0 }, order).item.Put;
  if (!put?.Item) throw new Error("orderWrite is a Put");
  return put.Item;
}

/**
 * The stock items' side of all those postings: opening stock, then per item the period's net
 * change and issued value (the aggregates the worker's writes ADD up), one write per item.
 */
async function stockAggregates(
  t: TableContext,
  plant: string,
  period: string,
  used: ReadonlyMap<Template, number>,
) {
  const totals = new Map<string, StockTotal>();
  for (const [template, count] of used) {
    for (const [key, s] of template.stock) {
      const cur = totals.get(key) ?? { ...s, qty: ZERO, issued: ZERO };
      totals.set(key, {
        ...cur,
        qty: cur.qty.plus(s.qty.times(count)),
        issued: cur.issued.plus(s.issued.times(count)),
      });
    }
  }
  await forEachLimited([...totals.values()], 8, (s) =>
    transactWrite(t, [
      stockWrite(
        t,
        plant,
        {
          material: s.material,
          location: s.location,
          qty: s.qty.plus(OPENING_STOCK),
          guardNonNegative: false,
        },
        { period, issuedValue: s.issued },
      ),
    ]),
  );
}

/** Puts the orders back as posted, and removes what a close left: lock, checkpoint, rows, report. */
async function reset(t: TableContext, fixture: CloseFixture): Promise<void> {
  const { plant, period } = fixture;
  await batchWrite(t, fixture.orderItems);
  const rows = await t.ddb.send(
    new QueryCommand({
      TableName: t.tableName,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": keys.closeRowsPk(plant, period) },
      ProjectionExpression: "pk, sk",
    }),
  );
  const leftovers = [
    keys.periods(plant),
    keys.periodReport(plant, period),
    keys.closeCheckpoint(plant, period),
    ...((rows.Items ?? []) as { pk: string; sk: string }[]),
  ];
  await forEachLimited(leftovers, 8, (Key) => t.ddb.send(new DeleteCommand({ TableName: t.tableName, Key })));
}

/** BatchWriteItem in 25s, 8 at a time, until nothing is left unprocessed. */
async function batchWrite(t: TableContext, items: readonly Record<string, unknown>[]): Promise<void> {
  const chunks = Array.from({ length: Math.ceil(items.length / 25) }, (_, i) =>
    items.slice(i * 25, i * 25 + 25),
  );
  await forEachLimited(chunks, 8, async (chunk) => {
    let pending = chunk.map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const res = await t.ddb.send(new BatchWriteCommand({ RequestItems: { [t.tableName]: pending } }));
      pending = (res.UnprocessedItems?.[t.tableName] ?? []) as typeof pending;
    }
  });
}
