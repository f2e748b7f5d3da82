/**
 * The node's operations on a pool: insert (array binds, chunked), upsert (staging table + one MERGE), each on one
 * pooled connection so the temporary staging table stays visible.
 */
import type snowflake from 'snowflake-sdk';
import { ChunkLimits, planInsert, planUpsert, Record_ } from './batch';
import { SnowflakePool, withConnection } from './client';
import { execute } from './execute';
import { IdentifierCase } from './identifiers';

export interface WriteOptions {
  columns?: string[];
  identifierCase?: IdentifierCase;
  limits?: ChunkLimits;
  deadlineMs?: number;
  /** Called after each chunk with the rows written so far (for the node status). */
  onProgress?: (written: number, total: number) => void;
}

export interface WriteResult {
  rowsInserted: number;
  rowsUpdated: number;
  statements: number;
  chunks: number;
  duplicatesDropped?: number;
  queryIds: string[];
}

async function insertChunks(connection: snowflake.Connection, sqlText: string, chunks: unknown[][][], options: WriteOptions, result: WriteResult): Promise<number> {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  let written = 0;
  for (const binds of chunks) {
    const r = await execute(connection, { sqlText, binds, deadlineMs: options.deadlineMs });
    result.statements++;
    result.queryIds.push(r.queryId);
    written += r.rowCount ?? binds.length;
    options.onProgress?.(written, total);
  }
  return written;
}

export async function insertRows(pool: SnowflakePool, table: string, rows: Record_[], options: WriteOptions = {}): Promise<WriteResult> {
  const plan = planInsert(table, rows, options);
  const result: WriteResult = { rowsInserted: 0, rowsUpdated: 0, statements: 0, chunks: plan.chunks.length, queryIds: [] };
  await withConnection(pool, async (connection) => {
    result.rowsInserted = await insertChunks(connection, plan.sqlText, plan.chunks, options, result);
  });
  return result;
}

/** Reads "number of rows inserted/updated" from a MERGE result row. */
function mergeCounts(row: Record<string, unknown> | undefined): { inserted: number; updated: number } {
  const value = (name: string): number => Number(Object.entries(row ?? {}).find(([k]) => k.toLowerCase() === name)?.[1] ?? 0);
  return { inserted: value('number of rows inserted'), updated: value('number of rows updated') };
}

export async function upsertRows(pool: SnowflakePool, table: string, rows: Record_[], keys: string[], options: WriteOptions = {}): Promise<WriteResult> {
  const plan = planUpsert(table, rows, keys, options);
  const result: WriteResult = { rowsInserted: 0, rowsUpdated: 0, statements: 0, chunks: plan.insert.chunks.length, duplicatesDropped: plan.duplicatesDropped, queryIds: [] };
  await withConnection(pool, async (connection) => {
    const run = async (sqlText: string): Promise<Record<string, unknown>[]> => {
      const r = await execute(connection, { sqlText, deadlineMs: options.deadlineMs });
      result.statements++;
      result.queryIds.push(r.queryId);
      return r.rows;
    };
    await run(plan.createStage);
    try {
      await insertChunks(connection, plan.insert.sqlText, plan.insert.chunks, options, result);
      const counts = mergeCounts((await run(plan.merge))[0]);
      result.rowsInserted = counts.inserted;
      result.rowsUpdated = counts.updated;
    } finally {
      // The stage is temporary anyway; dropping it frees storage on a long-lived pooled session.
      await run(plan.dropStage).catch(() => undefined);
    }
  });
  return result;
}
