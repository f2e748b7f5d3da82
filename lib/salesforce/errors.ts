// Turns jsforce / Salesforce failures into the pack's normalised error shape (FlowError).
import type { FlowError } from '../reliability/errors';

export interface RecordError { statusCode: string; message: string; fields: string[] }

/** Codes that succeed when retried later: row locks, transient server errors, network failures. */
const RETRYABLE = new Set([
  'UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE', 'REQUEST_RUNNING_TOO_LONG', 'QUERY_TIMEOUT', 'CONCURRENT_REQUEST_LIMIT_EXCEEDED',
  'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET', 'ERR_TIMEOUT', 'UNKNOWN_EXCEPTION',
]);

const STATUS_BY_CODE: Record<string, number> = {
  INVALID_SESSION_ID: 401, NOT_FOUND: 404, REQUEST_LIMIT_EXCEEDED: 403, SERVER_UNAVAILABLE: 503, MULTIPLE_CHOICES: 300,
};

export function isRetryableCode(code: string): boolean {
  return RETRYABLE.has(code);
}

/** jsforce errors carry `errorCode` (REST), `name` (OAuth, e.g. invalid_grant) or `code` (network). */
export function normaliseSalesforceError(err: unknown, details: Record<string, unknown> = {}): FlowError {
  const e = (err ?? {}) as { errorCode?: string; name?: string; code?: string; message?: string; data?: unknown; statusCode?: number };
  const code = e.errorCode ?? e.code ?? (e.name && e.name !== 'Error' ? e.name : 'SALESFORCE_ERROR');
  const fields = (e.data as { fields?: string[] } | undefined)?.fields;
  return {
    message: String(e.message ?? err),
    code,
    service: 'salesforce',
    status: e.statusCode ?? STATUS_BY_CODE[code],
    retryable: isRetryableCode(code),
    details: { ...details, ...(fields?.length ? { fields } : {}) },
  };
}

/** One failed record of a Collections or Bulk call, with Salesforce's own errors. */
export function recordFailure(errors: RecordError[], details: Record<string, unknown>): FlowError {
  const first = errors[0] ?? { statusCode: 'UNKNOWN_EXCEPTION', message: 'record failed', fields: [] };
  return {
    message: errors.map((x) => x.message).join('; ') || first.message,
    code: first.statusCode,
    service: 'salesforce',
    retryable: errors.every((x) => isRetryableCode(x.statusCode)),
    details: { ...details, errors },
  };
}

/** Bulk 2.0 failed rows carry `CODE:message:fields --`. */
export function parseBulkError(sfError: string): RecordError {
  const m = /^([A-Z_]+):(.*?)(?::([^:]*))?\s*--\s*$/s.exec(sfError);
  if (!m) return { statusCode: 'UNKNOWN_EXCEPTION', message: sfError, fields: [] };
  return { statusCode: m[1], message: m[2], fields: (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean) };
}
