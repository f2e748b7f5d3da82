// Maps errors from the stripe SDK to the FlowError shape (msg.error), plus Stripe's own fields.

import type { FlowError } from '../reliability/errors';
import { redact } from '../ops/redact';
import { parseRetryAfter } from '../reliability/backoff';

export interface StripeFlowError extends FlowError {
  service: 'stripe';
  /** Stripe error type (`card_error`, `invalid_request_error`, …) or the SDK class for network errors. */
  type: string;
  requestId?: string;
}

interface SdkError {
  type?: string;
  rawType?: string;
  message?: string;
  code?: string;
  statusCode?: number;
  requestId?: string;
  headers?: Record<string, string | undefined>;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  raw?: { type?: string };
}

/**
 * Retryable: network failures, 409 (a concurrent request with the same key), 429, lock_timeout, 5xx — Stripe's own
 * `Stripe-Should-Retry` header overrides. Card, auth, permission, validation and idempotency mismatches are final.
 */
export function isRetryable(error: SdkError): boolean {
  const should = error.headers?.['stripe-should-retry'];
  if (should === 'true') return true;
  if (should === 'false') return false;
  if (error.type === 'StripeConnectionError') return true;
  if (error.code === 'lock_timeout' || error.code === 'rate_limit') return true;
  const status = error.statusCode;
  return status === 409 || status === 429 || (status !== undefined && status >= 500);
}

/** Errors raised before Stripe was called (no config, malformed key, bad params) are not Stripe errors. */
function isSdkError(e: SdkError): boolean {
  return typeof e.type === 'string' && e.type.startsWith('Stripe');
}

export function toStripeFlowError(err: unknown): StripeFlowError {
  const e = (err ?? {}) as SdkError;
  if (!isSdkError(e)) {
    return { message: redact(String(e.message ?? err)), code: typeof e.code === 'string' ? e.code : 'invalid_input', service: 'stripe', retryable: false, type: 'local_error' };
  }
  const type = e.rawType ?? e.raw?.type ?? e.type ?? 'api_error';
  const status = e.statusCode;
  const code = e.code ?? (e.type === 'StripeConnectionError' ? 'connection_error' : status === 401 ? 'authentication_error' : type);
  const retryable = isRetryable(e);
  const details: Record<string, unknown> = {};
  if (e.param) details.param = e.param;
  if (e.decline_code) details.declineCode = e.decline_code;
  if (e.doc_url) details.docUrl = e.doc_url;
  // Stripe's own verdict, read by lib/reliability/classify (fg-retry) before generic status rules.
  const should = e.headers?.['stripe-should-retry'];
  if (should === 'true' || should === 'false') details.shouldRetry = should === 'true';
  return {
    message: redact(String(e.message ?? err)),
    code,
    service: 'stripe',
    status,
    retryable,
    retryAfterMs: retryable ? parseRetryAfter(e.headers?.['retry-after']) : undefined,
    type,
    requestId: e.requestId,
    details: Object.keys(details).length ? details : undefined,
  };
}
