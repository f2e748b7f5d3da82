// Named binds for SOQL and SOSL. User values are turned into escaped literals, never spliced in raw,
// so a value like `' OR Name != '` stays a string and cannot change the query.

const SOQL_ESCAPES: Record<string, string> = {
  '\\': '\\\\', "'": "\\'", '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f',
};

export function escapeSoqlString(value: string): string {
  return value.replace(/[\\'"\n\r\t\b\f]/g, (c) => SOQL_ESCAPES[c]);
}

const DATE_ONLY = /^\d{4}-\d\d-\d\d$/;

/** A SOQL date literal (YYYY-MM-DD, unquoted). Wrap a bind value in it to compare against a date field. */
export class SoqlDate {
  constructor(readonly value: string) {
    if (!DATE_ONLY.test(value)) throw new Error(`not a date (YYYY-MM-DD): ${value}`);
  }
}

/** Formats one bind value as a SOQL literal. Arrays become `(a, b)` for IN. */
export function soqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return `'${escapeSoqlString(value)}'`;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('a SOQL number bind must be finite');
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error('invalid Date bind');
    return value.toISOString();
  }
  if (value instanceof SoqlDate) return value.value;
  if (Array.isArray(value)) {
    if (!value.length) throw new Error('an IN bind needs at least one value');
    return `(${value.map((v) => {
      if (Array.isArray(v)) throw new Error('nested arrays are not allowed in a bind');
      return soqlLiteral(v);
    }).join(', ')})`;
  }
  throw new Error(`unsupported bind value type: ${typeof value}`);
}

/**
 * Replaces `:name` placeholders that stand outside string literals with escaped literals.
 * `:3` (as in LAST_N_DAYS:3) is left alone because bind names start with a letter.
 */
export function bindSoql(template: string, binds: Record<string, unknown> = {}, literal: (v: unknown) => string = soqlLiteral): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i];
    if (c === "'") {
      // Copy a literal already in the template verbatim, honouring backslash escapes.
      let j = i + 1;
      while (j < template.length && template[j] !== "'") j += template[j] === '\\' ? 2 : 1;
      out += template.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const m = c === ':' && !/[\w]/.test(template[i - 1] ?? '') ? /^:([A-Za-z_]\w*)/.exec(template.slice(i)) : null;
    if (m) {
      if (!Object.prototype.hasOwnProperty.call(binds, m[1])) throw new Error(`no value for bind :${m[1]}`);
      out += literal(binds[m[1]]);
      i += m[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

// SOSL reserved characters that must be escaped with a backslash inside FIND {…}.
const SOSL_RESERVED = /[?&|!{}[\]()^~*:\\"'+-]/g;

export function escapeSoslTerm(value: string): string {
  return value.replace(SOSL_RESERVED, (c) => `\\${c}`);
}

/** SOSL binds: a bind inside FIND {…} is escaped as a search term, elsewhere as a SOQL literal. */
export function bindSosl(template: string, binds: Record<string, unknown> = {}): string {
  const m = /\{([^}]*)\}/.exec(template);
  if (!m) return bindSoql(template, binds);
  const term = bindSoql(m[1], binds, (v) => escapeSoslTerm(String(v ?? '')));
  return `${bindSoql(template.slice(0, m.index), binds)}{${term}}${bindSoql(template.slice(m.index + m[0].length), binds)}`;
}
