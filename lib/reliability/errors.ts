/**
 * The one error shape every FlowGuard node puts on `msg.error` and every reliability node reads.
 * Service modules (lib/stripe, lib/salesforce, lib/snowflake) map their client's errors to it.
 */
export interface FlowError {
  message: string;
  /** service or FlowGuard code, e.g. `rate_limit`, `UNABLE_TO_LOCK_ROW`, `390112`, `STORE_UNAVAILABLE` */
  code: string;
  /** stripe | salesforce | snowflake | store | mapper | flowguard | … */
  service: string;
  /** HTTP status where there was one */
  status?: number;
  /** whether trying the same request again may succeed */
  retryable: boolean;
  /** the server's Retry-After, in ms */
  retryAfterMs?: number;
  details?: unknown;
  /** the node that failed, as a Catch node names it in its msg.error.source (plus its flow, `z`) */
  source?: { id: string; type: string; name?: string; z?: string };
}

export function flowError(fields: Partial<FlowError> & { message: string }): FlowError {
  return { code: 'ERROR', service: 'flowguard', retryable: false, ...fields };
}

/** An Error carrying a FlowError, for `done(err)` so Catch nodes see the same message (and `msg.error.code`). */
export class FlowGuardError extends Error {
  /** the FlowError's code: Node-RED copies an error's own `code` to the Catch node's `msg.error.code` */
  readonly code: string;

  constructor(readonly flowError: FlowError) {
    super(flowError.message);
    this.name = 'FlowGuardError';
    this.code = flowError.code;
  }
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ESOCKETTIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** Best-effort normalisation of anything thrown, for errors that no service module mapped. */
export function toFlowError(err: unknown, service = 'flowguard'): FlowError {
  if (err instanceof FlowGuardError) return err.flowError;
  if (isFlowError(err)) return err;
  const e = err as { message?: string; code?: string | number; status?: number; statusCode?: number };
  const code = e?.code !== undefined ? String(e.code) : 'ERROR';
  const status = e?.status ?? e?.statusCode;
  const retryable = NETWORK_CODES.has(code) || (status !== undefined && (status === 408 || status === 425 || status === 429 || status >= 500));
  return { message: String(e?.message ?? err), code, service, status, retryable };
}

export function isFlowError(value: unknown): value is FlowError {
  const v = value as FlowError;
  return !!v && typeof v === 'object' && typeof v.message === 'string' && typeof v.code === 'string' && typeof v.retryable === 'boolean';
}
