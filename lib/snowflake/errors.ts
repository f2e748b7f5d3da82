import { FlowError } from '../reliability/errors';

/** msg.error for Snowflake: the shared FlowError plus the SQL state, which flows often branch on. */
export type SnowflakeFlowError = FlowError & { sqlState?: string; queryId?: string };

/** SQL / GS codes worth retrying: statement timeouts, lock waits, warehouse capacity. (A refused sign-in is not.) */
const RETRYABLE_CODES = new Set(['000625', '000630', '000606', 'TIMEOUT']);

/** Driver error names that mean the request never got a usable answer. */
const TRANSPORT_ERRORS = new Set(['NetworkError', 'LargeResultSetError']);

/**
 * The driver's pool re-throws login failures as a bare Error(message), dropping the code; recover the common ones
 * from the message so flows can still branch on them.
 */
const CODE_BY_MESSAGE: [RegExp, string, string][] = [
  [/^Incorrect username or password/, '390100', 'OperationFailedError'],
  [/^Network error\. Could not reach Snowflake/, '401001', 'NetworkError'],
  [/^Request to Snowflake failed/, '401002', 'RequestFailedError'],
  [/^Invalid OAuth access token/, '390303', 'OperationFailedError'],
  [/^JWT token is invalid/, '390144', 'OperationFailedError'],
  [/^Programmatic access token is invalid/, '394400', 'OperationFailedError'],
];

/**
 * OAuth client credentials: when the token endpoint refuses, the driver throws the HTTP client's error ("Request failed
 * with status code 401") with the endpoint's RFC 6749 answer in response.data; say what the endpoint said instead.
 */
export function tokenEndpointRefusal(err: unknown): (Error & { code: string; status?: number }) | undefined {
  const e = err as { isAxiosError?: boolean; response?: { status?: number; data?: unknown; config?: unknown } } | undefined;
  if (!e?.isAxiosError || e.response?.data === undefined) return undefined;
  let answer = e.response.data as { error?: unknown; error_description?: unknown } | string;
  if (typeof answer === 'string') {
    try { answer = JSON.parse(answer); } catch { return undefined; }
  }
  if (typeof answer !== 'object' || answer === null || typeof answer.error !== 'string') return undefined;
  const description = typeof answer.error_description === 'string' ? ` (${answer.error_description})` : '';
  return Object.assign(new Error(`OAuth token endpoint refused the request: ${answer.error}${description}`), { code: 'OAUTH_TOKEN_REQUEST', status: e.response.status });
}

export function toSnowflakeError(err: unknown): SnowflakeFlowError {
  err = tokenEndpointRefusal(err) ?? err;
  const e = { ...((err ?? {}) as object), message: (err as Error)?.message, name: (err as Error)?.name } as { name?: string; message?: string; code?: string | number; sqlState?: string; data?: { queryId?: string }; response?: { statusCode?: number; status?: number }; queryId?: string };
  if (e.code === undefined) {
    const known = CODE_BY_MESSAGE.find(([pattern]) => pattern.test(String(e.message ?? '')));
    const socket = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE)\b/.exec(String(e.message ?? ''));
    if (known) { e.code = known[1]; e.name = known[2]; }
    else if (socket) { e.code = socket[1]; e.name = 'NetworkError'; }
  }
  const code = e.code !== undefined ? String(e.code) : 'ERROR';
  const status = e.response?.statusCode ?? e.response?.status;
  const retryable = TRANSPORT_ERRORS.has(e.name ?? '')
    || RETRYABLE_CODES.has(code)
    || (status !== undefined && (status === 408 || status === 429 || status >= 500));
  const queryId = e.data?.queryId ?? e.queryId ?? undefined;
  const result: SnowflakeFlowError = {
    message: String(e.message ?? err),
    code,
    service: 'snowflake',
    retryable,
    details: { sqlState: e.sqlState, queryId, driverError: e.name },
  };
  if (status !== undefined) result.status = status;
  if (e.sqlState) result.sqlState = e.sqlState;
  if (queryId) result.queryId = queryId;
  return result;
}

/** An error raised by FlowGuard itself around the driver (deadline, bad input), in the driver's shape. */
export class SnowflakeClientError extends Error {
  constructor(message: string, readonly code: string, readonly retryable = false) {
    super(message);
    this.name = 'SnowflakeClientError';
  }
}
