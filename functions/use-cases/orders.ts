import {
  changeOrder,
  type Decimal,
  formatMoney,
  isEmptiedExtraLine,
  type Order,
  type OrderStatus,
  plannedTotals,
  release,
  UnknownMaterialError,
  UnknownOperationError,
  UnknownWorkCenterError,
  wipBalance,
  ZERO,
} from "../../domain/index.js";
import {
  createOrder,
  getBom,
  getOrder,
  getRouting,
  isTransient,
  loadMaterials,
  loadWorkCenters,
  OrderExistsError,
  ordersPage,
  saveOrder,
  type TableContext,
} from "../adapters/table/index.js";
import type { PageRequest } from "../common/paging.js";
import { InvalidReferenceError, ResourceExistsError, ResourceNotFoundError } from "./errors.js";
import { backOff, type RetryDeps } from "./retry.js";

export interface OrderDeps extends RetryDeps {
  readonly table: TableContext;
  readonly now: () => Date;
}

export interface ReleaseRequest {
  readonly order: string;
  readonly material: string;
  readonly qty: Decimal;
  readonly receivingLocation?: string | undefined;
  readonly dueDate?: string | undefined;
}

/** Release (POST orders): BOM and routing as they are now, frozen into the order. */
export async function releaseOrder(deps: OrderDeps, plant: string, request: ReleaseRequest) {
  const t = deps.table;
  const [bom, routing] = await Promise.all([
    getBom(t, plant, request.material),
    getRouting(t, plant, request.material),
  ]);
  const [materials, workCenters] = await Promise.all([
    loadMaterials(t, plant, [request.material, ...(bom?.items ?? []).map((i) => i.component)]),
    loadWorkCenters(
      t,
      plant,
      (routing?.operations ?? []).map((o) => o.workCenter),
    ),
  ]);
  let order: Order;
  try {
    order = release(request, { materials, workCenters, bom, routing });
  } catch (error) {
    // The request itself is fine; its material's master data is not ready to produce it.
    if (error instanceof UnknownMaterialError && error.material === request.material) {
      throw new InvalidReferenceError("material", error.message, { cause: error });
    }
    if (
      error instanceof UnknownMaterialError ||
      error instanceof UnknownWorkCenterError ||
      error instanceof UnknownOperationError
    ) {
      throw new InvalidReferenceError(
        "material",
        `master data of ${request.material} is incomplete: ${error.message}`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  try {
    await createOrder(t, plant, order, deps.now().toISOString());
  } catch (error) {
    if (error instanceof OrderExistsError)
      throw new ResourceExistsError(`order ${request.order} already exists`, { cause: error });
    throw error;
  }
  return orderView(order);
}

/**
 * PATCH: qty and/or due date, recomputing plannedTotal from the snapshot; retried with backoff
 * and jitter on a concurrent posting or throttling, then 503 (functions/use-cases/retry.ts).
 */
export async function changeOrderRequest(
  deps: OrderDeps,
  plant: string,
  id: string,
  change: { qty?: Decimal | undefined; dueDate?: string | undefined },
) {
  for (let attempt = 1; ; attempt++) {
    const stored = await getOrder(deps.table, plant, id);
    if (!stored) throw new ResourceNotFoundError(`order ${id} not found`);
    const next = changeOrder(stored.order, change);
    try {
      await saveOrder(deps.table, stored, next);
      return orderView(next);
    } catch (error) {
      // A posting changed the order since we read it, or DynamoDB throttled: read and decide again.
      const conflict = error instanceof Error && error.name === "ConditionalCheckFailedException";
      if (!conflict && !isTransient(error)) throw error;
      await backOff(deps, attempt, `order change ${id}`, error);
    }
  }
}

export async function getOrderView(deps: OrderDeps, plant: string, id: string) {
  const stored = await getOrder(deps.table, plant, id);
  if (!stored) throw new ResourceNotFoundError(`order ${id} not found`);
  return orderView(stored.order);
}

/**
 * GET orders: summaries of the plant's orders, newest release first, optionally of one status
 * and one material, a page at a time (docs/api.md#paging); read on the orders index.
 */
export async function listOrders(
  deps: OrderDeps,
  plant: string,
  filter: { readonly status?: OrderStatus | undefined; readonly material?: string | undefined },
  page: PageRequest,
) {
  const { items, next } = await ordersPage(deps.table, plant, filter, page);
  return { items: items.map(orderSummary), next };
}

/** One line of GET orders: the order view's head, without operations and components. */
export function orderSummary(order: Order) {
  const { snapshot, state } = order;
  const q = (d: Decimal) => d.toFixed(snapshot.productDecimals);
  return {
    order: snapshot.order,
    material: snapshot.material,
    qty: q(state.qty),
    status: state.status,
    dueDate: state.dueDate ?? null,
    receivedQty: q(state.receivedQty),
    wip: formatMoney(wipBalance(state)),
  };
}

/** GET order (docs/api.md#orders); quantities to their material's decimals, money to 2 places. */
export function orderView(order: Order) {
  const { snapshot, state } = order;
  const totals = plannedTotals(snapshot, state.qty);
  const q = (d: Decimal) => d.toFixed(snapshot.productDecimals);
  const decimalsOf = new Map(snapshot.items.map((i) => [i.item, i.decimals]));
  return {
    order: snapshot.order,
    material: snapshot.material,
    qty: q(state.qty),
    dueDate: state.dueDate ?? null,
    status: state.status,
    receivingLocation: snapshot.receivingLocation,
    operations: snapshot.operations.map((o) => ({
      op: o.op,
      workCenter: o.workCenter ?? null,
      confirmedYield: q(state.operations[o.op]?.confirmedYield ?? ZERO),
      confirmedScrap: q(state.operations[o.op]?.confirmedScrap ?? ZERO),
    })),
    components: Object.entries(state.components)
      .filter(([line, c]) => !isEmptiedExtraLine(snapshot, line, c))
      .map(([line, c]) => {
        const decimals = decimalsOf.get(line);
        const fmt = (d: Decimal) => (decimals === undefined ? d.toFixed() : d.toFixed(decimals));
        const total = totals.get(line);
        return {
          item: c.item ?? null,
          component: c.component,
          operation: c.operation,
          plannedTotal: total ? fmt(total) : "0",
          planned: fmt(c.planned),
          issued: fmt(c.issued),
        };
      }),
    wip: formatMoney(wipBalance(state)),
    receivedQty: q(state.receivedQty),
  };
}
