import { z } from "zod";
import { type ComponentLine, type Confirmation, type Decimal, dec } from "../../domain/index.js";

/**
 * The confirmation as it travels on the postings queue, and its two conversions: from the request the
 * API parsed (intake) and to the domain's Confirmation (worker). Decimals travel as strings, never
 * JSON numbers, so nothing between the API and the worker can turn them into floats.
 */
export const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, "decimal string");
export const identifier = z.string().min(1).max(64);
export const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const QueuedConfirmation = z.strictObject({
  confirmationId: identifier,
  order: identifier,
  operation: identifier,
  yield: decimalString,
  scrap: decimalString,
  postingDate: isoDay,
  activities: z.record(z.string(), decimalString).optional(),
  components: z
    .array(
      z.union([
        z.strictObject({
          item: identifier,
          qty: decimalString.optional(),
          scrap: decimalString.optional(),
          location: identifier.optional(),
        }),
        z.strictObject({
          component: identifier,
          qty: decimalString,
          scrap: decimalString.optional(),
          location: identifier.optional(),
          replaces: identifier.optional(),
        }),
      ]),
    )
    .optional(),
});
export type QueuedConfirmation = z.infer<typeof QueuedConfirmation>;

/** A confirmation as the API parsed it (decimals already Decimals). */
export interface ConfirmationRequest {
  readonly confirmationId: string;
  readonly order: string;
  readonly operation: string;
  readonly yield: Decimal;
  readonly scrap: Decimal;
  readonly postingDate?: string | undefined;
  readonly activities?: Readonly<Record<string, Decimal>> | undefined;
  readonly components?: readonly (
    | { item: string; qty?: Decimal | undefined; scrap?: Decimal | undefined; location?: string | undefined }
    | {
        component: string;
        qty: Decimal;
        scrap?: Decimal | undefined;
        location?: string | undefined;
        replaces?: string | undefined;
      }
  )[];
}

/** Intake: the request with its posting date settled (the day it arrived unless the client gave one). */
export function toQueuedConfirmation(r: ConfirmationRequest, postingDate: string): QueuedConfirmation {
  const s = (d: Decimal | undefined) => (d === undefined ? undefined : d.toFixed());
  return {
    confirmationId: r.confirmationId,
    order: r.order,
    operation: r.operation,
    yield: r.yield.toFixed(),
    scrap: r.scrap.toFixed(),
    postingDate,
    ...(r.activities
      ? { activities: Object.fromEntries(Object.entries(r.activities).map(([k, v]) => [k, v.toFixed()])) }
      : {}),
    ...(r.components
      ? {
          components: r.components.map((c) =>
            "component" in c
              ? {
                  component: c.component,
                  qty: c.qty.toFixed(),
                  scrap: s(c.scrap),
                  location: c.location,
                  replaces: c.replaces,
                }
              : { item: c.item, qty: s(c.qty), scrap: s(c.scrap), location: c.location },
          ),
        }
      : {}),
  };
}

/** Worker: the queued confirmation as the domain computes with it. */
export function fromQueuedConfirmation(body: QueuedConfirmation): Confirmation & { postingDate: string } {
  const optional = (value: string | undefined, field: string) =>
    value === undefined ? undefined : dec(value, field);
  const components = body.components?.map((c): ComponentLine => {
    if ("item" in c) {
      return {
        item: c.item,
        qty: optional(c.qty, "qty"),
        scrap: optional(c.scrap, "scrap"),
        location: c.location,
      };
    }
    return {
      component: c.component,
      qty: dec(c.qty, "qty"),
      scrap: optional(c.scrap, "scrap"),
      location: c.location,
      replaces: c.replaces,
    };
  });
  return {
    confirmationId: body.confirmationId,
    order: body.order,
    operation: body.operation,
    yield: dec(body.yield, "yield"),
    scrap: dec(body.scrap, "scrap"),
    postingDate: body.postingDate,
    activities: body.activities
      ? Object.fromEntries(Object.entries(body.activities).map(([k, v]) => [k, dec(v, `activities.${k}`)]))
      : undefined,
    components,
  };
}
