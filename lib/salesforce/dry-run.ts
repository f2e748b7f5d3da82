// Dry-run: the exact requests a write would send, and for update / upsert a field-level diff against the
// current records (read with queries, which change nothing).
import { escapeSoqlString } from './soql-binds';
import { BULK_OPERATION, WriteOperation, chunk, needsCollections, useBulk } from './plan';
import { idKey, isIdShaped } from './ids';

export interface PlannedRequest { method: string; url: string; body?: unknown }
export interface FieldChange { field: string; from: unknown; to: unknown }
export interface RecordDiff { index: number; match: string | null; action: 'create' | 'update' | 'delete' | 'unknown'; changes: FieldChange[] }

export function planRequests(records: Record<string, unknown>[], op: WriteOperation, object: string, version: string, opts: { externalIdField?: string; allOrNone?: boolean; bulkThreshold?: number }): PlannedRequest[] {
  const base = `/services/data/v${version}`;
  const withType = (r: Record<string, unknown>): Record<string, unknown> => ({ attributes: { type: object }, ...r });
  const allOrNone = opts.allOrNone === true;
  const collections = (list: Record<string, unknown>[]): PlannedRequest[] => chunk(list).map((part) => {
    switch (op) {
      case 'create': return { method: 'POST', url: `${base}/composite/sobjects`, body: { allOrNone, records: part.map(withType) } };
      case 'update': return { method: 'PATCH', url: `${base}/composite/sobjects`, body: { allOrNone, records: part.map(withType) } };
      case 'upsert': return { method: 'PATCH', url: `${base}/composite/sobjects/${object}/${opts.externalIdField}`, body: { allOrNone, records: part.map(withType) } };
      default: return { method: 'DELETE', url: `${base}/composite/sobjects?ids=${part.map((r) => String(r.Id ?? r.id)).join(',')}&allOrNone=${allOrNone}` };
    }
  });
  if (!useBulk(records.length, opts.bulkThreshold)) return collections(records);
  // Records that Bulk CSV would store differently go through Collections (see writeRecords).
  const routed = op === 'delete' ? [] : records.filter(needsCollections);
  const bulkRows = records.length - routed.length;
  return [
    ...(bulkRows ? [
      { method: 'POST', url: `${base}/jobs/ingest`, body: { object, operation: BULK_OPERATION[op], lineEnding: 'LF', ...(op === 'upsert' ? { externalIdFieldName: opts.externalIdField } : {}) } },
      { method: 'PUT', url: `${base}/jobs/ingest/{jobId}/batches`, body: `<CSV with ${bulkRows} rows>` },
      { method: 'PATCH', url: `${base}/jobs/ingest/{jobId}`, body: { state: 'UploadComplete' } },
    ] : []),
    ...collections(routed),
  ];
}

const keyOf = (r: Record<string, unknown>, field: string): unknown => r[Object.keys(r).find((k) => k.toLowerCase() === field.toLowerCase()) ?? field];

function sameValue(a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return String(a) === String(b);
}

/** Diffs input records against the current ones; reads through `query` (SOQL) in chunks of 200 keys. */
export async function diffAgainstCurrent(records: Record<string, unknown>[], op: WriteOperation, object: string, keyField: string,
  query: (soql: string) => Promise<any[]>): Promise<RecordDiff[]> {
  const fields = [...new Set(records.flatMap((r) => Object.keys(r)).filter((k) => k !== 'attributes' && k.toLowerCase() !== 'id' && k.toLowerCase() !== keyField.toLowerCase()))];
  const byId = keyField.toLowerCase() === 'id';
  // A value that is no Id cannot match a record (and SOQL would refuse the whole query for it).
  const keys = [...new Set(records.map((r) => keyOf(r, keyField)).filter((v) => v !== undefined && v !== null && v !== ''))].map(String)
    .filter((k) => !byId || isIdShaped(k));
  const current = new Map<string, any>();
  // Ids match by their case-sensitive 15-character base (a 15- and an 18-character Id of one record are equal);
  // external id values match case-insensitively, as Salesforce matches them.
  const matchKey = (v: unknown): string => (byId ? idKey(String(v)) : String(v).toLowerCase());
  for (const part of chunk(keys)) {
    const select = ['Id', ...(keyField === 'Id' ? [] : [keyField]), ...fields].join(', ');
    const rows = await query(`SELECT ${select} FROM ${object} WHERE ${keyField} IN (${part.map((k) => `'${escapeSoqlString(k)}'`).join(', ')})`);
    for (const row of rows) current.set(matchKey(keyOf(row, keyField)), row);
  }
  return records.map((r, index) => {
    const key = keyOf(r, keyField);
    const existing = key === undefined || key === null ? undefined : current.get(matchKey(key));
    if (op === 'delete') return { index, match: existing?.Id ?? null, action: existing ? 'delete' : 'unknown', changes: [] };
    if (!existing) {
      return { index, match: null, action: op === 'upsert' ? 'create' : 'unknown', changes: fields.filter((f) => keyOf(r, f) !== undefined).map((f) => ({ field: f, from: null, to: keyOf(r, f) })) };
    }
    const changes = fields.filter((f) => keyOf(r, f) !== undefined && !sameValue(keyOf(existing, f), keyOf(r, f)))
      .map((f) => ({ field: f, from: keyOf(existing, f) ?? null, to: keyOf(r, f) }));
    return { index, match: existing.Id, action: 'update', changes };
  });
}
