import { z } from "zod";

/**
 * Messages on the postings queue. Decimals travel as strings (never JSON numbers) so nothing
 * between the API and the worker can turn them into floats. Producer: functions/api;
 * consumer: functions/backflush-worker. Changing a shape is a versioned change.
 */
const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, "decimal string");
const id = z.string().min(1).max(64);

export const ConfirmationBody = z.strictObject({
  confirmationId: id,
  order: id,
  operation: id,
  yield: decimalString,
  scrap: decimalString,
  postingDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  activities: z.record(z.string(), decimalString).optional(),
  components: z
    .array(
      z.union([
        z.strictObject({
          item: id,
          qty: decimalString.optional(),
          scrap: decimalString.optional(),
          location: id.optional(),
        }),
        z.strictObject({
          component: id,
          qty: decimalString,
          scrap: decimalString.optional(),
          location: id.optional(),
          replaces: id.optional(),
        }),
      ]),
    )
    .optional(),
});
export type ConfirmationBody = z.infer<typeof ConfirmationBody>;

export const PostingMessage = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("confirmation"),
    plant: id,
    confirmation: ConfirmationBody,
    /** When the API accepted it: the start of the intake-to-commit latency. */
    receivedAt: z.iso.datetime(),
  }),
  z.strictObject({
    type: z.literal("reversal"),
    plant: id,
    confirmationId: id,
    postingDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    receivedAt: z.iso.datetime(),
  }),
  z.strictObject({
    type: z.literal("backlog"),
    plant: id,
    material: id.optional(),
    location: id.optional(),
    receivedAt: z.iso.datetime(),
  }),
]);
export type PostingMessage = z.infer<typeof PostingMessage>;

/**
 * A request on the close-requests queue (standard): close one plant's period. Producers: the
 * API (POST .../close), the monthly schedule and a close that ran out of time and continues.
 */
export const CloseRequest = z.strictObject({
  plant: id,
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "period YYYY-MM"),
});
export type CloseRequest = z.infer<typeof CloseRequest>;
