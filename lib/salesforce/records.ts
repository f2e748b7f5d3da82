// Record writes with per-record outcomes: sObject Collections in chunks of 200, Bulk API 2.0 above a threshold.
import { normaliseSalesforceError, RecordError } from './errors';
import { BulkProgress, RecordOutcome, bulkIngest } from './bulk-ingest';
import { WriteOperation, chunk, needsCollections, useBulk } from './plan';

export type { RecordOutcome } from './bulk-ingest';

export interface WriteOptions {
  object: string;
  operation: WriteOperation;
  externalIdField?: string;
  allOrNone?: boolean;
  /** Above this many records Bulk API 2.0 is used; 0 never uses it. */
  bulkThreshold?: number;
  bulkPollIntervalMs?: number;
  onBulkProgress?: (p: BulkProgress) => void;
  /** Runs one API call (the session's limit guard wraps it). */
  call: <T>(fn: (conn: any) => Promise<T>) => Promise<T>;
}

export interface WriteResult {
  mode: 'collections' | 'bulk';
  outcomes: RecordOutcome[];
  jobId?: string;
  /** In a bulk write: how many records went through Collections because Bulk CSV would store them differently. */
  routedToCollections?: number;
}

/** Throws for a record the operation cannot take (not an object, no Id for update / delete, upsert without its field). */
export function validate(records: Record<string, unknown>[], opts: Pick<WriteOptions, 'operation' | 'externalIdField'>): void {
  records.forEach((r, i) => {
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw new Error(`record ${i} is not an object`);
    const hasId = Object.keys(r).some((k) => k.toLowerCase() === 'id' && r[k]);
    if ((opts.operation === 'update' || opts.operation === 'delete') && !hasId) throw new Error(`record ${i} has no Id for ${opts.operation}`);
    if (opts.operation === 'upsert' && !opts.externalIdField) throw new Error('upsert needs an external id field');
  });
}

const idOf = (r: Record<string, unknown>): string => String(r[Object.keys(r).find((k) => k.toLowerCase() === 'id')!]);

/** One Collections call (≤ 200 records) through jsforce, which uses /composite/sobjects for arrays. */
function collectionCall(conn: any, records: Record<string, unknown>[], opts: WriteOptions): Promise<any[]> {
  const sobject = conn.sobject(opts.object);
  const dml = { allOrNone: opts.allOrNone === true };
  switch (opts.operation) {
    case 'create': return sobject.create(records, dml);
    case 'update': return sobject.update(records, dml);
    case 'upsert': return sobject.upsert(records, opts.externalIdField, dml);
    default: return sobject.destroy(records.map(idOf), dml);
  }
}

/**
 * A create whose request failed without an answer from Salesforce (connection reset, timeout, bulk poll timeout)
 * may have been applied: retrying it could create duplicates, so it is reported as OUTCOME_UNKNOWN, not retryable.
 * Update, upsert and delete are idempotent and keep their retryable classification.
 */
function unknownOutcome(err: any, op: WriteOperation): boolean {
  if (op !== 'create') return false;
  return err?.errorCode === 'BULK_POLL_TIMEOUT' || (!err?.errorCode && (err?.name === 'FetchError' || err?.name === 'AbortError' || typeof err?.code === 'string'));
}

const OUTCOME_UNKNOWN = 'OUTCOME_UNKNOWN';
const unknownMessage = (err: any): string => `no answer from Salesforce (${String(err?.message ?? err)}); the records may have been created: check before retrying, or use upsert with an external id`;

/**
 * Writes records with one outcome each. Above the bulk threshold Bulk API 2.0 is used, except for records that
 * Bulk CSV would store differently (see needsCollections): those go through Collections, after the bulk job, so
 * a failed job has sent nothing through Collections yet. Either way the org ends up with the same data.
 */
export async function writeRecords(records: Record<string, unknown>[], opts: WriteOptions): Promise<WriteResult> {
  validate(records, opts);
  if (!useBulk(records.length, opts.bulkThreshold)) return { mode: 'collections', outcomes: await writeCollections(records, opts) };
  const routed = opts.operation === 'delete' ? [] : records.flatMap((r, i) => (needsCollections(r) ? [i] : []));
  const routedSet = new Set(routed);
  const bulkIndexes = records.flatMap((_r, i) => (routedSet.has(i) ? [] : [i]));
  const outcomes: RecordOutcome[] = [];
  let jobId: string | undefined;
  if (bulkIndexes.length) {
    try {
      const res = await opts.call((conn) => bulkIngest(conn, bulkIndexes.map((i) => records[i]), {
        object: opts.object, operation: opts.operation, externalIdField: opts.externalIdField,
        pollIntervalMs: opts.bulkPollIntervalMs, onProgress: opts.onBulkProgress,
      }));
      jobId = res.jobId;
      for (const o of res.outcomes) outcomes.push({ ...o, index: bulkIndexes[o.index] });
    } catch (err) {
      if (unknownOutcome(err, opts.operation)) throw Object.assign(new Error(unknownMessage(err)), { errorCode: OUTCOME_UNKNOWN });
      throw err;
    }
  }
  if (routed.length) {
    for (const o of await writeCollections(routed.map((i) => records[i]), opts)) outcomes.push({ ...o, index: routed[o.index] });
  }
  return { mode: 'bulk', outcomes: outcomes.sort((a, b) => a.index - b.index), jobId, routedToCollections: routed.length };
}

/** sObject Collections in chunks of 200; outcomes indexed like `records`. */
async function writeCollections(records: Record<string, unknown>[], opts: WriteOptions): Promise<RecordOutcome[]> {
  const outcomes: RecordOutcome[] = [];
  const chunks = chunk(records);
  let offset = 0;
  let stop: { errors: RecordError[] } | undefined;
  for (const part of chunks) {
    if (stop) {
      part.forEach((_r, i) => outcomes.push({ index: offset + i, success: false, errors: stop!.errors }));
    } else {
      try {
        const results = await opts.call((conn) => collectionCall(conn, part, opts));
        results.forEach((res, i) => outcomes.push({
          index: offset + i, success: res.success === true, ...(res.id ? { id: res.id } : {}),
          ...(res.created !== undefined ? { created: res.created } : {}), errors: res.errors ?? [],
        }));
        // allOrNone cannot span calls: after a rolled-back chunk the later chunks are not sent.
        if (opts.allOrNone && results.some((r) => !r.success)) {
          stop = { errors: [{ statusCode: 'NOT_ATTEMPTED', message: 'not sent: an earlier allOrNone chunk failed', fields: [] }] };
        }
      } catch (err) {
        // A whole-call failure (network, lock, limit): this chunk and the rest fail with it, nothing more is sent.
        const e = normaliseSalesforceError(err);
        stop = { errors: [unknownOutcome(err, opts.operation) ? { statusCode: OUTCOME_UNKNOWN, message: unknownMessage(err), fields: [] } : { statusCode: e.code, message: e.message, fields: [] }] };
        part.forEach((_r, i) => outcomes.push({ index: offset + i, success: false, errors: stop!.errors }));
      }
    }
    offset += part.length;
  }
  return outcomes;
}
