/**
 * Which way rows go to Snowflake, and gathering msg.parts sequences into one load.
 *
 * - `binds`: array-bind INSERTs / staging table + MERGE (operations.ts), right for thousands of rows;
 * - `stage`: gzip CSV files, PUT, COPY INTO (stage-load.ts), right for millions;
 * - `auto`: binds up to `threshold` rows, a stage above (rows are kept in memory only up to the threshold, then
 *   written to files as they come), except rows holding objects / arrays (VARIANT), which only binds can write.
 */
import { Record_ } from './batch';
import { SnowflakePool } from './client';
import { insertRows, upsertRows, WriteOptions, WriteResult } from './operations';
import { CsvFileWriter, DEFAULT_FILE_BYTES, hasStructuredValues, loadFiles, StageLoadOptions, StageLoadResult, stageLoadRows } from './stage-load';

export type LoadMethod = 'auto' | 'binds' | 'stage';
export const LOAD_METHODS: LoadMethod[] = ['auto', 'binds', 'stage'];

export interface BulkOptions {
  method: LoadMethod;
  /** auto: above this many rows, a stage. */
  threshold: number;
  binds: WriteOptions;
  stage: StageLoadOptions;
}

export type BulkResult = (WriteResult & { method: 'binds' }) | (StageLoadResult & { duplicatesDropped?: number });

const fail = (message: string, code: string) => Object.assign(new Error(message), { code });

/** The whole array is here: choose the method by its size and write it. */
export async function writeRows(pool: SnowflakePool, table: string, rows: Record_[], mode: 'insert' | 'upsert', keys: string[], options: BulkOptions): Promise<BulkResult> {
  const staged = options.method === 'stage' || (options.method === 'auto' && rows.length > options.threshold && !hasStructuredValues(rows));
  if (staged) return stageLoadRows(pool, table, rows, mode, keys, options.stage);
  const result = mode === 'insert' ? await insertRows(pool, table, rows, options.binds) : await upsertRows(pool, table, rows, keys, options.binds);
  return { ...result, method: 'binds' };
}

/**
 * Rows of one msg.parts sequence, batch by batch. Kept in memory while the method may still be binds, written to CSV
 * files once it is a stage. An upsert through a stage cannot drop an earlier row of a key that is already in a
 * file, so a key seen twice fails the sequence (array binds keep the last row).
 */
export class RowGatherer {
  rows = 0;
  private buffered: Record_[] = [];
  private writer: CsvFileWriter | undefined;
  private keysSeen: Set<string> | undefined;

  constructor(private readonly mode: 'insert' | 'upsert', private readonly keys: string[], private readonly options: BulkOptions) {}

  get staged(): boolean {
    return this.writer !== undefined;
  }

  async add(rows: Record_[]): Promise<void> {
    // A streamed result with no rows still sends one (empty) batch.
    rows = rows.filter((row) => row !== undefined);
    this.rows += rows.length;
    if (!this.writer) {
      for (const row of rows) this.buffered.push(row);
      const spill = this.options.method === 'stage' || (this.options.method === 'auto' && this.rows > this.options.threshold && !hasStructuredValues(this.buffered));
      if (!spill) return;
      this.writer = new CsvFileWriter(this.options.stage.fileBytes ?? DEFAULT_FILE_BYTES, this.options.stage.columns);
      if (this.mode === 'upsert') this.keysSeen = new Set();
      rows = this.buffered;
      this.buffered = [];
    }
    if (this.keysSeen) {
      for (const row of rows) {
        if (this.keys.some((k) => row?.[k] === undefined || row?.[k] === null)) throw fail(`Every row needs a value for the key column(s) ${this.keys.join(', ')}`, 'NO_KEYS');
        const key = JSON.stringify(this.keys.map((k) => row[k]));
        if (this.keysSeen.has(key)) throw fail(`Key ${key} comes twice in the sequence: an upsert through a stage needs each key once (keep the last row per key upstream, or use array binds)`, 'DUPLICATE_KEY');
        this.keysSeen.add(key);
      }
    }
    await this.writer.add(rows);
    this.options.stage.onProgress?.({ rowsWritten: this.writer.rowsWritten, filesWritten: this.writer.files.length, filesPut: 0, rowsLoaded: 0 });
  }

  async finish(pool: SnowflakePool, table: string): Promise<BulkResult> {
    if (this.writer) return loadFiles(pool, table, this.writer, this.mode, this.keys, this.options.stage);
    // A night without rows is not an error: nothing to write, zero statements.
    if (!this.buffered.length) return { method: 'binds', rowsInserted: 0, rowsUpdated: 0, statements: 0, chunks: 0, queryIds: [] };
    return writeRows(pool, table, this.buffered, this.mode, this.keys, { ...this.options, method: 'binds' });
  }

  discard(): void {
    this.writer?.discard();
    this.buffered = [];
  }
}

interface Sequence<M> { gatherer: RowGatherer; received: number; count?: number; chain: Promise<void>; failed?: Error; timer?: NodeJS.Timeout; last: M }

/** A part of a msg.parts sequence: its id, index and (on at least the last part) count. */
export interface Part { id: string; index: number; count?: number }

export function partOf(msg: object): Part | undefined {
  const p = (msg as { parts?: unknown }).parts as Record<string, unknown> | undefined;
  if (!p || typeof p !== 'object' || p.id === undefined || typeof p.index !== 'number') return undefined;
  return { id: String(p.id), index: p.index, count: typeof p.count === 'number' ? p.count : undefined };
}

/**
 * Gathers msg.parts sequences: each part's rows are added in arrival order; the part that completes the count
 * resolves with the load's result. A sequence whose next part does not come within `idleMs` is dropped (files
 * removed) and `onAbandoned` told, so nothing waits forever.
 */
export class PartsGatherer<M> {
  private readonly sequences = new Map<string, Sequence<M>>();

  constructor(private readonly idleMs: number, private readonly onAbandoned: (last: M, rows: number) => void) {}

  /** Adds one part; resolves undefined while the sequence is incomplete, else with the gatherer ready to finish. */
  async add(part: Part, rows: Record_[], msg: M, make: () => RowGatherer): Promise<RowGatherer | undefined> {
    let seq = this.sequences.get(part.id);
    if (!seq) {
      seq = { gatherer: make(), received: 0, chain: Promise.resolve(), last: msg };
      this.sequences.set(part.id, seq);
    }
    const s = seq;
    s.last = msg;
    if (part.count !== undefined) s.count = part.count;
    this.touch(part.id, s);
    const step = s.chain.then(async () => {
      if (s.failed) throw fail(`An earlier part of this sequence failed (${s.failed.message}); the sequence is not loaded`, 'SEQUENCE_FAILED');
      try {
        await s.gatherer.add(rows);
      } catch (err) {
        s.failed = err as Error;
        throw err;
      }
    });
    s.chain = step.catch(() => undefined);
    let error: unknown;
    await step.catch((err) => { error = err; });
    s.received++;
    const complete = s.count !== undefined && s.received >= s.count;
    if (complete) {
      this.forget(part.id);
      if (s.failed) s.gatherer.discard();
    }
    if (error) throw error;
    return complete ? s.gatherer : undefined;
  }

  private touch(id: string, seq: Sequence<M>): void {
    clearTimeout(seq.timer);
    seq.timer = setTimeout(() => {
      this.forget(id);
      seq.gatherer.discard();
      this.onAbandoned(seq.last, seq.gatherer.rows);
    }, this.idleMs);
    seq.timer.unref?.();
  }

  private forget(id: string): void {
    clearTimeout(this.sequences.get(id)?.timer);
    this.sequences.delete(id);
  }

  /** On close: sequences not complete are dropped, each reported. */
  close(): void {
    for (const [id, seq] of [...this.sequences]) {
      this.forget(id);
      seq.gatherer.discard();
      this.onAbandoned(seq.last, seq.gatherer.rows);
    }
  }
}
