import { backoffDelay, sleep } from "../common/ports.js";
import { RetriesExhaustedError } from "./errors.js";

/**
 * Retries of a synchronous posting (receipt, transfer, count, order PATCH) on transaction
 * conflicts and throttling: exponential backoff with full jitter (functions/common/ports.ts),
 * then RetriesExhaustedError, which the HTTP edge answers with 503 and Retry-After.
 */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly capMs: number;
}

/** At most about 10.5 s of waiting, inside the API function's 25 s timeout. */
export const SYNC_RETRY: RetryPolicy = { maxAttempts: 12, baseDelayMs: 25, capMs: 1_500 };

export interface RetryDeps {
  readonly retry?: Partial<RetryPolicy> | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

export const retryPolicy = (deps: RetryDeps): RetryPolicy => ({ ...SYNC_RETRY, ...deps.retry });

/**
 * Waits before attempt `attempt + 1`, or throws RetriesExhaustedError when `attempt` was the
 * last one (`what` names the posting, `cause` the last failure).
 */
export async function backOff(deps: RetryDeps, attempt: number, what: string, cause?: unknown) {
  const policy = retryPolicy(deps);
  if (attempt >= policy.maxAttempts) {
    throw new RetriesExhaustedError(
      attempt,
      `${what} met concurrent changes ${attempt} times; nothing was posted, retry shortly`,
      { cause },
    );
  }
  await (deps.sleep ?? sleep)(backoffDelay(attempt, policy.baseDelayMs, policy.capMs));
}
