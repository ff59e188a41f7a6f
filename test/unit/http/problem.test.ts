import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  AlreadyReversedError,
  InsufficientStockError,
  InvalidInputError,
  InvalidQuantityError,
  OrderClosedError,
  PeriodClosedError,
  UnbalancedJournalError,
  UnknownItemError,
  UnknownMaterialError,
  UnknownOperationError,
  UnknownOrderError,
  UnknownWorkCenterError,
} from "../../../domain/errors.js";
import {
  ConflictError,
  ForbiddenError,
  IdempotencyConflictError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "../../../functions/api/http/errors.js";
import { type ErrorLogger, type Problem, toProblem } from "../../../functions/api/http/problem.js";
import { confirmationBody } from "../../../functions/api/schemas.js";
import {
  IdempotencyKeyReusedError,
  InvalidReferenceError,
  QueueUnavailableError,
  ResourceExistsError,
  ResourceNotFoundError,
} from "../../../functions/use-cases/errors.js";

const problemOf = (error: unknown, logger?: ErrorLogger) => {
  const result = toProblem(error, "corr-1", logger);
  return { result, problem: JSON.parse(result.body ?? "") as Problem };
};

describe("toProblem", () => {
  it.each([
    [new ValidationError([{ path: "yield", message: "required" }]), 400, "VALIDATION_FAILED"],
    [new UnauthorizedError("no token"), 401, "UNAUTHORIZED"],
    [new ForbiddenError("plant"), 403, "FORBIDDEN"],
    [new NotFoundError("none"), 404, "NOT_FOUND"],
    [new ConflictError("state"), 409, "CONFLICT"],
    [new IdempotencyConflictError("other body"), 409, "IDEMPOTENCY_CONFLICT"],
    [new PayloadTooLargeError("big"), 413, "PAYLOAD_TOO_LARGE"],
    [new UnsupportedMediaTypeError("xml"), 415, "VALIDATION_FAILED"],
    [new InvalidInputError("components[0].qty", "bad"), 400, "VALIDATION_FAILED"],
    [new InvalidQuantityError("yield", "bad"), 400, "VALIDATION_FAILED"],
    [new UnknownMaterialError("GLUE"), 400, "VALIDATION_FAILED"],
    [new UnknownWorkCenterError("PRESS-9"), 400, "VALIDATION_FAILED"],
    [new UnknownOperationError("1000001", "0090"), 400, "VALIDATION_FAILED"],
    [new UnknownItemError("1000001", "0090"), 400, "VALIDATION_FAILED"],
    [new UnknownOrderError("1000001"), 404, "NOT_FOUND"],
    [new OrderClosedError("1000001"), 409, "CONFLICT"],
    [new InsufficientStockError("GLUE", "RAW", "1", "2"), 409, "CONFLICT"],
    [new AlreadyReversedError("C-1"), 409, "CONFLICT"],
    [new PeriodClosedError("2026-10"), 409, "PERIOD_CLOSED"],
  ])("maps %o to %i %s", (error, status, code) => {
    const { result, problem } = problemOf(error);
    expect(result.statusCode).toBe(status);
    expect(result.headers?.["content-type"]).toBe("application/problem+json");
    expect(problem).toMatchObject({ status, code, detail: error.message });
    expect(problem.type).toBe(`https://backflush.dev/problems/${code.toLowerCase().replaceAll("_", "-")}`);
    expect(problem.title).toEqual(expect.any(String));
  });

  it.each([
    [new ResourceNotFoundError("confirmation C-1 not found"), 404, "NOT_FOUND"],
    [new ResourceExistsError("order 1 exists"), 409, "CONFLICT"],
    [new IdempotencyKeyReusedError("other body"), 409, "IDEMPOTENCY_CONFLICT"],
    [
      new InvalidReferenceError("items[0].component", "material GLUE does not exist"),
      400,
      "VALIDATION_FAILED",
    ],
  ])("maps the use case's %o to %i %s", (error, status, code) => {
    const { result, problem } = problemOf(error);
    expect(result.statusCode).toBe(status);
    expect(problem).toMatchObject({ status, code, detail: error.message });
  });

  it("names the path of an invalid reference", () => {
    const error = new InvalidReferenceError("items[0].component", "material GLUE does not exist");
    expect(problemOf(error).problem.errors).toEqual([{ path: "items[0].component", message: error.message }]);
  });

  it("answers an unavailable queue with 503 and retry-after, without its internals, and logs it", () => {
    const logger = { error: vi.fn() };
    const error = new QueueUnavailableError("sqs https://sqs.internal/123/postings.fifo timed out");
    const { result, problem } = problemOf(error, logger);
    expect(result.statusCode).toBe(503);
    expect(result.headers?.["retry-after"]).toBe("1");
    expect(problem.code).toBe("UNAVAILABLE");
    expect(result.body).not.toContain("sqs.internal");
    expect(logger.error).toHaveBeenCalledWith("service unavailable", { correlationId: "corr-1", error });
  });

  it("lists field errors of domain input errors under their path", () => {
    expect(problemOf(new InvalidQuantityError("components[1].qty", "too precise")).problem.errors).toEqual([
      { path: "components[1].qty", message: "too precise" },
    ]);
  });

  it("names the request path a use case gave an unknown reference", () => {
    const { problem } = problemOf(ValidationError.at("items[0].component", new UnknownMaterialError("GLUE")));
    expect(problem.errors).toEqual([{ path: "items[0].component", message: "material GLUE does not exist" }]);
  });

  it("maps a bare ZodError to 400 with field paths", () => {
    const parsed = confirmationBody.safeParse({
      confirmationId: "C-1",
      order: "1",
      operation: "0010",
      yield: "x",
    });
    expect(parsed.success).toBe(false);
    const { result, problem } = problemOf(parsed.error);
    expect(result.statusCode).toBe(400);
    expect(problem.errors?.map((e) => e.path)).toEqual(["yield"]);
    expect(problemOf(new z.ZodError([])).result.statusCode).toBe(400);
  });

  it("asks for a bearer token on 401", () => {
    expect(problemOf(new UnauthorizedError("x")).result.headers?.["www-authenticate"]).toMatch(/^Bearer/);
  });

  it.each([
    new Error("SELECT * FROM secrets failed at db.internal:5432"),
    new UnbalancedJournalError("1.00", "2.00"),
    new TypeError("Cannot read properties of undefined"),
    "a thrown string",
    undefined,
  ])("hides %o behind a 500 that names only the correlation id, and logs it", (error) => {
    const logger = { error: vi.fn() };
    const { result, problem } = problemOf(error, logger);
    expect(result.statusCode).toBe(500);
    expect(problem).toEqual({
      type: "https://backflush.dev/problems/internal",
      title: "Internal error",
      status: 500,
      code: "INTERNAL",
      detail: "unexpected error; correlation id corr-1",
    });
    expect(result.body).not.toMatch(/secrets|journal|undefined|thrown|stack/i);
    expect(logger.error).toHaveBeenCalledWith("unexpected error", { correlationId: "corr-1", error });
  });

  it("does not log expected errors", () => {
    const logger = { error: vi.fn() };
    problemOf(new ConflictError("x"), logger);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it("keeps the cause of wrapped errors", () => {
    const cause = new UnknownMaterialError("GLUE");
    expect(ValidationError.at("component", cause).cause).toBe(cause);
  });
});
