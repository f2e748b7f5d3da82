// Snowflake bind values → DuckDB: typed casts per bind, and the array-bind rewrite of INSERT … VALUES.
import { sqlError } from './errors';
import { tokenize, significant } from './tokens';

export interface Binding {
  type: string;
  value: string | null | (string | null)[];
}

const CAST_FOR_BIND: Record<string, string> = {
  FIXED: 'DECIMAL(38,0)', REAL: 'DOUBLE', BOOLEAN: 'BOOLEAN', VARIANT: 'JSON', OBJECT: 'JSON', ARRAY: 'JSON',
  DATE: 'DATE', TIME: 'TIME', TIMESTAMP_NTZ: 'TIMESTAMP', TIMESTAMP_LTZ: 'TIMESTAMPTZ', TIMESTAMP_TZ: 'TIMESTAMPTZ',
};

/** The driver types a whole bind column from its first row, so a FIXED column may still hold decimals. */
function fixedCast(value: Binding['value']): string {
  const values = Array.isArray(value) ? value : [value];
  let scale = 0;
  for (const v of values) {
    const dot = v?.indexOf('.') ?? -1;
    if (dot >= 0) scale = Math.max(scale, v!.length - dot - 1);
  }
  return `DECIMAL(38,${Math.min(scale, 37)})`;
}

export function bindExpression(binding: Binding | undefined, ref: string): string {
  if (!binding) throw sqlError('002049', '22000', 'SQL compilation error: error line 0 at position 0\nBind variable ? not set.');
  if (binding.type === 'BINARY') return `UNHEX(${ref})`;
  if (binding.type === 'FIXED') {
    // DuckDB parses text into DECIMAL(38, s) about 100 times slower than into DECIMAL(18, s) (25 s per million values
    // of an array bind): the narrow cast first, the wide one (with its error for a bad value) only when it fails.
    const cast = fixedCast(binding.value);
    const scale = Number(/,(\d+)\)$/.exec(cast)![1]);
    if (scale >= 18) return `CAST(${ref} AS ${cast})`;
    return `COALESCE(TRY_CAST(${ref} AS DECIMAL(18,${scale}))::${cast}, CAST(${ref} AS ${cast}))`;
  }
  const cast = CAST_FOR_BIND[binding.type];
  return cast ? `CAST(${ref} AS ${cast})` : ref;
}

/** Splits "a, f(b, c), d" at top-level commas. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const token of tokenize(text)) {
    if (token.text === '(') depth++;
    if (token.text === ')') depth--;
    if (token.text === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += token.text;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** True when the text is exactly one parenthesised group, e.g. "(?, PARSE_JSON(?))". */
export function isSingleTuple(text: string): boolean {
  let depth = 0;
  const tokens = significant(tokenize(text));
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].text === '(') depth++;
    else if (tokens[i].text === ')') {
      depth--;
      if (depth === 0 && i !== tokens.length - 1) return false;
    }
  }
  return depth === 0;
}
