// The transform chain of a rule. Each transform is compiled once from its options; `reverse` exists only
// when the transform can be undone exactly, which is what makes a rule usable for reverse mapping.
import { currencyExponent, decimalToMinor, minorToDecimalText } from './currency';
import { DATE_FORMATS, DATE_PRECISION, DateFormat, formatDate, parseDate } from './dates';
import { getPath, parsePath, PathKey } from './paths';
import { TransformSpec } from './spec';

export interface TransformContext {
  /** The object being mapped: the source going forward, the target object in reverse. */
  root: unknown;
}

export interface CompiledTransform {
  op: string;
  forward(value: unknown, ctx: TransformContext): unknown;
  reverse?(value: unknown, ctx: TransformContext): unknown;
  /** Why `reverse` is missing, shown in the editor. */
  notInvertible?: string;
  /** Called for undefined/null values too (all others pass missing values through untouched). */
  handlesMissing?: boolean;
}

type Options = Record<string, unknown>;
type Factory = (options: Options) => CompiledTransform;

const NUMERIC_TEXT = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

function expectString(value: unknown): string {
  if (typeof value !== 'string') throw new Error('expects a string');
  return value;
}

function toNumber(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && NUMERIC_TEXT.test(value)) return Number(value);
  throw new Error('is not a number');
}

function stringOption(options: Options, name: string, required: boolean): string | undefined {
  const value = options[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') throw new Error(`option "${name}" must be a string`);
  return value;
}

/** Where a money transform gets the currency exponent: fixed, or read from the object being mapped. */
function currencyResolver(options: Options): { forward(ctx: TransformContext): number; reverse?: (ctx: TransformContext) => number } {
  if (options.exponent !== undefined) {
    const exponent = options.exponent;
    if (typeof exponent !== 'number' || !Number.isInteger(exponent) || exponent < 0 || exponent > 6) {
      throw new Error('option "exponent" must be an integer 0-6');
    }
    return { forward: () => exponent, reverse: () => exponent };
  }
  const currency = stringOption(options, 'currency', false);
  if (currency !== undefined) {
    const exponent = currencyExponent(currency);
    return { forward: () => exponent, reverse: () => exponent };
  }
  const fromPath = (name: string): ((ctx: TransformContext) => number) | undefined => {
    const text = stringOption(options, name, false);
    if (text === undefined) return undefined;
    const keys: PathKey[] = parsePath(text);
    return (ctx) => currencyExponent(getPath(ctx.root, keys));
  };
  const forward = fromPath('currencyPath');
  if (!forward) throw new Error('needs "currency", "currencyPath" or "exponent"');
  return { forward, reverse: fromPath('reverseCurrencyPath') };
}

const NOT_TYPED = 'the original type is not known';

const factories: Record<string, Factory> = {
  string: () => ({
    op: 'string',
    notInvertible: NOT_TYPED,
    forward(value) {
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
      if (value instanceof Date) return value.toISOString();
      return JSON.stringify(value);
    },
  }),
  number: () => ({ op: 'number', notInvertible: NOT_TYPED, forward: toNumber }),
  integer: () => ({
    op: 'integer',
    notInvertible: NOT_TYPED,
    forward(value) {
      const n = toNumber(value);
      if (!Number.isSafeInteger(n)) throw new Error('is not a whole number');
      return n;
    },
  }),
  boolean: () => ({
    op: 'boolean',
    notInvertible: NOT_TYPED,
    forward(value) {
      if (typeof value === 'boolean') return value;
      if (value === 1 || value === 0) return value === 1;
      if (typeof value === 'string') {
        const text = value.trim().toLowerCase();
        if (['true', '1', 'yes', 'y', 'on'].includes(text)) return true;
        if (['false', '0', 'no', 'n', 'off'].includes(text)) return false;
      }
      throw new Error('is not a boolean');
    },
  }),
  trim: () => ({ op: 'trim', notInvertible: 'surrounding spaces are lost', forward: (v) => expectString(v).trim() }),
  upper: () => ({ op: 'upper', notInvertible: 'the original case is lost', forward: (v) => expectString(v).toUpperCase() }),
  lower: () => ({ op: 'lower', notInvertible: 'the original case is lost', forward: (v) => expectString(v).toLowerCase() }),

  date(options) {
    const to = options.to as DateFormat;
    const from = (options.from ?? 'auto') as DateFormat | 'auto';
    if (!DATE_FORMATS.includes(to)) throw new Error(`option "to" must be one of ${DATE_FORMATS.join(', ')}`);
    if (from !== 'auto' && !DATE_FORMATS.includes(from)) throw new Error(`option "from" must be "auto" or one of ${DATE_FORMATS.join(', ')}`);
    const transform: CompiledTransform = { op: 'date', forward: (value) => formatDate(parseDate(value, from), to) };
    if (from === 'auto') transform.notInvertible = 'set "from" to the source format to reverse it';
    else if (DATE_PRECISION[to] < DATE_PRECISION[from]) transform.notInvertible = `${to} is less precise than ${from}`;
    else transform.reverse = (value) => formatDate(parseDate(value, to), from);
    return transform;
  },

  minorToDecimal(options) {
    const currency = currencyResolver(options);
    const asText = options.as === 'string';
    if (options.as !== undefined && options.as !== 'string' && options.as !== 'number') throw new Error('option "as" must be "number" or "string"');
    const transform: CompiledTransform = {
      op: 'minorToDecimal',
      forward(value, ctx) {
        const text = minorToDecimalText(value, currency.forward(ctx));
        return asText ? text : Number(text);
      },
    };
    if (currency.reverse) {
      const reverseExponent = currency.reverse;
      transform.reverse = (value, ctx) => decimalToMinor(value, reverseExponent(ctx));
    } else transform.notInvertible = 'set "reverseCurrencyPath" (the currency field in the target)';
    return transform;
  },

  decimalToMinor(options) {
    const currency = currencyResolver(options);
    const transform: CompiledTransform = { op: 'decimalToMinor', forward: (value, ctx) => decimalToMinor(value, currency.forward(ctx)) };
    if (currency.reverse) {
      const reverseExponent = currency.reverse;
      transform.reverse = (value, ctx) => Number(minorToDecimalText(value, reverseExponent(ctx)));
    } else transform.notInvertible = 'set "reverseCurrencyPath" (the currency field in the target)';
    return transform;
  },

  lookup(options) {
    const table = options.table;
    if (table === null || typeof table !== 'object' || Array.isArray(table)) throw new Error('option "table" must be an object');
    const entries = new Map(Object.entries(table as Record<string, unknown>));
    const hasDefault = Object.prototype.hasOwnProperty.call(options, 'default');
    const transform: CompiledTransform = {
      op: 'lookup',
      forward(value) {
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw new Error('is not a lookup key');
        const key = String(value);
        if (entries.has(key)) return entries.get(key);
        if (hasDefault) return options.default;
        throw new Error('has no entry in the lookup table');
      },
    };
    const reversed = new Map<unknown, string>();
    for (const [key, mapped] of entries) reversed.set(mapped, key);
    if (hasDefault) transform.notInvertible = 'a default maps many values to one';
    else if (reversed.size !== entries.size) transform.notInvertible = 'two keys map to the same value';
    else {
      transform.reverse = (value) => {
        if (!reversed.has(value)) throw new Error('is not a value of the lookup table');
        return reversed.get(value);
      };
    }
    return transform;
  },

  split(options) {
    const separator = stringOption(options, 'separator', false) ?? ',';
    const index = options.index;
    if (index !== undefined && (typeof index !== 'number' || !Number.isInteger(index))) throw new Error('option "index" must be an integer');
    const transform: CompiledTransform = {
      op: 'split',
      forward(value) {
        const parts = expectString(value).split(separator);
        if (index === undefined) return parts;
        return parts.at(index as number);
      },
    };
    if (index === undefined) transform.reverse = (value) => joinParts(value, separator);
    else transform.notInvertible = 'picking one part drops the others';
    return transform;
  },

  join(options) {
    const separator = stringOption(options, 'separator', false) ?? ',';
    return { op: 'join', forward: (value) => joinParts(value, separator), reverse: (value) => expectString(value).split(separator) };
  },

  default(options) {
    if (!Object.prototype.hasOwnProperty.call(options, 'value')) throw new Error('needs a "value" option');
    const whenEmpty = options.whenEmpty === true;
    const replace = (value: unknown): unknown =>
      value === undefined || value === null || (whenEmpty && value === '') ? options.value : value;
    return { op: 'default', handlesMissing: true, forward: replace, reverse: (value) => value };
  },
};

function joinParts(value: unknown, separator: string): string {
  if (!Array.isArray(value)) throw new Error('expects an array');
  for (const part of value) {
    if (part !== null && typeof part === 'object') throw new Error('expects an array of plain values');
  }
  return value.join(separator);
}

export const TRANSFORM_NAMES = Object.keys(factories);

/** Compiles one transform; throws with a readable message on unknown names or bad options. */
export function compileTransform(spec: TransformSpec): CompiledTransform {
  if (spec === null || typeof spec !== 'object' || typeof spec.op !== 'string') throw new Error('must be an object with an "op"');
  const factory = Object.prototype.hasOwnProperty.call(factories, spec.op) ? factories[spec.op] : undefined;
  if (!factory) throw new Error(`unknown transform "${spec.op}" (known: ${TRANSFORM_NAMES.join(', ')})`);
  return factory(spec);
}
