/** Errors of the sandbox (local/): a service that died, a function that timed out, a load file refused. */
import type { ApiCall } from "./load.js";
import type { ExitInfo } from "./services/process.js";

/** A launched service (DynamoDB Local, the queue emulator) exited before or while it was needed. */
export class ServiceExitedError extends Error {
  constructor(
    message: string,
    readonly exit: ExitInfo,
    readonly output: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ServiceExitedError";
  }
}

/** An invocation outlived the function's timeout, as Lambda reports it. */
export class FunctionTimeoutError extends Error {
  constructor(name: string, seconds: number) {
    super(`${name}: Task timed out after ${seconds} seconds`);
    this.name = "FunctionTimeoutError";
  }
}

/** A call of a load file (npm run load) was malformed or refused; `call` names it. */
export class LoadError extends Error {
  constructor(
    message: string,
    readonly call?: ApiCall,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "LoadError";
  }
}
