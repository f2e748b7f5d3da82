// Diff of a mapped object against the current target record: only the fields the mapping writes are
// compared, because the rest of the record belongs to someone else.
import { parseDate } from './dates';
import { getPath, PathKey } from './paths';

export interface Change {
  field: string;
  from: unknown;
  to: unknown;
}

export interface DiffField {
  field: string;
  keys: PathKey[];
}

const NUMERIC_TEXT = /^\s*-?\d+(\.\d+)?\s*$/;

/**
 * Values that mean the same to the target service although they differ in type: a NUMBER column read back as
 * 19.99 against the mapped "19.990", or a timestamp read back as a Date against the mapped text.
 */
function sameScalar(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'string') return NUMERIC_TEXT.test(b) && Number(b) === a;
  if (typeof a === 'string' && typeof b === 'number') return sameScalar(b, a);
  if (a instanceof Date && (typeof b === 'string' || typeof b === 'number')) {
    try {
      return parseDate(b, 'auto') === a.getTime();
    } catch {
      return false;
    }
  }
  if (b instanceof Date) return sameScalar(b, a);
  return false;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (sameScalar(a, b)) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  const aKeys = Object.keys(a).filter((k) => (a as any)[k] !== undefined);
  const bKeys = Object.keys(b).filter((k) => (b as any)[k] !== undefined);
  return aKeys.length === bKeys.length && aKeys.every((k) => deepEqual((a as any)[k], (b as any)[k]));
}

/**
 * Changes the mapped object would make to `current`. A field the mapping left out (undefined) is not
 * a change; a field missing from `current` counts as null, as Salesforce and SQL report empty fields.
 */
export function diffFields(current: unknown, next: unknown, fields: DiffField[]): Change[] {
  const changes: Change[] = [];
  for (const { field, keys } of fields) {
    const to = getPath(next, keys);
    if (to === undefined) continue;
    const from = getPath(current, keys) ?? null;
    if (!deepEqual(from, to)) changes.push({ field, from, to });
  }
  return changes;
}
