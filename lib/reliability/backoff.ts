/** Exponential backoff with jitter (AWS "full" / "equal" jitter), honouring a server's Retry-After. */
export type Jitter = 'full' | 'equal' | 'none';

export interface BackoffOptions {
  baseMs: number;
  factor: number;
  capMs: number;
  jitter: Jitter;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, factor: 2, capMs: 60_000, jitter: 'full' };

/**
 * Delay before retry number `attempt` (1 = first retry). `retryAfterMs` (from the server) is a floor:
 * retrying earlier than the server asked only earns another 429.
 */
export function backoffDelay(opts: BackoffOptions, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const exp = Math.min(opts.capMs, opts.baseMs * Math.pow(opts.factor, Math.max(0, attempt - 1)));
  let delay: number;
  if (opts.jitter === 'full') delay = random() * exp;
  else if (opts.jitter === 'equal') delay = exp / 2 + random() * (exp / 2);
  else delay = exp;
  delay = Math.round(delay);
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > delay) delay = Math.round(retryAfterMs);
  return delay;
}

/** Retry-After header value (seconds or an HTTP date) → ms, or undefined. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
