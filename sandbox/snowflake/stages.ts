// Stages on the local file system: PUT / GET answered with the driver's LOCAL_FS stage type (the driver copies the
// files itself, file_transfer_agent.js), LIST / REMOVE, CREATE / DROP STAGE, and COPY INTO <table> FROM @stage for
// CSV (gzip or not) with load history per table. Snowflake's documentation followed:
//   https://docs.snowflake.com/en/sql-reference/sql/put, …/get, …/list, …/remove, …/create-stage
//   https://docs.snowflake.com/en/sql-reference/sql/copy-into-table (ON_ERROR, PURGE, FORCE, FILES, PATTERN, output)
//   https://docs.snowflake.com/en/user-guide/data-load-considerations-load (load metadata: a file with the same name
//   and checksum is skipped for 64 days unless FORCE = TRUE)
// What is not emulated is refused (unsupported()), never silently accepted: other file formats, transformations in
// COPY, MATCH_BY_COLUMN_NAME, VALIDATION_MODE, external stages.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { EngineSession, StatementResult } from './engine';
import { normaliseName, splitName } from './engine';
import { fromDuckName, quoteDuckName, toDuckName } from './names';
import { mapDuckDbError, sqlError, unsupported } from './errors';
import { RowType } from './encode';
import { STATEMENT_TYPE } from './statements';
import { significant, Token, tokenize } from './tokens';

/** CSV options of a file format (the subset the sandbox reads). */
interface CsvFormat { skipHeader: number; delimiter: string; enclosedBy: string | null; nullIf: string[]; emptyAsNull: boolean; errorOnColumnCountMismatch: boolean }

const DEFAULT_FORMAT: CsvFormat = { skipHeader: 0, delimiter: ',', enclosedBy: null, nullIf: ['\\N'], emptyAsNull: true, errorOnColumnCountMismatch: true };

interface StageDef { name: string; format: Partial<CsvFormat> }

/** The sandbox's stages and load history, shared by its sessions. */
export class StageStore {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-sf-stages-'));
  readonly stages = new Map<string, StageDef>();
  /** table (DB.SCHEMA.T) → stage file key → checksum of the loaded file. */
  readonly loadHistory = new Map<string, Map<string, string>>();

  clear(): void {
    this.stages.clear();
    this.loadHistory.clear();
    fs.rmSync(this.root, { recursive: true, force: true });
    fs.mkdirSync(this.root, { recursive: true });
  }

  close(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

interface Where { database: string; schema: string; user: string }

/** A stage reference resolved: its directory, the name LIST shows, the path inside it. */
interface StageRef { dir: string; label: string; prefix: string; def?: StageDef }

const notExists = (what: string) => sqlError('002003', '02000', `SQL compilation error:\n${what} does not exist or not authorized.`);

function qualified(name: string, where: Where): string[] {
  const parts = splitName(name).map(normaliseName);
  if (parts.length === 1) return [where.database, where.schema, parts[0]];
  if (parts.length === 2) return [where.database, parts[0], parts[1]];
  return parts;
}

/** @~, @%table, @name, @db.schema.name, each optionally followed by /path. */
async function resolveStage(store: StageStore, engine: EngineSession, ref: string, where: Where): Promise<StageRef> {
  let text = ref.trim();
  if (text.startsWith("'")) text = text.slice(1, -1);
  if (!text.startsWith('@')) throw sqlError('001003', '42000', `SQL compilation error:\nsyntax error line 1 unexpected '${text}'.`);
  text = text.slice(1);
  const slash = /^("[^"]*"|[^/])*/.exec(text)![0].length;
  const name = text.slice(0, slash);
  const prefix = text.slice(slash + 1);
  if (name === '~') return { dir: path.join(store.root, 'user', encodeURIComponent(where.user)), label: '', prefix };
  // A table stage: @%table, or @db.schema.%table with the namespace before the % as Snowflake writes it.
  const tableStage = /^((?:(?:"[^"]*"|[^."]+)\.){0,2})%(.+)$/.exec(name);
  if (tableStage) {
    const table = qualified(`${tableStage[1]}${tableStage[2]}`, where);
    if (!(await tableColumns(engine, table)).length) throw notExists(`Table '${table.join('.')}'`);
    return { dir: path.join(store.root, 'table', encodeURIComponent(table.join('.'))), label: '', prefix };
  }
  const full = qualified(name, where).join('.');
  const def = store.stages.get(full);
  if (!def) throw notExists(`Stage '${full}'`);
  return { dir: path.join(store.root, 'named', encodeURIComponent(full)), label: `${full.split('.').pop()!.toLowerCase()}/`, prefix, def };
}

async function tableColumns(engine: EngineSession, table: string[]): Promise<string[]> {
  return (await findTable(engine, table))?.columns ?? [];
}

/**
 * A table's columns and where DuckDB keeps it: a permanent table under its database and schema, a temporary table
 * of this session (Snowflake's CREATE TEMPORARY TABLE) in DuckDB's temp catalog.
 */
interface ColumnInfo { type: string; nullable: boolean }

async function findTable(engine: EngineSession, table: string[]): Promise<{ columns: string[]; types: Map<string, ColumnInfo>; at: string[] } | undefined> {
  const columnsAt = (at: string[]) => engine.catalog(
    'SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_catalog = ? AND table_schema = ? AND table_name = ? ORDER BY ordinal_position',
    at,
  );
  // Names as Snowflake resolves them in, as DuckDB keeps them (names.ts) to the catalog, as Snowflake's back.
  for (const at of [table.map(toDuckName), ['temp', 'main', toDuckName(table[2])]]) {
    const rows = await columnsAt(at);
    if (rows.length) {
      const columns = rows.map((r) => fromDuckName(String(r[0])));
      return { columns, types: new Map(rows.map((r, c) => [columns[c], { type: String(r[1]), nullable: r[2] !== 'NO' }])), at };
    }
  }
  return undefined;
}

/**
 * TRY_CAST of a VARCHAR column to a column type, as DuckDB's implicit cast converts it. DuckDB parses text into a wide
 * DECIMAL (> 18 digits, e.g. Snowflake's default NUMBER(38,0)) about 100 times slower than into DECIMAL(18, s), so
 * the narrow cast is tried first and the wide one only for values that do not fit.
 */
function fastTryCast(column: string, type: string): string {
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(type);
  if (decimal && Number(decimal[1]) > 18) {
    return `COALESCE(TRY_CAST(${column} AS DECIMAL(18,${decimal[2]}))::${type}, TRY_CAST(${column} AS ${type}))`;
  }
  return `TRY_CAST(${column} AS ${type})`;
}

/** Files of a stage under a prefix, as paths relative to the stage directory. */
function stageFiles(ref: StageRef): string[] {
  if (!fs.existsSync(ref.dir)) return [];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(ref.dir, full).split(path.sep).join('/'));
    }
  };
  walk(ref.dir);
  return out.filter((f) => f.startsWith(ref.prefix)).sort();
}

function result(columns: [string, 'text' | 'fixed'][], rows: (string | null)[][], where: Where, statementTypeId: number = STATEMENT_TYPE.SELECT): StatementResult {
  const rowType: RowType[] = columns.map(([name, type]) => ({
    name, type, scale: type === 'fixed' ? 0 : null, precision: type === 'fixed' ? 19 : null,
    length: type === 'text' ? 16777216 : null, byteLength: type === 'text' ? 16777216 : null,
    nullable: true, database: where.database, schema: where.schema, table: '', collation: null,
  }));
  return { statementTypeId, kind: 'SELECT', rowType, total: rows.length, readRows: (from, to) => rows.slice(from, to) };
}

// ---------------------------------------------------------------------------------------------------------------
// Options: KEY = value, KEY = ( … ), values as words, strings, numbers or lists
// ---------------------------------------------------------------------------------------------------------------

type OptionValue = string | string[] | { [key: string]: OptionValue };

function parseOptions(tokens: Token[], from = 0): { options: Record<string, OptionValue>; end: number } {
  const options: Record<string, OptionValue> = {};
  let i = from;
  while (i < tokens.length && tokens[i].text !== ')') {
    const key = tokens[i].text.toUpperCase();
    if (tokens[i + 1]?.text !== '=') throw sqlError('001003', '42000', `SQL compilation error:\nsyntax error line 1 unexpected '${tokens[i + 1]?.text ?? '<EOF>'}'.`);
    i += 2;
    if (tokens[i]?.text === '(') {
      // A nested option list (FILE_FORMAT = ( … )) or a value list (FILES = ('a', 'b')).
      if (tokens[i + 2]?.text === '=') {
        const inner = parseOptions(tokens, i + 1);
        options[key] = inner.options;
        i = inner.end + 1;
      } else {
        const list: string[] = [];
        i++;
        while (i < tokens.length && tokens[i].text !== ')') {
          if (tokens[i].text !== ',') list.push(literal(tokens[i]));
          i++;
        }
        options[key] = list;
        i++;
      }
    } else {
      options[key] = literal(tokens[i]);
      i++;
    }
    if (tokens[i]?.text === ',') i++;
  }
  return { options, end: i };
}

function literal(token: Token): string {
  if (token.kind === 'string') return token.text.slice(1, -1).replace(/''/g, "'").replace(/\\\\/g, '\\');
  return token.text.toUpperCase();
}

const flag = (value: OptionValue | undefined, fallback: boolean): boolean => (typeof value === 'string' ? value === 'TRUE' : fallback);

function csvFormat(value: OptionValue | undefined): Partial<CsvFormat> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw unsupported('A named FILE_FORMAT');
  const f = value as Record<string, OptionValue>;
  const type = String(f.TYPE ?? 'CSV');
  if (type !== 'CSV') throw unsupported(`FILE_FORMAT TYPE = ${type}`);
  const known = new Set(['TYPE', 'SKIP_HEADER', 'FIELD_DELIMITER', 'FIELD_OPTIONALLY_ENCLOSED_BY', 'NULL_IF', 'EMPTY_FIELD_AS_NULL', 'COMPRESSION', 'ERROR_ON_COLUMN_COUNT_MISMATCH']);
  for (const key of Object.keys(f)) if (!known.has(key)) throw unsupported(`The file format option ${key}`);
  const compression = String(f.COMPRESSION ?? 'AUTO');
  if (!['AUTO', 'GZIP', 'NONE'].includes(compression)) throw unsupported(`COMPRESSION = ${compression}`);
  const out: Partial<CsvFormat> = {};
  if (f.SKIP_HEADER !== undefined) out.skipHeader = Number(f.SKIP_HEADER);
  if (f.FIELD_DELIMITER !== undefined) out.delimiter = String(f.FIELD_DELIMITER);
  if (f.FIELD_OPTIONALLY_ENCLOSED_BY !== undefined) out.enclosedBy = f.FIELD_OPTIONALLY_ENCLOSED_BY === 'NONE' ? null : String(f.FIELD_OPTIONALLY_ENCLOSED_BY);
  if (f.NULL_IF !== undefined) out.nullIf = (Array.isArray(f.NULL_IF) ? f.NULL_IF : [f.NULL_IF]).map(String);
  if (f.EMPTY_FIELD_AS_NULL !== undefined) out.emptyAsNull = flag(f.EMPTY_FIELD_AS_NULL, true);
  if (f.ERROR_ON_COLUMN_COUNT_MISMATCH !== undefined) out.errorOnColumnCountMismatch = flag(f.ERROR_ON_COLUMN_COUNT_MISMATCH, true);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// PUT / GET: the reply tells the driver where the LOCAL_FS stage directory is; the driver moves the files
// ---------------------------------------------------------------------------------------------------------------

const FILE_URL = /^file:\/\/(.+)$/i;

function localPath(text: string): string {
  const raw = text.startsWith("'") ? text.slice(1, -1) : text;
  const match = FILE_URL.exec(raw);
  if (!match) throw sqlError('001003', '42000', `SQL compilation error:\nsyntax error line 1 unexpected '${raw}'.`);
  return match[1];
}

/** The data of a PUT / GET reply (protocols.md §1.10), or undefined when the statement is neither. */
export async function fileTransfer(store: StageStore, engine: EngineSession, sqlText: string, where: Where): Promise<Record<string, unknown> | undefined> {
  const match = /^\s*(PUT|GET)\s+('[^']*'|\S+)\s+('[^']*'|\S+)([\s\S]*)$/i.exec(sqlText.replace(/;\s*$/, ''));
  if (!match) return undefined;
  const command = match[1].toUpperCase();
  const { options } = parseOptions(significant(tokenize(match[4])));
  if (command === 'PUT') {
    const ref = await resolveStage(store, engine, match[3], where);
    const sourceCompression = String(options.SOURCE_COMPRESSION ?? 'AUTO_DETECT').toLowerCase();
    return {
      command: 'UPLOAD', src_locations: [localPath(match[2])], autoCompress: flag(options.AUTO_COMPRESS, true),
      sourceCompression, overwrite: flag(options.OVERWRITE, false), parallel: Number(options.PARALLEL ?? 4),
      stageInfo: { locationType: 'LOCAL_FS', location: path.join(ref.dir, ref.prefix), path: '', creds: {} },
      presignedUrls: [], encryptionMaterial: null, parameters: [], rowtype: [], rowset: [],
    };
  }
  const ref = await resolveStage(store, engine, match[2], where);
  const pattern = typeof options.PATTERN === 'string' ? new RegExp(`^(?:${options.PATTERN})$`) : undefined;
  const files = stageFiles(ref).filter((f) => !pattern || pattern.test(f));
  return {
    command: 'DOWNLOAD', src_locations: files, localLocation: localPath(match[3]), parallel: Number(options.PARALLEL ?? 10),
    stageInfo: { locationType: 'LOCAL_FS', location: ref.dir, path: '', creds: {} },
    presignedUrls: [], encryptionMaterial: [], parameters: [], rowtype: [], rowset: [],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// LIST / REMOVE / CREATE STAGE / DROP STAGE / COPY INTO
// ---------------------------------------------------------------------------------------------------------------

const md5 = (file: string) => createHash('md5').update(fs.readFileSync(file)).digest('hex');

/** Runs a stage command, or answers undefined when the statement is not one. */
export async function runStageCommand(store: StageStore, engine: EngineSession, sqlText: string, where: Where): Promise<StatementResult | undefined> {
  const sql = sqlText.replace(/;\s*$/, '');
  const words = significant(tokenize(sql)).filter((t) => t.kind === 'word').slice(0, 5).map((t) => t.text.toUpperCase());
  const list = /^\s*(LIST|LS|REMOVE|RM)\s+('[^']*'|\S+)([\s\S]*)$/i.exec(sql);
  if (list) {
    const ref = await resolveStage(store, engine, list[2], where);
    const { options } = parseOptions(significant(tokenize(list[3])));
    const pattern = typeof options.PATTERN === 'string' ? new RegExp(`^(?:${options.PATTERN})$`) : undefined;
    const files = stageFiles(ref).filter((f) => !pattern || pattern.test(`${ref.label}${f}`) || pattern.test(f));
    if (/^L/i.test(list[1])) {
      return result([['name', 'text'], ['size', 'fixed'], ['md5', 'text'], ['last_modified', 'text']], files.map((f) => {
        const stat = fs.statSync(path.join(ref.dir, f));
        return [`${ref.label}${f}`, String(stat.size), md5(path.join(ref.dir, f)), stat.mtime.toUTCString()];
      }), where);
    }
    for (const f of files) fs.rmSync(path.join(ref.dir, f));
    return result([['name', 'text'], ['result', 'text']], files.map((f) => [`${ref.label}${f}`, 'removed']), where);
  }
  const stageAt = words.indexOf('STAGE');
  if ((words[0] === 'CREATE' || words[0] === 'DROP') && stageAt > 0 && stageAt <= 3) return stageDdl(store, sql, where);
  if (words[0] === 'COPY' && words[1] === 'INTO') return copyInto(store, engine, sql, where);
  return undefined;
}

function stageDdl(store: StageStore, sql: string, where: Where): StatementResult {
  const tokens = significant(tokenize(sql));
  const upper = tokens.map((t) => t.text.toUpperCase());
  let i = upper.indexOf('STAGE') + 1;
  const ifClause = upper[i] === 'IF';
  if (ifClause) i += upper[i + 1] === 'NOT' ? 3 : 2;
  let name = tokens[i]?.text ?? '';
  while (tokens[i + 1]?.text === '.') { name += `.${tokens[i + 2].text}`; i += 2; }
  const full = qualified(name, where).join('.');
  const done = (text: string) => result([['status', 'text']], [[text]], where, STATEMENT_TYPE.DDL);
  if (upper[0] === 'DROP') {
    if (!store.stages.delete(full) && !ifClause) throw notExists(`Stage '${full}'`);
    fs.rmSync(path.join(store.root, 'named', encodeURIComponent(full)), { recursive: true, force: true });
    return done(`${full.split('.').pop()} successfully dropped.`);
  }
  const { options } = parseOptions(tokens, i + 1);
  for (const key of Object.keys(options)) if (!['FILE_FORMAT', 'COMMENT'].includes(key)) throw unsupported(`CREATE STAGE option ${key} (only internal stages)`);
  const exists = store.stages.has(full);
  if (exists && ifClause) return done(`${full.split('.').pop()} already exists, statement succeeded.`);
  if (exists && !upper.includes('REPLACE')) throw sqlError('002002', '42710', `SQL compilation error:\nObject '${full}' already exists.`);
  if (exists) fs.rmSync(path.join(store.root, 'named', encodeURIComponent(full)), { recursive: true, force: true });
  store.stages.set(full, { name: full, format: csvFormat(options.FILE_FORMAT) });
  return done(`Stage area ${full.split('.').pop()} successfully created.`);
}

/** One CSV record: its fields (null for NULL) and the line it starts on. */
interface CsvRecord { fields: (string | null)[]; line: number }

function parseCsv(text: string, format: CsvFormat): CsvRecord[] {
  const records: CsvRecord[] = [];
  const { delimiter, enclosedBy } = format;
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: (string | null)[] = [];
    for (;;) {
      let value = '';
      let enclosed = false;
      if (enclosedBy && text[i] === enclosedBy) {
        enclosed = true;
        i++;
        // Whole runs up to the next enclosing character (a doubled one is a literal), not character by character:
        // a warehouse-sized file would otherwise spend its time building strings.
        while (i < text.length) {
          const close = text.indexOf(enclosedBy, i);
          const end = close < 0 ? text.length : close;
          for (let nl = text.indexOf('\n', i); nl >= 0 && nl < end; nl = text.indexOf('\n', nl + 1)) line++;
          value += text.slice(i, end);
          if (close < 0) { i = text.length; break; }
          if (text[close + 1] === enclosedBy) { value += enclosedBy; i = close + 2; } else { i = close + 1; break; }
        }
      }
      let j = i;
      while (j < text.length && !text.startsWith(delimiter, j) && text[j] !== '\n' && text[j] !== '\r') j++;
      if (j > i) { value += text.slice(i, j); i = j; }
      const isNull = (!enclosed && value === '' && format.emptyAsNull) || format.nullIf.includes(value);
      fields.push(isNull ? null : value);
      if (text.startsWith(delimiter, i)) { i += delimiter.length; continue; }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') { i++; line++; }
      break;
    }
    records.push({ fields, line: start });
  }
  return records.slice(format.skipHeader);
}

interface FileOutcome { file: string; status: string; parsed: number; loaded: number; errorLimit: number; errors: number; firstError: string | null; firstLine: number | null }

async function copyInto(store: StageStore, engine: EngineSession, sql: string, where: Where): Promise<StatementResult> {
  const tokens = significant(tokenize(sql));
  let i = 2;
  let tableName = tokens[i].text;
  while (tokens[i + 1]?.text === '.') { tableName += `.${tokens[i + 2].text}`; i += 2; }
  i++;
  const table = qualified(tableName, where);
  const found = await findTable(engine, table);
  if (!found) throw notExists(`Table '${table.join('.')}'`);
  let { columns } = found;
  if (tokens[i]?.text === '(') {
    const listed: string[] = [];
    for (i++; tokens[i] && tokens[i].text !== ')'; i++) if (tokens[i].text !== ',') listed.push(normaliseName(tokens[i].text));
    columns = listed;
    i++;
  }
  if (tokens[i]?.text.toUpperCase() !== 'FROM') throw sqlError('001003', '42000', `SQL compilation error:\nsyntax error line 1 unexpected '${tokens[i]?.text ?? '<EOF>'}'.`);
  if (tokens[i + 1]?.text === '(') throw unsupported('COPY with a transformation (SELECT from a stage)');
  // The stage reference runs up to the first option (KEY =).
  const rest = sql.slice(sql.toUpperCase().indexOf('FROM', sql.toUpperCase().indexOf(tableName.toUpperCase()) + tableName.length) + 4).trim();
  const stageText = /^('[^']*'|\S+)/.exec(rest)![0];
  const ref = await resolveStage(store, engine, stageText, where);
  const { options } = parseOptions(significant(tokenize(rest.slice(stageText.length))));
  for (const key of Object.keys(options)) {
    if (!['FILE_FORMAT', 'ON_ERROR', 'PURGE', 'FORCE', 'FILES', 'PATTERN'].includes(key)) throw unsupported(`COPY option ${key}`);
  }
  const format: CsvFormat = { ...DEFAULT_FORMAT, ...ref.def?.format, ...csvFormat(options.FILE_FORMAT) };
  const onError = String(options.ON_ERROR ?? 'ABORT_STATEMENT');
  if (!['ABORT_STATEMENT', 'CONTINUE', 'SKIP_FILE'].includes(onError)) throw unsupported(`ON_ERROR = ${onError}`);
  const force = flag(options.FORCE, false);
  const purge = flag(options.PURGE, false);

  let files = stageFiles(ref);
  if (Array.isArray(options.FILES)) files = files.filter((f) => (options.FILES as string[]).some((wanted) => f === path.posix.join(ref.prefix, wanted)));
  if (typeof options.PATTERN === 'string') {
    const pattern = new RegExp(`^(?:${options.PATTERN})$`);
    files = files.filter((f) => pattern.test(f) || pattern.test(`${ref.label}${f}`));
  }
  const tableKey = table.join('.');
  const history = store.loadHistory.get(tableKey) ?? new Map<string, string>();
  const fileKey = (f: string) => `${ref.dir}|${f}`;
  const pending = files.map((f) => ({ f, sum: md5(path.join(ref.dir, f)) })).filter(({ f, sum }) => force || history.get(fileKey(f)) !== sum);
  if (!pending.length) return result([['status', 'text']], [['Copy executed with 0 files processed.']], where);

  // `target` is DuckDB SQL (names as DuckDB keeps them); statements through the engine name the table as Snowflake
  // does (a temporary table by its name alone: it comes first).
  const target = `${found.at.map((p) => `"${p.replace(/"/g, '""')}"`).join('.')} (${columns.map(quoteDuckName).join(', ')})`;
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const snowflakeTarget = `${(found.at[0] === 'temp' ? [table[2]] : table).map(quote).join('.')} (${columns.map(quote).join(', ')})`;
  const insertSql = `INSERT INTO ${snowflakeTarget} VALUES (${columns.map(() => '?').join(', ')})`;
  const insert = (rows: (string | null)[][]) => engine.execute(insertSql, Object.fromEntries(columns.map((_, c) => [String(c + 1), { type: 'TEXT', value: rows.map((r) => r[c]) }])) as never, { user: where.user, role: 'SYSADMIN', warehouse: '' });
  // Many rows go in through DuckDB's CSV reader over a file the sandbox writes from the rows it parsed (every value
  // enclosed, NULL an empty unenclosed field), so a warehouse-sized COPY is not slowed down by bind lists; the
  // semantics stay those of parseCsv above. The same implicit VARCHAR casts apply as to the bind path.
  const bulkInsert = async (rows: (string | null)[][]) => {
    if (rows.length < 1000) return insert(rows);
    const file = path.join(store.root, `.copy-${createHash('md5').update(`${Date.now()}${Math.random()}`).digest('hex')}.csv`);
    const out = fs.openSync(file, 'w');
    try {
      let text = '';
      for (const row of rows) {
        text += `${row.map((v) => (v === null ? '' : `"${v.replace(/"/g, '""')}"`)).join(',')}\n`;
        if (text.length > 1 << 22) { fs.writeSync(out, text); text = ''; }
      }
      fs.writeSync(out, text);
      fs.closeSync(out);
      const names = columns.map((_, c) => `C${c + 1}`);
      // Read as text (cannot fail). When every value converts and no NULL meets a NOT NULL column, one raw INSERT with
      // fast casts; otherwise the typed INSERT runs through the engine like any statement, so the conversion error is
      // Snowflake's and the transaction stays usable (DuckDB aborts a transaction on a failed raw statement).
      await engine.catalog(`CREATE OR REPLACE TEMP TABLE "__FG_COPY_ROWS" AS SELECT * FROM read_csv('${file.replace(/'/g, "''")}', auto_detect = false, header = false, delim = ',', quote = '"', escape = '"', allow_quoted_nulls = false, max_line_size = 1073741824, columns = {${names.map((n) => `'${n}': 'VARCHAR'`).join(', ')}})`);
      try {
        const info = columns.map((c) => found.types.get(c) ?? { type: 'VARCHAR', nullable: true });
        const casts = names.map((n, c) => fastTryCast(n, info[c].type));
        const problems = names.map((n, c) => `(${n} IS NOT NULL AND ${casts[c]} IS NULL)${info[c].nullable ? '' : ` OR ${n} IS NULL`}`).join(' OR ');
        const [[bad]] = await engine.catalog(`SELECT count(*) FROM temp.main."__FG_COPY_ROWS" WHERE ${problems}`);
        if (Number(bad) === 0) {
          await engine.catalog(`INSERT INTO ${target} SELECT ${casts.join(', ')} FROM temp.main."__FG_COPY_ROWS"`);
        } else {
          await engine.execute(`INSERT INTO ${snowflakeTarget} SELECT ${names.join(', ')} FROM __FG_COPY_ROWS`, undefined, { user: where.user, role: 'SYSADMIN', warehouse: '' });
        }
      } finally {
        await engine.catalog('DROP TABLE IF EXISTS temp.main."__FG_COPY_ROWS"');
      }
    } finally {
      fs.rmSync(file, { force: true });
    }
    return undefined;
  };
  const ownTransaction = !engine.inTransaction;
  if (ownTransaction) await engine.execute('BEGIN', undefined, { user: where.user, role: 'SYSADMIN', warehouse: '' });
  const outcomes: FileOutcome[] = [];
  try {
    for (const { f } of pending) {
      const raw = fs.readFileSync(path.join(ref.dir, f));
      const text = (raw[0] === 0x1f && raw[1] === 0x8b ? zlib.gunzipSync(raw) : raw).toString('utf8');
      const records = parseCsv(text, format);
      const name = `${ref.label}${f}`;
      const outcome: FileOutcome = { file: name, status: 'LOADED', parsed: records.length, loaded: 0, errorLimit: onError === 'CONTINUE' ? records.length : 1, errors: 0, firstError: null, firstLine: null };
      const good: (string | null)[][] = [];
      const fail = (message: string, line: number) => {
        outcome.errors++;
        if (outcome.firstError === null) { outcome.firstError = message; outcome.firstLine = line; }
        if (onError === 'ABORT_STATEMENT') {
          throw sqlError('100080', '22000', `${message}\n  File '${name}', line ${line}, character 1\n  If you would like to continue loading when an error is encountered, use other values such as 'SKIP_FILE' or 'CONTINUE' for the ON_ERROR option. For more information on loading options, please run 'info loading_data' in a SQL client.`, 'EXECUTION');
        }
      };
      for (const record of records) {
        if (record.fields.length !== columns.length && format.errorOnColumnCountMismatch) {
          fail(`Number of columns in file (${record.fields.length}) does not match that of the corresponding table (${columns.length}), use file format option error_on_column_count_mismatch=false to ignore this error`, record.line);
          continue;
        }
        good.push(record.fields.length === columns.length ? record.fields : columns.map((_, c) => record.fields[c] ?? null));
      }
      // Rows go in as one statement (all or nothing); when a value does not convert, ABORT_STATEMENT fails, SKIP_FILE
      // loads nothing of the file, CONTINUE goes row by row to keep the good rows and count the bad ones.
      if (good.length && !(outcome.errors && onError === 'SKIP_FILE')) {
        try {
          await bulkInsert(good);
          outcome.loaded = good.length;
        } catch (err) {
          if (onError === 'ABORT_STATEMENT') {
            const e = mapDuckDbError(err);
            throw sqlError(e.code, e.sqlState, `${e.message}\n  File '${name}'`, 'EXECUTION');
          }
          if (onError === 'SKIP_FILE') fail(mapDuckDbError(err).message, records[0]?.line ?? 1);
          else {
            const lines = records.filter((r) => r.fields.length === columns.length || !format.errorOnColumnCountMismatch).map((r) => r.line);
            for (let r = 0; r < good.length; r++) {
              try {
                await insert([good[r]]);
                outcome.loaded++;
              } catch (rowErr) {
                fail(mapDuckDbError(rowErr).message, lines[r]);
              }
            }
          }
        }
      }
      if (outcome.errors) outcome.status = onError === 'SKIP_FILE' ? 'LOAD_FAILED' : outcome.loaded ? 'PARTIALLY_LOADED' : 'LOAD_FAILED';
      outcomes.push(outcome);
    }
    if (ownTransaction) await engine.execute('COMMIT', undefined, { user: where.user, role: 'SYSADMIN', warehouse: '' });
  } catch (err) {
    if (ownTransaction) await engine.execute('ROLLBACK', undefined, { user: where.user, role: 'SYSADMIN', warehouse: '' }).catch(() => undefined);
    throw err;
  }
  for (const [n, outcome] of outcomes.entries()) {
    if (outcome.status === 'LOAD_FAILED') continue;
    history.set(fileKey(pending[n].f), pending[n].sum);
    if (purge) fs.rmSync(path.join(ref.dir, pending[n].f), { force: true });
  }
  store.loadHistory.set(tableKey, history);
  return result([
    ['file', 'text'], ['status', 'text'], ['rows_parsed', 'fixed'], ['rows_loaded', 'fixed'], ['error_limit', 'fixed'], ['errors_seen', 'fixed'],
    ['first_error', 'text'], ['first_error_line', 'fixed'], ['first_error_character', 'fixed'], ['first_error_column_name', 'text'],
  ], outcomes.map((o) => [
    o.file, o.status, String(o.parsed), String(o.loaded), String(o.errorLimit), String(o.errors),
    o.firstError, o.firstLine === null ? null : String(o.firstLine), o.firstLine === null ? null : '1', null,
  ]), where);
}
