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

/** CSV for a Bulk 2.0 upload. The header is the union of all keys (jsforce would take the first record's only);
 * null becomes #N/A (set empty), a missing key stays empty (leave unchanged). */
export function recordsToCsv(records: Record<string, unknown>[]): { csv: string; header: string[] } {
  const header: string[] = [];
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) if (k !== 'attributes' && !seen.has(k)) { seen.add(k); header.push(k); }
  const cell = (v: unknown): string => {
    if (v === undefined) return '';
    if (v === null) return '#N/A';
    if (v instanceof Date) return v.toISOString();
    if (typeof v === 'object') throw new Error('nested objects cannot be sent through Bulk API 2.0');
    const s = String(v);
    return /[",\n\r]/.test(s) || s === '' ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [header.join(','), ...records.map((r) => header.map((h) => cell(r[h])).join(','))];
  return { csv: `${lines.join('\n')}\n`, header };
}

/** A key made of a row's values in header order, as they appear in the CSV, to match bulk results to inputs. */
export function rowKey(header: string[], row: Record<string, unknown>): string {
  return JSON.stringify(header.map((h) => {
    const v = row[h];
    if (v === undefined || v === null) return v === null ? '#N/A' : '';
    return v instanceof Date ? v.toISOString() : String(v);
  }));
}
