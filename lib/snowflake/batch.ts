/**
 * Bulk writes: array-bind INSERTs chunked by rows and bytes, and upserts as "load a temporary staging table, then one
 * MERGE". Pure planning (SQL text + bind arrays); running the statements is the caller's job.
 */
import { columnIdentifier, IdentifierCase, resolvedName, tableIdentifier } from './identifiers';

export interface ChunkLimits {
  /** Rows per INSERT statement. */
  maxRows: number;
  /** Approximate bound-value bytes per statement (Snowflake caps a request at 128 MB). */
  maxBytes: number;
}

export const DEFAULT_LIMITS: ChunkLimits = { maxRows: 16384, maxBytes: 16 * 1024 * 1024 };

export type Record_ = Record<string, unknown>;

/** Column names in first-seen order across all rows (or the configured list). */
export function columnsOf(rows: Record_[], configured?: string[]): string[] {
  if (configured && configured.length) return configured;
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

function isStructured(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value);
}

/** Columns whose first non-null value is an object or array: loaded through PARSE_JSON into VARIANT. */
export function variantColumns(rows: Record_[], columns: string[]): Set<string> {
  const variants = new Set<string>();
  for (const column of columns) {
    const first = rows.find((row) => row[column] !== null && row[column] !== undefined)?.[column];
    if (isStructured(first)) variants.add(column);
  }
  return variants;
}

/**
 * One bind row. The driver types each bind column from the first row only, so values are normalised to one JS type
 * per column: JSON text for VARIANT columns, ISO text for dates, null for missing keys.
 */
function bindRow(row: Record_, columns: string[], variants: Set<string>): unknown[] {
  return columns.map((column) => {
    const value = row[column];
    if (value === undefined || value === null) return null;
    if (variants.has(column)) return JSON.stringify(value);
    if (value instanceof Date) return value.toISOString();
    if (Buffer.isBuffer(value)) return value.toString('hex');
    if (isStructured(value)) return JSON.stringify(value);
    if (typeof value === 'bigint') return value.toString();
    return value;
  });
}

function estimateBytes(values: unknown[]): number {
  let bytes = 8;
  for (const value of values) bytes += value === null ? 4 : typeof value === 'string' ? value.length * 2 + 4 : 12;
  return bytes;
}

/** Splits bind rows into chunks that respect both limits (a single oversized row still goes alone). */
export function chunk(bindRows: unknown[][], limits: ChunkLimits = DEFAULT_LIMITS): unknown[][][] {
  const chunks: unknown[][][] = [];
  let current: unknown[][] = [];
  let bytes = 0;
  for (const row of bindRows) {
    const size = estimateBytes(row);
    if (current.length > 0 && (current.length >= limits.maxRows || bytes + size > limits.maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

export interface InsertPlan {
  sqlText: string;
  chunks: unknown[][][];
  columns: string[];
}

/**
 * INSERT with array binds. Plain `VALUES (?, ?)` when no column is VARIANT; otherwise
 * `SELECT COLUMN1, PARSE_JSON(COLUMN2) FROM VALUES (?, ?)`, because Snowflake refuses PARSE_JSON inside VALUES.
 */
export function planInsert(table: string, rows: Record_[], options: { columns?: string[]; identifierCase?: IdentifierCase; limits?: ChunkLimits } = {}): InsertPlan {
  if (!Array.isArray(rows) || rows.length === 0) throw new Error('Nothing to insert: payload must be a non-empty array of objects');
  if (rows.some((row) => row === null || typeof row !== 'object' || Array.isArray(row))) throw new Error('Every row must be an object');
  const columns = columnsOf(rows, options.columns);
  const variants = variantColumns(rows, columns);
  const target = tableIdentifier(table);
  const names = columns.map((c) => columnIdentifier(c, options.identifierCase)).join(', ');
  const placeholders = columns.map(() => '?').join(', ');
  const sqlText = variants.size === 0
    ? `INSERT INTO ${target} (${names}) VALUES (${placeholders})`
    : `INSERT INTO ${target} (${names}) SELECT ${columns.map((c, i) => (variants.has(c) ? `PARSE_JSON(COLUMN${i + 1})` : `COLUMN${i + 1}`)).join(', ')} FROM VALUES (${placeholders})`;
  const bindRows = rows.map((row) => bindRow(row, columns, variants));
  return { sqlText, chunks: chunk(bindRows, options.limits), columns };
}

export interface UpsertPlan {
  createStage: string;
  insert: InsertPlan;
  merge: string;
  dropStage: string;
  /** Rows dropped because a later row had the same key (MERGE refuses duplicate source keys). */
  duplicatesDropped: number;
}

/** Keeps the last row per key, in first-seen key order. */
export function dedupeByKeys(rows: Record_[], keys: string[]): { rows: Record_[]; dropped: number } {
  const byKey = new Map<string, Record_>();
  for (const row of rows) {
    const key = JSON.stringify(keys.map((k) => row[k] ?? null));
    if (keys.some((k) => row[k] === undefined || row[k] === null)) throw new Error(`Every row needs a value for the key column(s) ${keys.join(', ')}`);
    byKey.set(key, row);
  }
  return { rows: [...byKey.values()], dropped: rows.length - byKey.size };
}

export function planUpsert(table: string, rows: Record_[], keys: string[], options: { columns?: string[]; identifierCase?: IdentifierCase; limits?: ChunkLimits; stageName?: string } = {}): UpsertPlan {
  if (!keys.length) throw new Error('Upsert needs at least one key column');
  const { rows: unique, dropped } = dedupeByKeys(rows, keys);
  const target = tableIdentifier(table);
  const stage = tableIdentifier(options.stageName ?? `FG_STAGE_${Date.now().toString(36).toUpperCase()}_${Math.floor(Math.random() * 1e6)}`);
  const insert = planInsert(stage, unique, options);
  const mode = options.identifierCase;
  const ids = insert.columns.map((c) => columnIdentifier(c, mode));
  const keySet = new Set(keys.map((k) => resolvedName(k, mode)));
  const missingKey = keys.find((k) => !insert.columns.some((c) => resolvedName(c, mode) === resolvedName(k, mode)));
  if (missingKey) throw new Error(`Key column ${missingKey} is not among the row columns`);
  const on = keys.map((k) => `T.${columnIdentifier(k, mode)} = S.${columnIdentifier(k, mode)}`).join(' AND ');
  const updates = insert.columns.filter((c) => !keySet.has(resolvedName(c, mode))).map((c) => `${columnIdentifier(c, mode)} = S.${columnIdentifier(c, mode)}`);
  const merge = [
    `MERGE INTO ${target} T USING ${stage} S ON ${on}`,
    updates.length ? `WHEN MATCHED THEN UPDATE SET ${updates.join(', ')}` : '',
    `WHEN NOT MATCHED THEN INSERT (${ids.join(', ')}) VALUES (${ids.map((id) => `S.${id}`).join(', ')})`,
  ].filter(Boolean).join(' ');
  return {
    // Same columns and types as the target, so the MERGE needs no casts.
    createStage: `CREATE OR REPLACE TEMPORARY TABLE ${stage} LIKE ${target}`,
    insert,
    merge,
    dropStage: `DROP TABLE IF EXISTS ${stage}`,
    duplicatesDropped: dropped,
  };
}
