// Compares two record sets by key, field by field. Memory stays bounded by one keyed map of set B
// (references, not copies) plus the set of A keys seen: set A can be streamed record by record, and the
// report lists at most `maxListed` keys per category while still counting all of them.
import { getPath, parsePath, PathKey } from '../mapping/paths';
import { compileField, CompiledField, FieldRule } from './normalise';

export type { FieldRule } from './normalise';

export interface ReconcileOptions {
  /** Key path in A records (e.g. `id`), and in B records (default: the same). */
  keyA: string;
  keyB?: string;
  /** Compare keys case-insensitively (e.g. Salesforce 15 vs 18 character ids are not handled; order numbers are). */
  keyIgnoreCase?: boolean;
  fields: FieldRule[];
  /** At most this many keys listed per category in the report (default 1000; counts are always complete). */
  maxListed?: number;
}

export interface FieldDifference {
  field: string;
  a: unknown;
  b: unknown;
}

export interface ReconcileReport {
  ok: boolean;
  countA: number;
  countB: number;
  matchedCount: number;
  onlyInA: string[];
  onlyInB: string[];
  mismatched: { key: string; fields: FieldDifference[] }[];
  /** The same key twice on one side: for payments, a record created twice. */
  duplicatesA: string[];
  duplicatesB: string[];
  /** Records without a key value, counted and skipped. */
  missingKeyA: number;
  missingKeyB: number;
  totals: { onlyInA: number; onlyInB: number; mismatched: number; duplicatesA: number; duplicatesB: number };
  /** True when some category held more than `maxListed` keys. */
  truncated: boolean;
}

/**
 * A fix proposal, A taken as the source of truth: create what B lacks, update what differs,
 * and only flag for review what B has extra (never delete money records automatically).
 */
export type Fix =
  | { action: 'create'; key: string; record: unknown }
  | { action: 'update'; key: string; record: unknown; current: unknown; fields: FieldDifference[] }
  | { action: 'review'; key: string; record: unknown; reason: 'onlyInB' | 'duplicateInA' | 'duplicateInB' };

export class Reconciler {
  private readonly keyA: PathKey[];
  private readonly keyB: PathKey[];
  private readonly fields: CompiledField[];
  private readonly maxListed: number;
  private readonly ignoreCase: boolean;
  private readonly pendingB = new Map<string, unknown>();
  private readonly seenA = new Set<string>();
  private bClosed = false;
  private readonly report: ReconcileReport = {
    ok: true, countA: 0, countB: 0, matchedCount: 0, onlyInA: [], onlyInB: [], mismatched: [], duplicatesA: [], duplicatesB: [],
    missingKeyA: 0, missingKeyB: 0, totals: { onlyInA: 0, onlyInB: 0, mismatched: 0, duplicatesA: 0, duplicatesB: 0 }, truncated: false,
  };

  constructor(options: ReconcileOptions, private readonly onFix?: (fix: Fix) => void) {
    if (!options || typeof options.keyA !== 'string' || options.keyA.trim() === '') throw new Error('the key path of set A is required');
    this.keyA = parsePath(options.keyA);
    this.keyB = parsePath(options.keyB && options.keyB.trim() !== '' ? options.keyB : options.keyA);
    this.ignoreCase = options.keyIgnoreCase === true;
    this.fields = (options.fields ?? []).map((rule) => compileField(rule));
    const max = options.maxListed ?? 1000;
    this.maxListed = Number.isFinite(max) && max >= 0 ? Math.floor(max) : 1000;
  }

  private keyOf(record: unknown, path: PathKey[]): string | undefined {
    const value = getPath(record, path);
    if (value === null || value === undefined) return undefined;
    const text = String(value).trim();
    if (text === '') return undefined;
    return this.ignoreCase ? text.toLowerCase() : text;
  }

  private list<T>(category: keyof ReconcileReport['totals'], target: T[], item: T): void {
    this.report.totals[category]++;
    if (target.length < this.maxListed) target.push(item);
    else this.report.truncated = true;
  }

  /** Adds a record of set B; all of B comes before the first A record. */
  addB(record: unknown): void {
    if (this.bClosed) throw new Error('set B is closed: add every B record before the first A record');
    this.report.countB++;
    const key = this.keyOf(record, this.keyB);
    if (key === undefined) {
      this.report.missingKeyB++;
      return;
    }
    if (this.pendingB.has(key)) {
      this.list('duplicatesB', this.report.duplicatesB, key);
      this.onFix?.({ action: 'review', key, record, reason: 'duplicateInB' });
      return;
    }
    this.pendingB.set(key, record);
  }

  /** Compares one record of set A with its B partner. */
  checkA(record: unknown): void {
    this.bClosed = true;
    this.report.countA++;
    const key = this.keyOf(record, this.keyA);
    if (key === undefined) {
      this.report.missingKeyA++;
      return;
    }
    if (this.seenA.has(key)) {
      this.list('duplicatesA', this.report.duplicatesA, key);
      this.onFix?.({ action: 'review', key, record, reason: 'duplicateInA' });
      return;
    }
    this.seenA.add(key);
    if (!this.pendingB.has(key)) {
      this.list('onlyInA', this.report.onlyInA, key);
      this.onFix?.({ action: 'create', key, record });
      return;
    }
    const partner = this.pendingB.get(key);
    this.pendingB.delete(key);
    const differences: FieldDifference[] = [];
    for (const field of this.fields) {
      const result = field.equal(record, partner);
      if (!result.equal) differences.push({ field: field.name, a: result.a, b: result.b });
    }
    if (differences.length === 0) {
      this.report.matchedCount++;
      return;
    }
    this.list('mismatched', this.report.mismatched, { key, fields: differences });
    this.onFix?.({ action: 'update', key, record, current: partner, fields: differences });
  }

  /** Ends the comparison: the B records never matched are "only in B". */
  finish(): ReconcileReport {
    this.bClosed = true;
    for (const [key, record] of this.pendingB) {
      this.list('onlyInB', this.report.onlyInB, key);
      this.onFix?.({ action: 'review', key, record, reason: 'onlyInB' });
    }
    this.pendingB.clear();
    this.seenA.clear();
    const t = this.report.totals;
    this.report.ok = t.onlyInA + t.onlyInB + t.mismatched + t.duplicatesA + t.duplicatesB === 0 && this.report.missingKeyA + this.report.missingKeyB === 0;
    return this.report;
  }
}

/** Reconciles two whole sets (arrays or any iterables). */
export function reconcile(a: Iterable<unknown>, b: Iterable<unknown>, options: ReconcileOptions, onFix?: (fix: Fix) => void): ReconcileReport {
  const reconciler = new Reconciler(options, onFix);
  for (const record of b) reconciler.addB(record);
  for (const record of a) reconciler.checkA(record);
  return reconciler.finish();
}
