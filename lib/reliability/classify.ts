/**
 * Retryable or permanent? User lists win, then a server's verdict (Stripe-Should-Retry), then what the service
 * module decided (`retryable`), then generic rules on codes and HTTP status.
 */
import { FlowError, isFlowError, toFlowError } from './errors';

export type ErrorClass = 'retryable' | 'permanent';

export interface ClassifyOptions {
  /** extra codes (or HTTP statuses as text) always retried */
  retryableCodes?: string[];
  /** extra codes (or HTTP statuses as text) never retried */
  permanentCodes?: string[];
}

/** Known transient codes of the three services and of the network stack. */
const RETRYABLE_CODES = new Set([
  // network
  'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ESOCKETTIMEDOUT',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'TIMEOUT', 'ERR_TIMEOUT',
  // Stripe
  'lock_timeout', 'rate_limit', 'connection_error',
  // Salesforce
  'UNABLE_TO_LOCK_ROW', 'REQUEST_LIMIT_EXCEEDED', 'SERVER_UNAVAILABLE', 'CONCURRENT_REQUEST_LIMIT_EXCEEDED', 'REQUEST_RUNNING_TOO_LONG', 'QUERY_TIMEOUT',
  // Snowflake: statement timeout, lock wait, warehouse busy, network
  '000625', '000630', '000606', '401001', '401002',
]);

const SERVICE_MODULES = new Set(['stripe', 'salesforce', 'snowflake']);

const RETRYABLE_STATUS = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;

export function classifyError(error: unknown, opts: ClassifyOptions = {}): ErrorClass {
  const fe: FlowError = toFlowError(error);
  const status = fe.status !== undefined ? String(fe.status) : undefined;
  const hit = (list?: string[]) => !!list && (list.includes(fe.code) || (status !== undefined && list.includes(status)));
  if (hit(opts.permanentCodes)) return 'permanent';
  if (hit(opts.retryableCodes)) return 'retryable';
  // A server's explicit verdict (Stripe-Should-Retry, kept by lib/stripe/errors in details) wins over codes and statuses.
  const shouldRetry = (fe.details as { shouldRetry?: unknown } | undefined)?.shouldRetry;
  if (shouldRetry === false) return 'permanent';
  if (shouldRetry === true) return 'retryable';
  if (fe.retryable) return 'retryable';
  if (RETRYABLE_CODES.has(fe.code)) return 'retryable';
  // The service modules already weighed status and headers (e.g. Stripe-Should-Retry: false on a 500): trust them.
  if (SERVICE_MODULES.has(fe.service)) return 'permanent';
  if (fe.status !== undefined && RETRYABLE_STATUS(fe.status)) return 'retryable';
  return 'permanent';
}

/** Splits an editor list ("a, b\nc") into codes. */
export function parseCodeList(text: unknown): string[] {
  if (Array.isArray(text)) return text.map(String).map((s) => s.trim()).filter(Boolean);
  return String(text ?? '').split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
}

const NETWORK_IN_TEXT = /\b(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ESOCKETTIMEDOUT)\b/;

/**
 * The FlowError of a failed msg. A Catch node replaces `msg.error` with `{message, source, stack}` and moves what
 * the node had put there to `msg._error`; take the richer one and keep the Catch node's `source`.
 */
export function errorOf(msg: Record<string, any>): FlowError {
  const caught = msg.error as { source?: FlowError['source'] } | undefined;
  let fe: FlowError;
  if (isFlowError(msg.error)) fe = msg.error;
  else if (isFlowError(msg._error)) fe = msg._error;
  else fe = toFlowError(msg.error ?? { message: 'unknown error (msg.error missing)', code: 'UNKNOWN' });
  if (fe.code === 'ERROR') {
    // Errors of core nodes (http request, tcp) name the network failure only in their text.
    const net = NETWORK_IN_TEXT.exec(fe.message);
    if (net) fe = { ...fe, code: net[1], retryable: true };
    const status = Number((msg as { statusCode?: unknown }).statusCode);
    if (fe.status === undefined && Number.isInteger(status) && status >= 400) fe = { ...fe, status, retryable: fe.retryable || status === 408 || status === 425 || status === 429 || status >= 500 };
  }
  return caught?.source !== undefined ? { ...fe, source: caught.source } : fe;
}
