import { z } from "zod";
import { identifier as id, isoDay, QueuedConfirmation } from "./queued-confirmation.js";

/**
 * Messages on the postings queue. Decimals travel as strings (never JSON numbers) so nothing
 * between the API and the worker can turn them into floats. Producer: functions/api;
 * consumer: functions/backflush-worker. Changing a shape is a versioned change. The confirmation's
 * shape and conversions are in queued-confirmation.ts.
 */
export const PostingMessage = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("confirmation"),
    plant: id,
    confirmation: QueuedConfirmation,
    /** When the API accepted it: the start of the intake-to-commit latency. */
    receivedAt: z.iso.datetime(),
  }),
  z.strictObject({
    type: z.literal("reversal"),
    plant: id,
    confirmationId: id,
    postingDate: isoDay,
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
export type ConfirmationMessage = Extract<PostingMessage, { type: "confirmation" }>;
export type ReversalMessage = Extract<PostingMessage, { type: "reversal" }>;

/**
 * A request on the close-requests queue (standard): close one plant's period. Producers: the
 * API (POST .../close), the monthly schedule and a close that ran out of time and continues.
 */
export const CloseRequest = z.strictObject({
  plant: id,
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "period YYYY-MM"),
});
export type CloseRequest = z.infer<typeof CloseRequest>;
