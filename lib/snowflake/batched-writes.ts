/**
 * Micro-batching for fg-snowflake: insert / upsert messages that each carry one row are gathered into one array-bind
 * statement (an upsert: one staging load and one MERGE) and each message gets its own answer. A statement is all or
 * nothing, so when Snowflake refuses a batch (an answer with a SQL state: nothing was written) its rows are written
 * again one by one, and only the rows Snowflake refuses alone fail their messages. A batch without an answer (network)
 * fails all its messages: the rows may have been written, so nothing is sent twice. Rows with the same key never share
 * an upsert, and statements go one at a time, so writes of one key keep their order.
 */
import { BatchTotals, MicroBatcher, Outcome } from '../batching/micro-batcher';
import type { Record_ } from './batch';
import type { SnowflakePool } from './client';
import { insertRows, upsertRows, WriteOptions, WriteResult } from './operations';
import { resolvedName } from './identifiers';

/** What a batched message is told: its batch's result and the batch's size (counts are the whole batch's). */
export type BatchedWriteResult = WriteResult & { batchSize: number };

export interface SnowflakeBatchOptions {
  mode: 'insert' | 'upsert';
  windowMs: number;
  /** most rows per batch */
  maxRows: number;
  writeOptions: () => WriteOptions;
  onBatch?: (size: number, totals: BatchTotals) => void;
}

export class SnowflakeWriteBatcher {
  private batchers = new Map<string, MicroBatcher<Record_, BatchedWriteResult>>();

  constructor(private readonly pool: () => SnowflakePool, private readonly opts: SnowflakeBatchOptions) {}

  /** One row (not an array): the kind of message that is batched. */
  accepts(payload: unknown): boolean {
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload);
  }

  write(table: string, row: Record_, keys: string[]): Promise<BatchedWriteResult> {
    if (this.opts.mode === 'upsert') {
      if (!keys.length) throw new Error('Upsert needs at least one key column');
      const missing = keys.find((k) => !Object.keys(row).some((c) => this.same(c, k)));
      if (missing) throw new Error(`Key column ${missing} is not among the row columns`);
    }
    return this.batcherFor(table, keys).add(row);
  }

  async flush(): Promise<void> {
    await Promise.all([...this.batchers.values()].map((b) => b.flush()));
  }

  private same(a: string, b: string): boolean {
    const mode = this.opts.writeOptions().identifierCase;
    return resolvedName(a, mode) === resolvedName(b, mode);
  }

  private batcherFor(table: string, keys: string[]): MicroBatcher<Record_, BatchedWriteResult> {
    const name = `${table}\u0000${keys.join('\u0000')}`;
    let batcher = this.batchers.get(name);
    if (!batcher) {
      const keyOf = this.opts.mode === 'upsert'
        ? (row: Record_) => JSON.stringify(keys.map((k) => row[Object.keys(row).find((c) => this.same(c, k))!] ?? null))
        : undefined;
      const writeRows = (rows: Record_[]): Promise<WriteResult> => (this.opts.mode === 'insert'
        ? insertRows(this.pool(), table, rows, this.opts.writeOptions())
        : upsertRows(this.pool(), table, rows, keys, this.opts.writeOptions()));
      batcher = new MicroBatcher<Record_, BatchedWriteResult>({
        windowMs: this.opts.windowMs,
        maxSize: this.opts.maxRows,
        keyOf,
        onBatch: this.opts.onBatch,
        write: async (rows) => {
          try {
            const result = await writeRows(rows);
            return rows.map(() => ({ ok: true, value: { ...result, batchSize: rows.length } }));
          } catch (err) {
            if (rows.length === 1 || !(err as { sqlState?: string })?.sqlState) throw err;
            // Refused as a whole, nothing written: find the rows Snowflake refuses, one statement each.
            const outcomes: Outcome<BatchedWriteResult>[] = [];
            for (const row of rows) {
              try {
                outcomes.push({ ok: true, value: { ...(await writeRows([row])), batchSize: 1 } });
              } catch (rowErr) {
                outcomes.push({ ok: false, error: rowErr });
              }
            }
            return outcomes;
          }
        },
      });
      this.batchers.set(name, batcher);
    }
    return batcher;
  }
}
