/**
 * Response bodies of the lists and reads (docs/api.md), for the OpenAPI document only: the use
 * cases build them, these schemas describe them. Every list is a page (docs/api.md#paging).
 */
import { z } from "zod";
import * as s from "./schemas.js";

const decimalText = (example: string) => z.string().meta({ example });

/** `{ items, next }`: `next` is the cursor of the following page, null on the last one. */
export const pageOf = (item: z.ZodType, id: string) =>
  z
    .object({
      items: z.array(item),
      next: z
        .string()
        .nullable()
        .meta({ description: "Pass as `cursor` for the next page; null on the last" }),
    })
    .meta({ id });

export const orderSummary = z
  .object({
    order: z.string(),
    material: z.string(),
    qty: decimalText("20000"),
    status: z.enum(["released", "in_process", "completed", "closed"]),
    dueDate: z.string().nullable().meta({ format: "date" }),
    receivedQty: decimalText("5000"),
    wip: decimalText("1234.56"),
  })
  .meta({ id: "OrderSummary" });

export const stockLine = z
  .object({
    material: z.string(),
    location: z.string(),
    onHand: decimalText("123.00"),
    value: decimalText("104.55").nullable(),
  })
  .meta({ id: "StockLine" });

export const backlogLine = z
  .object({
    id: z.string(),
    confirmationId: z.string(),
    order: z.string(),
    material: z.string(),
    location: z.string(),
    qty: decimalText("1.500"),
    reason: z.literal("insufficient_stock"),
    createdAt: z.string().meta({ format: "date-time" }),
  })
  .meta({ id: "BacklogLine" });

export const requisition = z
  .object({
    requisitionId: z.string(),
    material: z.string(),
    qty: decimalText("2000"),
    status: z.enum(["open", "partially_received", "received"]),
    receivedQty: decimalText("0").optional(),
    reorderPoint: decimalText("500"),
    available: decimalText("120"),
    neededBy: z.string().meta({ format: "date" }),
    supplier: z.string().nullable(),
    createdAt: z.string().meta({ format: "date-time" }),
  })
  .meta({ id: "Requisition" });

/** The bodies as stored: the PUT body (defaults filled in) plus the id from the path. */
export const storedMaterial = z
  .object({ material: z.string(), ...s.materialBody.shape })
  .meta({ id: "StoredMaterial" });
export const storedWorkCenter = z
  .object({ workCenter: z.string(), ...s.workCenterBody.shape })
  .meta({ id: "StoredWorkCenter" });
export const storedBom = z
  .object({ material: z.string(), baseQty: s.quantity, items: z.array(s.bomItem) })
  .meta({
    id: "StoredBom",
  });
export const storedRouting = z
  .object({ material: z.string(), operations: z.array(s.routingOperation) })
  .meta({ id: "StoredRouting" });

export const ordersPage = pageOf(orderSummary, "OrdersPage");
export const stockPage = pageOf(stockLine, "StockPage");
export const backlogPage = pageOf(backlogLine, "BacklogPage");
export const reordersPage = pageOf(requisition, "ReordersPage");
export const materialsPage = pageOf(storedMaterial, "MaterialsPage");
export const workCentersPage = pageOf(storedWorkCenter, "WorkCentersPage");
