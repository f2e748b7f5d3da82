/**
 * Promise wrappers around one driver connection: execute with a deadline, stream rows with back-pressure, and
 * asynchronous execution with status polling.
 */
import type snowflake from 'snowflake-sdk';
import { SnowflakeClientError } from './errors';

export type Row = Record<string, unknown>;
export type Binds = unknown[] | unknown[][];

export interface ExecuteOptions {
  sqlText: string;
  binds?: Binds;
  /**
   * Give up after this long (ms). The driver retries 5xx and network errors up to 1,000 times with up to 16 s
   * sleeps, so without a deadline a dead endpoint would hold the message for hours.
   */
  deadlineMs?: number;
  /** Driver types returned as strings, e.g. ['Number'] keeps 38-digit integers exact. */
  fetchAsString?: string[];
}

export interface ExecuteResult {
  rows: Row[];
  queryId: string;
  /** For DML: rows inserted + updated + deleted, as the driver sums them. */
  rowCount?: number;
  statementType: 'select' | 'dml';
}

function withDeadline<T>(promise: Promise<T>, deadlineMs: number | undefined, onTimeout: () => void): Promise<T> {
  if (!deadlineMs || deadlineMs <= 0) return promise;
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new SnowflakeClientError(`Snowflake did not answer within ${deadlineMs} ms`, 'TIMEOUT', true));
    }, deadlineMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function execute(connection: snowflake.Connection, options: ExecuteOptions): Promise<ExecuteResult> {
  let statement: snowflake.RowStatement | undefined;
  const run = new Promise<ExecuteResult>((resolve, reject) => {
    statement = connection.execute({
      sqlText: options.sqlText,
      binds: options.binds as snowflake.Binds,
      fetchAsString: options.fetchAsString as snowflake.StatementOption['fetchAsString'],
      complete: (err, stmt, rows) => {
        if (err) return reject(err);
        // The driver reports -1 updated rows for anything that is not DML.
        const updated = stmt.getNumUpdatedRows();
        const isDml = typeof updated === 'number' && updated >= 0;
        resolve({
          rows: (rows ?? []) as Row[],
          queryId: stmt.getQueryId(),
          rowCount: isDml ? updated : undefined,
          statementType: isDml ? 'dml' : 'select',
        });
      },
    }) as snowflake.RowStatement;
  });
  return withDeadline(run, options.deadlineMs, () => statement?.cancel(() => undefined));
}

export interface StreamOptions extends ExecuteOptions {
  batchSize: number;
  /** Called per batch with the result's total row count; the next rows are not read until it resolves (back-pressure). */
  onBatch: (rows: Row[], index: number, totalRows: number) => Promise<void>;
}

export interface StreamResult {
  rows: number;
  batches: number;
  queryId: string;
}

/**
 * Streams a result in batches. Rows are pulled from the driver's stream only as batches are handed on, and the driver
 * downloads result chunks only as its stream is read, so memory stays at about one batch plus one chunk.
 */
export function stream(connection: snowflake.Connection, options: StreamOptions): Promise<StreamResult> {
  const statement = connection.execute({
    sqlText: options.sqlText,
    binds: options.binds as snowflake.Binds,
    fetchAsString: options.fetchAsString as snowflake.StatementOption['fetchAsString'],
    streamResult: true,
  }) as snowflake.RowStatement;
  return pump(statement, options);
}

/** Streams the rows of a finished asynchronous query (see submitAndWait) in batches, like stream(). */
export async function streamResults(connection: snowflake.Connection, queryId: string, options: Omit<StreamOptions, 'sqlText' | 'binds' | 'deadlineMs'>): Promise<StreamResult> {
  const statement = await connection.getResultsFromQueryId({
    queryId, streamResult: true, fetchAsString: options.fetchAsString as snowflake.StatementOption['fetchAsString'],
  } as { queryId: string }) as snowflake.RowStatement;
  return pump(statement, options);
}

async function pump(statement: snowflake.RowStatement, options: Pick<StreamOptions, 'batchSize' | 'onBatch' | 'deadlineMs'>): Promise<StreamResult> {
  const rows = statement.streamRows();
  let batch: Row[] = [];
  let count = 0;
  let batches = 0;
  // A stream may legitimately run for long; what must not happen is waiting on Snowflake longer than the deadline
  // for the next rows (time spent in onBatch, i.e. downstream, does not count).
  let waitingSince = Date.now();
  let consumerBusy = false;
  const watchdog = options.deadlineMs ? setInterval(() => {
    if (!consumerBusy && Date.now() - waitingSince > options.deadlineMs!) {
      rows.destroy(new SnowflakeClientError(`Snowflake sent no rows for ${options.deadlineMs} ms`, 'TIMEOUT', true));
    }
  }, Math.min(1000, options.deadlineMs)) : undefined;
  const hand = async (rowsOut: Row[], total: number) => {
    consumerBusy = true;
    try {
      await options.onBatch(rowsOut, batches++, total);
    } finally {
      consumerBusy = false;
      waitingSince = Date.now();
    }
  };
  try {
    for await (const row of rows) {
      batch.push(row as Row);
      count++;
      if (batch.length >= options.batchSize) {
        await hand(batch, statement.getNumRows());
        batch = [];
      }
    }
    if (batch.length > 0 || batches === 0) await hand(batch, count);
  } finally {
    clearInterval(watchdog);
    rows.destroy();
  }
  return { rows: count, batches, queryId: statement.getQueryId() };
}

export interface AsyncOptions {
  sqlText: string;
  binds?: Binds;
  pollMs?: number;
  /** Overall limit for the statement (ms); it is cancelled after this. */
  deadlineMs?: number;
  onProgress?: (status: string, elapsedMs: number, queryId: string) => void;
}

/** Submits with asyncExec, polls the query status, then returns the query id to fetch results from. */
export async function submitAndWait(connection: snowflake.Connection, options: AsyncOptions): Promise<string> {
  const queryId = await new Promise<string>((resolve, reject) => {
    connection.execute({
      sqlText: options.sqlText,
      binds: options.binds as snowflake.Binds,
      asyncExec: true,
      complete: (err, stmt) => (err ? reject(err) : resolve(stmt.getQueryId())),
    });
  });
  const started = Date.now();
  const pollMs = options.pollMs ?? 1000;
  for (;;) {
    // Throws the statement's SQL error once it has failed.
    const status = await connection.getQueryStatusThrowIfError(queryId);
    const elapsed = Date.now() - started;
    if (!connection.isStillRunning(status as snowflake.QueryStatus)) return queryId;
    options.onProgress?.(status, elapsed, queryId);
    if (options.deadlineMs && elapsed > options.deadlineMs) {
      await new Promise<void>((resolve) => {
        connection.execute({ sqlText: `SELECT SYSTEM$CANCEL_QUERY('${queryId.replace(/[^0-9a-f-]/gi, '')}')`, complete: () => resolve() });
      });
      throw new SnowflakeClientError(`Query ${queryId} still running after ${options.deadlineMs} ms; cancelled`, 'TIMEOUT', true);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Fetches the rows of a finished asynchronous query. */
export async function fetchResults(connection: snowflake.Connection, queryId: string, fetchAsString?: string[]): Promise<Row[]> {
  const statement = await connection.getResultsFromQueryId({ queryId, fetchAsString } as { queryId: string });
  const rows: Row[] = [];
  for await (const row of statement.streamRows()) rows.push(row as Row);
  return rows;
}
