import type { Material } from "../../domain/index.js";
import type { ConfirmationItems, MovementView } from "../adapters/table/index.js";
import { movementViews } from "./posting-support.js";

export type ConfirmationStatus =
  | "queued"
  | "posted"
  | "posted_with_backlog"
  | "rejected"
  | "reversal_queued"
  | "reversed"
  | "reversal_rejected";

/** What GET confirmation shows of the worker's outcome (docs/data-model.md, confirmation items). */
export interface ConfirmationOutcome {
  readonly status: ConfirmationStatus;
  readonly movements: readonly MovementView[];
  readonly rejection?: { code: string; message: string } | undefined;
}

/** Materials whose decimals the outcome's backlog movements are formatted to. */
export const outcomeMaterials = (items: ConfirmationItems): string[] =>
  items.backlog.map((b) => b.line.material);

/**
 * The status a client sees (docs/api.md, confirmation statuses):
 * - `posted_with_backlog` reads `posted` again once none of its backlog lines is open;
 * - a backlog line that posted later is among the confirmation's movements;
 * - a reversal request newer than the last rejected one reads `reversal_queued`; the last
 *   rejected one reads `reversal_rejected` with its reason, and the posting stands.
 */
export function confirmationOutcome(
  items: ConfirmationItems,
  reversalRequested: string | undefined,
  materials: ReadonlyMap<string, Material>,
): ConfirmationOutcome {
  const posting = items.posting;
  const reversal = items.reversal;
  const lateMovements = movementViews(
    items.backlog.flatMap((b) => b.postings),
    materials,
  );
  const movements = [...(posting?.data.movements ?? []), ...lateMovements];
  if (posting?.status === "reversed" || reversal?.status === "reversed") {
    return { status: "reversed", movements };
  }
  let status: ConfirmationStatus = posting?.status ?? "queued";
  if (status === "posted_with_backlog" && !items.backlog.some((b) => b.status === "open")) status = "posted";
  const rejectedAt =
    reversal?.status === "rejected" ? (reversal.requestedAt ?? reversalRequested ?? "") : undefined;
  if (rejectedAt !== undefined && (reversalRequested === undefined || reversalRequested <= rejectedAt)) {
    return { status: "reversal_rejected", movements, rejection: reversal?.rejection };
  }
  if (reversalRequested !== undefined && status !== "rejected") status = "reversal_queued";
  return { status, movements, ...(posting?.rejection ? { rejection: posting.rejection } : {}) };
}
