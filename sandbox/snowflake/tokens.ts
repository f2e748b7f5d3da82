// Snowflake SQL tokens: literals, quoted names, comments and placeholders are single tokens, so rewrites never touch
// what is inside a string or a quoted identifier.

export interface Token {
  kind: 'space' | 'comment' | 'string' | 'quoted' | 'word' | 'number' | 'placeholder' | 'punct';
  text: string;
  /** 1-based bind position for placeholders (`?` numbered left to right, `:N` as written). */
  position?: number;
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
