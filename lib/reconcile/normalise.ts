// Field normalisers for reconciliation: each turns a raw value into a comparable form, so that
// "19.99" (decimal, Salesforce / Snowflake) and 1999 (minor units, Stripe) or " ACME " and "acme" compare equal.
import { currencyExponent } from '../mapping/currency';
import { parseDate } from '../mapping/dates';
import { getPath, parsePath, PathKey } from '../mapping/paths';
import { canonicalJson } from '../reliability/canonical';

export type CompareKind = 'exact' | 'text' | 'number' | 'date' | 'money';
export type DatePrecision = 'ms' | 'second' | 'minute' | 'hour' | 'day';
export type AmountUnits = 'minor' | 'decimal';

/** One compared field, as configured by the user. */
export interface FieldRule {
  /** Path in a record of set A. */
  a: string;
  /** Path in a record of set B (default: the same as `a`). */
  b?: string;
  compare?: CompareKind;
  /** number: absolute tolerance; money: tolerance in minor units. */
  tolerance?: number;
  /** text: compare case-insensitively. */
  ignoreCase?: boolean;
  /** text: ignore leading / trailing white space (default true). */
  trim?: boolean;
  /** date: compare truncated to this precision (UTC). */
  precision?: DatePrecision;
  /** money: the units of each side. */
  unitsA?: AmountUnits;
  unitsB?: AmountUnits;
  /** money: a fixed currency code, or a path in the A record holding it (e.g. `currency`). */
  currency?: string;
  currencyField?: string;
}

/** A field rule compiled once: parsed paths and a normaliser per side. */
export interface CompiledField {
  name: string;
  pathA: PathKey[];
  pathB: PathKey[];
  equal(recordA: unknown, recordB: unknown): { equal: boolean; a: unknown; b: unknown };
}

const PRECISION_MS: Record<DatePrecision, number> = { ms: 1, second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** null, undefined and '' are all "no value" for the lenient comparisons. */
function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(value)) return Number(value);
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

function toText(value: unknown, trim: boolean, ignoreCase: boolean): string | null {
  if (isEmpty(value)) return null;
  let text = typeof value === 'string' ? value : typeof value === 'object' ? canonicalJson(value) : String(value);
  if (trim) text = text.trim();
  if (ignoreCase) text = text.toLowerCase();
  return text === '' ? null : text;
}

function toMillis(value: unknown, precision: number): number | undefined {
  try {
    const millis = parseDate(value, 'auto');
    return Math.floor(millis / precision) * precision;
  } catch {
    return undefined;
  }
}

/** An amount in `units` → integer minor units; decimals with more places than the currency has are rounded. */
function toMinor(value: unknown, units: AmountUnits, exponent: number): number | undefined {
  const n = toNumber(value);
  if (n === undefined) return undefined;
  return units === 'minor' ? Math.round(n) : Math.round(n * 10 ** exponent);
}

function compileCompare(rule: FieldRule): (a: unknown, b: unknown, recordA: unknown) => boolean {
  const kind = rule.compare ?? 'exact';
  const tolerance = Math.abs(Number(rule.tolerance ?? 0)) || 0;
  switch (kind) {
    case 'exact':
      return (a, b) => (isEmpty(a) && isEmpty(b)) || canonicalJson(a ?? null) === canonicalJson(b ?? null);
    case 'text': {
      const trim = rule.trim !== false;
      const ignoreCase = rule.ignoreCase === true;
      return (a, b) => toText(a, trim, ignoreCase) === toText(b, trim, ignoreCase);
    }
    case 'number':
      return (a, b) => {
        if (isEmpty(a) || isEmpty(b)) return isEmpty(a) && isEmpty(b);
        const x = toNumber(a);
        const y = toNumber(b);
        if (x === undefined || y === undefined) return false;
        // A small epsilon so a tolerance of 0.01 accepts 19.99 vs 20.00 despite binary fractions.
        return Math.abs(x - y) <= tolerance + 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
      };
    case 'date': {
      const precision = PRECISION_MS[rule.precision ?? 'ms'];
      if (!precision) throw new Error(`field "${rule.a}": unknown date precision "${rule.precision}"`);
      return (a, b) => {
        if (isEmpty(a) || isEmpty(b)) return isEmpty(a) && isEmpty(b);
        const x = toMillis(a, precision);
        const y = toMillis(b, precision);
        return x !== undefined && x === y;
      };
    }
    case 'money': {
      const unitsA = rule.unitsA ?? 'minor';
      const unitsB = rule.unitsB ?? 'decimal';
      const fixedExponent = rule.currency ? currencyExponent(rule.currency) : undefined;
      const currencyPath = rule.currencyField ? parsePath(rule.currencyField) : undefined;
      if (fixedExponent === undefined && !currencyPath) throw new Error(`field "${rule.a}": money needs a currency or a currency field`);
      return (a, b, recordA) => {
        if (isEmpty(a) || isEmpty(b)) return isEmpty(a) && isEmpty(b);
        let exponent = fixedExponent;
        if (exponent === undefined) {
          try {
            exponent = currencyExponent(getPath(recordA, currencyPath!));
          } catch {
            return false;
          }
        }
        const x = toMinor(a, unitsA, exponent);
        const y = toMinor(b, unitsB, exponent);
        return x !== undefined && y !== undefined && Math.abs(x - y) <= tolerance;
      };
    }
    default:
      throw new Error(`field "${rule.a}": unknown comparison "${String(kind)}"`);
  }
}

/** Compiles a field rule; throws with the field name on bad configuration (reported at deploy). */
export function compileField(rule: FieldRule): CompiledField {
  if (!rule || typeof rule.a !== 'string' || rule.a.trim() === '') throw new Error('every compared field needs a path in A');
  const pathA = parsePath(rule.a);
  const pathB = parsePath(rule.b && rule.b.trim() !== '' ? rule.b : rule.a);
  const compare = compileCompare(rule);
  return {
    name: rule.a,
    pathA,
    pathB,
    equal(recordA, recordB) {
      const a = getPath(recordA, pathA);
      const b = getPath(recordB, pathB);
      return { equal: compare(a, b, recordA), a, b };
    },
  };
}
