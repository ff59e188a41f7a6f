/**
 * Application errors of the use cases the API calls. They say what went wrong in business
 * terms; functions/api/http/problem.ts is the one place that turns them into HTTP.
 */
abstract class ApplicationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ResourceNotFoundError extends ApplicationError {}

/** The resource exists already (an order released twice). */
export class ResourceExistsError extends ApplicationError {}

/** An idempotency key (confirmationId, receiptId, transferId, countId) reused with another body. */
export class IdempotencyKeyReusedError extends ApplicationError {}

/** A request field names master data that does not exist or does not fit; `path` is body-relative. */
export class InvalidReferenceError extends ApplicationError {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The queue did not take the message: nothing was accepted, the client may retry as is. */
export class QueueUnavailableError extends ApplicationError {}

/**
 * A close of a period while a later one is already closing or closed: orders processed by the
 * later close no longer take postings in the earlier one, so it could never be closed completely.
 */
export class LaterPeriodLockedError extends ApplicationError {
  constructor(
    readonly period: string,
    readonly later: string,
    options?: { cause?: unknown },
  ) {
    super(`period ${later} is already closing or closed; ${period} can no longer be closed`, options);
  }
}

/**
 * A close of a period while an earlier period that has postings is not closed: closes go in
 * order, else the earlier period's postings would reach no journal (docs/rules.md#closes-in-order).
 */
export class EarlierPeriodOpenError extends ApplicationError {
  constructor(
    readonly period: string,
    readonly earlier: string,
    options?: { cause?: unknown },
  ) {
    super(`period ${earlier} has postings and is not closed; close it before ${period}`, options);
  }
}

/** A scheduled fan-out in which some plants could not be requested; the rest were. */
export class ScheduledCloseError extends Error {
  constructor(
    readonly period: string,
    readonly plants: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`close of ${period} could not be requested for ${plants.join(", ")}`, options);
    this.name = "ScheduledCloseError";
  }
}

/** The lock says closed but the report item is missing: they commit together, so this is corruption. */
export class MissingPeriodReportError extends Error {
  constructor(
    readonly plant: string,
    readonly period: string,
    options?: { cause?: unknown },
  ) {
    super(`period ${period} of plant ${plant} is closed but has no stored report`, options);
    this.name = "MissingPeriodReportError";
  }
}

/** A scheduled run in which some plants failed; the others ran. */
export class ReorderRunError extends Error {
  constructor(
    readonly plants: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`reorder run failed for ${plants.join(", ")}`, options);
    this.name = "ReorderRunError";
  }
}

/**
 * A synchronous posting kept meeting transaction conflicts or throttling after its retries
 * with backoff: nothing was posted, the same request may be sent again shortly (503).
 */
export class RetriesExhaustedError extends ApplicationError {
  constructor(
    readonly attempts: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A goods receipt's `reference` names no requisition of its material (409 CONFLICT). */
export class RequisitionMismatchError extends ApplicationError {}

/**
 * A stock posting committed, but a follow-up that belongs to it (the backlog retry) did not
 * run: the same request again completes it (503, so the client retries).
 */
export class FollowUpPendingError extends ApplicationError {}

/** Postings kept getting in between the close's read and write of an order; SQS delivers the close again. */
export class CloseConflictError extends Error {
  constructor(
    readonly plant: string,
    readonly period: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(`close of ${plant} ${period}: an order kept changing after ${attempts} attempts`, options);
    this.name = "CloseConflictError";
  }
}
