// Splitting record writes: 200 records per sObject Collections call, Bulk API 2.0 above a threshold.

export const COLLECTION_SIZE = 200;
export const DEFAULT_BULK_THRESHOLD = 2000;

export type WriteOperation = 'create' | 'update' | 'upsert' | 'delete';

export function chunk<T>(items: T[], size = COLLECTION_SIZE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Bulk API 2.0 is worth its fixed ~5 calls only for large batches; 0 disables it. */
export function useBulk(count: number, threshold = DEFAULT_BULK_THRESHOLD): boolean {
  return threshold > 0 && count > threshold;
}

export const BULK_OPERATION: Record<WriteOperation, string> = { create: 'insert', update: 'update', upsert: 'upsert', delete: 'delete' };

/**
 * Values that Bulk API 2.0 CSV would store differently from sObject Collections JSON, so a record holding one
 * is written through Collections even in a bulk write ("one result whatever the path"):
 * - the text "#N/A": in Bulk CSV it means "set this field to null" (Valid CSV Record Rows), in JSON it is text;
 * - a nested object (a relationship by external id): Bulk CSV has no such cell.
 */
export function needsCollections(record: Record<string, unknown>): boolean {
  return Object.entries(record).some(([k, v]) => k !== 'attributes'
    && ((typeof v === 'string' && /^#N\/A$/i.test(v)) || (v !== null && typeof v === 'object' && !(v instanceof Date))));
}

/**
 * One CSV cell. null and '' both become #N/A: Salesforce stores an empty string sent as JSON as null, while an
 * empty CSV value would leave the field unchanged on update. A missing key stays empty (leave unchanged /
 * not set), like a key missing from the JSON.
 */
function cellText(v: unknown): string {
  if (v === undefined) return '';
  if (v === null || v === '') return '#N/A';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') throw new Error('nested objects cannot be sent through Bulk API 2.0');
  return String(v);
}

/** CSV for a Bulk 2.0 upload. The header is the union of all keys (jsforce would take the first record's only). */
export function recordsToCsv(records: Record<string, unknown>[]): { csv: string; header: string[] } {
  const header: string[] = [];
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) if (k !== 'attributes' && !seen.has(k)) { seen.add(k); header.push(k); }
  const cell = (v: unknown): string => {
    const s = cellText(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [header.join(','), ...records.map((r) => header.map((h) => cell(r[h])).join(','))];
  return { csv: `${lines.join('\n')}\n`, header };
}

/** A key made of a row's values in header order, as they appear in the CSV, to match bulk results to inputs. */
export function rowKey(header: string[], row: Record<string, unknown>): string {
  return JSON.stringify(header.map((h) => cellText(row[h])));
}
