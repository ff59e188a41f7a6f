/**
 * The one error → response mapper of the API: RFC 9457 problem details with the contract's codes
 * (docs/api.md#errors). Anything it does not know is a 500 whose body names only the correlation id.
 */
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { z } from "zod";
import {
  AlreadyReversedError,
  InsufficientStockError,
  InvalidInputError,
  OrderClosedError,
  PeriodClosedError,
  UnknownItemError,
  UnknownMaterialError,
  UnknownOperationError,
  UnknownOrderError,
  UnknownWorkCenterError,
} from "../../../domain/errors.js";
import {
  EarlierPeriodOpenError,
  FollowUpPendingError,
  IdempotencyKeyReusedError,
  InvalidReferenceError,
  LaterPeriodLockedError,
  QueueUnavailableError,
  RequisitionMismatchError,
  ResourceExistsError,
  ResourceNotFoundError,
  RetriesExhaustedError,
} from "../../use-cases/errors.js";
import {
  ConflictError,
  type FieldError,
  HttpError,
  IdempotencyConflictError,
  NotFoundError,
  PeriodClosedProblem,
  type ProblemCode,
  ServiceUnavailableError,
  ValidationError,
} from "./errors.js";

/** Problem `type` URIs are this base plus the code in kebab case, e.g. `.../validation-failed`. */
export const PROBLEM_TYPE_BASE = "https://backflush.dev/problems/";
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ProblemCode;
  readonly detail: string;
  readonly errors?: readonly FieldError[];
}

/** What toProblem needs to report an unexpected error; Powertools' Logger fits. */
export interface ErrorLogger {
  error(message: string, attributes: Record<string, unknown>): void;
}

const TITLES: Record<ProblemCode, string> = {
  VALIDATION_FAILED: "Validation failed",
  UNAUTHORIZED: "Unauthorized",
  FORBIDDEN: "Forbidden",
  NOT_FOUND: "Not found",
  CONFLICT: "Conflict",
  IDEMPOTENCY_CONFLICT: "Idempotency conflict",
  PERIOD_CLOSED: "Period closed",
  PAYLOAD_TOO_LARGE: "Payload too large",
  UNAVAILABLE: "Service unavailable",
  INTERNAL: "Internal error",
};

export const problemType = (code: ProblemCode): string =>
  `${PROBLEM_TYPE_BASE}${code.toLowerCase().replaceAll("_", "-")}`;

export function toProblem(
  error: unknown,
  correlationId: string,
  logger?: ErrorLogger,
): APIGatewayProxyStructuredResultV2 {
  const known = asHttpError(error);
  if (known && known.status >= 500) logger?.error("service unavailable", { correlationId, error });
  if (known) return respond(problemOf(known));
  logger?.error("unexpected error", { correlationId, error });
  return respond({
    type: problemType("INTERNAL"),
    title: TITLES.INTERNAL,
    status: 500,
    code: "INTERNAL",
    detail: `unexpected error; correlation id ${correlationId}`,
  });
}

/** Known errors as the HTTP error they mean; undefined for anything unexpected. */
function asHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof z.core.$ZodError) return ValidationError.fromZod(error);
  return fromUseCase(error) ?? fromDomain(error);
}

/** The use cases' application errors (functions/use-cases/errors.ts). */
function fromUseCase(error: unknown): HttpError | undefined {
  const cause = { cause: error };
  if (error instanceof InvalidReferenceError) return ValidationError.at(error.path, error);
  if (error instanceof ResourceNotFoundError) return new NotFoundError(error.message, cause);
  if (error instanceof ResourceExistsError) return new ConflictError(error.message, cause);
  if (error instanceof IdempotencyKeyReusedError) return new IdempotencyConflictError(error.message, cause);
  // Closing a period before one already closing or closed: the plant's state refuses it, not the input.
  if (error instanceof LaterPeriodLockedError) return new ConflictError(error.message, cause);
  if (error instanceof EarlierPeriodOpenError) return new ConflictError(error.message, cause);
  // The reference names a requisition of another material (or none): the plant's state refuses it.
  if (error instanceof RequisitionMismatchError) return new ConflictError(error.message, cause);
  // Concurrent postings kept winning: nothing was posted, a retry after Retry-After is safe.
  if (error instanceof RetriesExhaustedError) return new ServiceUnavailableError(error.message, cause);
  // The posting stands; the same request again finishes what belongs to it.
  if (error instanceof FollowUpPendingError) return new ServiceUnavailableError(error.message, cause);
  if (error instanceof QueueUnavailableError) {
    // Its message may name queue internals; the client only needs to know a retry is safe.
    return new ServiceUnavailableError(
      "the posting queue is unavailable; nothing was accepted, retry",
      cause,
    );
  }
  return undefined;
}

function fromDomain(error: unknown): HttpError | undefined {
  if (error instanceof InvalidInputError) return ValidationError.at(error.path, error);
  // Without a path from the use case, the body as a whole is what refers to it.
  if (isUnknownReference(error)) return ValidationError.at("", error);
  if (error instanceof UnknownOrderError) return new NotFoundError(error.message, { cause: error });
  if (isStateConflict(error)) return new ConflictError(error.message, { cause: error });
  if (error instanceof PeriodClosedError) return new PeriodClosedProblem(error);
  return undefined;
}

/** A request naming master data or order lines that do not exist (a BOM's unknown component ...). */
const isUnknownReference = (error: unknown): error is Error =>
  error instanceof UnknownMaterialError ||
  error instanceof UnknownWorkCenterError ||
  error instanceof UnknownOperationError ||
  error instanceof UnknownItemError;

const isStateConflict = (error: unknown): error is Error =>
  error instanceof OrderClosedError ||
  error instanceof InsufficientStockError ||
  error instanceof AlreadyReversedError;

function problemOf(error: HttpError): Problem {
  const problem: Problem = {
    type: problemType(error.code),
    title: TITLES[error.code],
    status: error.status,
    code: error.code,
    detail: error.message,
  };
  return error instanceof ValidationError ? { ...problem, errors: error.errors } : problem;
}

function respond(problem: Problem): APIGatewayProxyStructuredResultV2 {
  const headers: Record<string, string> = { "content-type": PROBLEM_CONTENT_TYPE };
  // RFC 6750: a 401 tells the client which scheme to use.
  if (problem.status === 401) headers["www-authenticate"] = 'Bearer realm="backflush"';
  // Nothing was accepted: the client may send the same request again shortly.
  if (problem.status === 503) headers["retry-after"] = "1";
  return { statusCode: problem.status, headers, body: JSON.stringify(problem) };
}
