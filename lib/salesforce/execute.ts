// One fg-salesforce operation from node settings plus message input, independent of Node-RED.
import type { SalesforceSession } from './connection';
import type { BulkProgress } from './bulk-ingest';
import { bulkQuery } from './bulk-query';
import { PlannedRequest, RecordDiff, diffAgainstCurrent, planRequests } from './dry-run';
import { WriteOperation, chunk } from './plan';
import { runQuery } from './query';
import { RecordOutcome, writeRecords } from './records';
import { bindSoql, bindSosl } from './soql-binds';

export type Operation = 'query' | 'bulkQuery' | 'search' | 'retrieve' | 'create' | 'update' | 'upsert' | 'delete' | 'describe';
export const WRITE_OPERATIONS = new Set<Operation>(['create', 'update', 'upsert', 'delete']);

export interface OperationSpec {
  operation: Operation;
  object?: string;
  externalIdField?: string;
  /** SOQL or SOSL with :named binds. */
  statement?: string;
  fields?: string[];
  maxRecords?: number;
  includeDeleted?: boolean;
  allOrNone?: boolean;
  bulkThreshold?: number;
  bulkPollIntervalMs?: number;
  dryRun?: boolean;
}

export type OperationResult =
  | { type: 'records'; records: any[]; totalSize: number; truncated: boolean }
  | { type: 'describe'; result: any }
  | { type: 'write'; single: boolean; records: Record<string, unknown>[]; outcomes: RecordOutcome[]; mode: WriteMode; jobId?: string; routedToCollections?: number;
      /** micro-batching: how many records the Collections call carrying this message's record held */
      batchSize?: number }
  | { type: 'dryRun'; requests: PlannedRequest[]; diff?: RecordDiff[] };

export interface Hooks {
  onBulkProgress?: (p: BulkProgress) => void;
  onPage?: (records: any[], page: number, expected: number) => void | Promise<void>;
}

/** Status suffix of a write: ' (bulk)', or ' (bulk, 3 via Collections)' when Bulk CSV would have changed some records. */
/** How records were written: Collections or Bulk 2.0; Platform Events published over Pub/Sub or REST (fallback). */
export type WriteMode = 'collections' | 'bulk' | 'pubsub' | 'rest';

export function bulkNote(mode: WriteMode, routedToCollections = 0): string {
  if (mode === 'rest') return ' (REST: Pub/Sub unreachable)';
  if (mode !== 'bulk') return '';
  return routedToCollections ? ` (bulk, ${routedToCollections} via Collections)` : ' (bulk)';
}

function need<T>(value: T | undefined | '', what: string): T {
  if (value === undefined || value === '' || value === null) throw new Error(`${what} is required`);
  return value as T;
}

/** Write input: an object or an array of them; delete also takes Id strings. */
export function writeInput(payload: unknown, op: WriteOperation): { single: boolean; records: Record<string, unknown>[] } {
  const single = !Array.isArray(payload);
  const items = single ? [payload] : (payload as unknown[]);
  const records = items.map((r, i) => {
    if (op === 'delete' && typeof r === 'string') return { Id: r };
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw new Error(`msg.payload${single ? '' : `[${i}]`} must be a record object`);
    return r as Record<string, unknown>;
  });
  return { single, records };
}

export async function runOperation(session: SalesforceSession, spec: OperationSpec, payload: unknown, binds: Record<string, unknown> | undefined, hooks: Hooks = {}): Promise<OperationResult> {
  const call = <T>(fn: (conn: any) => Promise<T>): Promise<T> => session.call(fn);
  switch (spec.operation) {
    case 'query': {
      const soql = bindSoql(need(spec.statement, 'a SOQL query'), binds ?? {});
      const res = await runQuery(soql, { call, maxRecords: spec.maxRecords, includeDeleted: spec.includeDeleted, onPage: hooks.onPage });
      return { type: 'records', records: res.records, totalSize: res.totalSize, truncated: res.truncated };
    }
    case 'bulkQuery': {
      const soql = bindSoql(need(spec.statement, 'a SOQL query'), binds ?? {});
      const res = await bulkQuery(soql, {
        call, maxRecords: spec.maxRecords, includeDeleted: spec.includeDeleted, pollIntervalMs: spec.bulkPollIntervalMs,
        onProgress: hooks.onBulkProgress ? (state, processed) => hooks.onBulkProgress!({ jobId: '', state, processed, failed: 0 }) : undefined,
        onPage: hooks.onPage ? (records, page) => hooks.onPage!(records, page, -1) : undefined,
      });
      return { type: 'records', records: res.records, totalSize: res.fetched, truncated: res.truncated };
    }
    case 'search': {
      const sosl = bindSosl(need(spec.statement, 'a SOSL search'), binds ?? {});
      const res: any = await call((c) => c.search(sosl));
      return { type: 'records', records: res.searchRecords ?? [], totalSize: (res.searchRecords ?? []).length, truncated: false };
    }
    case 'retrieve': {
      const object = need(spec.object, 'the object');
      const ids = Array.isArray(payload) ? payload.map(String) : [String(need(payload as string, 'msg.payload (an Id)'))];
      const fields = spec.fields?.length ? { fields: spec.fields } : {};
      const records: any[] = [];
      // Collections retrieve takes up to 2,000 ids per call; missing records come back as null.
      for (const part of chunk(ids, 2000)) {
        const got: any = await call((c) => c.sobject(object).retrieve(Array.isArray(payload) ? part : part[0], fields));
        records.push(...(Array.isArray(got) ? got : [got]));
      }
      return { type: 'records', records: Array.isArray(payload) ? records : records.slice(0, 1), totalSize: records.length, truncated: false };
    }
    case 'describe': {
      const result = spec.object ? await call((c) => c.sobject(spec.object).describe()) : await call((c) => c.describeGlobal());
      return { type: 'describe', result };
    }
    default: {
      const op = spec.operation as WriteOperation;
      const object = need(spec.object, 'the object');
      if (op === 'upsert') need(spec.externalIdField, 'the external id field');
      const { single, records } = writeInput(payload, op);
      if (spec.dryRun) {
        const requests = planRequests(records, op, object, session.apiVersion, spec);
        if (op === 'create') return { type: 'dryRun', requests };
        const keyField = op === 'upsert' ? spec.externalIdField! : 'Id';
        const diff = await diffAgainstCurrent(records, op, object, keyField, async (soql) => (await call((c) => c.query(soql)) as any).records);
        return { type: 'dryRun', requests, diff };
      }
      const res = await writeRecords(records, {
        object, operation: op, externalIdField: spec.externalIdField, allOrNone: spec.allOrNone, bulkThreshold: spec.bulkThreshold,
        bulkPollIntervalMs: spec.bulkPollIntervalMs, onBulkProgress: hooks.onBulkProgress, call,
      });
      return { type: 'write', single, records, outcomes: res.outcomes, mode: res.mode, jobId: res.jobId, routedToCollections: res.routedToCollections };
    }
  }
}
