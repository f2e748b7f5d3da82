// Snowflake functions → DuckDB: one table, one entry per function, each written from Snowflake's documentation
// (sources in the comments; '…/functions/x' stands for https://docs.snowflake.com/en/sql-reference/functions/x).
// A function that is neither translated here nor listed in PASSTHROUGH fails to compile with 001003, naming it, so a
// query the sandbox cannot answer faithfully never runs with DuckDB's semantics. To add one: an entry in FUNCTIONS
// (or PASSTHROUGH when DuckDB's namesake behaves the same), a helper macro below if it needs one, a case in
// test/sandbox/snowflake-fidelity.test.ts, and its name in docs/snowflake.md.
import { AUTO_DATE_PATTERNS, AUTO_TIMESTAMP_PATTERNS, convertFormat } from './formats';
import { raiseSql, sqlError, unsupported } from './errors';

/** One argument of a call, rendered on demand. */
export interface Arg {
  /** The argument as DuckDB SQL. */
  readonly sql: string;
  /** The value of a plain string literal ('month'), else undefined. */
  readonly literal: string | undefined;
  /** A bare word (an unquoted date part such as month), upper-cased, else undefined. */
  readonly word: string | undefined;
  /** A plain number literal, else undefined. */
  readonly number: number | undefined;
}

export interface Call {
  /** Upper-cased Snowflake name. */
  name: string;
  args: Arg[];
  /** Named arguments (FLATTEN(INPUT => …)), by upper-cased name. */
  named: Record<string, Arg>;
  /** The whole argument list as DuckDB SQL (DISTINCT, ORDER BY … included). */
  argsSql: string;
  /** `ORDER BY …` of a WITHIN GROUP clause, as DuckDB SQL. */
  withinGroup?: string;
  /** Set by RESPECT / IGNORE NULLS after the call. */
  nulls?: string;
  /** `OVER (…)` for the functions in OVER_INSIDE, which place it themselves. */
  over?: string;
  /** Session facts some functions answer (CURRENT_USER()). */
  session: { user: string; role: string; warehouse: string };
}

export type Translation = (call: Call) => string;

const fail = (message: string) => sqlError('001003', '42000', `SQL compilation error:\n${message}`);

function arity(call: Call, min: number, max = min): void {
  const n = call.args.length;
  if (n < min || n > max) {
    // Snowflake: "not enough arguments for function [F(…)], expected N, got M" / "too many arguments …".
    throw fail(`${n < min ? 'not enough' : 'too many'} arguments for function [${call.name}], expected ${min === max ? min : `${min} to ${max}`}, got ${n}`);
  }
}

const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;
const list = (call: Call): string => call.args.map((a) => a.sql).join(', ');

// ---------------------------------------------------------------------------------------------------------------
// Date and time parts. Source: https://docs.snowflake.com/en/sql-reference/functions-date-time#supported-date-and-time-parts
// ---------------------------------------------------------------------------------------------------------------
const PART_ALIASES: Record<string, string[]> = {
  year: ['Y', 'YY', 'YYY', 'YYYY', 'YR', 'YEARS', 'YRS'],
  quarter: ['Q', 'QTR', 'QTRS', 'QUARTERS'],
  month: ['MM', 'MON', 'MONS', 'MONTHS'],
  week: ['W', 'WK', 'WEEKOFYEAR', 'WOY', 'WY'],
  day: ['D', 'DD', 'DAYS', 'DAYOFMONTH'],
  hour: ['H', 'HH', 'HR', 'HOURS', 'HRS'],
  minute: ['M', 'MI', 'MIN', 'MINUTES', 'MINS'],
  second: ['S', 'SEC', 'SECONDS', 'SECS'],
  millisecond: ['MS', 'MSEC', 'MILLISECONDS'],
  microsecond: ['US', 'USEC', 'MICROSECONDS'],
  nanosecond: ['NS', 'NSEC', 'NANOSEC', 'NSECOND', 'NANOSECONDS', 'NANOSECS', 'NSECONDS'],
  // DATE_PART / EXTRACT only:
  dayofweek: ['WEEKDAY', 'DOW', 'DW'],
  dayofweekiso: ['WEEKDAY_ISO', 'DOW_ISO', 'DW_ISO'],
  dayofyear: ['YEARDAY', 'DOY', 'DY'],
  weekiso: ['WEEK_ISO', 'WEEKOFYEARISO', 'WEEKOFYEAR_ISO'],
  yearofweek: [],
  yearofweekiso: [],
  epoch_second: ['EPOCH', 'EPOCH_SECONDS'],
  epoch_millisecond: ['EPOCH_MILLISECONDS'],
  epoch_microsecond: ['EPOCH_MICROSECONDS'],
  epoch_nanosecond: ['EPOCH_NANOSECONDS'],
};
const PARTS = new Map<string, string>();
for (const [part, aliases] of Object.entries(PART_ALIASES)) {
  PARTS.set(part.toUpperCase(), part);
  for (const alias of aliases) PARTS.set(alias, part);
}
const CALENDAR_PARTS = ['year', 'quarter', 'month', 'week', 'day'];
const CLOCK_PARTS = ['hour', 'minute', 'second', 'millisecond', 'microsecond', 'nanosecond'];

/** The canonical part of a date-part argument ('month', month, 'MM' …), or a compilation error. */
export function datePart(arg: Arg, fn: string, allowed: string[] = [...CALENDAR_PARTS, ...CLOCK_PARTS]): string {
  const text = (arg.literal ?? arg.word ?? '').toUpperCase();
  const part = PARTS.get(text);
  if (!part || !allowed.includes(part)) throw fail(`invalid value [${arg.literal ?? arg.word ?? arg.sql}] for parameter 'date_or_time_part' of ${fn}`);
  return part;
}

export function isDatePart(arg: Arg): boolean {
  return PARTS.has((arg.literal ?? arg.word ?? '').toUpperCase());
}

/** An interval of n parts (n rounded to an integer, as DATEADD does with a fractional value). */
function interval(part: string, n: string): string {
  const whole = `CAST(${n} AS BIGINT)`;
  switch (part) {
    case 'year': return `to_years(CAST(${n} AS INTEGER))`;
    case 'quarter': return `to_months(CAST(3 * ${whole} AS INTEGER))`;
    case 'month': return `to_months(CAST(${n} AS INTEGER))`;
    case 'week': return `to_days(CAST(7 * ${whole} AS INTEGER))`;
    case 'day': return `to_days(CAST(${n} AS INTEGER))`;
    case 'hour': return `to_hours(${whole})`;
    case 'minute': return `to_minutes(${whole})`;
    case 'second': return `to_seconds(${whole})`;
    case 'millisecond': return `to_milliseconds(${whole})`;
    case 'microsecond': return `to_microseconds(${whole})`;
    default: return `to_microseconds(${whole} // 1000)`;
  }
}

/** DATE_PART / EXTRACT / YEAR() … Source: https://docs.snowflake.com/en/sql-reference/functions/date_part */
function extractPart(part: string, x: string): string {
  switch (part) {
    case 'dayofweek': return `date_part('dow', ${x})`; // WEEK_START 0 (default): Sunday = 0 … Saturday = 6
    case 'dayofweekiso': return `date_part('isodow', ${x})`;
    case 'dayofyear': return `date_part('doy', ${x})`;
    case 'week': case 'weekiso': return `date_part('week', ${x})`; // ISO weeks under WEEK_OF_YEAR_POLICY 0 (default)
    case 'yearofweek': case 'yearofweekiso': return `date_part('isoyear', ${x})`;
    case 'millisecond': return `(date_part('millisecond', ${x}) % 1000)`;
    case 'microsecond': return `(date_part('microsecond', ${x}) % 1000000)`;
    case 'nanosecond': return `(date_part('microsecond', ${x}) % 1000000 * 1000)`;
    case 'epoch_second': return `CAST(floor(epoch(${x})) AS BIGINT)`;
    case 'epoch_millisecond': return `epoch_ms(${x})`;
    case 'epoch_microsecond': return `epoch_us(${x})`;
    case 'epoch_nanosecond': return `epoch_ns(${x})`;
    default: return `date_part('${part}', ${x})`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Conversions. Sources: https://docs.snowflake.com/en/sql-reference/functions/to_date,
// https://docs.snowflake.com/en/sql-reference/functions/to_timestamp, …/to_decimal, …/to_boolean, …/try_cast
// ---------------------------------------------------------------------------------------------------------------
type Flavour = 'NTZ' | 'LTZ' | 'TZ';

function toDate(call: Call, strict: boolean): string {
  arity(call, 1, 2);
  const [x, format] = call.args;
  if (format && format.literal !== undefined && format.literal.toUpperCase() !== 'AUTO') {
    const pattern = convertFormat(format.literal);
    const parsed = `CAST(try_strptime(SF_TO_VARCHAR(${x.sql}), ${quote(pattern.parse)}) AS DATE)`;
    if (!strict) return parsed;
    return `(CASE WHEN ${parsed} IS NULL AND ${x.sql} IS NOT NULL THEN ${raiseSql('100040', '22007', `'Can''t parse ''' || SF_TO_VARCHAR(${x.sql}) || ''' as date with format ${quote(format.literal).replace(/'/g, "''")}'`)} ELSE ${parsed} END)`;
  }
  if (format && format.literal === undefined) throw unsupported('A date format that is not a string literal');
  return strict ? `SF_TO_DATE(${x.sql})` : `SF_TRY_TO_DATE(${x.sql})`;
}

function toTimestamp(flavour: Flavour, strict: boolean): Translation {
  return (call) => {
    arity(call, 1, 2);
    const [x, second] = call.args;
    const macro = `SF_${strict ? '' : 'TRY_'}TO_TIMESTAMP_${flavour === 'NTZ' ? 'NTZ' : 'LTZ'}`;
    if (!second) return `${macro}(${x.sql})`;
    if (second.number !== undefined) {
      // TO_TIMESTAMP(<numeric>, <scale>): fractions of a second since the epoch.
      if (!Number.isInteger(second.number) || second.number < 0 || second.number > 9) throw fail(`Invalid value [${second.number}] for function 'TO_TIMESTAMP_${flavour}' at position 2`);
      return `${macro}(CAST(${x.sql} AS DOUBLE) / ${10 ** second.number})`;
    }
    if (second.literal === undefined) throw unsupported('A timestamp format that is not a string literal');
    if (second.literal.toUpperCase() === 'AUTO') return `${macro}(${x.sql})`;
    const pattern = convertFormat(second.literal);
    if (pattern.hasZone && flavour === 'NTZ') throw unsupported('A time-zone element in a TIMESTAMP_NTZ format');
    const target = flavour === 'NTZ' ? 'TIMESTAMP' : 'TIMESTAMPTZ';
    const parsed = `CAST(try_strptime(SF_TO_VARCHAR(${x.sql}), ${quote(pattern.parse)}) AS ${target})`;
    if (!strict) return parsed;
    return `(CASE WHEN ${parsed} IS NULL AND ${x.sql} IS NOT NULL THEN ${raiseSql('100035', '22007', `'Can''t parse ''' || SF_TO_VARCHAR(${x.sql}) || ''' as timestamp with format ${quote(second.literal).replace(/'/g, "''")}'`)} ELSE ${parsed} END)`;
  };
}

function toNumber(strict: boolean, defaultScale?: number): Translation {
  return (call) => {
    arity(call, 1, 4);
    const [x, ...rest] = call.args;
    if (rest[0]?.literal !== undefined) throw unsupported('A number format model (TO_NUMBER(<expr>, \'<format>\'))');
    const [precision, scale] = rest.map((a) => a.number);
    if (rest.some((a) => a.number === undefined || !Number.isInteger(a.number))) throw fail(`${call.name}: precision and scale must be integer constants`);
    const p = precision ?? 38;
    const s = scale ?? defaultScale ?? 0;
    if (p < 1 || p > 38 || s < 0 || s > p) throw fail(`Invalid value for precision / scale of ${call.name}: (${p}, ${s})`);
    const source = `SF_NUMERIC_TEXT(${x.sql})`;
    return strict ? `CAST(${source} AS DECIMAL(${p},${s}))` : `TRY_CAST(${source} AS DECIMAL(${p},${s}))`;
  };
}

/** Snowflake data type → DuckDB type, for casts and column definitions. */
export interface SnowflakeType {
  name: string;
  params: number[];
}

const VARCHAR_TYPES = new Set(['VARCHAR', 'STRING', 'TEXT', 'CHAR', 'CHARACTER', 'NCHAR', 'NVARCHAR', 'NVARCHAR2', 'CHAR VARYING', 'NCHAR VARYING']);
const NUMBER_TYPES = new Set(['NUMBER', 'NUMERIC', 'DECIMAL', 'DEC']);
const INTEGER_TYPES = new Set(['INT', 'INTEGER', 'BIGINT', 'SMALLINT', 'TINYINT', 'BYTEINT']);
const FLOAT_TYPES = new Set(['FLOAT', 'FLOAT4', 'FLOAT8', 'DOUBLE', 'DOUBLE PRECISION', 'REAL']);

export function isVarcharType(name: string): boolean {
  return VARCHAR_TYPES.has(name);
}

export function isSnowflakeType(name: string): boolean {
  return VARCHAR_TYPES.has(name) || NUMBER_TYPES.has(name) || INTEGER_TYPES.has(name) || FLOAT_TYPES.has(name)
    || ['BOOLEAN', 'DATE', 'TIME', 'DATETIME', 'TIMESTAMP', 'TIMESTAMP_NTZ', 'TIMESTAMP_LTZ', 'TIMESTAMP_TZ', 'VARIANT', 'OBJECT', 'ARRAY',
      'BINARY', 'VARBINARY', 'GEOGRAPHY', 'GEOMETRY', 'VECTOR'].includes(name);
}

/** The DuckDB column type of a Snowflake type (TIMESTAMP maps to TIMESTAMP_NTZ: TIMESTAMP_TYPE_MAPPING's default). */
export function duckType(type: SnowflakeType): string {
  const { name, params } = type;
  if (VARCHAR_TYPES.has(name)) return 'VARCHAR';
  if (NUMBER_TYPES.has(name)) return `DECIMAL(${params[0] ?? 38},${params[1] ?? 0})`;
  if (INTEGER_TYPES.has(name)) return 'DECIMAL(38,0)';
  if (FLOAT_TYPES.has(name)) return 'DOUBLE';
  switch (name) {
    case 'BOOLEAN': return 'BOOLEAN';
    case 'DATE': return 'DATE';
    case 'TIME': return 'TIME';
    case 'DATETIME': case 'TIMESTAMP': case 'TIMESTAMP_NTZ': return 'TIMESTAMP';
    case 'TIMESTAMP_LTZ': case 'TIMESTAMP_TZ': return 'TIMESTAMPTZ';
    case 'VARIANT': case 'OBJECT': case 'ARRAY': return 'JSON';
    case 'BINARY': case 'VARBINARY': return 'BLOB';
    default: throw unsupported(`The ${name} data type`);
  }
}

/** CAST(x AS type) / x::type / TRY_CAST with Snowflake's conversion rules. Source: https://docs.snowflake.com/en/sql-reference/data-type-conversion */
export function castTo(x: string, type: SnowflakeType, tryCast = false): string {
  const { name, params } = type;
  const t = tryCast ? 'TRY_' : '';
  if (VARCHAR_TYPES.has(name)) {
    // A VARIANT string converts to its text, not its JSON; a declared length that the value exceeds is an error.
    if (params[0] !== undefined && params[0] < 16777216) return `SF_${t}VARCHAR_N(${x}, ${params[0]})`;
    return `SF_TO_VARCHAR(${x})`;
  }
  if (NUMBER_TYPES.has(name) || INTEGER_TYPES.has(name)) return `${tryCast ? 'TRY_CAST' : 'CAST'}(SF_NUMERIC_TEXT(${x}) AS ${duckType(type)})`;
  if (FLOAT_TYPES.has(name)) return `${tryCast ? 'TRY_CAST' : 'CAST'}(SF_NUMERIC_TEXT(${x}) AS DOUBLE)`;
  switch (name) {
    case 'BOOLEAN': return `SF_${t}TO_BOOLEAN(${x})`;
    case 'DATE': return `SF_${t}TO_DATE(${x})`;
    case 'DATETIME': case 'TIMESTAMP': case 'TIMESTAMP_NTZ': return `SF_${t}TO_TIMESTAMP_NTZ(${x})`;
    case 'TIMESTAMP_LTZ': case 'TIMESTAMP_TZ': return `SF_${t}TO_TIMESTAMP_LTZ(${x})`;
    case 'TIME': return `${tryCast ? 'TRY_CAST' : 'CAST'}(${x} AS TIME)`;
    case 'VARIANT': case 'OBJECT': case 'ARRAY': return `to_json(${x})`;
    case 'BINARY': case 'VARBINARY': return `SF_${t}TO_BINARY(${x})`;
    default: return `CAST(${x} AS ${duckType(type)})`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Semi-structured data. Sources: https://docs.snowflake.com/en/user-guide/querying-semistructured,
// …/functions/flatten, …/object_construct, …/array_size, …/parse_json, …/get_path
// ---------------------------------------------------------------------------------------------------------------

/** A Snowflake path ('a.b[0]["c d"]', the part after `v:`) as a DuckDB JSON path ('$."a"."b"[0]."c d"'). */
export function jsonPath(path: string): string {
  let out = '$';
  const re = /\s*(?:\.?\s*"((?:[^"]|"")*)"|\.?\s*([A-Za-z_$][\w$]*)|\[\s*(\d+)\s*\]|\[\s*'((?:[^']|'')*)'\s*\]|\[\s*"((?:[^"]|"")*)"\s*\])/y;
  let match: RegExpExecArray | null;
  let index = 0;
  while (index < path.length && (match = re.exec(path))) {
    index = re.lastIndex;
    const key = match[1] !== undefined ? match[1].replace(/""/g, '"') : match[2] ?? (match[4] !== undefined ? match[4].replace(/''/g, "'") : match[5]?.replace(/""/g, '"'));
    out += match[3] !== undefined ? `[${match[3]}]` : `."${key!.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  }
  if (index < path.length) throw fail(`Invalid extraction path '${path}'`);
  return out;
}

/** FLATTEN as a lateral subquery with Snowflake's six output columns. */
function flatten(call: Call): string {
  const input = call.named.INPUT ?? call.args[0];
  if (!input) throw fail('FLATTEN needs INPUT => <expr>');
  for (const name of Object.keys(call.named)) {
    if (!['INPUT', 'PATH', 'OUTER', 'RECURSIVE', 'MODE'].includes(name)) throw fail(`invalid argument name ${name} for function FLATTEN`);
  }
  if ((call.named.RECURSIVE?.word ?? 'FALSE') !== 'FALSE') throw unsupported('FLATTEN(… RECURSIVE => TRUE)');
  const path = call.named.PATH?.literal ?? '';
  const outer = (call.named.OUTER?.word ?? 'FALSE') === 'TRUE';
  const mode = (call.named.MODE?.literal ?? 'BOTH').toUpperCase();
  if (!['OBJECT', 'ARRAY', 'BOTH'].includes(mode)) throw fail(`invalid value [${mode}] for parameter 'MODE' of FLATTEN`);
  const base = path ? `json_extract(to_json(${input.sql}), ${quote(jsonPath(path))})` : `to_json(${input.sql})`;
  const entries = `SF_FLATTEN_ENTRIES(__SF_THIS, ${quote(path)}, ${quote(mode)})`;
  // OUTER: one row of NULLs for an input that expands to nothing (THIS is NULL for an empty compound).
  const rows = outer
    ? `CASE WHEN len(${entries}) = 0 THEN [{'k': NULL::VARCHAR, 'i': NULL::BIGINT, 'v': NULL::JSON, 'p': NULL::VARCHAR, 't': CASE WHEN json_type(__SF_THIS) IN ('ARRAY', 'OBJECT') THEN NULL ELSE __SF_THIS END}] ELSE list_transform(${entries}, e -> struct_insert(e, t := __SF_THIS)) END`
    : `list_transform(${entries}, e -> struct_insert(e, t := __SF_THIS))`;
  // SEQ: one number per input value (identical input values share it, see docs/snowflake.md).
  return `(SELECT CAST(hash(CAST(__SF_THIS AS VARCHAR)) % 9007199254740991 AS BIGINT) + 1 AS "SEQ", __SF_E.k AS "KEY", __SF_E.p AS "PATH", __SF_E.i AS "INDEX", __SF_E.v AS "VALUE", __SF_E.t AS "THIS"`
    + ` FROM (SELECT __SF_THIS, unnest(${rows}) AS __SF_E FROM (SELECT ${base} AS __SF_THIS)))`;
}

function objectConstruct(keepNull: boolean): Translation {
  return (call) => {
    if (call.argsSql.trim() === '*') throw unsupported('OBJECT_CONSTRUCT(*)');
    if (call.args.length % 2 !== 0) throw fail(`${call.name} needs key / value pairs, got ${call.args.length} arguments`);
    const pairs: string[] = [];
    for (let i = 0; i < call.args.length; i += 2) pairs.push(`{'k': CAST(${call.args[i].sql} AS VARCHAR), 'v': to_json(${call.args[i + 1].sql})}`);
    if (!pairs.length) return `CAST('{}' AS JSON)`;
    // OBJECT_CONSTRUCT omits pairs whose value is SQL NULL; OBJECT_CONSTRUCT_KEEP_NULL keeps them as JSON null.
    const kept = keepNull ? `list_filter([${pairs.join(', ')}], e -> e.k IS NOT NULL)` : `list_filter([${pairs.join(', ')}], e -> e.k IS NOT NULL AND e.v IS NOT NULL)`;
    const entries = keepNull ? `list_transform(${kept}, e -> {'k': e.k, 'v': coalesce(e.v, 'null'::JSON)})` : kept;
    return `CAST(coalesce(to_json(map_from_entries(${entries})), '{}') AS JSON)`;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The table.
// ---------------------------------------------------------------------------------------------------------------
const same = (duck: string): Translation => (call) => `${duck}(${call.argsSql})`;

export const FUNCTIONS: Record<string, Translation> = {
  // Conditional expressions. Sources: …/functions/iff, …/nvl, …/nvl2, …/decode, …/equal_null, …/greatest
  IFF: (c) => { arity(c, 3); return `(CASE WHEN ${c.args[0].sql} THEN ${c.args[1].sql} ELSE ${c.args[2].sql} END)`; },
  NVL: (c) => { arity(c, 2); return `COALESCE(${list(c)})`; },
  IFNULL: (c) => { arity(c, 2); return `COALESCE(${list(c)})`; },
  NVL2: (c) => { arity(c, 3); return `(CASE WHEN ${c.args[0].sql} IS NOT NULL THEN ${c.args[1].sql} ELSE ${c.args[2].sql} END)`; },
  COALESCE: (c) => { arity(c, 2, 1000); return `COALESCE(${list(c)})`; },
  ZEROIFNULL: (c) => { arity(c, 1); return `COALESCE(${c.args[0].sql}, 0)`; },
  NULLIFZERO: (c) => { arity(c, 1); return `NULLIF(${c.args[0].sql}, 0)`; },
  EQUAL_NULL: (c) => { arity(c, 2); return `(${c.args[0].sql} IS NOT DISTINCT FROM ${c.args[1].sql})`; },
  DECODE: (c) => {
    arity(c, 3, 1000);
    const [expr, ...rest] = c.args;
    let sql = 'CASE';
    for (let i = 0; i + 1 < rest.length; i += 2) sql += ` WHEN ${expr.sql} IS NOT DISTINCT FROM ${rest[i].sql} THEN ${rest[i + 1].sql}`;
    return `(${sql}${rest.length % 2 ? ` ELSE ${rest[rest.length - 1].sql}` : ''} END)`;
  },
  // GREATEST / LEAST return NULL when any argument is NULL.
  GREATEST: (c) => `(CASE WHEN ${c.args.map((a) => `${a.sql} IS NULL`).join(' OR ')} THEN NULL ELSE GREATEST(${list(c)}) END)`,
  LEAST: (c) => `(CASE WHEN ${c.args.map((a) => `${a.sql} IS NULL`).join(' OR ')} THEN NULL ELSE LEAST(${list(c)}) END)`,
  // DIV0 returns 0 for a zero divisor, DIV0NULL also for a NULL divisor. Source: …/functions/div0, …/div0null
  DIV0: (c) => { arity(c, 2); return `(CASE WHEN ${c.args[1].sql} = 0 THEN 0 ELSE SF_DIV(${list(c)}) END)`; },
  DIV0NULL: (c) => { arity(c, 2); return `(CASE WHEN ${c.args[1].sql} = 0 OR ${c.args[1].sql} IS NULL THEN 0 ELSE SF_DIV(${list(c)}) END)`; },

  // Date and time. Sources: …/functions/dateadd, …/datediff, …/date_trunc, …/last_day, …/add_months, …/date_part
  DATEADD: dateAdd, TIMEADD: dateAdd, TIMESTAMPADD: dateAdd,
  DATEDIFF: dateDiff, TIMEDIFF: dateDiff, TIMESTAMPDIFF: dateDiff,
  DATE_TRUNC: (c) => { arity(c, 2); return `SF_DATE_TRUNC('${truncPart(datePart(c.args[0], 'DATE_TRUNC'))}', ${c.args[1].sql})`; },
  TRUNC: truncate, TRUNCATE: truncate,
  DATE_PART: (c) => { arity(c, 2); return extractPart(datePart(c.args[0], 'DATE_PART', [...PARTS.values()]), c.args[1].sql); },
  LAST_DAY: (c) => {
    arity(c, 1, 2);
    const part = c.args[1] ? datePart(c.args[1], 'LAST_DAY', ['year', 'quarter', 'month', 'week']) : 'month';
    const x = `CAST(${c.args[0].sql} AS DATE)`;
    if (part === 'month') return `last_day(${x})`;
    if (part === 'week') return `CAST(date_trunc('week', ${x}) + INTERVAL 6 DAY AS DATE)`;
    return `CAST(date_trunc('${part}', ${x}) + to_months(${part === 'year' ? 12 : 3}) - INTERVAL 1 DAY AS DATE)`;
  },
  ADD_MONTHS: (c) => { arity(c, 2); return `SF_ADD_MONTHS(${c.args[0].sql}, CAST(round(${c.args[1].sql}) AS INTEGER))`; },
  YEAR: part('year'), QUARTER: part('quarter'), MONTH: part('month'), WEEK: part('week'), WEEKOFYEAR: part('week'),
  WEEKISO: part('weekiso'), DAY: part('day'), DAYOFMONTH: part('day'), DAYOFWEEK: part('dayofweek'), DAYOFWEEKISO: part('dayofweekiso'),
  DAYOFYEAR: part('dayofyear'), YEAROFWEEK: part('yearofweek'), YEAROFWEEKISO: part('yearofweekiso'),
  HOUR: part('hour'), MINUTE: part('minute'), SECOND: part('second'),
  // DAYNAME / MONTHNAME answer three-letter names ('Mon', 'Jan').
  DAYNAME: (c) => { arity(c, 1); return `left(dayname(${c.args[0].sql}), 3)`; },
  MONTHNAME: (c) => { arity(c, 1); return `left(monthname(${c.args[0].sql}), 3)`; },
  DATE_FROM_PARTS: (c) => { arity(c, 3); return `make_date(${c.args.map((a) => `CAST(${a.sql} AS BIGINT)`).join(', ')})`; },
  DATEFROMPARTS: (c) => { arity(c, 3); return `make_date(${c.args.map((a) => `CAST(${a.sql} AS BIGINT)`).join(', ')})`; },
  TIMESTAMP_FROM_PARTS: timestampFromParts, TIMESTAMP_NTZ_FROM_PARTS: timestampFromParts, TIMESTAMPFROMPARTS: timestampFromParts,
  TIME_FROM_PARTS: (c) => { arity(c, 3, 4); return `make_time(CAST(${c.args[0].sql} AS BIGINT), CAST(${c.args[1].sql} AS BIGINT), CAST(${c.args[2].sql} AS DOUBLE)${c.args[3] ? ` + CAST(${c.args[3].sql} AS DOUBLE) / 1e9` : ''})`; },
  CONVERT_TIMEZONE: (c) => {
    arity(c, 2, 3);
    // Three arguments: a TIMESTAMP_NTZ from the source zone's wall clock to the target's.
    if (c.args.length === 3) return `timezone(${c.args[1].sql}, timezone(${c.args[0].sql}, SF_TO_TIMESTAMP_NTZ(${c.args[2].sql})))`;
    return `timezone(${c.args[0].sql}, SF_TO_TIMESTAMP_LTZ(${c.args[1].sql}))`;
  },
  CURRENT_DATE: (c) => { arity(c, 0); return 'CURRENT_DATE'; },
  CURRENT_TIME: (c) => { arity(c, 0, 1); return 'CAST(CURRENT_TIMESTAMP AS TIME)'; },
  CURRENT_TIMESTAMP: (c) => { arity(c, 0, 1); return 'CURRENT_TIMESTAMP'; },
  LOCALTIMESTAMP: (c) => { arity(c, 0, 1); return 'CURRENT_TIMESTAMP'; },
  GETDATE: (c) => { arity(c, 0); return 'CURRENT_TIMESTAMP'; },
  SYSTIMESTAMP: (c) => { arity(c, 0); return 'CURRENT_TIMESTAMP'; },
  // SYSDATE: the current UTC time as TIMESTAMP_NTZ.
  SYSDATE: (c) => { arity(c, 0); return `CAST(timezone('UTC', CURRENT_TIMESTAMP) AS TIMESTAMP)`; },

  // Conversion.
  TO_DATE: (c) => toDate(c, true), DATE: (c) => toDate(c, true), TRY_TO_DATE: (c) => toDate(c, false),
  TO_TIMESTAMP: toTimestamp('NTZ', true), TO_TIMESTAMP_NTZ: toTimestamp('NTZ', true),
  TO_TIMESTAMP_LTZ: toTimestamp('LTZ', true), TO_TIMESTAMP_TZ: toTimestamp('TZ', true),
  TRY_TO_TIMESTAMP: toTimestamp('NTZ', false), TRY_TO_TIMESTAMP_NTZ: toTimestamp('NTZ', false),
  TRY_TO_TIMESTAMP_LTZ: toTimestamp('LTZ', false), TRY_TO_TIMESTAMP_TZ: toTimestamp('TZ', false),
  TO_TIME: (c) => { arity(c, 1); return `CAST(${c.args[0].sql} AS TIME)`; },
  TIME: (c) => { arity(c, 1); return `CAST(${c.args[0].sql} AS TIME)`; },
  TRY_TO_TIME: (c) => { arity(c, 1); return `TRY_CAST(${c.args[0].sql} AS TIME)`; },
  TO_NUMBER: toNumber(true), TO_DECIMAL: toNumber(true), TO_NUMERIC: toNumber(true),
  TRY_TO_NUMBER: toNumber(false), TRY_TO_DECIMAL: toNumber(false), TRY_TO_NUMERIC: toNumber(false),
  TO_DOUBLE: (c) => { arity(c, 1); return `CAST(SF_NUMERIC_TEXT(${c.args[0].sql}) AS DOUBLE)`; },
  TRY_TO_DOUBLE: (c) => { arity(c, 1); return `TRY_CAST(SF_NUMERIC_TEXT(${c.args[0].sql}) AS DOUBLE)`; },
  TO_BOOLEAN: (c) => { arity(c, 1); return `SF_TO_BOOLEAN(${c.args[0].sql})`; },
  TRY_TO_BOOLEAN: (c) => { arity(c, 1); return `SF_TRY_TO_BOOLEAN(${c.args[0].sql})`; },
  TO_VARCHAR: toChar, TO_CHAR: toChar,
  TO_BINARY: (c) => toBinary(c, false), TRY_TO_BINARY: (c) => toBinary(c, true),
  TO_VARIANT: (c) => { arity(c, 1); return `to_json(${c.args[0].sql})`; },

  // Semi-structured.
  PARSE_JSON: (c) => { arity(c, 1); return `SF_PARSE_JSON(${c.args[0].sql})`; },
  TRY_PARSE_JSON: (c) => { arity(c, 1); return `SF_TRY_PARSE_JSON(${c.args[0].sql})`; },
  TO_JSON: (c) => { arity(c, 1); return `CAST(to_json(${c.args[0].sql}) AS VARCHAR)`; },
  CHECK_JSON: (c) => { arity(c, 1); return `(CASE WHEN ${c.args[0].sql} IS NULL OR json_valid(SF_TO_VARCHAR(${c.args[0].sql})) THEN NULL ELSE 'invalid JSON' END)`; },
  OBJECT_CONSTRUCT: objectConstruct(false),
  OBJECT_CONSTRUCT_KEEP_NULL: objectConstruct(true),
  OBJECT_KEYS: (c) => { arity(c, 1); return `to_json(json_keys(to_json(${c.args[0].sql})))`; },
  ARRAY_CONSTRUCT: (c) => (c.args.length ? `json_array(${c.args.map((a) => `to_json(${a.sql})`).join(', ')})` : `CAST('[]' AS JSON)`),
  ARRAY_CONSTRUCT_COMPACT: (c) => `to_json(list_filter([${c.args.map((a) => `to_json(${a.sql})`).join(', ')}]::JSON[], e -> e IS NOT NULL))`,
  // ARRAY_SIZE: the number of elements; NULL for a VARIANT that holds no array.
  ARRAY_SIZE: (c) => { arity(c, 1); return `(CASE WHEN json_type(to_json(${c.args[0].sql})) = 'ARRAY' THEN json_array_length(to_json(${c.args[0].sql})) END)`; },
  ARRAY_CONTAINS: (c) => { arity(c, 2); return `list_contains(CAST(json_extract(to_json(${c.args[1].sql}), '$[*]') AS JSON[]), to_json(${c.args[0].sql}))`; },
  ARRAY_TO_STRING: (c) => { arity(c, 2); return `array_to_string(json_extract_string(to_json(${c.args[0].sql}), '$[*]'), ${c.args[1].sql})`; },
  // ARRAY_AGG leaves NULL values out and answers an ARRAY. Source: …/functions/array_agg
  ARRAY_AGG: arrayAgg, ARRAYAGG: arrayAgg,
  OBJECT_AGG: (c) => {
    arity(c, 2);
    const entries = `list({'k': CAST(${c.args[0].sql} AS VARCHAR), 'v': to_json(${c.args[1].sql})}) FILTER (WHERE ${c.args[0].sql} IS NOT NULL AND ${c.args[1].sql} IS NOT NULL)${c.over ? ` ${c.over}` : ''}`;
    return `CAST(coalesce(to_json(map_from_entries(${entries})), '{}') AS JSON)`;
  },
  GET: (c) => { arity(c, 2); return c.args[1].number !== undefined ? `json_extract(to_json(${c.args[0].sql}), '$[${c.args[1].number}]')` : `SF_GET(to_json(${c.args[0].sql}), ${c.args[1].sql})`; },
  GET_PATH: (c) => {
    arity(c, 2);
    if (c.args[1].literal === undefined) throw unsupported('GET_PATH with a path that is not a string literal');
    return `json_extract(to_json(${c.args[0].sql}), ${quote(jsonPath(c.args[1].literal))})`;
  },
  TYPEOF: (c) => { arity(c, 1); return `SF_TYPEOF(to_json(${c.args[0].sql}))`; },
  IS_NULL_VALUE: (c) => { arity(c, 1); return `(json_type(to_json(${c.args[0].sql})) = 'NULL')`; },
  IS_ARRAY: (c) => { arity(c, 1); return `(json_type(to_json(${c.args[0].sql})) = 'ARRAY')`; },
  IS_OBJECT: (c) => { arity(c, 1); return `(json_type(to_json(${c.args[0].sql})) = 'OBJECT')`; },
  FLATTEN: flatten,
  TABLE: (c) => { arity(c, 1); return c.args[0].sql; },
  // TABLE(GENERATOR(ROWCOUNT => n)): n rows with no columns of their own (SEQ4() numbers them).
  GENERATOR: (c) => {
    const rows = c.named.ROWCOUNT;
    if (!rows || rows.number === undefined) throw unsupported('GENERATOR without a constant ROWCOUNT');
    return `range(${rows.number})`;
  },

  // Strings. Sources: …/functions/concat, …/split_part, …/charindex, …/regexp_replace, …/regexp_substr, …/rlike
  CONCAT: (c) => (c.args.length ? `(${c.args.map((a) => `CAST(${a.sql} AS VARCHAR)`).join(' || ')})` : `''`),
  CONCAT_WS: (c) => { arity(c, 2, 1000); return `(CASE WHEN ${c.args.map((a) => `${a.sql} IS NULL`).join(' OR ')} THEN NULL ELSE concat_ws(${list(c)}) END)`; },
  SPLIT: (c) => { arity(c, 2); return `to_json(string_split(${list(c)}))`; },
  // SPLIT_PART: part 0 is read as 1; negative parts count from the end.
  SPLIT_PART: (c) => { arity(c, 3); return `split_part(${c.args[0].sql}, ${c.args[1].sql}, CASE WHEN ${c.args[2].sql} = 0 THEN 1 ELSE ${c.args[2].sql} END)`; },
  SUBSTR: substr, SUBSTRING: substr,
  REPLACE: (c) => { arity(c, 2, 3); return `replace(${c.args[0].sql}, ${c.args[1].sql}, ${c.args[2]?.sql ?? `''`})`; },
  CHARINDEX: charIndex,
  POSITION: charIndex,
  STARTSWITH: (c) => { arity(c, 2); return `starts_with(${list(c)})`; },
  ENDSWITH: (c) => { arity(c, 2); return `ends_with(${list(c)})`; },
  CONTAINS: (c) => { arity(c, 2); return `contains(${list(c)})`; },
  INITCAP: (c) => { arity(c, 1); return `array_to_string(list_transform(string_split(lower(${c.args[0].sql}), ' '), w -> upper(left(w, 1)) || substr(w, 2)), ' ')`; },
  // Snowflake regular expressions: REGEXP_REPLACE replaces every match by default; RLIKE / REGEXP_LIKE match the whole string.
  REGEXP_REPLACE: (c) => {
    arity(c, 2, 3);
    return `regexp_replace(${c.args[0].sql}, ${c.args[1].sql}, ${c.args[2]?.sql ?? `''`}, 'g')`;
  },
  REGEXP_LIKE: (c) => { arity(c, 2); return `regexp_full_match(${list(c)})`; },
  RLIKE: (c) => { arity(c, 2); return `regexp_full_match(${list(c)})`; },
  REGEXP_SUBSTR: (c) => {
    arity(c, 2);
    return `(CASE WHEN regexp_matches(${c.args[0].sql}, ${c.args[1].sql}) THEN regexp_extract(${c.args[0].sql}, ${c.args[1].sql}) END)`;
  },
  REGEXP_COUNT: (c) => { arity(c, 2); return `len(regexp_extract_all(${list(c)}))`; },
  EDITDISTANCE: (c) => { arity(c, 2); return `levenshtein(${list(c)})`; },
  UUID_STRING: (c) => { arity(c, 0); return 'CAST(uuid() AS VARCHAR)'; },
  MD5_HEX: same('md5'), SHA1_HEX: same('sha1'), SHA1: same('sha1'),
  SHA2: (c) => { arity(c, 1, 2); if (c.args[1] && c.args[1].number !== 256) throw unsupported(`SHA2 with ${c.args[1].sql} bits`); return `sha256(${c.args[0].sql})`; },
  SHA2_HEX: (c) => { arity(c, 1, 2); if (c.args[1] && c.args[1].number !== 256) throw unsupported(`SHA2 with ${c.args[1].sql} bits`); return `sha256(${c.args[0].sql})`; },
  BASE64_ENCODE: (c) => { arity(c, 1); return `to_base64(encode(${c.args[0].sql}))`; },
  BASE64_DECODE_STRING: (c) => { arity(c, 1); return `decode(from_base64(${c.args[0].sql}))`; },
  HEX_ENCODE: (c) => { arity(c, 1); return `hex(${c.args[0].sql})`; },
  HEX_DECODE_STRING: (c) => { arity(c, 1); return `decode(unhex(${c.args[0].sql}))`; },

  // Numbers. Sources: …/functions/trunc, …/square, …/random, …/uniform
  SQUARE: (c) => { arity(c, 1); return `pow(${c.args[0].sql}, 2)`; },
  CEILING: same('ceil'),
  BOOLAND_AGG: same('bool_and'), BOOLOR_AGG: same('bool_or'),
  SKEW: same('skewness'),
  RANDOM: (c) => { arity(c, 0, 1); return 'CAST(floor((random() * 2 - 1) * 9.2e18) AS BIGINT)'; },
  UNIFORM: (c) => { arity(c, 3); return `SF_UNIFORM(${list(c)})`; },
  SEQ1: seq, SEQ2: seq, SEQ4: seq, SEQ8: seq,
  LISTAGG: (c) => {
    arity(c, 1, 2);
    return `string_agg(${c.argsSql.trim() ? c.argsSql : ''}${c.args.length === 1 ? `, ''` : ''}${c.withinGroup ? ` ${c.withinGroup}` : ''})`;
  },

  // Context. Source: …/functions-context
  CURRENT_USER: (c) => { arity(c, 0); return c.session.user ? quote(c.session.user) : 'NULL'; },
  CURRENT_ROLE: (c) => { arity(c, 0); return c.session.role ? quote(c.session.role) : 'NULL'; },
  CURRENT_WAREHOUSE: (c) => { arity(c, 0); return c.session.warehouse ? quote(c.session.warehouse) : 'NULL'; },
  // A session without a database is on DuckDB's own "memory" database: Snowflake answers NULL there.
  // Names as Snowflake shows them, without the marker DuckDB keeps lower-case letters behind (names.ts).
  CURRENT_DATABASE: (c) => { arity(c, 0); return `replace(nullif(current_database(), 'memory'), chr(57344), '')`; },
  CURRENT_SCHEMA: (c) => { arity(c, 0); return `CASE WHEN current_database() = 'memory' THEN NULL ELSE replace(current_schema(), chr(57344), '') END`; },
  CURRENT_ACCOUNT: (c) => { arity(c, 0); return `'SANDBOX'`; },
  CURRENT_REGION: (c) => { arity(c, 0); return `'SANDBOX'`; },
};

/** Functions whose DuckDB namesake has Snowflake's semantics for the arguments flows use. */
export const PASSTHROUGH = new Set([
  'COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'COUNT_IF', 'ANY_VALUE', 'MEDIAN', 'MODE', 'STDDEV', 'STDDEV_SAMP', 'STDDEV_POP',
  'VARIANCE', 'VARIANCE_SAMP', 'VARIANCE_POP', 'VAR_SAMP', 'VAR_POP', 'CORR', 'COVAR_POP', 'COVAR_SAMP', 'APPROX_COUNT_DISTINCT',
  'KURTOSIS', 'PERCENTILE_CONT', 'PERCENTILE_DISC',
  'ROW_NUMBER', 'RANK', 'DENSE_RANK', 'PERCENT_RANK', 'CUME_DIST', 'NTILE', 'LAG', 'LEAD', 'FIRST_VALUE', 'LAST_VALUE', 'NTH_VALUE',
  'ABS', 'CEIL', 'FLOOR', 'ROUND', 'SIGN', 'SQRT', 'CBRT', 'POWER', 'POW', 'EXP', 'LN', 'LOG', 'MOD', 'PI', 'DEGREES', 'RADIANS',
  'SIN', 'COS', 'TAN', 'ASIN', 'ACOS', 'ATAN', 'ATAN2', 'FACTORIAL',
  'UPPER', 'LOWER', 'TRIM', 'LTRIM', 'RTRIM', 'LENGTH', 'LEN', 'LEFT', 'RIGHT', 'LPAD', 'RPAD', 'REVERSE', 'REPEAT', 'ASCII', 'CHR',
  'TRANSLATE', 'MD5', 'NULLIF', 'HASH',
]);

/** Aggregates translated into a wrapped DuckDB aggregate: a window clause goes inside the wrapper. */
export const OVER_INSIDE = new Set(['ARRAY_AGG', 'ARRAYAGG', 'OBJECT_AGG']);

function arrayAgg(c: Call): string {
  arity(c, 1);
  const value = c.args[0].sql.replace(/^DISTINCT\s+/i, '');
  return `to_json(list(${c.argsSql}${c.withinGroup ? ` ${c.withinGroup}` : ''}) FILTER (WHERE ${value} IS NOT NULL)${c.over ? ` ${c.over}` : ''})`;
}

/** CAST and TRY_CAST are parsed by the translator (their argument is `<expr> AS <type>`). */
export const CAST_FUNCTIONS = new Set(['CAST', 'TRY_CAST']);

function part(name: string): Translation {
  return (c) => { arity(c, 1); return extractPart(name, c.args[0].sql); };
}

function truncPart(part: string): string {
  if (part === 'nanosecond') return 'microsecond';
  return part;
}

function dateAdd(c: Call): string {
  arity(c, 3);
  const unit = datePart(c.args[0], c.name);
  const macro = CALENDAR_PARTS.includes(unit) ? 'SF_DATEADD_D' : 'SF_DATEADD_T';
  return `${macro}(${c.args[2].sql}, ${interval(unit, c.args[1].sql)})`;
}

/** DATEDIFF counts the unit boundaries crossed (2010-12-31 → 2011-01-01 is one year); weeks start on Monday. */
function dateDiff(c: Call): string {
  arity(c, 3);
  const unit = datePart(c.args[0], c.name);
  const [a, b] = [`SF_AS_TS(${c.args[1].sql})`, `SF_AS_TS(${c.args[2].sql})`];
  if (unit === 'week') return `(date_diff('day', date_trunc('week', ${a}), date_trunc('week', ${b})) // 7)`;
  if (unit === 'nanosecond') return `(date_diff('microsecond', ${a}, ${b}) * 1000)`;
  return `date_diff('${unit}', ${a}, ${b})`;
}

/** TRUNC(<date>, '<part>') is DATE_TRUNC with its arguments swapped; TRUNC(<number>[, <scale>]) truncates digits. */
function truncate(c: Call): string {
  arity(c, 1, 2);
  if (c.args[1] && (c.args[1].literal !== undefined || c.args[1].word !== undefined) && isDatePart(c.args[1])) {
    return `SF_DATE_TRUNC('${truncPart(datePart(c.args[1], c.name))}', ${c.args[0].sql})`;
  }
  return c.args[1] ? `trunc(${c.args[0].sql}, ${c.args[1].sql})` : `trunc(${c.args[0].sql})`;
}

function timestampFromParts(c: Call): string {
  arity(c, 6, 7);
  const [y, mo, d, h, mi, s, ns] = c.args.map((a) => a.sql);
  return `make_timestamp(CAST(${y} AS BIGINT), CAST(${mo} AS BIGINT), CAST(${d} AS BIGINT), CAST(${h} AS BIGINT), CAST(${mi} AS BIGINT), CAST(${s} AS DOUBLE)${ns ? ` + CAST(${ns} AS DOUBLE) / 1e9` : ''})`;
}

function substr(c: Call): string {
  arity(c, 2, 3);
  // A start position of 0 reads as 1.
  const start = `(CASE WHEN ${c.args[1].sql} = 0 THEN 1 ELSE ${c.args[1].sql} END)`;
  return c.args[2] ? `substring(${c.args[0].sql}, ${start}, ${c.args[2].sql})` : `substring(${c.args[0].sql}, ${start})`;
}

function charIndex(c: Call): string {
  arity(c, 2, 3);
  const [needle, haystack, start] = c.args;
  if (!start) return `strpos(${haystack.sql}, ${needle.sql})`;
  const rest = `strpos(substring(${haystack.sql}, ${start.sql}), ${needle.sql})`;
  return `(CASE WHEN ${rest} = 0 THEN 0 ELSE ${rest} + ${start.sql} - 1 END)`;
}

function toChar(c: Call): string {
  arity(c, 1, 2);
  const [x, format] = c.args;
  if (!format) return `SF_TO_VARCHAR(${x.sql})`;
  if (format.literal === undefined) throw unsupported(`${c.name} with a format that is not a string literal`);
  if (/^[9$0.,SMIEXFBL]+$/i.test(format.literal) && /[90]/.test(format.literal)) throw unsupported(`Number format models (${c.name}(<number>, '${format.literal}'))`);
  return `strftime(${x.sql}, ${quote(convertFormat(format.literal).print)})`;
}

function toBinary(c: Call, tryIt: boolean): string {
  arity(c, 1, 2);
  const format = (c.args[1]?.literal ?? 'HEX').toUpperCase();
  const x = c.args[0].sql;
  if (format === 'HEX') return `SF_${tryIt ? 'TRY_' : ''}TO_BINARY(${x})`;
  if (format === 'BASE64') return `${tryIt ? 'TRY(' : '('}from_base64(${x}))`;
  if (format === 'UTF-8' || format === 'UTF8') return `encode(${x})`;
  throw fail(`invalid value [${format}] for parameter 'format' of ${c.name}`);
}

function seq(c: Call): string {
  arity(c, 0, 1);
  return '(ROW_NUMBER() OVER () - 1)';
}

// ---------------------------------------------------------------------------------------------------------------
// Helper macros, created in every session (TEMP, so each DuckDB connection has its own).
// ---------------------------------------------------------------------------------------------------------------
/** A time followed by a zone offset ('10:00:00 +02:00', '10:00Z'): group 1 is the time, group 4 the offset. */
const ZONE_SUFFIX = `'(\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?)\\s*(Z|[+-]\\d{2}(:?\\d{2})?)$'`;
const NUMERIC_TYPES = `('TINYINT','SMALLINT','INTEGER','BIGINT','HUGEINT','UTINYINT','USMALLINT','UINTEGER','UBIGINT','UHUGEINT')`;
const list_ = (patterns: string[]) => `[${patterns.map(quote).join(', ')}]`;
/**
 * The erroring twin of a TRY_ conversion macro: the same typed signatures, and text that does not convert raises the
 * error (DuckDB cannot bind an untyped macro that calls an overloaded one, so each signature is spelled out).
 */
function strict(name: string, tryName: string, types: string[], raise: string): string {
  const passThrough = types.map((t) => `(x ${t}) AS ${tryName}(x)`);
  return `${name}${passThrough.join(", ")}, (x VARCHAR) AS (CASE WHEN ${tryName}(x) IS NULL AND SF_UNQUOTE(x) IS NOT NULL THEN ${raise} ELSE ${tryName}(x) END)`;
}

const notRecognized = (code: string, what: string, x: string) => raiseSql(code, '22007', `'${what} ''' || SF_UNQUOTE(CAST(${x} AS VARCHAR)) || ''' is not recognized'`);

export const COMPAT_MACROS: string[] = [
  // Division: an error for a zero divisor (100051); exact operands round to scale max(S1, min(S1 + 6, 12)).
  // Source: https://docs.snowflake.com/en/sql-reference/operators-arithmetic
  `SF_EXACT(x) AS (typeof(x) LIKE 'DECIMAL(%' OR typeof(x) IN ${NUMERIC_TYPES})`,
  `SF_SCALE(x) AS (CASE WHEN typeof(x) LIKE 'DECIMAL(%' THEN CAST(regexp_extract(typeof(x), ',(\\d+)\\)', 1) AS INTEGER) ELSE 0 END)`,
  `SF_DIV(a, b) AS (CASE WHEN b = 0 THEN ${raiseSql('100051', '22012', `'Division by zero'`)}`
    + ` WHEN SF_EXACT(a) AND SF_EXACT(b) THEN round(CAST(a AS DOUBLE) / CAST(b AS DOUBLE), greatest(SF_SCALE(a), least(SF_SCALE(a) + 6, 12)))`
    + ` ELSE CAST(a AS DOUBLE) / CAST(b AS DOUBLE) END)`,
  // Text of any value as Snowflake prints it (a VARIANT string without its quotes, timestamps with milliseconds).
  `SF_TO_VARCHAR(x) AS (CASE typeof(x) WHEN 'JSON' THEN json_extract_string(to_json(x), '$')`
    + ` WHEN 'TIMESTAMP' THEN strftime(TRY_CAST(x AS TIMESTAMP), '%Y-%m-%d %H:%M:%S.%g')`
    + ` WHEN 'TIMESTAMP WITH TIME ZONE' THEN strftime(TRY_CAST(x AS TIMESTAMPTZ), '%Y-%m-%d %H:%M:%S.%g +0000')`
    + ` WHEN 'BLOB' THEN hex(TRY_CAST(x AS BLOB)) ELSE CAST(x AS VARCHAR) END)`,
  `SF_VARCHAR_N(x, n) AS (CASE WHEN length(SF_TO_VARCHAR(x)) > n THEN ${raiseSql('100078', '22000', `'String ''' || SF_TO_VARCHAR(x) || ''' is too long and would be truncated'`)} ELSE SF_TO_VARCHAR(x) END)`,
  `SF_TRY_VARCHAR_N(x, n) AS (CASE WHEN length(SF_TO_VARCHAR(x)) > n THEN NULL ELSE SF_TO_VARCHAR(x) END)`,
  // A VARIANT read as text for a conversion: '"2024-01-01"' → 2024-01-01, JSON null → NULL.
  `SF_UNQUOTE(s) AS (CASE WHEN left(s, 1) = '"' THEN json_extract_string(s, '$') WHEN s = 'null' THEN NULL ELSE s END)`,
  // A value as the text a numeric conversion reads (TRUE → 1).
  `SF_NUMERIC_TEXT(x) AS (CASE WHEN typeof(x) IN ('JSON', 'VARCHAR') THEN trim(SF_UNQUOTE(CAST(x AS VARCHAR)))`
    + ` WHEN typeof(x) = 'BOOLEAN' THEN CAST(CAST(TRY_CAST(x AS BOOLEAN) AS INTEGER) AS VARCHAR) ELSE CAST(x AS VARCHAR) END)`,
  // Booleans from text: 'true' / 't' / 'yes' / 'y' / 'on' / '1' and their opposites; numbers: 0 is FALSE.
  `SF_TRY_TO_BOOLEAN(x) AS (CASE WHEN x IS NULL THEN NULL WHEN typeof(x) = 'BOOLEAN' THEN TRY_CAST(x AS BOOLEAN)`
    + ` WHEN SF_EXACT(x) OR typeof(x) IN ('DOUBLE', 'FLOAT') THEN TRY_CAST(x AS DOUBLE) <> 0`
    + ` WHEN lower(trim(SF_TO_VARCHAR(x))) IN ('true', 't', 'yes', 'y', 'on', '1') THEN TRUE`
    + ` WHEN lower(trim(SF_TO_VARCHAR(x))) IN ('false', 'f', 'no', 'n', 'off', '0') THEN FALSE END)`,
  `SF_TO_BOOLEAN(x) AS (CASE WHEN SF_TRY_TO_BOOLEAN(x) IS NULL AND SF_UNQUOTE(CAST(x AS VARCHAR)) IS NOT NULL THEN ${raiseSql('100037', '22018', `'Boolean value ''' || SF_UNQUOTE(CAST(x AS VARCHAR)) || ''' is not recognized'`)} ELSE SF_TRY_TO_BOOLEAN(x) END)`,
  // Epoch values in strings: below 31536000000 seconds, then milliseconds, microseconds, nanoseconds.
  `SF_EPOCH_TS(n) AS (CASE WHEN abs(n) < 31536000000 THEN make_timestamp(CAST(n * 1000000 AS BIGINT))`
    + ` WHEN abs(n) < 31536000000000 THEN make_timestamp(CAST(n * 1000 AS BIGINT))`
    + ` WHEN abs(n) < 31536000000000000 THEN make_timestamp(CAST(n AS BIGINT)) ELSE make_timestamp(CAST(n // 1000 AS BIGINT)) END)`,
  // Text → TIMESTAMP_NTZ: a time-zone offset after the time is ignored (NTZ keeps the wall clock).
  `SF_STR_TS(s) AS (CASE WHEN regexp_full_match(trim(s), '-?[0-9]+') THEN SF_EPOCH_TS(CAST(trim(s) AS HUGEINT))`
    + ` ELSE coalesce(TRY_CAST(regexp_replace(trim(s), ${ZONE_SUFFIX}, '\\1') AS TIMESTAMP), CAST(try_strptime(trim(s), ${list_(AUTO_TIMESTAMP_PATTERNS)}) AS TIMESTAMP)) END)`,
  `SF_TRY_TO_DATE(x DATE) AS x, (x TIMESTAMP) AS CAST(x AS DATE), (x TIMESTAMPTZ) AS CAST(x AS DATE), (x TIMESTAMP_NS) AS CAST(x AS DATE),`
    + ` (x VARCHAR) AS (CASE WHEN regexp_full_match(trim(SF_UNQUOTE(x)), '-?[0-9]+') THEN CAST(SF_EPOCH_TS(CAST(trim(SF_UNQUOTE(x)) AS HUGEINT)) AS DATE)`
    + ` ELSE coalesce(TRY_CAST(trim(SF_UNQUOTE(x)) AS DATE), CAST(try_strptime(trim(SF_UNQUOTE(x)), ${list_(AUTO_DATE_PATTERNS)}) AS DATE)) END)`,
  strict('SF_TO_DATE', 'SF_TRY_TO_DATE', ['DATE', 'TIMESTAMP', 'TIMESTAMPTZ', 'TIMESTAMP_NS'], notRecognized('100040', 'Date', 'x')),
  `SF_TRY_TO_TIMESTAMP_NTZ(x DATE) AS CAST(x AS TIMESTAMP), (x TIMESTAMP) AS x, (x TIMESTAMPTZ) AS CAST(x AS TIMESTAMP), (x TIMESTAMP_NS) AS CAST(x AS TIMESTAMP),`
    + ` (x VARCHAR) AS SF_STR_TS(SF_UNQUOTE(x)), (x BIGINT) AS make_timestamp(x * 1000000), (x DOUBLE) AS make_timestamp(CAST(round(x * 1000000) AS BIGINT))`,
  strict('SF_TO_TIMESTAMP_NTZ', 'SF_TRY_TO_TIMESTAMP_NTZ', ['DATE', 'TIMESTAMP', 'TIMESTAMPTZ', 'TIMESTAMP_NS', 'BIGINT', 'DOUBLE'], notRecognized('100035', 'Timestamp', 'x')),
  `SF_TRY_TO_TIMESTAMP_LTZ(x DATE) AS CAST(x AS TIMESTAMPTZ), (x TIMESTAMP) AS CAST(x AS TIMESTAMPTZ), (x TIMESTAMPTZ) AS x, (x TIMESTAMP_NS) AS CAST(CAST(x AS TIMESTAMP) AS TIMESTAMPTZ),`
    + ` (x VARCHAR) AS (CASE WHEN regexp_full_match(trim(SF_UNQUOTE(x)), '-?[0-9]+') THEN CAST(SF_STR_TS(SF_UNQUOTE(x)) AS TIMESTAMPTZ)`
    + ` ELSE coalesce(TRY_CAST(regexp_replace(trim(SF_UNQUOTE(x)), ${ZONE_SUFFIX}, '\\1\\4') AS TIMESTAMPTZ), CAST(SF_STR_TS(SF_UNQUOTE(x)) AS TIMESTAMPTZ)) END),`
    + ` (x BIGINT) AS to_timestamp(x), (x DOUBLE) AS to_timestamp(x)`,
  strict('SF_TO_TIMESTAMP_LTZ', 'SF_TRY_TO_TIMESTAMP_LTZ', ['DATE', 'TIMESTAMP', 'TIMESTAMPTZ', 'TIMESTAMP_NS', 'BIGINT', 'DOUBLE'], notRecognized('100035', 'Timestamp', 'x')),
  `SF_TRY_TO_BINARY(x) AS (CASE WHEN regexp_full_match(SF_TO_VARCHAR(x), '([0-9A-Fa-f]{2})*') THEN unhex(SF_TO_VARCHAR(x)) END)`,
  `SF_TO_BINARY(x) AS (CASE WHEN SF_TRY_TO_BINARY(x) IS NULL AND x IS NOT NULL THEN ${raiseSql('100115', '22000', `'The following string is not a legal hex-encoded value: ''' || SF_TO_VARCHAR(x) || ''''`)} ELSE SF_TRY_TO_BINARY(x) END)`,
  // DATEADD keeps a DATE a DATE for calendar parts and makes it a TIMESTAMP_NTZ for clock parts; text is read as TIMESTAMP_NTZ.
  `SF_DATEADD_D(x DATE, i) AS CAST(x + i AS DATE), (x TIMESTAMP, i) AS x + i, (x TIMESTAMPTZ, i) AS x + i, (x VARCHAR, i) AS SF_TO_TIMESTAMP_NTZ(x) + i`,
  `SF_DATEADD_T(x DATE, i) AS CAST(x AS TIMESTAMP) + i, (x TIMESTAMP, i) AS x + i, (x TIMESTAMPTZ, i) AS x + i, (x TIME, i) AS x + i, (x VARCHAR, i) AS SF_TO_TIMESTAMP_NTZ(x) + i`,
  `SF_AS_TS(x DATE) AS CAST(x AS TIMESTAMP), (x TIMESTAMP) AS x, (x TIMESTAMPTZ) AS CAST(x AS TIMESTAMP), (x TIMESTAMP_NS) AS CAST(x AS TIMESTAMP), (x TIME) AS x, (x VARCHAR) AS SF_TO_TIMESTAMP_NTZ(x)`,
  // DATE_TRUNC answers the type it was given.
  `SF_DATE_TRUNC(p, x DATE) AS CAST(date_trunc(p, x) AS DATE), (p, x TIMESTAMP) AS date_trunc(p, x), (p, x TIMESTAMPTZ) AS date_trunc(p, x), (p, x VARCHAR) AS date_trunc(p, SF_TO_TIMESTAMP_NTZ(x))`,
  // ADD_MONTHS keeps the end of month: Jan 31 + 1 → Feb 29, Feb 29 + 1 → Mar 31. Source: …/functions/add_months
  `SF_ADD_MONTHS(x DATE, n) AS (CASE WHEN x = last_day(x) THEN last_day(CAST(x + to_months(n) AS DATE)) ELSE CAST(x + to_months(n) AS DATE) END),`
    + ` (x TIMESTAMP, n) AS (CASE WHEN CAST(x AS DATE) = last_day(x) THEN CAST(last_day(CAST(x + to_months(n) AS DATE)) AS TIMESTAMP) + (x - date_trunc('day', x)) ELSE x + to_months(n) END)`,
  // PARSE_JSON reads text (a VARIANT string is read as its text); empty text is NULL.
  `SF_PARSE_JSON(x) AS (CASE WHEN trim(SF_TO_VARCHAR(x)) = '' THEN NULL ELSE CAST(SF_TO_VARCHAR(x) AS JSON) END)`,
  `SF_TRY_PARSE_JSON(x) AS (CASE WHEN trim(SF_TO_VARCHAR(x)) = '' OR NOT json_valid(SF_TO_VARCHAR(x)) THEN NULL ELSE CAST(SF_TO_VARCHAR(x) AS JSON) END)`,
  `SF_GET(v, k VARCHAR) AS json_extract(v, '$."' || replace(replace(k, '\\', '\\\\'), '"', '\\"') || '"'), (v, k BIGINT) AS json_extract(v, '$[' || k || ']')`,
  `SF_TYPEOF(v) AS (CASE json_type(v) WHEN 'UBIGINT' THEN 'INTEGER' WHEN 'BIGINT' THEN 'INTEGER'`
    + ` WHEN 'DOUBLE' THEN (CASE WHEN regexp_matches(CAST(v AS VARCHAR), '[eE]') THEN 'DOUBLE' ELSE 'DECIMAL' END) WHEN 'NULL' THEN 'NULL_VALUE' ELSE json_type(v) END)`,
  // FLATTEN rows of one value: key, index, value and path of each element of an array or object.
  `SF_FLATTEN_ENTRIES(j, prefix, mode) AS (CASE`
    + ` WHEN json_type(j) = 'ARRAY' AND mode IN ('ARRAY', 'BOTH') THEN list_transform(CAST(json_extract(j, '$[*]') AS JSON[]), (v, n) -> {'k': NULL::VARCHAR, 'i': CAST(n - 1 AS BIGINT), 'v': v, 'p': prefix || '[' || (n - 1) || ']'})`
    + ` WHEN json_type(j) = 'OBJECT' AND mode IN ('OBJECT', 'BOTH') THEN list_transform(json_keys(j), k -> {'k': k, 'i': NULL::BIGINT,`
    + ` 'v': json_extract(j, '$."' || replace(replace(k, '\\', '\\\\'), '"', '\\"') || '"'),`
    + ` 'p': CASE WHEN regexp_full_match(k, '[A-Za-z_][A-Za-z0-9_]*') THEN (CASE WHEN prefix = '' THEN k ELSE prefix || '.' || k END) ELSE prefix || '[''' || k || ''']' END})`
    + ` ELSE [] END)`,
  `SF_UNIFORM(lo, hi, gen) AS CAST(floor(random() * (hi - lo + 1)) + lo AS BIGINT)`,
];
