/**
 * Backoff on throttling for the inventory's EC2 reads. The SDK's own retry
 * (maxAttempts on the client) comes first; this outer loop is for the long
 * listings of `inventory collect` and the audit, where an account with
 * thousands of groups meets EC2's request-rate limits for minutes, not for
 * the SDK's few hundred milliseconds. Only throttling is retried: a denied
 * or invalid request fails at once.
 */
import { awsErrorCode } from './ec2-clients';

/** EC2's and the SDK's names for "slow down". */
export const THROTTLING_CODES: ReadonlySet<string> = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestThrottled', 'SlowDown']);

export function isThrottling(error: unknown): boolean {
  if (THROTTLING_CODES.has(awsErrorCode(error))) return true;
  return Boolean((error as { $retryable?: { throttling?: boolean } } | undefined)?.$retryable?.throttling);
}

export interface BackoffOptions {
  /** Tries in all (default 6). */
  attempts?: number;
  /** First wait (default 250 ms); doubled each time, with full jitter, at most `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** For tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `work`, again after a growing wait while EC2 answers "throttled"; the last error is thrown. */
export async function withBackoff<T>(work: () => Promise<T>, opts: BackoffOptions = {}): Promise<T> {
  const attempts = Math.max(1, opts.attempts ?? 6);
  const base = opts.baseDelayMs ?? 250;
  const max = opts.maxDelayMs ?? 8000;
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? Math.random;
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (error) {
      if (i >= attempts || !isThrottling(error)) throw error;
      await sleep(Math.round(random() * Math.min(max, base * 2 ** (i - 1))));
    }
  }
}
