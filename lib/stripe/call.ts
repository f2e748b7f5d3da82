// One fg-stripe operation: a catalogue method with ids, params and an idempotency key; lists and searches
// paginated up to a limit; 429 / lock_timeout answered in place after Retry-After (bounded), reusing the same
// idempotency key so a retry can never create twice.

import { createHash } from 'crypto';
import type Stripe from 'stripe';
import { MethodInfo, resolveMethod, ResourceInfo } from './catalog';
import { backoffDelay } from '../reliability/backoff';
import { toStripeFlowError } from './errors';

export interface StripeCall {
  resource: string;
  method: string;
  ids: string[];
  params: Record<string, unknown>;
  idempotencyKey?: string;
  /** Connect: the connected account (`acct_…`) the call acts on, sent as the `Stripe-Account` header. */
  stripeAccount?: string;
  /** For list/search methods: stop after this many items (the SDK's own maximum is 10000). */
  maxItems: number;
}

export interface RateLimitRetry {
  /** In-place retries after a 429 / lock_timeout before the error goes to the flow. */
  attempts: number;
  /** Backoff base when no Retry-After came back (doubles each time, full jitter). */
  baseDelayMs: number;
  /** Never wait longer than this for one retry; a longer Retry-After is left to the flow (retry node). */
  maxDelayMs: number;
}

export const DEFAULT_RATE_LIMIT_RETRY: RateLimitRetry = { attempts: 3, baseDelayMs: 500, maxDelayMs: 10000 };

export interface StripeCallResult {
  /** The object, or for list/search the collected items. */
  result: unknown;
  kind: 'object' | 'list';
  /** Lists: more items existed beyond maxItems. */
  truncated?: boolean;
  requestId?: string;
  replayed?: boolean;
  /** The key sent, if any (reads and deletes send none). */
  idempotencyKey?: string;
}

const MAX_KEY_LENGTH = 255;

/**
 * The Idempotency-Key header for a message: scoping by node means two Stripe nodes handling the same event
 * (same msg.idempotencyKey) send different keys instead of colliding in an idempotency_error, while a retry
 * through the same node sends the same key. A connected account is part of a scoped key too (Stripe keeps keys
 * per account; naming it keeps one message's calls on two accounts apart wherever the key is logged or stored).
 * Long keys are hashed to Stripe's 255-character limit.
 */
export function idempotencyKeyFor(base: unknown, scope?: string, stripeAccount?: string): string | undefined {
  if (base === undefined || base === null || base === '') return undefined;
  const scoped = scope && stripeAccount ? `${scope}@${stripeAccount}` : scope;
  const key = scoped ? `${String(base)}:${scoped}` : String(base);
  return key.length <= MAX_KEY_LENGTH ? key : `fg-${createHash('sha256').update(key).digest('hex')}`;
}

/**
 * The idempotency key a message stands for: `msg.idempotencyKey` (set by entry nodes, e.g. the webhook's event
 * id), else `msg._msgid`. A message split into parts (`msg.parts`, nested too) gets one key per part, so items
 * split from one event each create their own object instead of replaying the first one's response.
 */
export function messageKey(msg: { idempotencyKey?: unknown; _msgid?: string; parts?: any }): string | undefined {
  const base = msg.idempotencyKey ?? msg._msgid;
  if (base === undefined || base === null || base === '') return undefined;
  let suffix = '';
  for (let parts = msg.parts; parts && typeof parts === 'object'; parts = parts.parts) {
    if (parts.id !== undefined) suffix = `/${parts.id}.${parts.index}${suffix}`;
  }
  return `${String(base)}${suffix}`;
}

const ACCOUNT_ID = /^acct_[A-Za-z0-9]+$/;

/**
 * The connected account a call acts on: the node's setting when set, else `msg.stripeAccount`; none → the
 * platform's own account. Anything but an `acct_…` id is refused before a request is sent.
 */
export function connectedAccountFor(nodeSetting: unknown, msgValue: unknown): string | undefined {
  const [value, where] = nodeSetting !== undefined && nodeSetting !== null && String(nodeSetting).trim() !== ''
    ? [String(nodeSetting).trim(), 'the node\'s Connected account']
    : [msgValue, 'msg.stripeAccount'];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !ACCOUNT_ID.test(value)) {
    throw new Error(`fg-stripe: ${where} must be a connected account id (acct_…), got ${typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value}`);
  }
  return value;
}

/** Stripe ignores keys on GET and DELETE and asks clients not to send them: only writes carry one. */
export function sendsIdempotencyKey(info: MethodInfo): boolean {
  return info.kind === 'other' && !/^(retrieve|del$|delete)/.test(info.name);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function withRateLimitRetry<T>(run: () => Promise<T>, policy: RateLimitRetry, wait: (ms: number) => Promise<void>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const flow = toStripeFlowError(err);
      const limited = flow.status === 429 || flow.code === 'rate_limit' || flow.code === 'lock_timeout';
      if (!limited || attempt >= policy.attempts) throw err;
      // A Retry-After longer than the in-place budget is left to the flow (fg-retry reads msg.error.retryAfterMs).
      if ((flow.retryAfterMs ?? 0) > policy.maxDelayMs) throw err;
      const delay = backoffDelay({ baseMs: policy.baseDelayMs, factor: 2, capMs: policy.maxDelayMs, jitter: 'full' }, attempt + 1, flow.retryAfterMs);
      await wait(delay);
    }
  }
}

export async function runStripeCall(
  stripe: Stripe,
  catalog: ResourceInfo[],
  call: StripeCall,
  policy: RateLimitRetry = DEFAULT_RATE_LIMIT_RETRY,
  wait: (ms: number) => Promise<void> = sleep,
): Promise<StripeCallResult> {
  const method = resolveMethod(stripe, catalog, call.resource, call.method);
  const idempotencyKey = sendsIdempotencyKey(method.info) ? call.idempotencyKey : undefined;
  const options: Stripe.RequestOptions = {
    ...(idempotencyKey ? { idempotencyKey } : {}),
    ...(call.stripeAccount ? { stripeAccount: call.stripeAccount } : {}),
  };
  const request = (params: Record<string, unknown>) => withRateLimitRetry(() => method.invoke(call.ids, params, options), policy, wait);

  if (method.info.kind === 'other') {
    const result = await request(call.params);
    const response = result?.lastResponse;
    return { result, kind: 'object', requestId: response?.requestId, replayed: response?.headers?.['idempotent-replayed'] === 'true', idempotencyKey };
  }

  // Lists and searches: page by page, so each page gets the rate-limit handling and the limit is exact.
  const items: unknown[] = [];
  const params = { ...call.params };
  const pageSize = Math.min(100, Math.max(1, call.maxItems));
  if (params.limit === undefined) params.limit = pageSize;
  let requestId: string | undefined;
  for (;;) {
    const page = await request(params);
    requestId ??= page?.lastResponse?.requestId;
    const data: any[] = Array.isArray(page?.data) ? page.data : [];
    items.push(...data.slice(0, call.maxItems - items.length));
    const more = !!page?.has_more;
    if (!more || data.length === 0) return { result: items, kind: 'list', truncated: false, requestId };
    if (items.length >= call.maxItems) return { result: items, kind: 'list', truncated: true, requestId };
    if (method.info.kind === 'search') params.page = page.next_page;
    else if (params.ending_before !== undefined) params.ending_before = data[0].id;
    else params.starting_after = data[data.length - 1].id;
  }
}
