// Parser for the SOQL subset the sandbox understands:
// SELECT fields|COUNT() FROM object [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]
import { malformedQuery } from './errors';

export type Value =
  | { kind: 'string'; v: string }
  | { kind: 'number'; v: number }
  | { kind: 'bool'; v: boolean }
  | { kind: 'null' }
  | { kind: 'date'; start: number; end: number } // a day or a range of days, [start, end)
  | { kind: 'datetime'; ms: number };

export type Cond =
  | { kind: 'and' | 'or'; left: Cond; right: Cond }
  | { kind: 'not'; cond: Cond }
  | { kind: 'cmp'; field: string; op: string; value: Value }
  | { kind: 'in'; field: string; not: boolean; values: Value[] }
  | { kind: 'like'; field: string; pattern: string };

export interface OrderBy { field: string; desc: boolean; nullsLast: boolean }

export interface Query {
  count: boolean;
  fields: string[];
  object: string;
  where?: Cond;
  orderBy: OrderBy[];
  limit?: number;
  offset?: number;
}

interface Token { type: 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'op' | 'punct'; text: string; value?: string }

const DAY = 86_400_000;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\', _: '\\_', '%': '\\%' };

export function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const c = soql[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= soql.length) throw malformedQuery('unexpected end of string literal');
        const ch = soql[i];
        if (ch === '\\') {
          const esc = ESCAPES[soql[i + 1]];
          if (esc === undefined) throw malformedQuery(`Invalid string literal: illegal escape sequence \\${soql[i + 1] ?? ''}`);
          value += esc;
          i += 2;
        } else if (ch === "'") { i++; break; } else { value += ch; i++; }
      }
      tokens.push({ type: 'string', text: value, value });
      continue;
    }
    const rest = soql.slice(i);
    const dt = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?(Z|[+-]\d\d:?\d\d)/.exec(rest);
    if (dt) { tokens.push({ type: 'datetime', text: dt[0] }); i += dt[0].length; continue; }
    const d = /^\d{4}-\d\d-\d\d/.exec(rest);
    if (d) { tokens.push({ type: 'date', text: d[0] }); i += d[0].length; continue; }
    const num = /^-?\d+(\.\d+)?/.exec(rest);
    if (num) { tokens.push({ type: 'number', text: num[0] }); i += num[0].length; continue; }
    const op = /^(!=|<>|<=|>=|=|<|>)/.exec(rest);
    if (op) { tokens.push({ type: 'op', text: op[0] === '<>' ? '!=' : op[0] }); i += op[0].length; continue; }
    if ('(),:'.includes(c)) { tokens.push({ type: 'punct', text: c }); i++; continue; }
    const id = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
    if (id) { tokens.push({ type: 'ident', text: id[0] }); i += id[0].length; continue; }
    throw malformedQuery(`unexpected token: '${c}'`);
  }
  return tokens;
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

/** Relative date literals (TODAY, LAST_N_DAYS:n, …) as [start, end) in UTC. */
function relativeDate(name: string, n: number | undefined, now: number): { start: number; end: number } | undefined {
  const today = startOfUtcDay(now);
  const month = (offset: number): { start: number; end: number } => {
    const d = new Date(today);
    return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset + 1, 1) };
  };
  switch (name) {
    case 'TODAY': return { start: today, end: today + DAY };
    case 'YESTERDAY': return { start: today - DAY, end: today };
    case 'TOMORROW': return { start: today + DAY, end: today + 2 * DAY };
    case 'THIS_MONTH': return month(0);
    case 'LAST_MONTH': return month(-1);
    case 'NEXT_MONTH': return month(1);
    case 'LAST_N_DAYS': return n === undefined ? undefined : { start: today - n * DAY, end: today + DAY };
    case 'NEXT_N_DAYS': return n === undefined ? undefined : { start: today + DAY, end: today + (n + 1) * DAY };
    default: return undefined;
  }
}

export function parseSoql(soql: string, now: number = Date.now()): Query {
  const tokens = tokenize(soql);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isKw = (kw: string, t = peek()): boolean => t?.type === 'ident' && t.text.toUpperCase() === kw;
  const expectKw = (kw: string): void => {
    if (!isKw(kw)) throw malformedQuery(`expecting '${kw}', found '${peek()?.text ?? 'end of query'}'`);
    pos++;
  };
  const expectPunct = (p: string): void => {
    if (peek()?.text !== p || peek()?.type !== 'punct') throw malformedQuery(`expecting '${p}', found '${peek()?.text ?? 'end of query'}'`);
    pos++;
  };
  const ident = (): string => {
    const t = peek();
    if (t?.type !== 'ident') throw malformedQuery(`unexpected token: '${t?.text ?? 'end of query'}'`);
    pos++;
    return t.text;
  };
  const intValue = (): number => {
    const t = peek();
    if (t?.type !== 'number' || !/^\d+$/.test(t.text)) throw malformedQuery(`expecting a non-negative integer, found '${t?.text ?? 'end of query'}'`);
    pos++;
    return Number(t.text);
  };

  const value = (): Value => {
    const t = peek();
    if (!t) throw malformedQuery('unexpected end of query');
    pos++;
    if (t.type === 'string') return { kind: 'string', v: t.value ?? '' };
    if (t.type === 'number') return { kind: 'number', v: Number(t.text) };
    if (t.type === 'date') { const start = Date.parse(`${t.text}T00:00:00Z`); return { kind: 'date', start, end: start + DAY }; }
    if (t.type === 'datetime') return { kind: 'datetime', ms: Date.parse(t.text.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) };
    if (t.type === 'ident') {
      const up = t.text.toUpperCase();
      if (up === 'NULL') return { kind: 'null' };
      if (up === 'TRUE' || up === 'FALSE') return { kind: 'bool', v: up === 'TRUE' };
      let n: number | undefined;
      if (peek()?.text === ':') { pos++; n = intValue(); }
      const range = relativeDate(up, n, now);
      if (range) return { kind: 'date', ...range };
    }
    throw malformedQuery(`unexpected token: '${t.text}'`);
  };

  const primary = (): Cond => {
    if (isKw('NOT')) { pos++; return { kind: 'not', cond: primary() }; }
    if (peek()?.text === '(' && peek()?.type === 'punct') {
      pos++;
      const inner = orExpr();
      expectPunct(')');
      return inner;
    }
    const field = ident();
    if (isKw('LIKE')) {
      pos++;
      const v = value();
      if (v.kind !== 'string') throw malformedQuery('LIKE needs a string literal');
      return { kind: 'like', field, pattern: v.v };
    }
    let not = false;
    if (isKw('NOT') && isKw('IN', tokens[pos + 1])) { pos++; not = true; }
    if (isKw('IN')) {
      pos++;
      expectPunct('(');
      const values = [value()];
      while (peek()?.text === ',') { pos++; values.push(value()); }
      expectPunct(')');
      return { kind: 'in', field, not, values };
    }
    const op = peek();
    if (op?.type !== 'op') throw malformedQuery(`unexpected token: '${op?.text ?? 'end of query'}'`);
    pos++;
    return { kind: 'cmp', field, op: op.text, value: value() };
  };
  // SOQL does not allow mixing AND and OR without parentheses, but it accepts a chain of one of them.
  const andExpr = (): Cond => {
    let left = primary();
    while (isKw('AND')) { pos++; left = { kind: 'and', left, right: primary() }; }
    return left;
  };
  const orExpr = (): Cond => {
    let left = andExpr();
    while (isKw('OR')) { pos++; left = { kind: 'or', left, right: andExpr() }; }
    return left;
  };

  expectKw('SELECT');
  let count = false;
  const fields: string[] = [];
  if (isKw('COUNT') && tokens[pos + 1]?.text === '(' && tokens[pos + 2]?.text === ')') {
    pos += 3;
    count = true;
  } else {
    fields.push(ident());
    while (peek()?.text === ',') { pos++; fields.push(ident()); }
  }
  expectKw('FROM');
  const query: Query = { count, fields, object: ident(), orderBy: [] };
  if (isKw('WHERE')) { pos++; query.where = orExpr(); }
  if (isKw('ORDER')) {
    pos++;
    expectKw('BY');
    do {
      if (peek()?.text === ',') pos++;
      const field = ident();
      let desc = false;
      if (isKw('ASC')) pos++;
      else if (isKw('DESC')) { pos++; desc = true; }
      // "By default, null values are sorted first" (SOQL reference, ORDER BY), descending too.
      let nullsLast = false;
      if (isKw('NULLS')) { pos++; nullsLast = isKw('LAST'); pos++; }
      query.orderBy.push({ field, desc, nullsLast });
    } while (peek()?.text === ',');
  }
  if (isKw('LIMIT')) { pos++; query.limit = intValue(); }
  if (isKw('OFFSET')) { pos++; query.offset = intValue(); }
  if (pos < tokens.length) throw malformedQuery(`unexpected token: '${tokens[pos].text}'`);
  return query;
}
