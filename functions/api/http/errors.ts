/**
 * Errors of the HTTP edge. Each carries its status and contract code (docs/api.md#errors); `toProblem`
 * (problem.ts) turns them, domain errors and zod errors into problem details.
 */
import type { z } from "zod";
import type { PeriodClosedError } from "../../../domain/errors.js";

export type ProblemCode =
  | "VALIDATION_FAILED"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "IDEMPOTENCY_CONFLICT"
  | "PERIOD_CLOSED"
  | "PAYLOAD_TOO_LARGE"
  // Not in the contract's 4xx list: 5xx are never caused by input.
  | "UNAVAILABLE"
  | "INTERNAL";

/**
 * One invalid input. `path` is body-relative in JS accessor style: `components[0].qty`,
 * `rates.labor`, `""` for the body as a whole; path parameters are `path.plant`, query
 * parameters `query.material`.
 */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

type ErrorOptions = { cause?: unknown };

export abstract class HttpError extends Error {
  abstract readonly status: number;
  abstract readonly code: ProblemCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends HttpError {
  readonly status = 400;
  readonly code = "VALIDATION_FAILED";
  constructor(
    readonly errors: readonly FieldError[],
    message = summarize(errors),
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** A zod failure as field errors; `prefix` places them ("path", "query"; body errors have none). */
  static fromZod(error: z.core.$ZodError, prefix = ""): ValidationError {
    return new ValidationError(fieldErrorsOf(error.issues, prefix), undefined, { cause: error });
  }

  /** A domain error about one request field (an unknown component of a BOM item, say). */
  static at(path: string, cause: Error): ValidationError {
    return new ValidationError([{ path, message: cause.message }], cause.message, { cause });
  }
}

export class UnauthorizedError extends HttpError {
  readonly status = 401;
  readonly code = "UNAUTHORIZED";
}

export class ForbiddenError extends HttpError {
  readonly status = 403;
  readonly code = "FORBIDDEN";
}

export class NotFoundError extends HttpError {
  readonly status = 404;
  readonly code = "NOT_FOUND";
}

export class ConflictError extends HttpError {
  readonly status = 409;
  readonly code = "CONFLICT";
}

/** The same idempotency key (confirmationId, receiptId ...) again with a different body. */
export class IdempotencyConflictError extends HttpError {
  readonly status = 409;
  readonly code = "IDEMPOTENCY_CONFLICT";
}

export class PayloadTooLargeError extends HttpError {
  readonly status = 413;
  readonly code = "PAYLOAD_TOO_LARGE";
}

/** The contract has no code of its own for 415; the body is not acceptable input, hence VALIDATION_FAILED. */
export class UnsupportedMediaTypeError extends HttpError {
  readonly status = 415;
  readonly code = "VALIDATION_FAILED";
}

/** The domain's PeriodClosedError as seen at the edge: 409 with its own code. */
export class PeriodClosedProblem extends HttpError {
  readonly status = 409;
  readonly code = "PERIOD_CLOSED";
  constructor(cause: PeriodClosedError) {
    super(cause.message, { cause });
  }
}

/** A dependency (the queue) refused the request; nothing was accepted, a retry is safe. */
export class ServiceUnavailableError extends HttpError {
  readonly status = 503;
  readonly code = "UNAVAILABLE";
}

function summarize(errors: readonly FieldError[]): string {
  const first = errors[0];
  if (!first) return "the request is not valid";
  const where = first.path === "" ? "body" : first.path;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return `${where}: ${first.message}${more}`;
}

// --- zod issues → field errors -----------------------------------------------------------------

type Issue = z.core.$ZodIssue;

/** Parse-level error map: a missing field reads "required", not "expected string, received undefined". */
export const missingIsRequired: z.core.$ZodErrorMap = (issue) =>
  issue.code === "invalid_type" && issue.input === undefined ? "required" : undefined;
type Segment = PropertyKey;

export function fieldErrorsOf(
  issues: readonly Issue[],
  prefix = "",
  base: readonly Segment[] = [],
): FieldError[] {
  return issues.flatMap((issue) => errorsOfIssue(issue, prefix, [...base, ...issue.path]));
}

function errorsOfIssue(issue: Issue, prefix: string, path: readonly Segment[]): FieldError[] {
  if (issue.code === "unrecognized_keys") {
    // One error per unknown key, placed on the key itself: the client sees "yeild", not its parent.
    return issue.keys.map((key) => ({ path: formatPath([...path, key], prefix), message: "unknown field" }));
  }
  if (issue.code === "invalid_key") {
    // A record key refused by its own schema (an activity "Labor"): its message says why.
    return [{ path: formatPath(path, prefix), message: issue.issues[0]?.message ?? issue.message }];
  }
  if (issue.code === "invalid_union") {
    const branch = closestBranch(issue.errors);
    if (branch) return fieldErrorsOf(branch, prefix, path);
  }
  return [{ path: formatPath(path, prefix), message: issue.message }];
}

/**
 * The union branch the input most likely meant: not one refused for its type as a whole, and of
 * those the one with the fewest issues. None: the union's own message says what is expected.
 */
function closestBranch(branches: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  const plausible = branches.filter(
    (issues) => issues.length > 0 && !issues.some((i) => i.code === "invalid_type" && i.path.length === 0),
  );
  return plausible.reduce<readonly Issue[] | undefined>(
    (best, issues) => (best === undefined || issues.length < best.length ? issues : best),
    undefined,
  );
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `["components", 0, "qty"]` → `components[0].qty`; odd keys are quoted: `rates["a b"]`. */
export function formatPath(path: readonly Segment[], prefix = ""): string {
  let out = prefix;
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && PLAIN_KEY.test(segment))
      out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}
