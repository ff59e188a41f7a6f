/**
 * Errors of the Lambda handlers' own layer (each function's handler.ts, process-batch.ts and their
 * configuration): an environment that is incomplete, a record that is not a message at all.
 */

/** Thrown at cold start when the function's environment is incomplete: fail fast, say what is missing. */
export class ConfigurationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ConfigurationError";
  }
}

/** A record the worker cannot even read: it fails, comes back, and the redrive policy parks it in the DLQ. */
export class PoisonMessageError extends Error {
  constructor(messageId: string, options?: { cause?: unknown }) {
    super(`record ${messageId} is not a posting message`, options);
    this.name = "PoisonMessageError";
  }
}

/** A close-queue record that is not a close request: it fails and the redrive parks it in the DLQ. */
export class PoisonCloseRequestError extends Error {
  constructor(messageId: string, options?: { cause?: unknown }) {
    super(`record ${messageId} is not a close request`, options);
    this.name = "PoisonCloseRequestError";
  }
}
