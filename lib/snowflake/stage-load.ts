/**
 * Bulk loads through a stage, as Snowflake advises for large loads: rows written to gzip-compressed CSV files (chunked
 * by size), one PUT of them all to a user, table or named stage, one COPY INTO with ON_ERROR and PURGE; an upsert
 * COPYs into a temporary table and MERGEs once. Values only ever travel in the files, never in SQL text.
 *
 * Files are named after their content, so a re-run of the same rows (in the same order) puts files Snowflake's load
 * history already holds for the table: COPY skips them for 64 days and loads 0 rows.
 * https://docs.snowflake.com/en/user-guide/data-load-considerations-load
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type snowflake from 'snowflake-sdk';
import { columnsOf, dedupeByKeys, Record_ } from './batch';
import { SnowflakePool, withConnection } from './client';
import { execute, Row } from './execute';
import { columnIdentifier, IdentifierCase, resolvedName, tableIdentifier } from './identifiers';

export type StageKind = 'user' | 'table' | 'named';
export type OnError = 'ABORT_STATEMENT' | 'CONTINUE' | 'SKIP_FILE';
export const ON_ERRORS: OnError[] = ['ABORT_STATEMENT', 'CONTINUE', 'SKIP_FILE'];

export interface StageLoadOptions {
  columns?: string[];
  identifierCase?: IdentifierCase;
  stage?: { kind: StageKind; name?: string };
  /** Uncompressed CSV bytes per file before a new file is started. */
  fileBytes?: number;
  onError?: OnError;
  /** Remove files from the stage once loaded (and those the load history skipped). */
  purge?: boolean;
  deadlineMs?: number;
  onProgress?: (progress: LoadProgress) => void;
}

export interface LoadProgress { rowsWritten: number; filesWritten: number; filesPut: number; rowsLoaded: number }

/** One file's line of COPY's answer, as Snowflake names its columns. */
export interface CopyFileResult {
  file: string; status: string; rows_parsed: number; rows_loaded: number; error_limit: number; errors_seen: number;
  first_error: string | null; first_error_line: number | null; first_error_character: number | null; first_error_column_name: string | null;
}

export interface StageLoadResult {
  method: 'stage';
  rowsInserted: number;
  rowsUpdated: number;
  rowsParsed: number;
  rowsLoaded: number;
  errorsSeen: number;
  filesWritten: number;
  filesPut: number;
  /** Files the table's load history already held: not loaded again. */
  filesSkipped: number;
  stage: string;
  files: CopyFileResult[];
  statements: number;
  queryIds: string[];
}

export const DEFAULT_FILE_BYTES = 100 * 1024 * 1024;

/** A row value as a CSV field: NULL is an empty unenclosed field, every string is enclosed (so "" stays ''). */
export function csvField(value: unknown, column: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return `"${value.replace(/"/g, '""')}"`;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `"${String(value)}"`;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return `"${value.toISOString()}"`;
  if (Buffer.isBuffer(value)) return `"${value.toString('hex')}"`;
  throw Object.assign(new Error(`Column ${column} holds an object or array: a stage load writes CSV, which COPY does not parse as JSON; write VARIANT columns with the array-bind method`), { code: 'STAGE_STRUCTURED_VALUE' });
}

/** True when some value is an object or array (VARIANT): such rows stay on array binds. */
export function hasStructuredValues(rows: Record_[]): boolean {
  return rows.some((row) => Object.values(row).some((v) => v !== null && typeof v === 'object' && !(v instanceof Date) && !Buffer.isBuffer(v)));
}

export interface WrittenFile { localPath: string; name: string; rows: number; bytes: number }

/**
 * Rows → gzip CSV files in a private temporary directory, a new file every `fileBytes` of CSV. The columns are fixed
 * by the first rows (or the configured list); a later row with another key is refused rather than silently dropped.
 */
export class CsvFileWriter {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-sf-load-'));
  readonly files: WrittenFile[] = [];
  columns: string[] | undefined;
  rowsWritten = 0;
  private known = new Set<string>();
  private current: { out: zlib.Gzip; file: fs.WriteStream; hash: ReturnType<typeof createHash>; tmp: string; rows: number; bytes: number } | undefined;
  private pending = '';
  private failure: Error | undefined;

  constructor(private readonly fileBytes: number, configured?: string[]) {
    if (configured?.length) this.fix(configured);
  }

  private fix(columns: string[]): void {
    this.columns = columns;
    this.known = new Set(columns);
  }

  async add(rows: Record_[]): Promise<void> {
    if (!this.columns) this.fix(columnsOf(rows));
    const columns = this.columns!;
    for (const row of rows) {
      if (row === null || typeof row !== 'object' || Array.isArray(row)) throw Object.assign(new Error('Every row must be an object'), { code: 'BAD_ROW' });
      for (const key of Object.keys(row)) {
        if (!this.known.has(key)) throw Object.assign(new Error(`Row ${this.rowsWritten + 1} has column ${key}, which the first rows did not have: list every column in the node's Columns`), { code: 'STAGE_COLUMNS' });
      }
      this.pending += `${columns.map((c) => csvField(row[c], c)).join(',')}\n`;
      this.rowsWritten++;
      if (!this.current) this.open();
      this.current!.rows++;
      if (this.pending.length >= 1 << 20) await this.flush();
      if (this.current!.bytes + this.pending.length >= this.fileBytes) await this.close();
    }
  }

  private open(): void {
    const tmp = path.join(this.dir, `part-${this.files.length}.tmp`);
    const out = zlib.createGzip();
    const file = fs.createWriteStream(tmp);
    // A discarded load removes the directory under an open stream: that error is expected, others surface in close().
    file.on('error', (err) => { this.failure ??= err; });
    out.on('error', (err) => { this.failure ??= err; });
    out.pipe(file);
    this.current = { out, file, hash: createHash('sha256'), tmp, rows: 0, bytes: 0 };
  }

  private async flush(): Promise<void> {
    const c = this.current;
    if (!c || !this.pending) return;
    const chunk = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    c.hash.update(chunk);
    c.bytes += chunk.length;
    if (!c.out.write(chunk)) await new Promise((resolve) => c.out.once('drain', resolve));
  }

  /** Ends the current file; its name is its index and the hash of its CSV, so the same rows give the same name. */
  private async close(): Promise<void> {
    await this.flush();
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    await new Promise<void>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      c.file.once('finish', resolve).once('error', reject);
      c.out.end();
    });
    const name = `part${String(this.files.length + 1).padStart(5, '0')}_${c.hash.digest('hex').slice(0, 24)}.csv.gz`;
    const localPath = path.join(this.dir, name);
    fs.renameSync(c.tmp, localPath);
    this.files.push({ localPath, name, rows: c.rows, bytes: c.bytes });
  }

  async finish(): Promise<WrittenFile[]> {
    await this.close();
    return this.files;
  }

  discard(): void {
    this.current?.out.destroy();
    this.current?.file.destroy();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The stage reference (no quotes needed: names pass tableIdentifier, paths are [A-Za-z0-9_/]). */
export function stageLocation(table: string, stage: StageLoadOptions['stage'] = { kind: 'user' }): string {
  const target = tableIdentifier(table);
  const folder = `flowguard/${target.replace(/[^A-Za-z0-9_]+/g, '_')}`;
  if (stage.kind === 'user') return `@~/${folder}`;
  if (stage.kind === 'table') {
    const parts = target.match(/"(?:[^"]|"")+"|[^.]+/g)!;
    return `@${[...parts.slice(0, -1), `%${parts[parts.length - 1]}`].join('.')}/${folder}`;
  }
  if (!stage.name?.trim()) throw Object.assign(new Error('A named stage needs its name (Stage name)'), { code: 'NO_STAGE' });
  return `@${tableIdentifier(stage.name)}/${folder}`;
}

const FILE_FORMAT = "FILE_FORMAT = (TYPE = CSV COMPRESSION = GZIP FIELD_OPTIONALLY_ENCLOSED_BY = '\"' EMPTY_FIELD_AS_NULL = TRUE NULL_IF = ())";

const sqlString = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

function copyRow(row: Row): CopyFileResult {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    file: String(row.file), status: String(row.status), rows_parsed: Number(row.rows_parsed), rows_loaded: Number(row.rows_loaded),
    error_limit: Number(row.error_limit), errors_seen: Number(row.errors_seen), first_error: (row.first_error as string | null) ?? null,
    first_error_line: n(row.first_error_line), first_error_character: n(row.first_error_character),
    first_error_column_name: (row.first_error_column_name as string | null) ?? null,
  };
}

/** Reads "number of rows inserted/updated" from a MERGE result row. */
function mergeCounts(row: Row | undefined): { inserted: number; updated: number } {
  const value = (name: string): number => Number(Object.entries(row ?? {}).find(([k]) => k.toLowerCase() === name)?.[1] ?? 0);
  return { inserted: value('number of rows inserted'), updated: value('number of rows updated') };
}

/**
 * PUT the written files (one statement, a wildcard), COPY them into the table (insert) or into a temporary copy of it
 * and MERGE on the keys (upsert). Insert: 2 statements (3 when PURGE removes files the load history skipped);
 * upsert: 5. The local files are removed in any case.
 */
export async function loadFiles(pool: SnowflakePool, table: string, writer: CsvFileWriter, mode: 'insert' | 'upsert', keys: string[], options: StageLoadOptions = {}): Promise<StageLoadResult> {
  const files = await writer.finish();
  const columns = writer.columns ?? [];
  const location = stageLocation(table, options.stage);
  const result: StageLoadResult = {
    method: 'stage', rowsInserted: 0, rowsUpdated: 0, rowsParsed: 0, rowsLoaded: 0, errorsSeen: 0, filesWritten: files.length,
    filesPut: 0, filesSkipped: 0, stage: location, files: [], statements: 0, queryIds: [],
  };
  const progress = () => options.onProgress?.({ rowsWritten: writer.rowsWritten, filesWritten: files.length, filesPut: result.filesPut, rowsLoaded: result.rowsLoaded });
  try {
    if (!files.length) return result;
    const mode_ = options.identifierCase;
    const target = tableIdentifier(table);
    const ids = columns.map((c) => columnIdentifier(c, mode_));
    if (mode === 'upsert') {
      if (!keys.length) throw Object.assign(new Error('Upsert needs at least one key column'), { code: 'NO_KEYS' });
      const missing = keys.find((k) => !columns.some((c) => resolvedName(c, mode_) === resolvedName(k, mode_)));
      if (missing) throw Object.assign(new Error(`Key column ${missing} is not among the row columns`), { code: 'NO_KEYS' });
    }
    await withConnection(pool, async (connection: snowflake.Connection) => {
      const run = async (sqlText: string): Promise<Row[]> => {
        const r = await execute(connection, { sqlText, deadlineMs: options.deadlineMs });
        result.statements++;
        result.queryIds.push(r.queryId);
        return r.rows;
      };
      const put = await run(`PUT ${sqlString(`file://${writer.dir}/part*.csv.gz`)} ${location} AUTO_COMPRESS = FALSE SOURCE_COMPRESSION = GZIP OVERWRITE = TRUE`);
      result.filesPut = put.length;
      progress();
      const staging = mode === 'upsert' ? tableIdentifier(`FG_LOAD_${Date.now().toString(36).toUpperCase()}_${Math.floor(Math.random() * 1e6)}`) : undefined;
      if (staging) await run(`CREATE OR REPLACE TEMPORARY TABLE ${staging} LIKE ${target}`);
      try {
        const copy = await run([
          `COPY INTO ${staging ?? target} (${ids.join(', ')}) FROM ${location}`,
          `FILES = (${files.map((f) => sqlString(f.name)).join(', ')})`,
          FILE_FORMAT,
          `ON_ERROR = ${options.onError ?? 'ABORT_STATEMENT'}`,
          `PURGE = ${options.purge === false ? 'FALSE' : 'TRUE'}`,
        ].join(' '));
        // "Copy executed with 0 files processed." is one row without a file column.
        result.files = copy.filter((r) => r.file !== undefined).map(copyRow);
        for (const f of result.files) {
          result.rowsParsed += f.rows_parsed;
          result.rowsLoaded += f.rows_loaded;
          result.errorsSeen += f.errors_seen;
        }
        progress();
        const reported = new Set(result.files.map((f) => f.file.split('/').pop()));
        const skipped = files.filter((f) => !reported.has(f.name));
        result.filesSkipped = skipped.length;
        // PURGE removes only what COPY loaded; files the load history skipped are duplicates, removed here.
        if (skipped.length && options.purge !== false) {
          await run(`REMOVE ${location} PATTERN = ${sqlString(`.*(${skipped.map((f) => f.name.replace(/\./g, '\\.')).join('|')})`)}`);
        }
        if (staging) {
          const on = keys.map((k) => `T.${columnIdentifier(k, mode_)} = S.${columnIdentifier(k, mode_)}`).join(' AND ');
          const keySet = new Set(keys.map((k) => resolvedName(k, mode_)));
          const updates = columns.filter((c) => !keySet.has(resolvedName(c, mode_))).map((c) => `${columnIdentifier(c, mode_)} = S.${columnIdentifier(c, mode_)}`);
          const merge = [
            `MERGE INTO ${target} T USING ${staging} S ON ${on}`,
            updates.length ? `WHEN MATCHED THEN UPDATE SET ${updates.join(', ')}` : '',
            `WHEN NOT MATCHED THEN INSERT (${ids.join(', ')}) VALUES (${ids.map((id) => `S.${id}`).join(', ')})`,
          ].filter(Boolean).join(' ');
          const counts = mergeCounts((await run(merge))[0]);
          result.rowsInserted = counts.inserted;
          result.rowsUpdated = counts.updated;
        } else {
          result.rowsInserted = result.rowsLoaded;
        }
      } finally {
        if (staging) await run(`DROP TABLE IF EXISTS ${staging}`).catch(() => undefined);
      }
    });
    return result;
  } finally {
    writer.discard();
  }
}

/** An array of rows through a stage (upsert: the last row per key wins, as with array binds). */
export async function stageLoadRows(pool: SnowflakePool, table: string, rows: Record_[], mode: 'insert' | 'upsert', keys: string[], options: StageLoadOptions = {}): Promise<StageLoadResult & { duplicatesDropped?: number }> {
  if (!Array.isArray(rows) || rows.length === 0) throw Object.assign(new Error('Nothing to load: payload must be a non-empty array of objects'), { code: 'NO_ROWS' });
  let input = rows;
  let duplicatesDropped: number | undefined;
  if (mode === 'upsert') {
    if (!keys.length) throw Object.assign(new Error('Upsert needs at least one key column'), { code: 'NO_KEYS' });
    const unique = dedupeByKeys(rows, keys);
    input = unique.rows;
    duplicatesDropped = unique.dropped;
  }
  const writer = new CsvFileWriter(options.fileBytes ?? DEFAULT_FILE_BYTES, options.columns?.length ? options.columns : columnsOf(input));
  try {
    await writer.add(input);
  } catch (err) {
    writer.discard();
    throw err;
  }
  options.onProgress?.({ rowsWritten: writer.rowsWritten, filesWritten: writer.files.length, filesPut: 0, rowsLoaded: 0 });
  const result = await loadFiles(pool, table, writer, mode, keys, options);
  return duplicatesDropped === undefined ? result : { ...result, duplicatesDropped };
}
