// Snowflake SQL → DuckDB SQL. The statement is tokenized (literals and quoted names stay untouched), nested into
// parenthesised groups, and rendered piece by piece: unquoted names upper-cased (Snowflake's rule), function calls
// through the table in functions.ts, `v:path` / `v[0]` / `::type` / `/` rewritten with Snowflake's semantics, and a
// few statements (CREATE TABLE constraints, ALTER TABLE … ADD CONSTRAINT, MERGE / UPDATE SET targets) reshaped.
import { Token, tokenize, significant, leadingWords } from './tokens';
import { Arg, Call, CAST_FUNCTIONS, COMPAT_MACROS, FUNCTIONS, OVER_INSIDE, PASSTHROUGH, SnowflakeType, castTo, duckType, isSnowflakeType, isVarcharType } from './functions';
import { raiseSql, sqlError, unsupported } from './errors';
import { quoteDuckName } from './names';

export { tokenize, significant, leadingWords, COMPAT_MACROS };
export type { Token };

export interface SessionNames {
  user: string;
  role: string;
  warehouse: string;
}

export interface Translated {
  sql: string;
  /** Placeholders in the order they appear, by 1-based bind position. */
  placeholders: number[];
  /** Nothing for DuckDB to run (a constraint Snowflake records but does not enforce): the statement just succeeds. */
  noop?: boolean;
  /**
   * MERGE with a WHEN MATCHED clause: a query answering one target row that several source rows join, which
   * Snowflake refuses (ERROR_ON_NONDETERMINISTIC_MERGE, default TRUE; https://docs.snowflake.com/en/sql-reference/sql/merge).
   */
  mergeDuplicateCheck?: string;
  /**
   * CREATE TABLE … LIKE: the statement up to the new table's name and the source table as written (DuckDB syntax). The
   * engine copies the source's column definitions with their NOT NULL, defaults and length checks, as Snowflake does.
   */
  like?: { create: string; source: string };
}

type Node = { kind: 'token'; token: Token } | { kind: 'group'; open: '(' | '['; items: Node[] };

interface Piece {
  pre: string;
  text: string;
  kind: 'term' | 'keyword' | 'op' | 'comma' | 'index' | 'type';
  /** Upper-cased word, for keywords and bare identifiers. */
  word?: string;
  /** The name as written (case kept), for identifiers and quoted identifiers: path keys are case-sensitive. */
  raw?: string;
  /** A bare or quoted identifier (not a call, literal or expression). */
  name?: boolean;
  /** Parts of a qualified name (T.NAME → ['T', 'NAME']). */
  segments?: string[];
  /** The value of a string literal. */
  literal?: string;
  /** The term is a VARIANT value (a path into semi-structured data). */
  variant?: boolean;
  inner?: Node[];
  type?: SnowflakeType;
}

interface Context {
  names: SessionNames;
  placeholder: (position: number) => string;
  /** CREATE / ALTER: a Snowflake type name after a column name is a type. */
  ddl: boolean;
  /** Rendering a row of a VALUES clause, where Snowflake takes only expressions it can evaluate while compiling. */
  inValues?: boolean;
}

/**
 * Calls Snowflake refuses in a VALUES row (002014 "Invalid expression [PARSE_JSON(…)] in VALUES clause"): a VALUES
 * expression must be a constant at compile time. Source: https://docs.snowflake.com/en/sql-reference/constructs/values
 */
const NOT_IN_VALUES = new Set(['PARSE_JSON', 'TRY_PARSE_JSON', 'OBJECT_CONSTRUCT', 'OBJECT_CONSTRUCT_KEEP_NULL', 'ARRAY_CONSTRUCT',
  'ARRAY_CONSTRUCT_COMPACT', 'TO_VARIANT', 'TO_OBJECT', 'TO_ARRAY']);

const syntaxError = (near: string) => sqlError('001003', '42000', `SQL compilation error:\nsyntax error line 1 unexpected '${near}'.`);

/** Words that are never names, and are not calls when a parenthesis follows them. */
const KEYWORDS = new Set([
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'BY', 'HAVING', 'ORDER', 'QUALIFY', 'LIMIT', 'OFFSET', 'FETCH', 'FIRST', 'NEXT', 'ROWS',
  'ROW', 'ONLY', 'UNION', 'ALL', 'EXCEPT', 'MINUS', 'INTERSECT', 'DISTINCT', 'AS', 'ON', 'USING', 'JOIN', 'INNER', 'LEFT', 'RIGHT',
  'FULL', 'OUTER', 'CROSS', 'NATURAL', 'LATERAL', 'AND', 'OR', 'NOT', 'IN', 'IS', 'LIKE', 'ILIKE', 'RLIKE', 'REGEXP', 'BETWEEN',
  'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'EXISTS', 'ANY', 'SOME', 'WITH', 'RECURSIVE', 'INSERT', 'INTO', 'VALUES', 'UPDATE', 'SET',
  'DELETE', 'MERGE', 'MATCHED', 'CREATE', 'REPLACE', 'TABLE', 'VIEW', 'TEMPORARY', 'TEMP', 'TRANSIENT', 'VOLATILE', 'IF', 'DROP',
  'ALTER', 'ADD', 'COLUMN', 'CONSTRAINT', 'PRIMARY', 'KEY', 'UNIQUE', 'FOREIGN', 'REFERENCES', 'DEFAULT', 'ASC', 'DESC', 'NULLS',
  'OVER', 'PARTITION', 'WITHIN', 'FILTER', 'WINDOW', 'RANGE', 'UNBOUNDED', 'PRECEDING', 'FOLLOWING', 'CURRENT', 'INTERVAL',
  'EXCLUDE', 'RENAME', 'ESCAPE', 'RETURNING', 'TO', 'CASCADE', 'RESTRICT', 'COMMENT', 'COLLATE', 'TRUNCATE', 'SAMPLE',
  'TABLESAMPLE', 'PIVOT', 'UNPIVOT', 'IGNORE', 'RESPECT', 'CLUSTER', 'COPY', 'GRANTS', 'DESCRIBE', 'SHOW', 'EXPLAIN', 'CHECK',
]);
/**
 * DuckDB keywords that cannot be a bare column or table name there (its 'reserved' and 'type_function' keywords) but
 * can be in Snowflake (a column named AT, MAP or SEMI): such names are quoted.
 */
const DUCKDB_RESERVED = new Set(('ANALYSE ANALYZE ARRAY ASYMMETRIC BOTH DO FOR LAMBDA LEADING PLACING PIVOT_LONGER PIVOT_WIDER SUMMARIZE SYMMETRIC '
  + 'TRAILING VARIADIC ANTI ASOF AT AUTHORIZATION BINARY COLLATION COLUMNS CONCURRENTLY FREEZE GENERATED GLOB MAP NOTNULL OVERLAPS '
  + 'POSITIONAL SEMI SIMILAR STRUCT UNPACK VERBOSE ISNULL').split(' '));
const nameSql = (upper: string): string => (DUCKDB_RESERVED.has(upper) ? `"${upper}"` : upper);
/** Keywords that are calls before a parenthesis (checked against the function table like any call: IF(…) and RANGE(…) are DuckDB's, not Snowflake's). */
const CALLABLE_KEYWORDS = new Set(['TABLE', 'LEFT', 'RIGHT', 'REPLACE', 'TRUNCATE', 'IF', 'RANGE', 'ROW', 'RLIKE']);
/** Before these, a name followed by a parenthesis is a table with a column list, not a call. */
const TABLE_CONTEXT = new Set(['INTO', 'TABLE', 'EXISTS', 'REFERENCES', 'VIEW', 'AS', 'KEY', 'UNIQUE']);
/** Calls written without parentheses. */
const NILADIC = new Set(['CURRENT_DATE', 'CURRENT_TIMESTAMP', 'CURRENT_TIME', 'LOCALTIMESTAMP', 'LOCALTIME']);
/** Operators that bind tighter than a comparison: a VARIANT term next to one is part of a larger operand. */
const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '||']);

/** A rendered (qualified) name: bare parts and quoted parts, which may hold spaces and dots. */
const QUALIFIED = '(?:"(?:[^"]|"")*"|[^\\s"])+';

export function translate(sql: string, names: SessionNames, placeholder: (position: number) => string = (p) => `$${p}`): Translated {
  const tokens = tokenize(sql);
  while (tokens.length && (tokens[tokens.length - 1].kind === 'space' || tokens[tokens.length - 1].kind === 'comment' || tokens[tokens.length - 1].text === ';')) tokens.pop();
  const placeholders = tokens.filter((t) => t.kind === 'placeholder').map((t) => t.position!);
  const words = leadingWords(sql, 6);
  const ctx: Context = { names, placeholder, ddl: words[0] === 'CREATE' || words[0] === 'ALTER' };
  const tree = buildTree(tokens);
  refuseUnsupportedStatements(words);
  // $1, $2: columns by position (of a staged file or a VALUES list); DuckDB would read them as bind parameters.
  const dollar = tokens.findIndex((t, i) => t.text === '$' && tokens[i + 1]?.kind === 'number');
  if (dollar >= 0) throw unsupported(`A positional column reference ($${tokens[dollar + 1].text})`);
  nameSelectItems(tree);

  if (words[0] === 'ALTER' && words[1] === 'TABLE' && isConstraintChange(tree)) return { sql: '', placeholders, noop: true };
  let out: string;
  let mergeDuplicateCheck: string | undefined;
  if (words[0] === 'CREATE' && isCreateTable(words)) {
    out = renderCreateTable(tree, ctx);
  } else {
    const pieces = fold(toPieces(tree, ctx));
    if (words[0] === 'MERGE' || words[0] === 'UPDATE') unqualifySetTargets(pieces);
    if (words[0] === 'MERGE') mergeDuplicateCheck = duplicateCheck(pieces);
    out = join(pieces);
  }
  // CREATE … TABLE x LIKE y → an empty copy of y's column definitions (the engine copies them); CLONE → a copy of its rows.
  const like = new RegExp(`^(CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:TEMPORARY\\s+|TEMP\\s+)?TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${QUALIFIED})\\s+LIKE\\s+(${QUALIFIED})$`).exec(out);
  if (like) return { sql: out, placeholders, like: { create: like[1], source: like[2] } };
  out = out.replace(/^(CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+|TEMP\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?\S+)\s+CLONE\s+(\S+)$/, '$1 AS SELECT * FROM $2');
  return { sql: out, placeholders, mergeDuplicateCheck };
}

// ---------------------------------------------------------------------------------------------------------------
// Tree and pieces
// ---------------------------------------------------------------------------------------------------------------

function buildTree(tokens: Token[]): Node[] {
  const root: Node[] = [];
  const stack: { items: Node[]; open: string }[] = [{ items: root, open: '' }];
  for (const token of tokens) {
    const top = stack[stack.length - 1];
    if (token.kind === 'punct' && (token.text === '(' || token.text === '[')) {
      const group: Node = { kind: 'group', open: token.text, items: [] };
      top.items.push(group);
      stack.push({ items: group.items, open: token.text });
    } else if (token.kind === 'punct' && (token.text === ')' || token.text === ']')) {
      if (stack.length === 1 || (top.open === '(') !== (token.text === ')')) throw syntaxError(token.text);
      stack.pop();
    } else {
      top.items.push({ kind: 'token', token });
    }
  }
  if (stack.length > 1) throw syntaxError('<EOF>');
  return root;
}

/** Where a SELECT list ends. */
const SELECT_LIST_END = new Set(['FROM', 'WHERE', 'GROUP', 'HAVING', 'QUALIFY', 'ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'UNION', 'EXCEPT',
  'MINUS', 'INTERSECT', 'WINDOW', 'INTO']);
/** Single words that are values, not names, in a SELECT list. */
const VALUE_WORDS = new Set(['NULL', 'TRUE', 'FALSE', ...NILADIC]);

/**
 * Snowflake names a SELECT column that has no alias after the expression as written, upper-cased:
 * `SELECT CONCAT('George Washington ', 'Carver')` → `CONCAT('GEORGE WASHINGTON ', 'CARVER')`, `src:dealership` →
 * `SRC:DEALERSHIP`, `count(*)` → `COUNT(*)` (https://docs.snowflake.com/en/sql-reference/functions/concat,
 * https://docs.snowflake.com/en/user-guide/querying-semistructured). DuckDB would name them after its own rendering
 * (`count_star()`), so such items get that name as an alias. Plain columns and `*` keep DuckDB's naming, which is the
 * column's.
 */
function nameSelectItems(nodes: Node[]): void {
  for (const node of nodes) if (node.kind === 'group') nameSelectItems(node.items);
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (wordOf(nodes[i]) !== 'SELECT') continue;
    let start = nextIndex(nodes, i);
    while (['DISTINCT', 'ALL'].includes(wordOf(nodes[start]) ?? '')) start = nextIndex(nodes, start);
    if (wordOf(nodes[start]) === 'TOP') start = nextIndex(nodes, nextIndex(nodes, start));
    let end = start;
    // GROUP ends the list as GROUP BY, not as WITHIN GROUP (…).
    const ends = (k: number) => SELECT_LIST_END.has(wordOf(nodes[k]) ?? '') && (wordOf(nodes[k]) !== 'GROUP' || wordOf(nodes[nextIndex(nodes, k)]) === 'BY');
    while (end < nodes.length && !ends(end)) end++;
    const items: [number, number][] = [];
    let from = start;
    for (let k = start; k <= end; k++) {
      if (k === end || textOf(nodes[k]) === ',') { items.push([from, k]); from = k + 1; }
    }
    for (const [a, b] of items.reverse()) {
      const sig = nodes.slice(a, b).filter((n) => !isBlank(n));
      if (!needsName(sig)) continue;
      let last = b - 1;
      while (last > a && isBlank(nodes[last])) last--;
      const name = headingText(nodes.slice(a, last + 1)).trim();
      const alias: Node[] = [' ', 'AS', ' ', `"${name.replace(/"/g, '""')}"`].map((text) => ({
        kind: 'token', token: { kind: text === ' ' ? 'space' : text === 'AS' ? 'word' : 'quoted', text },
      }));
      nodes.splice(last + 1, 0, ...alias);
    }
  }
}

/** A SELECT item that is an expression without an alias (not a column, not `*`). */
function needsName(sig: Node[]): boolean {
  if (!sig.length) return false;
  const isName = (n: Node | undefined) => (wordOf(n) !== undefined && !KEYWORDS.has(wordOf(n)!) && !VALUE_WORDS.has(wordOf(n)!)) || (n?.kind === 'token' && n.token.kind === 'quoted');
  const isWord = (n: Node | undefined) => wordOf(n) !== undefined || (n?.kind === 'token' && n.token.kind === 'quoted');
  // A column, qualified or not (T.ID, T.KEY, "id"), or * / T.*.
  const part = (n: Node, k: number) => (k === 0 ? isName(n) : isWord(n)) || (k > 0 && k === sig.length - 1 && textOf(n) === '*');
  if (sig.every((n, k) => (k % 2 === 0 ? part(n, k) : textOf(n) === '.'))) return false;
  if (textOf(sig[0]) === '*') return false;
  const last = sig[sig.length - 1];
  const before = sig[sig.length - 2];
  if (wordOf(before) === 'AS' && isWord(last)) return false;
  if (isName(last) && sig.length > 1) {
    // An alias without AS follows a complete term: a name, a literal, a parenthesised group.
    const termEnd = before?.kind === 'group' || isName(before) || VALUE_WORDS.has(wordOf(before) ?? '')
      || (before?.kind === 'token' && ['number', 'string', 'placeholder'].includes(before.token.kind));
    if (termEnd) return false;
  }
  return true;
}

/** The text of nodes as the user wrote it, upper-cased outside quoted names, comments left out. */
function headingText(nodes: Node[]): string {
  return nodes.map((n) => {
    if (n.kind === 'group') return `${n.open}${headingText(n.items)}${n.open === '(' ? ')' : ']'}`;
    if (n.token.kind === 'comment') return ' ';
    return n.token.kind === 'quoted' ? n.token.text : n.token.text.toUpperCase();
  }).join('');
}

const isBlank = (node: Node | undefined): boolean => node?.kind === 'token' && (node.token.kind === 'space' || node.token.kind === 'comment');
const wordOf = (node: Node | undefined): string | undefined => (node?.kind === 'token' && node.token.kind === 'word' ? node.token.text.toUpperCase() : undefined);
const textOf = (node: Node | undefined): string | undefined => (node?.kind === 'token' ? node.token.text : undefined);

function nextIndex(nodes: Node[], from: number): number {
  let i = from + 1;
  while (i < nodes.length && isBlank(nodes[i])) i++;
  return i;
}

function unquoteString(text: string): string {
  if (text.startsWith('$$')) return text.slice(2, -2);
  return text.slice(1, -1).replace(/''/g, "'").replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r', '0': '\0' } as Record<string, string>)[c] ?? c);
}

/** Renders a node sequence (a statement, or the inside of a group) as DuckDB SQL. */
function render(nodes: Node[], ctx: Context): string {
  return join(fold(toPieces(nodes, ctx))).trim();
}

function join(pieces: Piece[]): string {
  return pieces.map((p) => p.pre + p.text).join('');
}

function toPieces(nodes: Node[], ctx: Context): Piece[] {
  const pieces: Piece[] = [];
  let pre = '';
  // After VALUES, the parenthesised rows up to the next keyword.
  let valueRows = false;
  const push = (piece: Omit<Piece, 'pre'>) => {
    pieces.push({ pre, ...piece });
    pre = '';
  };
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    const prev = pieces[pieces.length - 1];
    if (node.kind === 'group') {
      if (node.open === '[' && (prev?.kind === 'term' || prev?.kind === 'index')) {
        push({ kind: 'index', text: render(node.items, ctx), inner: node.items });
      } else if (node.open === '[') {
        // An ARRAY constant: [1, 2].
        push({ kind: 'term', text: `to_json([${render(node.items, ctx)}])`, variant: true });
      } else {
        push({ kind: 'term', text: `(${render(node.items, valueRows ? { ...ctx, inValues: true } : ctx)})` });
      }
      continue;
    }
    const token = node.token;
    switch (token.kind) {
      case 'space':
        pre += token.text;
        continue;
      case 'comment':
        pre += ' ';
        continue;
      case 'placeholder':
        push({ kind: 'term', text: ctx.placeholder(token.position!) });
        continue;
      case 'string':
        push({ kind: 'term', text: token.text.startsWith('$$') ? `'${unquoteString(token.text).replace(/'/g, "''")}'` : token.text, literal: unquoteString(token.text) });
        continue;
      case 'number':
        push({ kind: 'term', text: token.text });
        continue;
      case 'quoted': {
        const raw = token.text.slice(1, -1).replace(/""/g, '"');
        push({ kind: 'term', text: quoteDuckName(raw), name: true, raw });
        continue;
      }
      case 'punct':
        if (token.text === ',') push({ kind: 'comma', text: ',' });
        else push({ kind: 'op', text: token.text });
        continue;
      default:
        break;
    }
    // A word.
    const upper = token.text.toUpperCase();
    const after = nextIndex(nodes, i);
    const next = nodes[after];
    const afterName = prev?.kind === 'op' && (prev.text === '.' || prev.text === ':');
    if (!afterName && (prev?.kind === 'op' && prev.text === '::' || (ctx.ddl && prev?.name && !prev.segments && isSnowflakeType(upper)))) {
      const { type, end } = readType(nodes, i);
      push({ kind: 'type', text: duckType(type), type });
      i = end;
      continue;
    }
    if (!afterName && next?.kind === 'group' && next.open === '(' && isCall(upper, pieces)) {
      const { text, end } = renderCall(upper, nodes, after, ctx);
      push({ kind: 'term', text });
      i = end;
      continue;
    }
    if (afterName) {
      push({ kind: 'term', text: nameSql(upper), word: upper, raw: token.text, name: true });
    } else if (upper === 'NULL' || upper === 'TRUE' || upper === 'FALSE' || NILADIC.has(upper)) {
      push({ kind: 'term', text: upper, word: upper });
    } else if ((upper === 'SAMPLE' || upper === 'TABLESAMPLE') && prev?.kind !== 'op') {
      throw unsupported(`${upper} (row sampling)`);
    } else if (upper === 'VALUES' && prev?.kind === 'keyword' && (prev.word === 'FROM' || prev.word === 'JOIN') && valuesRowCount(nodes, i) > 1) {
      // FROM VALUES (…), (…): DuckDB needs the rows in parentheses; the columns are COLUMN1 … COLUMNn.
      const { text, end } = renderFromValues(nodes, i, ctx);
      push({ kind: 'term', text });
      i = end;
    } else if (KEYWORDS.has(upper)) {
      valueRows = upper === 'VALUES';
      push({ kind: 'keyword', text: upper === 'MINUS' ? 'EXCEPT' : upper, word: upper });
    } else {
      push({ kind: 'term', text: nameSql(upper), word: upper, raw: token.text, name: true });
    }
  }
  if (pre && pieces.length) pieces.push({ pre, text: '', kind: 'op' });
  return pieces;
}

/** The number of parenthesised rows after the VALUES at nodes[at]. */
function valuesRowCount(nodes: Node[], at: number): number {
  let rows = 0;
  for (let i = nextIndex(nodes, at); i < nodes.length; i = nextIndex(nodes, i)) {
    const node = nodes[i];
    if (node.kind === 'group' && node.open === '(') rows++;
    else if (!(node.kind === 'token' && node.token.text === ',')) break;
  }
  return rows;
}

function renderFromValues(nodes: Node[], at: number, ctx: Context): { text: string; end: number } {
  const rows: string[] = [];
  let end = at;
  let width = 0;
  for (let i = nextIndex(nodes, at); i < nodes.length; i = nextIndex(nodes, i)) {
    const node = nodes[i];
    if (node.kind === 'group' && node.open === '(') {
      rows.push(`(${render(node.items, { ...ctx, inValues: true })})`);
      width ||= splitArgs(node.items).length;
      end = i;
    } else if (!(node.kind === 'token' && node.token.text === ',')) break;
  }
  const following = nodes[nextIndex(nodes, end)];
  const aliased = wordOf(following) !== undefined && !KEYWORDS.has(wordOf(following)!) || wordOf(following) === 'AS';
  const columns = Array.from({ length: width }, (_, k) => `COLUMN${k + 1}`).join(', ');
  return { text: `(VALUES ${rows.join(', ')})${aliased ? '' : ` AS "__SF_VALUES"(${columns})`}`, end };
}

function isCall(word: string, pieces: Piece[]): boolean {
  if (KEYWORDS.has(word) && !CALLABLE_KEYWORDS.has(word)) return false;
  // SELECT * REPLACE (…) / * EXCLUDE (…) / * RENAME (…) are column lists.
  const prev = pieces[pieces.length - 1];
  if (word === 'REPLACE' && prev?.kind === 'op' && prev.text === '*') return false;
  // A name right after a term is an alias with column names: (VALUES …) T(X, Y).
  if (prev?.kind === 'term') return false;
  // INTO t (…), CREATE TABLE t (…), REFERENCES t (…): walk back over a qualified name.
  let i = pieces.length - 1;
  while (i >= 1 && pieces[i].kind === 'op' && pieces[i].text === '.' && pieces[i - 1].name) i -= 2;
  const before = pieces[i];
  return !(before?.kind === 'keyword' && TABLE_CONTEXT.has(before.word!));
}

/** Reads a type name (with its parameters) starting at nodes[start]. */
function readType(nodes: Node[], start: number): { type: SnowflakeType; end: number } {
  let name = wordOf(nodes[start])!;
  let end = start;
  const following = nextIndex(nodes, end);
  const two = `${name} ${wordOf(nodes[following]) ?? ''}`;
  if (['DOUBLE PRECISION', 'CHARACTER VARYING', 'CHAR VARYING', 'NCHAR VARYING'].includes(two)) {
    name = two;
    end = following;
  }
  const params: number[] = [];
  const group = nodes[nextIndex(nodes, end)];
  if (group?.kind === 'group' && group.open === '(') {
    for (const item of group.items) if (item.kind === 'token' && item.token.kind === 'number') params.push(Number(item.token.text));
    end = nextIndex(nodes, end);
  }
  if (!isSnowflakeType(name)) throw sqlError('002040', '42601', `SQL compilation error:\nUnsupported data type '${name}'.`);
  return { type: { name, params }, end };
}

/** Splits a group's items at its top-level commas. */
function splitArgs(items: Node[]): Node[][] {
  const args: Node[][] = [[]];
  for (const item of items) {
    if (item.kind === 'token' && item.token.text === ',') args.push([]);
    else args[args.length - 1].push(item);
  }
  return args.length === 1 && args[0].every(isBlank) ? [] : args;
}

function makeArg(nodes: Node[], ctx: Context): Arg {
  let sql: string | undefined;
  const sig = nodes.filter((n) => !isBlank(n));
  const single = sig.length === 1 && sig[0].kind === 'token' ? sig[0].token : undefined;
  const negative = sig.length === 2 && textOf(sig[0]) === '-' && sig[1].kind === 'token' && sig[1].token.kind === 'number';
  return {
    get sql() {
      sql ??= render(nodes, ctx);
      return sql;
    },
    literal: single?.kind === 'string' ? unquoteString(single.text) : undefined,
    word: single?.kind === 'word' ? single.text.toUpperCase() : undefined,
    number: single?.kind === 'number' ? Number(single.text) : negative ? -Number(textOf(sig[1])) : undefined,
  };
}

/** Renders NAME(args) [WITHIN GROUP (…)] [IGNORE|RESPECT NULLS]; returns the index of the last node used. */
function renderCall(name: string, nodes: Node[], groupIndex: number, ctx: Context): { text: string; end: number } {
  const group = nodes[groupIndex] as Extract<Node, { kind: 'group' }>;
  let end = groupIndex;
  if (ctx.inValues && NOT_IN_VALUES.has(name)) {
    throw sqlError('002014', '22000', `SQL compilation error:\nInvalid expression [${name}(${sourceText(group.items)})] in VALUES clause`);
  }
  if (CAST_FUNCTIONS.has(name)) return { text: renderCast(name, group.items, ctx), end };
  // EXTRACT(<part> FROM <expr>) is DATE_PART(<part>, <expr>); POSITION(<needle> IN <text>) is POSITION(<needle>, <text>).
  const infix = name === 'EXTRACT' ? 'FROM' : name === 'POSITION' ? 'IN' : undefined;
  const from = infix ? group.items.findIndex((n) => wordOf(n) === infix) : -1;
  if (name === 'EXTRACT' && from < 0) throw syntaxError(')');
  const call: Call = { name, args: [], named: {}, session: ctx.names, get argsSql() { return render(group.items, ctx); } };
  const argList = from >= 0 ? [group.items.slice(0, from), group.items.slice(from + 1)] : splitArgs(group.items);
  if (name === 'EXTRACT') call.name = 'DATE_PART';
  for (const argNodes of argList) {
    const sig = argNodes.map((n, i) => ({ n, i })).filter(({ n }) => !isBlank(n));
    if (sig.length >= 2 && wordOf(sig[0].n) && textOf(sig[1].n) === '=>') {
      call.named[wordOf(sig[0].n)!] = makeArg(argNodes.slice(sig[1].i + 1), ctx);
    } else {
      call.args.push(makeArg(argNodes, ctx));
    }
  }
  // Trailing clauses that belong to the call.
  let k = nextIndex(nodes, end);
  if (wordOf(nodes[k]) === 'WITHIN' && wordOf(nodes[nextIndex(nodes, k)]) === 'GROUP') {
    const within = nodes[nextIndex(nodes, nextIndex(nodes, k))];
    if (within?.kind === 'group') {
      call.withinGroup = render(within.items, ctx);
      end = nextIndex(nodes, nextIndex(nodes, k));
      k = nextIndex(nodes, end);
    }
  }
  if ((wordOf(nodes[k]) === 'IGNORE' || wordOf(nodes[k]) === 'RESPECT') && wordOf(nodes[nextIndex(nodes, k)]) === 'NULLS') {
    call.nulls = `${wordOf(nodes[k])} NULLS`;
    end = nextIndex(nodes, k);
    k = nextIndex(nodes, end);
  }
  // Aggregates that wrap their DuckDB aggregate (ARRAY_AGG → to_json(list(…))) take the window inside.
  if (OVER_INSIDE.has(name) && wordOf(nodes[k]) === 'OVER') {
    const window = nodes[nextIndex(nodes, k)];
    call.over = window?.kind === 'group' ? `OVER (${render(window.items, ctx)})` : `OVER ${render(window ? [window] : [], ctx)}`;
    end = nextIndex(nodes, k);
  }
  const translation = FUNCTIONS[call.name];
  let text: string;
  if (translation) {
    text = translation(call);
  } else if (PASSTHROUGH.has(name)) {
    text = `${name}(${call.argsSql}${call.nulls ? ` ${call.nulls}` : ''}${call.withinGroup && !/^PERCENTILE/.test(name) ? ` ${call.withinGroup}` : ''})`;
    if (call.withinGroup && /^PERCENTILE/.test(name)) text += ` WITHIN GROUP (${call.withinGroup})`;
  } else {
    throw unsupported(`The function ${name}`);
  }
  return { text, end };
}

/** The statement text of nodes, as written. */
function sourceText(nodes: Node[]): string {
  return nodes.map((n) => (n.kind === 'token' ? n.token.text : `${n.open}${sourceText(n.items)}${n.open === '(' ? ')' : ']'}`)).join('');
}

/** CAST(<expr> AS <type>) / TRY_CAST(…). */
function renderCast(name: string, items: Node[], ctx: Context): string {
  let as = -1;
  for (let i = 0; i < items.length; i++) if (wordOf(items[i]) === 'AS') as = i;
  if (as < 0) throw syntaxError(')');
  const typeStart = nextIndex(items, as);
  if (!wordOf(items[typeStart])) throw syntaxError(textOf(items[typeStart]) ?? ')');
  const { type } = readType(items, typeStart);
  return castTo(render(items.slice(0, as), ctx), type, name === 'TRY_CAST');
}

// ---------------------------------------------------------------------------------------------------------------
// Folding: qualified names, paths, casts, then division
// ---------------------------------------------------------------------------------------------------------------

function fold(pieces: Piece[]): Piece[] {
  return foldDivision(foldVariantOperands(foldPostfix(pieces)));
}

function isOp(piece: Piece | undefined, text: string): boolean {
  return piece?.kind === 'op' && piece.text === text;
}

function foldPostfix(pieces: Piece[]): Piece[] {
  const out: Piece[] = [];
  for (let i = 0; i < pieces.length; i++) {
    let piece = pieces[i];
    if (piece.kind !== 'term') {
      out.push(piece);
      continue;
    }
    // Qualified names: DB.SCHEMA.T.COL, T.*
    if (piece.name) {
      const segments = [piece.text];
      while (isOp(pieces[i + 1], '.') && (pieces[i + 2]?.name || isOp(pieces[i + 2], '*'))) {
        segments.push(pieces[i + 2].text);
        i += 2;
      }
      if (segments.length > 1) piece = { ...piece, text: segments.join('.'), segments };
    }
    for (;;) {
      const next = pieces[i + 1];
      if (isOp(next, ':') && pieces[i + 2] && (pieces[i + 2].name || pieces[i + 2].kind === 'index')) {
        // v:a.b[0] — path keys keep their case.
        let path = '$';
        i += 1;
        let first = true;
        for (;;) {
          const part = pieces[i + 1];
          if (part?.name && first) {
            path += `."${jsonKey(part.raw!)}"`;
            i += 1;
          } else if (isOp(part, '.') && pieces[i + 2]?.name) {
            path += `."${jsonKey(pieces[i + 2].raw!)}"`;
            i += 2;
          } else if (part?.kind === 'index') {
            path += indexPath(part.inner!);
            i += 1;
          } else break;
          first = false;
        }
        piece = { pre: piece.pre, kind: 'term', text: `json_extract(${piece.text}, '${path.replace(/'/g, "''")}')`, variant: true };
      } else if (next?.kind === 'index') {
        const inner = next.inner!;
        const path = staticIndex(inner);
        const text = path ? `json_extract(to_json(${piece.text}), '${path.replace(/'/g, "''")}')` : `SF_GET(to_json(${piece.text}), ${next.text})`;
        piece = { pre: piece.pre, kind: 'term', text, variant: true };
        i += 1;
      } else if (isOp(next, '::') && pieces[i + 2]?.kind === 'type') {
        const type = pieces[i + 2].type!;
        piece = { pre: piece.pre, kind: 'term', text: castTo(piece.text, type), variant: ['VARIANT', 'OBJECT', 'ARRAY'].includes(type.name) };
        i += 2;
      } else break;
    }
    out.push(piece);
  }
  return out;
}

function jsonKey(key: string): string {
  return key.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** [0] / ['key'] / ["key"] as a JSON path step, or undefined for an expression. */
function staticIndex(inner: Node[]): string | undefined {
  const sig = inner.filter((n) => !isBlank(n));
  if (sig.length !== 1 || sig[0].kind !== 'token') return undefined;
  const token = sig[0].token;
  if (token.kind === 'number' && /^\d+$/.test(token.text)) return `$[${token.text}]`;
  if (token.kind === 'string') return `$."${jsonKey(unquoteString(token.text))}"`;
  if (token.kind === 'quoted') return `$."${jsonKey(token.text.slice(1, -1).replace(/""/g, '"'))}"`;
  return undefined;
}

function indexPath(inner: Node[]): string {
  const path = staticIndex(inner);
  if (!path) throw unsupported('An expression inside a path (v:a[<expr>])');
  return path.slice(1);
}

function foldDivision(pieces: Piece[]): Piece[] {
  const out = [...pieces];
  for (let i = 0; i < out.length; i++) {
    if (!isOp(out[i], '/')) continue;
    const leftStart = operandStart(out, i - 1);
    const rightEnd = operandEnd(out, i + 1);
    if (leftStart < 0 || rightEnd < 0) continue;
    // Left-associative: a * b / c divides a * b.
    let start = leftStart;
    while (start >= 2 && (isOp(out[start - 1], '*') || isOp(out[start - 1], '%'))) {
      const s = operandStart(out, start - 2);
      if (s < 0) break;
      start = s;
    }
    const left = join(out.slice(start, i)).trim();
    const right = join(out.slice(i + 1, rightEnd + 1)).trim();
    const merged: Piece = { pre: out[start].pre, kind: 'term', text: `SF_DIV(${left}, ${right})` };
    out.splice(start, rightEnd - start + 1, merged);
    i = start;
  }
  return out;
}

/** Index of the first piece of the operand ending at `end` (a term, or CASE … END), or -1. */
function operandStart(pieces: Piece[], end: number): number {
  const piece = pieces[end];
  if (!piece) return -1;
  if (piece.kind === 'term') return end;
  if (piece.kind === 'keyword' && piece.word === 'END') {
    let depth = 0;
    for (let i = end; i >= 0; i--) {
      if (pieces[i].kind === 'keyword' && pieces[i].word === 'END') depth++;
      if (pieces[i].kind === 'keyword' && pieces[i].word === 'CASE' && --depth === 0) return i;
    }
  }
  return -1;
}

/** Index of the last piece of the operand starting at `start` (optionally signed), or -1. */
function operandEnd(pieces: Piece[], start: number): number {
  let i = start;
  if (isOp(pieces[i], '-') || isOp(pieces[i], '+')) i++;
  const piece = pieces[i];
  if (!piece) return -1;
  if (piece.kind === 'term') return i;
  if (piece.kind === 'keyword' && piece.word === 'CASE') {
    let depth = 0;
    for (let j = i; j < pieces.length; j++) {
      if (pieces[j].kind === 'keyword' && pieces[j].word === 'CASE') depth++;
      if (pieces[j].kind === 'keyword' && pieces[j].word === 'END' && --depth === 0) return j;
    }
  }
  return -1;
}

/**
 * A VARIANT next to an operator: `v:status = 'paid'` compares VARIANT strings; `v:qty * 2`, `v:qty > 3` and
 * `v:qty = 3` read the VARIANT as a number (FLOAT), as Snowflake casts a VARIANT operand implicitly.
 * Source: https://docs.snowflake.com/en/sql-reference/data-type-conversion#implicit-casting-coercion
 */
function foldVariantOperands(pieces: Piece[]): Piece[] {
  const numeric = (piece: Piece) => {
    piece.text = `CAST(SF_NUMERIC_TEXT(${piece.text}) AS DOUBLE)`;
    piece.variant = false;
  };
  const isNumber = (piece: Piece | undefined) => piece?.kind === 'term' && /^\d+(\.\d*)?([eE][-+]?\d+)?$/.test(piece.text);
  for (let i = 1; i + 1 < pieces.length; i++) {
    const op = pieces[i];
    if (op.kind !== 'op') continue;
    const [left, right] = [pieces[i - 1], pieces[i + 1]];
    if (['=', '!=', '<>'].includes(op.text)) {
      const leftAlone = !ARITHMETIC.has(pieces[i - 2]?.text ?? '');
      const rightAlone = !ARITHMETIC.has(pieces[i + 2]?.text ?? '');
      if (left.variant && leftAlone && right.literal !== undefined && rightAlone) right.text = `to_json(${right.text})`;
      else if (right.variant && rightAlone && left.literal !== undefined && leftAlone) left.text = `to_json(${left.text})`;
      else if (left.variant && isNumber(right)) numeric(left);
      else if (right.variant && isNumber(left)) numeric(right);
    } else if (['+', '-', '*', '/', '%', '<', '>', '<=', '>='].includes(op.text)) {
      if (left.kind === 'term' && left.variant) numeric(left);
      if (right.kind === 'term' && right.variant) numeric(right);
    }
  }
  return pieces;
}

// ---------------------------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------------------------

/** Commands the sandbox does not run (stages, loading, procedures): Snowflake's compilation error shape, naming them. */
// PUT / GET / LIST / REMOVE / COPY INTO and CREATE / DROP STAGE from a client never get here: stages.ts answers them
// first. The refusal stays for everything else and for SQL run directly (POST /_sandbox/sql), so DuckDB's own COPY
// (which reads and writes any file) is never reached.
function refuseUnsupportedStatements(words: string[]): void {
  const [w1, w2, w3] = words;
  const single = ['PUT', 'GET', 'COPY', 'LIST', 'LS', 'REMOVE', 'RM', 'CALL', 'EXECUTE', 'UNDROP', 'GRANT', 'REVOKE'];
  if (single.includes(w1)) throw unsupported(`The ${w1} command`);
  const objects = ['STAGE', 'PIPE', 'STREAM', 'TASK', 'PROCEDURE', 'FUNCTION', 'FILE', 'WAREHOUSE', 'ROLE', 'USER', 'SEQUENCE', 'DYNAMIC', 'EXTERNAL', 'MATERIALIZED'];
  if ((w1 === 'CREATE' || w1 === 'ALTER' || w1 === 'DROP') && (objects.includes(w2) || (w2 === 'OR' && objects.includes(words[3])) || objects.includes(w3))) {
    throw unsupported(`${w1} ${objects.find((o) => words.includes(o))}`);
  }
}

function isCreateTable(words: string[]): boolean {
  const rest = words.slice(1).filter((w) => !['OR', 'REPLACE', 'LOCAL', 'GLOBAL', 'TEMPORARY', 'TEMP', 'TRANSIENT', 'VOLATILE'].includes(w));
  return rest[0] === 'TABLE';
}

/** ALTER TABLE … ADD / DROP / RENAME a constraint: Snowflake records it, enforces nothing (NOT NULL is a column change). */
function isConstraintChange(tree: Node[]): boolean {
  const words = tree.filter((n) => !isBlank(n)).map((n) => wordOf(n) ?? textOf(n) ?? '(');
  for (let i = 0; i + 1 < words.length; i++) {
    if (['ADD', 'DROP', 'RENAME'].includes(words[i]) && ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'FOREIGN'].includes(words[i + 1])) return true;
  }
  return false;
}

const CONSTRAINT_PROPERTIES = new Set(['ENFORCED', 'DEFERRABLE', 'INITIALLY', 'DEFERRED', 'IMMEDIATE', 'ENABLE', 'DISABLE', 'VALIDATE', 'NOVALIDATE', 'RELY', 'NORELY']);
const TABLE_OPTIONS = new Set(['COMMENT', 'DATA_RETENTION_TIME_IN_DAYS', 'MAX_DATA_EXTENSION_TIME_IN_DAYS', 'CHANGE_TRACKING', 'DEFAULT_DDL_COLLATION',
  'STAGE_FILE_FORMAT', 'STAGE_COPY_OPTIONS', 'ENABLE_SCHEMA_EVOLUTION']);

/**
 * CREATE TABLE: PRIMARY KEY / UNIQUE / FOREIGN KEY are recorded by Snowflake but not enforced on standard tables; only
 * NOT NULL is (and a PRIMARY KEY column is NOT NULL). Source: https://docs.snowflake.com/en/sql-reference/constraints-overview
 */
function renderCreateTable(tree: Node[], ctx: Context): string {
  const sig = tree.map((n, i) => ({ n, i })).filter(({ n }) => !isBlank(n));
  const tableAt = sig.findIndex(({ n }) => wordOf(n) === 'TABLE');
  const head = sig.slice(0, tableAt + 1).map(({ n }) => wordOf(n)!).filter((w) => !['TRANSIENT', 'VOLATILE', 'LOCAL', 'GLOBAL'].includes(w));
  let k = tableAt + 1;
  if (wordOf(sig[k]?.n) === 'IF') {
    head.push('IF NOT EXISTS');
    k += 3;
  }
  const nameStart = k;
  const isNamePart = (node: Node): boolean => node.kind === 'token' && (node.token.kind === 'word' || node.token.kind === 'quoted' || node.token.text === '.');
  while (k < sig.length && isNamePart(sig[k].n) && !['AS', 'LIKE', 'CLONE', 'CLUSTER', 'COPY', ...TABLE_OPTIONS].includes(wordOf(sig[k].n) ?? '')) k++;
  const name = render(tree.slice(sig[nameStart]?.i ?? tree.length, sig[k]?.i ?? tree.length), ctx);
  let columns = '';
  const columnGroup = sig[k]?.n;
  if (columnGroup?.kind === 'group' && columnGroup.open === '(') {
    columns = ` (${renderColumns(columnGroup.items, ctx)})`;
    k++;
  }
  // Table options Snowflake stores and DuckDB has no use for.
  const rest: Node[] = [];
  while (k < sig.length) {
    const word = wordOf(sig[k].n);
    if (word && TABLE_OPTIONS.has(word) && textOf(sig[k + 1]?.n) === '=') { k += 3; continue; }
    if (word === 'CLUSTER' && wordOf(sig[k + 1]?.n) === 'BY') { k += 3; continue; }
    if (word === 'COPY' && wordOf(sig[k + 1]?.n) === 'GRANTS') { k += 2; continue; }
    rest.push(...tree.slice(sig[k].i));
    break;
  }
  const tail = rest.length ? ` ${render(rest, ctx)}` : '';
  return `${head.join(' ')} ${name}${columns}${tail}`;
}

function renderColumns(items: Node[], ctx: Context): string {
  const defs: { name: string; text: string[] }[] = [];
  const primaryKey: string[] = [];
  for (const element of splitArgs(items)) {
    const sig = element.filter((n) => !isBlank(n));
    let w = wordOf(sig[0]);
    let j = 0;
    if (w === 'CONSTRAINT') { j = 2; w = wordOf(sig[2]); }
    if (w === 'PRIMARY' || w === 'UNIQUE' || w === 'FOREIGN') {
      // Out-of-line constraint: dropped; PRIMARY KEY (a, b) makes a and b NOT NULL.
      if (w === 'PRIMARY') {
        const cols = sig[j + 2];
        if (cols?.kind === 'group') for (const col of splitArgs(cols.items)) primaryKey.push(columnName(col.filter((n) => !isBlank(n))[0]));
      }
      continue;
    }
    defs.push(renderColumn(sig, ctx));
  }
  for (const key of primaryKey) {
    const def = defs.find((d) => d.name === key);
    if (def && !def.text.includes('NOT NULL')) def.text.push('NOT NULL');
  }
  return defs.map((d) => d.text.join(' ')).join(', ');
}

function columnName(node: Node | undefined): string {
  if (node?.kind === 'token' && node.token.kind === 'quoted') return quoteDuckName(node.token.text.slice(1, -1).replace(/""/g, '"'));
  return nameSql(wordOf(node) ?? '');
}

function renderColumn(sig: Node[], ctx: Context): { name: string; text: string[] } {
  const name = columnName(sig[0]);
  if (!wordOf(sig[1])) throw syntaxError(textOf(sig[1]) ?? ')');
  const { type, end } = readType(sig, 1);
  const text = [name, duckType(type)];
  // VARCHAR(n) refuses a longer value: 100074 "User character length limit (n) exceeded by string '…'".
  const limit = isVarcharType(type.name) ? type.params[0] : undefined;
  if (limit !== undefined && limit < 16777216) {
    const message = `'User character length limit (${limit}) exceeded by string ''' || ${name} || ''''`;
    text.push(`CHECK (CASE WHEN length(${name}) > ${limit} THEN ${raiseSql('100074', '22000', message)} ELSE TRUE END)`);
  }
  let notNull = false;
  for (let i = end + 1; i < sig.length; i++) {
    const w = wordOf(sig[i]);
    const w2 = wordOf(sig[i + 1]);
    if (w === 'CONSTRAINT') { i++; continue; }
    if (w === 'PRIMARY' && w2 === 'KEY') { if (!notNull) text.push('NOT NULL'); notNull = true; i++; continue; }
    if (w === 'UNIQUE') continue;
    if (w === 'FOREIGN' && w2 === 'KEY') { i++; continue; }
    if (w === 'REFERENCES') {
      i++;
      while (isOpNode(sig[i + 1], '.')) i += 2;
      if (sig[i + 1]?.kind === 'group') i++;
      continue;
    }
    if (w && CONSTRAINT_PROPERTIES.has(w)) continue;
    if (w === 'NOT' && w2 && (w2 === 'ENFORCED' || w2 === 'DEFERRABLE')) { i++; continue; }
    if (w === 'MATCH') { i++; continue; }
    if (w === 'ON' && (w2 === 'UPDATE' || w2 === 'DELETE')) {
      i += 2;
      if (['SET', 'NO'].includes(wordOf(sig[i]) ?? '')) i++;
      continue;
    }
    if (w === 'NOT' && w2 === 'NULL') { if (!notNull) text.push('NOT NULL'); notNull = true; i++; continue; }
    if (w === 'NULL') { text.push('NULL'); continue; }
    if ((w === 'COMMENT' || w === 'COLLATE') && sig[i + 1]?.kind === 'token') { i++; continue; }
    if (w === 'AUTOINCREMENT' || w === 'IDENTITY') throw unsupported(`${w} columns`);
    if (w === 'WITH' || w === 'MASKING' || w === 'TAG') throw unsupported(`Column ${w} clauses`);
    if (w === 'DEFAULT') {
      // The default expression runs to the next column option.
      let j = i + 1;
      const stop = new Set(['NOT', 'NULL', 'PRIMARY', 'UNIQUE', 'REFERENCES', 'CONSTRAINT', 'COMMENT', 'COLLATE', 'FOREIGN']);
      while (j < sig.length && !stop.has(wordOf(sig[j]) ?? '')) j++;
      text.push(`DEFAULT ${render(sig.slice(i + 1, j), ctx)}`);
      i = j - 1;
      continue;
    }
    text.push(render([sig[i]], ctx));
  }
  return { name, text };
}

function isOpNode(node: Node | undefined, text: string): boolean {
  return node?.kind === 'token' && node.token.kind === 'punct' && node.token.text === text;
}

/**
 * MERGE … UPDATE SET T.NAME = S.NAME / UPDATE T SET T.NAME = …: Snowflake accepts the target's qualifier on a SET
 * column (its documentation writes it so); the column is the last part. Source: https://docs.snowflake.com/en/sql-reference/sql/merge
 */
function unqualifySetTargets(pieces: Piece[]): void {
  let inSet = false;
  let expectTarget = false;
  for (const piece of pieces) {
    if (piece.kind === 'keyword' && piece.word === 'SET') { inSet = true; expectTarget = true; continue; }
    if (piece.kind === 'keyword' && ['WHEN', 'FROM', 'WHERE', 'RETURNING'].includes(piece.word!)) { inSet = false; continue; }
    if (!inSet) continue;
    if (piece.kind === 'comma') { expectTarget = true; continue; }
    if (expectTarget && piece.kind === 'term' && piece.segments) piece.text = piece.segments[piece.segments.length - 1];
    expectTarget = false;
  }
}

/** The query that finds a target row joined by several source rows, for a MERGE that updates or deletes. */
function duplicateCheck(pieces: Piece[]): string | undefined {
  const at = (word: string, from = 0) => pieces.findIndex((p, i) => i >= from && p.kind === 'keyword' && p.word === word);
  const into = at('INTO');
  const using = at('USING', into);
  const on = at('ON', using);
  const when = at('WHEN', on);
  if (into < 0 || using < 0 || on < 0 || when < 0) return undefined;
  const matched = pieces.some((p, i) => i > when && p.kind === 'keyword' && p.word === 'MATCHED' && !(pieces[i - 1]?.word === 'NOT'));
  if (!matched) return undefined;
  const target = pieces.slice(into + 1, using);
  const terms = target.filter((p) => p.kind === 'term');
  const last = terms[terms.length - 1];
  const alias = terms.length > 1 ? last.text : last?.segments ? last.segments[last.segments.length - 1] : last?.text;
  if (!alias) return undefined;
  return `SELECT ANY_VALUE(${alias}) AS "ROW" FROM ${join(target).trim()} JOIN ${join(pieces.slice(using + 1, on)).trim()} ON ${join(pieces.slice(on + 1, when)).trim()}`
    + ` GROUP BY ${alias}.rowid HAVING COUNT(*) > 1 LIMIT 1`;
}
