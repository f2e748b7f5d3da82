// Thin Snowflake-SQL → DuckDB-SQL translation: just the forms the FlowGuard nodes and typical flows use.
// Works on a token stream so string literals and quoted identifiers are never touched.

export interface Token {
  kind: 'space' | 'comment' | 'string' | 'quoted' | 'word' | 'number' | 'placeholder' | 'punct';
  text: string;
  /** 1-based bind position for placeholders (`?` numbered left to right, `:N` as written). */
  position?: number;
}

export interface SessionNames {
  user: string;
  role: string;
  warehouse: string;
}

export interface Translated {
  sql: string;
  /** Placeholders in the order they appear, by 1-based bind position. */
  placeholders: number[];
}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let questionCount = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    const rest = sql.slice(i, i + 2);
    let end = i + 1;
    let kind: Token['kind'] = 'punct';
    if (/\s/.test(ch)) {
      while (end < sql.length && /\s/.test(sql[end])) end++;
      kind = 'space';
    } else if (rest === '--' || rest === '//') {
      while (end < sql.length && sql[end] !== '\n') end++;
      kind = 'comment';
    } else if (rest === '/*') {
      const close = sql.indexOf('*/', i + 2);
      end = close < 0 ? sql.length : close + 2;
      kind = 'comment';
    } else if (ch === "'") {
      end = i + 1;
      while (end < sql.length) {
        if (sql[end] === "'" && sql[end + 1] === "'") end += 2;
        else if (sql[end] === "'") break;
        else end++;
      }
      end = Math.min(end + 1, sql.length);
      kind = 'string';
    } else if (rest === '$$') {
      const close = sql.indexOf('$$', i + 2);
      end = close < 0 ? sql.length : close + 2;
      kind = 'string';
    } else if (ch === '"') {
      end = i + 1;
      while (end < sql.length) {
        if (sql[end] === '"' && sql[end + 1] === '"') end += 2;
        else if (sql[end] === '"') break;
        else end++;
      }
      end = Math.min(end + 1, sql.length);
      kind = 'quoted';
    } else if (/[A-Za-z_]/.test(ch)) {
      while (end < sql.length && /[A-Za-z0-9_$]/.test(sql[end])) end++;
      kind = 'word';
    } else if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      while (end < sql.length && /[0-9.eE]/.test(sql[end])) end++;
      kind = 'number';
    } else if (ch === '?') {
      tokens.push({ kind: 'placeholder', text: ch, position: ++questionCount });
      i = end;
      continue;
    } else if (ch === ':' && sql[i + 1] === ':') {
      end = i + 2;
    } else if (ch === ':' && /[0-9]/.test(sql[i + 1] ?? '') && sql[i - 1] !== ':') {
      while (end < sql.length && /[0-9]/.test(sql[end])) end++;
      tokens.push({ kind: 'placeholder', text: sql.slice(i, end), position: Number(sql.slice(i + 1, end)) });
      i = end;
      continue;
    } else if (rest === '=>' || rest === '<=' || rest === '>=' || rest === '<>' || rest === '!=' || rest === '||') {
      end = i + 2;
    }
    tokens.push({ kind, text: sql.slice(i, end) });
    i = end;
  }
  return tokens;
}

/** Significant tokens only (no spaces or comments). */
export function significant(tokens: Token[]): Token[] {
  return tokens.filter((t) => t.kind !== 'space' && t.kind !== 'comment');
}

/** Upper-cased leading keywords of a statement, e.g. ['CREATE','OR','REPLACE','TABLE']. */
export function leadingWords(sql: string, count = 4): string[] {
  return significant(tokenize(sql))
    .filter((t) => t.kind === 'word' || t.text === '(')
    .slice(0, count)
    .map((t) => t.text.toUpperCase());
}

const TYPE_MAP: Record<string, string> = {
  VARIANT: 'JSON', OBJECT: 'JSON', ARRAY: 'JSON',
  NUMBER: 'DECIMAL', NUMERIC: 'DECIMAL', DECIMAL: 'DECIMAL',
  INT: 'DECIMAL(38,0)', INTEGER: 'DECIMAL(38,0)', BIGINT: 'DECIMAL(38,0)', SMALLINT: 'DECIMAL(38,0)',
  TINYINT: 'DECIMAL(38,0)', BYTEINT: 'DECIMAL(38,0)',
  STRING: 'VARCHAR', TEXT: 'VARCHAR', NVARCHAR: 'VARCHAR', NVARCHAR2: 'VARCHAR', NCHAR: 'VARCHAR', CHAR: 'VARCHAR', CHARACTER: 'VARCHAR',
  TIMESTAMP_NTZ: 'TIMESTAMP', DATETIME: 'TIMESTAMP', TIMESTAMP_LTZ: 'TIMESTAMPTZ', TIMESTAMP_TZ: 'TIMESTAMPTZ',
  BINARY: 'BLOB', VARBINARY: 'BLOB',
  FLOAT: 'DOUBLE', FLOAT4: 'DOUBLE', FLOAT8: 'DOUBLE', REAL: 'DOUBLE',
};

/** Types whose Snowflake length argument DuckDB does not accept. */
const DROP_ARGS = new Set(['BINARY', 'VARBINARY', 'TIMESTAMP_NTZ', 'TIMESTAMP_LTZ', 'TIMESTAMP_TZ', 'DATETIME', 'TIMESTAMP', 'CHAR', 'NCHAR', 'CHARACTER']);

const NILADIC = new Set(['CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_TIME', 'LOCALTIMESTAMP', 'LOCALTIME']);

/**
 * Translates one Snowflake statement. Unquoted identifiers are upper-cased (Snowflake's rule), so names in results
 * match what Snowflake returns; quoted identifiers keep their case.
 */
export function translate(sql: string, names: SessionNames, placeholder: (position: number) => string = (p) => `$${p}`): Translated {
  const tokens = tokenize(sql);
  const first = tokens.find((t) => t.kind === 'word')?.text.toUpperCase();
  const isDdl = first === 'CREATE' || first === 'ALTER';
  const out: string[] = [];
  const placeholders: number[] = [];
  let castDepth: number[] = [];
  let depth = 0;
  let prev: Token | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const next = nextSignificant(tokens, i);
    if (token.kind === 'space' || token.kind === 'comment') {
      out.push(token.kind === 'space' ? token.text : ' ');
      continue;
    }
    let text = token.text;
    if (token.kind === 'placeholder') {
      placeholders.push(token.position!);
      text = placeholder(token.position!);
    } else if (token.text === '(') {
      depth++;
    } else if (token.text === ')') {
      if (castDepth[castDepth.length - 1] === depth) castDepth = castDepth.slice(0, -1);
      depth--;
    } else if (token.kind === 'word') {
      const upper = token.text.toUpperCase();
      text = upper;
      if ((upper === 'CAST' || upper === 'TRY_CAST') && next?.text === '(') castDepth.push(depth + 1);
      const typeContext = prev?.text === '::'
        || (prev?.text.toUpperCase() === 'AS' && castDepth[castDepth.length - 1] === depth)
        || (isDdl && depth >= 1 && (prev?.kind === 'word' || prev?.kind === 'quoted') && prev.text.toUpperCase() !== 'AS');
      if (typeContext && TYPE_MAP[upper]) {
        text = TYPE_MAP[upper];
        if ((upper === 'NUMBER' || upper === 'NUMERIC' || upper === 'DECIMAL') && next?.text !== '(') text = 'DECIMAL(38,0)';
        if (DROP_ARGS.has(upper) && next?.text === '(') i = skipParens(tokens, i);
      } else if (NILADIC.has(upper) && next?.text === '(') {
        i = skipParens(tokens, i);
      } else if (upper === 'SYSDATE' && next?.text === '(') {
        text = 'CAST(NOW() AS TIMESTAMP)';
        i = skipParens(tokens, i);
      } else if ((upper === 'CURRENT_USER' || upper === 'CURRENT_ROLE' || upper === 'CURRENT_WAREHOUSE') && next?.text === '(') {
        const value = upper === 'CURRENT_USER' ? names.user : upper === 'CURRENT_ROLE' ? names.role : names.warehouse;
        text = value ? `'${value.replace(/'/g, "''")}'` : 'NULL';
        i = skipParens(tokens, i);
      }
    } else if (token.kind === 'string' && token.text.startsWith('$$')) {
      text = `'${token.text.slice(2, -2).replace(/'/g, "''")}'`;
    }
    out.push(text);
    prev = token;
  }
  let result = out.join('').trim().replace(/;\s*$/, '');
  // Snowflake row generator → DuckDB range().
  result = result.replace(/TABLE\s*\(\s*GENERATOR\s*\(\s*ROWCOUNT\s*=>\s*(\d+)\s*\)\s*\)/g, 'RANGE($1)');
  // CREATE ... TABLE x LIKE y → an empty copy of y's columns.
  result = result.replace(/^(CREATE\s+(?:OR\s+REPLACE\s+)?)(?:TRANSIENT\s+)?((?:TEMPORARY\s+|TEMP\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?\S+)\s+LIKE\s+(\S+)$/,
    '$1$2 AS SELECT * FROM $3 LIMIT 0');
  result = result.replace(/^CREATE\s+(OR\s+REPLACE\s+)?TRANSIENT\s+TABLE/, 'CREATE $1TABLE');
  return { sql: result, placeholders };
}

function nextSignificant(tokens: Token[], index: number): Token | undefined {
  for (let i = index + 1; i < tokens.length; i++) {
    if (tokens[i].kind !== 'space' && tokens[i].kind !== 'comment') return tokens[i];
  }
  return undefined;
}

/** Returns the index of the ')' closing the '(' that follows tokens[index]. */
function skipParens(tokens: Token[], index: number): number {
  let depth = 0;
  for (let i = index + 1; i < tokens.length; i++) {
    if (tokens[i].text === '(') depth++;
    else if (tokens[i].text === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return tokens.length - 1;
}

/** Macros that give DuckDB the Snowflake functions flows commonly use. */
export const COMPAT_MACROS = [
  'CREATE OR REPLACE MACRO PARSE_JSON(x) AS CAST(x AS JSON)',
  'CREATE OR REPLACE MACRO TRY_PARSE_JSON(x) AS CASE WHEN JSON_VALID(x) THEN CAST(x AS JSON) END',
  'CREATE OR REPLACE MACRO TO_VARIANT(x) AS TO_JSON(x)',
  'CREATE OR REPLACE MACRO TO_VARCHAR(x) AS CAST(x AS VARCHAR)',
  'CREATE OR REPLACE MACRO TO_NUMBER(x) AS CAST(x AS DECIMAL(38,0))',
  'CREATE OR REPLACE MACRO IFF(c, a, b) AS CASE WHEN c THEN a ELSE b END',
  'CREATE OR REPLACE MACRO NVL(a, b) AS COALESCE(a, b)',
  'CREATE OR REPLACE MACRO UNIFORM(lo, hi, gen) AS CAST(FLOOR(RANDOM() * (hi - lo + 1)) + lo AS BIGINT)',
  'CREATE OR REPLACE MACRO SEQ4() AS (ROW_NUMBER() OVER () - 1)',
  'CREATE OR REPLACE MACRO SEQ8() AS (ROW_NUMBER() OVER () - 1)',
];
