// Bulk API 2.0: ingest jobs (create, upload CSV, close, process, results) and query jobs (results paged by locator).
import { randomBytes } from 'node:crypto';
import { parseCsv, toCsv } from './csv';
import { SfError, notFound } from './errors';
import { id18 } from './ids';
import { Org, SfRecord, formatDateTime } from './org';
import { FieldDef, FieldType, ObjectDef } from './schema';
import { runSoql } from './soql-eval';
import { SandboxState } from './state';
import { Ctx, Route, noContent, ok, route } from './types';

interface IngestJob {
  info: Record<string, unknown>;
  userId: string;
  uploads: string[];
  successful: unknown[][];
  failed: unknown[][];
  unprocessed: string[][];
  header: string[];
}

interface QueryJob { info: Record<string, unknown>; soql: string; includeDeleted: boolean; version: string; header: string[]; rows: unknown[][] }

/** Records per transaction when a Bulk job is applied (Salesforce's chunk size for triggers and change events). */
const BULK_CHUNK = 200;
const OPERATIONS = new Set(['insert', 'update', 'upsert', 'delete', 'hardDelete']);

export class BulkJobs {
  ingest = new Map<string, IngestJob>();
  query = new Map<string, QueryJob>();
  private timers = new Set<NodeJS.Timeout>();

  constructor(private readonly state: SandboxState) {}

  reset(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.ingest.clear();
    this.query.clear();
  }

  later(fn: () => void): void {
    const t = setTimeout(() => { this.timers.delete(t); fn(); }, this.state.config.bulkProcessingDelayMs);
    this.timers.add(t);
  }

  newInfo(prefix: string, ctx: Ctx, extra: Record<string, unknown>): Record<string, unknown> {
    const now = formatDateTime(this.state.org.now());
    return {
      id: id18(`${prefix}5g000${randomBytes(4).toString('hex').slice(0, 7)}`), createdById: ctx.userId, createdDate: now, systemModstamp: now,
      concurrencyMode: 'Parallel', contentType: 'CSV', apiVersion: Number(ctx.version), lineEnding: 'LF', columnDelimiter: 'COMMA', ...extra,
    };
  }

  /** Applies every uploaded row with the job's user; fills the result CSV rows. */
  process(job: IngestJob): void {
    const org = this.state.org;
    const rows = job.uploads.flatMap((csv) => {
      const parsed = parseCsv(csv);
      if (!job.header.length) job.header = parsed[0] ?? [];
      return parsed.slice(1);
    });
    // Salesforce applies a Bulk job's records in chunks of 200, each chunk one transaction (so the same change to
    // several records of a chunk is one merged change event); a failed record is left out of its chunk.
    for (let start = 0; start < rows.length; start += BULK_CHUNK) {
      org.transaction(() => this.applyRows(job, rows.slice(start, start + BULK_CHUNK)), { partial: true });
    }
    Object.assign(job.info, {
      state: 'JobComplete', numberRecordsProcessed: rows.length, numberRecordsFailed: job.failed.length,
      systemModstamp: formatDateTime(org.now()),
    });
  }

  private applyRows(job: IngestJob, rows: string[][]): void {
    const org = this.state.org;
    const { object, operation, externalIdFieldName } = job.info as { object: string; operation: string; externalIdFieldName?: string };
    const def = org.object(object);
    for (const row of rows) {
      const idCell = row[job.header.findIndex((h) => h.toLowerCase() === 'id')] ?? '';
      try {
        const rec = rowValues(org, def, job.header, row);
        let result: { id: string; created: boolean };
        if (operation === 'insert') result = org.create(object, rec, job.userId);
        else if (operation === 'upsert') {
          const key = Object.keys(rec).find((k) => k.toLowerCase() === String(externalIdFieldName).toLowerCase());
          const value = key ? rec[key] : undefined;
          if (key) delete rec[key];
          result = org.upsert(object, String(externalIdFieldName), value, rec, job.userId);
        } else {
          if (!idCell) throw new SfError(400, 'MISSING_ARGUMENT', `Id not specified in an ${operation} call`, ['Id']);
          result = operation === 'update' ? org.update(object, idCell, rec, job.userId) : org.delete(object, idCell, job.userId);
        }
        job.successful.push([result.id, String(result.created), ...row]);
      } catch (err) {
        const e = err instanceof SfError ? err : new SfError(500, 'UNKNOWN_EXCEPTION', 'unexpected error');
        job.failed.push([idCell, `${e.errorCode}:${e.message}:${e.fields.join(',')} --`, ...row]);
      }
    }
  }

  ingestJob(id: string): IngestJob {
    const job = this.ingest.get(id);
    if (!job) throw notFound('The requested resource does not exist');
    return job;
  }

  queryJob(id: string): QueryJob {
    const job = this.query.get(id);
    if (!job) throw notFound('The requested resource does not exist');
    return job;
  }
}

const CSV = 'text/csv; charset=UTF-8';

const XSD_TYPES: Partial<Record<FieldType, string>> = {
  boolean: 'boolean', double: 'double', currency: 'double', int: 'int', date: 'date', datetime: 'dateTime',
};

/**
 * One CSV row as field values, as "Valid CSV Record Rows" and "Valid Date Format in Records" (Bulk API 2.0 and
 * Bulk API Developer Guide) describe it: an empty value is ignored when a record is updated (and so not set
 * when one is created); #N/A sets the field to null; dateTime is yyyy-MM-ddTHH:mm:ss.SSS+/-HH:mm or ...Z (the
 * milliseconds optional); date is yyyy-MM-dd; booleans and numbers in their XML Schema forms. A value that is
 * none of these fails its row the way Salesforce reports it:
 * "INVALID_FIELD:Failed to deserialize field at col 0. Due to, 'x' is not a valid value for the type xsd:dateTime".
 */
function rowValues(org: Org, def: ObjectDef, header: string[], row: string[]): SfRecord {
  const rec: SfRecord = {};
  header.forEach((name, col) => {
    const cell = row[col] ?? '';
    if (cell === '') return;
    if (cell === '#N/A') { rec[name] = null; return; }
    const field = org.field(def, name);
    rec[name] = field ? csvValue(field, cell, col) : cell; // an unknown column is refused by the DML validation
  });
  return rec;
}

function csvValue(field: FieldDef, cell: string, col: number): unknown {
  const xsd = XSD_TYPES[field.type];
  if (!xsd) return cell;
  const bad = (): SfError => new SfError(400, 'INVALID_FIELD', `Failed to deserialize field at col ${col}. Due to, '${cell}' is not a valid value for the type xsd:${xsd}`, [field.name]);
  switch (field.type) {
    case 'boolean':
      if (!/^(true|false|1|0)$/i.test(cell)) throw bad();
      return /^(true|1)$/i.test(cell);
    case 'date':
      if (!/^\d{4}-\d\d-\d\dZ?$/.test(cell)) throw bad();
      return cell.slice(0, 10);
    case 'datetime':
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?(Z|[+-]\d\d:?\d\d)$/.test(cell)) throw bad();
      return cell;
    default:
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cell)) throw bad();
      return Number(cell);
  }
}

function ingestRoutes(state: SandboxState, bulk: BulkJobs): Route[] {
  const stats = { retries: 0, totalProcessingTime: 0, apiActiveProcessingTime: 0, apexProcessingTime: 0, jobType: 'V2Ingest' };
  return [
    route('POST', '/jobs/ingest', 'bulk.ingest.create', (ctx) => {
      const body = (ctx.body ?? {}) as { object?: string; operation?: string; externalIdFieldName?: string };
      if (!body.object || !OPERATIONS.has(String(body.operation))) {
        throw new SfError(400, 'INVALIDJOB', `InvalidJob : Invalid operation or object: ${String(body.operation)} ${String(body.object)}`);
      }
      const def = state.org.object(body.object);
      if (body.operation === 'upsert' && !state.org.field(def, body.externalIdFieldName ?? '')?.externalId) {
        throw new SfError(400, 'INVALIDJOB', `InvalidJob : External ID was blank or not an external ID field: ${String(body.externalIdFieldName)}`);
      }
      const info = bulk.newInfo('750', ctx, {
        operation: body.operation, object: def.name, state: 'Open', contentUrl: `services/data/v${ctx.version}/jobs/ingest/ID/batches`,
        ...(body.externalIdFieldName ? { externalIdFieldName: body.externalIdFieldName } : {}),
      });
      info.contentUrl = String(info.contentUrl).replace('ID', String(info.id));
      bulk.ingest.set(String(info.id), { info, userId: ctx.userId, uploads: [], successful: [], failed: [], unprocessed: [], header: [] });
      return ok(info);
    }),
    route('GET', '/jobs/ingest', 'bulk.ingest.list', () => ok({ done: true, records: [...bulk.ingest.values()].map((j) => j.info), nextRecordsUrl: null })),
    route('PUT', '/jobs/ingest/:id/batches', 'bulk.ingest.upload', (ctx, [id]) => {
      const job = bulk.ingestJob(id);
      if (job.info.state !== 'Open') throw new SfError(409, 'INVALIDJOBSTATE', `Job ${id} is not open for uploads`);
      job.uploads.push(ctx.rawBody);
      return { status: 201 };
    }),
    route('PATCH', '/jobs/ingest/:id', 'bulk.ingest.state', (ctx, [id]) => {
      const job = bulk.ingestJob(id);
      const next = (ctx.body as { state?: string } | undefined)?.state;
      if (next === 'Aborted') job.info.state = 'Aborted';
      else if (next === 'UploadComplete' && job.info.state === 'Open') {
        job.info.state = 'UploadComplete';
        bulk.later(() => { if (job.info.state === 'UploadComplete') { job.info.state = 'InProgress'; bulk.later(() => bulk.process(job)); } });
      } else throw new SfError(400, 'INVALIDJOBSTATE', `Cannot change job state from ${String(job.info.state)} to ${String(next)}`);
      return ok(job.info);
    }),
    route('GET', '/jobs/ingest/:id', 'bulk.ingest.info', (_ctx, [id]) => {
      const job = bulk.ingestJob(id);
      return ok({ numberRecordsProcessed: 0, numberRecordsFailed: 0, ...stats, ...job.info });
    }),
    route('DELETE', '/jobs/ingest/:id', 'bulk.ingest.delete', (_ctx, [id]) => { bulk.ingestJob(id); bulk.ingest.delete(id); return noContent(); }),
    route('GET', '/jobs/ingest/:id/successfulResults', 'bulk.ingest.successfulResults', (_ctx, [id]) => {
      const job = bulk.ingestJob(id);
      return { status: 200, contentType: CSV, body: toCsv(['sf__Id', 'sf__Created', ...job.header], job.successful) };
    }),
    route('GET', '/jobs/ingest/:id/failedResults', 'bulk.ingest.failedResults', (_ctx, [id]) => {
      const job = bulk.ingestJob(id);
      return { status: 200, contentType: CSV, body: toCsv(['sf__Id', 'sf__Error', ...job.header], job.failed) };
    }),
    route('GET', '/jobs/ingest/:id/unprocessedrecords', 'bulk.ingest.unprocessedRecords', (_ctx, [id]) => {
      const job = bulk.ingestJob(id);
      return { status: 200, contentType: CSV, body: toCsv(job.header, job.unprocessed) };
    }),
  ];
}

/** Flattens query records to CSV cells: parent fields become Account.Name columns, nulls empty. */
function flatten(rec: SfRecord, prefix = ''): Array<[string, unknown]> {
  return Object.entries(rec).filter(([k]) => k !== 'attributes').flatMap(([k, v]) =>
    v && typeof v === 'object' ? flatten(v as SfRecord, `${prefix}${k}.`) : [[`${prefix}${k}`, v] as [string, unknown]]);
}

function queryRoutes(state: SandboxState, bulk: BulkJobs): Route[] {
  return [
    route('POST', '/jobs/query', 'bulk.query.create', (ctx) => {
      const body = (ctx.body ?? {}) as { query?: string; operation?: string };
      if (typeof body.query === 'string' && body.query) state.logQuery('bulk', body.query);
      if (!body.query || !['query', 'queryAll'].includes(String(body.operation ?? 'query'))) throw new SfError(400, 'INVALIDJOB', 'InvalidJob : query and operation are required');
      const includeDeleted = body.operation === 'queryAll';
      runSoql(state.org, body.query, ctx.version, includeDeleted); // validate now, like Salesforce does at job creation
      const info = bulk.newInfo('750', ctx, { operation: body.operation ?? 'query', object: /\bFROM\s+(\w+)/i.exec(body.query)?.[1], state: 'UploadComplete' });
      const job: QueryJob = { info, soql: body.query, includeDeleted, version: ctx.version, header: [], rows: [] };
      bulk.query.set(String(info.id), job);
      bulk.later(() => {
        if (job.info.state !== 'UploadComplete') return;
        const result = runSoql(state.org, job.soql, job.version, job.includeDeleted);
        const flat = result.records.map((r) => flatten(r));
        job.header = flat[0]?.map(([k]) => k) ?? (/SELECT\s+(.+?)\s+FROM/i.exec(job.soql)?.[1].split(',').map((s) => s.trim()) ?? []);
        job.rows = flat.map((cells) => cells.map(([, v]) => v));
        Object.assign(job.info, { state: 'JobComplete', numberRecordsProcessed: job.rows.length });
      });
      return ok(info);
    }),
    route('GET', '/jobs/query/:id', 'bulk.query.info', (_ctx, [id]) => ok({ numberRecordsProcessed: 0, retries: 0, totalProcessingTime: 0, jobType: 'V2Query', ...bulk.queryJob(id).info })),
    route('PATCH', '/jobs/query/:id', 'bulk.query.state', (ctx, [id]) => {
      const job = bulk.queryJob(id);
      if ((ctx.body as { state?: string } | undefined)?.state !== 'Aborted') throw new SfError(400, 'INVALIDJOBSTATE', 'only Aborted is allowed');
      job.info.state = 'Aborted';
      return ok(job.info);
    }),
    route('DELETE', '/jobs/query/:id', 'bulk.query.delete', (_ctx, [id]) => { bulk.queryJob(id); bulk.query.delete(id); return noContent(); }),
    route('GET', '/jobs/query/:id/results', 'bulk.query.results', (ctx, [id]) => {
      const job = bulk.queryJob(id);
      if (job.info.state !== 'JobComplete') throw new SfError(412, 'JOB_NOT_COMPLETE', 'Job is not complete');
      const start = Number(ctx.query.get('locator') ?? 0) || 0;
      // One page by default: jsforce's bulk2.query crashes on multi-page results (jsforce #1546).
      const max = Number(ctx.query.get('maxRecords') ?? 0) || state.config.bulkQueryPageSize || job.rows.length || 1;
      const page = job.rows.slice(start, start + max);
      const next = start + max < job.rows.length ? String(start + max) : 'null';
      return { status: 200, contentType: CSV, headers: { 'Sforce-Locator': next, 'Sforce-NumberOfRecords': String(page.length) }, body: toCsv(job.header, page) };
    }),
  ];
}

export function bulkRoutes(state: SandboxState, bulk: BulkJobs): Route[] {
  return [...ingestRoutes(state, bulk), ...queryRoutes(state, bulk)];
}
