import { randomUUID } from "node:crypto";
import type { QueueContext } from "../adapters/queue.js";
import {
  backlogRetrySender,
  postingIds,
  postingsQueue,
  sendCloseRequest,
  sendPosting,
} from "../adapters/queue.js";
import {
  periodCloseStore,
  reorderStore,
  stockDocumentStore,
  type TableContext,
} from "../adapters/table/index.js";
import { publishRequisition, type RequisitionNotification, type TopicContext } from "../adapters/topic.js";
import type { LogPort, MetricsPort } from "../common/ports.js";
import {
  acceptConfirmation,
  getConfirmationView,
  requestReversal,
  tableIntakeDeps,
} from "../use-cases/confirmation-intake.js";
import { movementsToCsv, movementsView, verifyPeriod } from "../use-cases/ledger.js";
import {
  getBomView,
  getMaterialView,
  getRoutingView,
  getWorkCenterView,
  listMaterials,
  listWorkCenters,
  upsertBom,
  upsertMaterial,
  upsertRouting,
  upsertWorkCenter,
} from "../use-cases/master-data.js";
import { changeOrderRequest, getOrderView, listOrders, releaseOrder } from "../use-cases/orders.js";
import { getPeriodReport, requestClose } from "../use-cases/period-close.js";
import { isoDate } from "../use-cases/posting-support.js";
import { backlogView, stockView } from "../use-cases/queries.js";
import { listRequisitions, runReorders } from "../use-cases/reorder.js";
import {
  postGoodsReceipt,
  postInventoryCount,
  postTransfer,
  type StockDeps,
} from "../use-cases/stock-postings.js";
import { serveOpenApi } from "./http/openapi.js";
import { reportToCsv } from "./http/period-csv.js";
import { pathParams, queryParams, validate } from "./http/request.js";
import { type ApiRouteKey, json, type RouteHandler } from "./http/router.js";
import * as s from "./schemas.js";

export interface ApiDeps {
  readonly table: TableContext;
  readonly postings: QueueContext;
  readonly closeRequests: QueueContext;
  readonly topic: TopicContext;
  readonly now: () => Date;
  readonly log: LogPort;
  readonly metrics: MetricsPort;
  /** When a queued confirmation may be sent again (default: the postings queue's visibility timeout). */
  readonly outboxResendAfterSeconds?: number;
}

/**
 * The contract's routes (docs/api.md#routes), each: parse → one use case → map the result.
 * Authorization, body parsing and error mapping happen once, in the router.
 */
export function apiRoutes(deps: ApiDeps): Record<ApiRouteKey, RouteHandler> {
  const stockDeps: StockDeps = {
    store: stockDocumentStore(deps.table),
    enqueueBacklogRetry: backlogRetrySender(deps.postings),
    now: deps.now,
    log: deps.log,
  };
  const reorderDeps = {
    ...deps,
    store: reorderStore(deps.table),
    publish: (message: RequisitionNotification) => publishRequisition(deps.topic, message),
  };
  const closeDeps = {
    ...deps,
    store: periodCloseStore(deps.table),
    enqueueClose: (plant: string, period: string) => sendCloseRequest(deps.closeRequests, { plant, period }),
  };
  const intake = tableIntakeDeps(
    deps.table,
    postingsQueue(deps.postings),
    deps.now,
    deps.outboxResendAfterSeconds,
  );

  return {
    "GET /v1/health": async () => json(200, { status: "ok" }),
    "GET /v1/openapi.json": serveOpenApi,

    "PUT /v1/plants/{plant}/materials/{material}": async ({ event, body }) => {
      const { plant, material } = pathParams(event, s.materialParams);
      return json(200, await upsertMaterial(deps, plant, { material, ...validate(s.materialBody, body) }));
    },
    "PUT /v1/plants/{plant}/work-centers/{wc}": async ({ event, body }) => {
      const { plant, wc } = pathParams(event, s.workCenterParams);
      return json(
        200,
        await upsertWorkCenter(deps, plant, { workCenter: wc, ...validate(s.workCenterBody, body) }),
      );
    },
    "PUT /v1/plants/{plant}/boms/{material}": async ({ event, body }) => {
      const { plant, material } = pathParams(event, s.materialParams);
      return json(200, await upsertBom(deps, plant, { material, ...validate(s.bomBody, body) }));
    },
    "PUT /v1/plants/{plant}/routings/{material}": async ({ event, body }) => {
      const { plant, material } = pathParams(event, s.materialParams);
      return json(200, await upsertRouting(deps, plant, { material, ...validate(s.routingBody, body) }));
    },

    "POST /v1/plants/{plant}/orders": async ({ event, body }) => {
      const { plant } = pathParams(event, s.plantParams);
      const order = await releaseOrder(deps, plant, validate(s.orderBody, body));
      return json(201, order, { location: `/v1/plants/${plant}/orders/${order.order}` });
    },
    "PATCH /v1/plants/{plant}/orders/{order}": async ({ event, body }) => {
      const { plant, order } = pathParams(event, s.orderParams);
      return json(200, await changeOrderRequest(deps, plant, order, validate(s.orderPatchBody, body)));
    },
    "GET /v1/plants/{plant}/orders/{order}": async ({ event }) => {
      const { plant, order } = pathParams(event, s.orderParams);
      return json(200, await getOrderView(deps, plant, order));
    },
    "GET /v1/plants/{plant}/orders": async ({ event }) => {
      const { plant } = pathParams(event, s.plantParams);
      const { status, material, limit, cursor } = queryParams(event, s.ordersQuery);
      return json(200, await listOrders(deps, plant, { status, material }, { limit, cursor }));
    },

    "GET /v1/plants/{plant}/materials": async ({ event }) => {
      const { plant } = pathParams(event, s.plantParams);
      return json(200, await listMaterials(deps, plant, queryParams(event, s.listQuery)));
    },
    "GET /v1/plants/{plant}/materials/{material}": async ({ event }) => {
      const { plant, material } = pathParams(event, s.materialParams);
      return json(200, await getMaterialView(deps, plant, material));
    },
    "GET /v1/plants/{plant}/work-centers": async ({ event }) => {
      const { plant } = pathParams(event, s.plantParams);
      return json(200, await listWorkCenters(deps, plant, queryParams(event, s.listQuery)));
    },
    "GET /v1/plants/{plant}/work-centers/{wc}": async ({ event }) => {
      const { plant, wc } = pathParams(event, s.workCenterParams);
      return json(200, await getWorkCenterView(deps, plant, wc));
    },
    "GET /v1/plants/{plant}/boms/{material}": async ({ event }) => {
      const { plant, material } = pathParams(event, s.materialParams);
      return json(200, await getBomView(deps, plant, material));
    },
    "GET /v1/plants/{plant}/routings/{material}": async ({ event }) => {
      const { plant, material } = pathParams(event, s.materialParams);
      return json(200, await getRoutingView(deps, plant, material));
    },

    "POST /v1/plants/{plant}/goods-receipts": async ({ event, body }) => {
      const { plant } = pathParams(event, s.plantParams);
      return json(201, await postGoodsReceipt(stockDeps, plant, validate(s.goodsReceiptBody, body)));
    },
    "POST /v1/plants/{plant}/transfers": async ({ event, body }) => {
      const { plant } = pathParams(event, s.plantParams);
      return json(201, await postTransfer(stockDeps, plant, validate(s.transferBody, body)));
    },
    "POST /v1/plants/{plant}/inventory-counts": async ({ event, body }) => {
      const { plant } = pathParams(event, s.plantParams);
      return json(201, await postInventoryCount(stockDeps, plant, validate(s.inventoryCountBody, body)));
    },

    "POST /v1/plants/{plant}/confirmations": async ({ event, body }) => {
      const { plant } = pathParams(event, s.plantParams);
      return json(202, await acceptConfirmation(intake, plant, validate(s.confirmationBody, body)));
    },
    "GET /v1/plants/{plant}/confirmations/{id}": async ({ event }) => {
      const { plant, id } = pathParams(event, s.confirmationParams);
      return json(200, await getConfirmationView(intake, plant, id));
    },
    "POST /v1/plants/{plant}/confirmations/{id}/reversal": async ({ event, body }) => {
      const { plant, id } = pathParams(event, s.confirmationParams);
      const { postingDate } = validate(s.reversalBody, body);
      return json(202, await requestReversal(intake, plant, id, postingDate));
    },

    "GET /v1/plants/{plant}/stock": async ({ event }) => {
      const { plant } = pathParams(event, s.plantParams);
      const { material, limit, cursor } = queryParams(event, s.stockQuery);
      return json(200, await stockView(deps.table, plant, material, { limit, cursor }));
    },
    "GET /v1/plants/{plant}/backlog": async ({ event }) => {
      const { plant } = pathParams(event, s.plantParams);
      return json(200, await backlogView(deps.table, plant, queryParams(event, s.listQuery)));
    },
    "POST /v1/plants/{plant}/backlog/reprocess": async ({ event }) => {
      const { plant } = pathParams(event, s.plantParams);
      const receivedAt = deps.now().toISOString();
      await sendPosting(
        deps.postings,
        { type: "backlog", plant, receivedAt },
        postingIds.backlog(plant, `reprocess:${randomUUID()}`),
      );
      return json(202, { plant, status: "queued" });
    },

    "POST /v1/plants/{plant}/reorders/run": async ({ event }) => {
      const { plant } = pathParams(event, s.plantParams);
      // On the state, not on a change: every material with reorder settings (docs/rules.md#reorder).
      return json(200, await runReorders(reorderDeps, plant, isoDate(deps.now()), "all"));
    },
    "GET /v1/plants/{plant}/reorders": async ({ event }) => {
      const { plant } = pathParams(event, s.plantParams);
      return json(200, await listRequisitions(reorderDeps, plant, queryParams(event, s.listQuery)));
    },

    "POST /v1/plants/{plant}/periods/{period}/close": async ({ event }) => {
      const { plant, period } = pathParams(event, s.periodParams);
      return json(202, await requestClose(closeDeps, plant, period));
    },
    "GET /v1/plants/{plant}/periods/{period}": async ({ event }) => {
      const { plant, period } = pathParams(event, s.periodParams);
      const { format, limit, cursor } = queryParams(event, s.periodReportQuery);
      const report = await getPeriodReport(closeDeps, plant, period, { limit, cursor });
      if (format === "json") return json(200, report);
      return {
        statusCode: 200,
        headers: {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="${plant}-${period}.csv"`,
          ...(report.next ? { "x-next-cursor": report.next } : {}),
        },
        body: reportToCsv(report),
      };
    },
    "GET /v1/plants/{plant}/movements": async ({ event }) => {
      const { plant } = pathParams(event, s.plantParams);
      const { format, ...query } = queryParams(event, s.movementsQuery);
      const page = await movementsView(deps.table, plant, query);
      if (format === "json") return json(200, page);
      return {
        statusCode: 200,
        headers: {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="${plant}-movements.csv"`,
          ...(page.next ? { "x-next-cursor": page.next } : {}),
        },
        body: movementsToCsv(page.items),
      };
    },
    "GET /v1/plants/{plant}/periods/{period}/verify": async ({ event }) => {
      const { plant, period } = pathParams(event, s.periodParams);
      return json(200, await verifyPeriod(deps.table, plant, period));
    },
  };
}
