/**
 * What the Lambda runtime does around a handler, reduced to what the sandbox needs: load the module
 * once (its cold start reads the environment), give each invocation a context with a deadline, and
 * fail an invocation that outlives the function's timeout.
 */
import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import { FunctionTimeoutError } from "./errors.js";
import { LOCAL_REGION } from "./services/aws-config.js";

/** The account in the sandbox's own ARNs (functions, rules); queue ARNs come from the emulator. */
export const SANDBOX_ACCOUNT = "123456789012";

export type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface LambdaFunction {
  readonly name: string;
  readonly timeoutSeconds: number;
  invoke(event: unknown): Promise<unknown>;
}

/**
 * Imports `load()`'s module with `env` applied first: handlers read their configuration at cold
 * start, exactly as in Lambda, so the environment must be in place before the import.
 */
export async function loadFunction(
  name: string,
  timeoutSeconds: number,
  env: Readonly<Record<string, string>>,
  load: () => Promise<unknown>,
): Promise<LambdaFunction> {
  Object.assign(process.env, env);
  let module: unknown;
  try {
    module = await load();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${name}: its handler module failed to load: ${reason}`, { cause: error });
  }
  const handler = handlerOf(name, module);
  return {
    name,
    timeoutSeconds,
    invoke: (event) =>
      invokeWithTimeout(name, timeoutSeconds, () => handler(event, lambdaContext(name, timeoutSeconds))),
  };
}

function handlerOf(name: string, module: unknown): Handler {
  const handler = typeof module === "object" && module !== null ? Reflect.get(module, "handler") : undefined;
  if (typeof handler !== "function") throw new Error(`${name}: the module exports no handler function`);
  return async (event, context) => Reflect.apply(handler, undefined, [event, context]);
}

async function invokeWithTimeout(
  name: string,
  seconds: number,
  run: () => Promise<unknown>,
): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FunctionTimeoutError(name, seconds)), seconds * 1000);
  });
  try {
    // Lambda would freeze the handler; here it runs on, but its result no longer counts.
    return await Promise.race([run(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function lambdaContext(functionName: string, timeoutSeconds: number): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const requestId = randomUUID();
  const day = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${SANDBOX_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${day}/[$LATEST]${requestId.replaceAll("-", "")}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
