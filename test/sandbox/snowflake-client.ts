// The unmodified snowflake-sdk pointed at a Snowflake sandbox: connect, run a statement, read the control API.
import assert from 'node:assert/strict';
import snowflake from 'snowflake-sdk';
import { SnowflakeSandbox } from '../../sandbox/snowflake';

process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE = '1';
// No snowflake.log in the working directory during tests.
snowflake.configure({ logLevel: 'OFF' });

export type Row = Record<string, any>;

export function connect(sandbox: SnowflakeSandbox, extra: Partial<snowflake.ConnectionOptions> = {}): Promise<snowflake.Connection> {
  const connection = snowflake.createConnection({
    account: 'sandbox', username: 'sandbox', password: 'sandbox', accessUrl: sandbox.url,
    database: 'TEST_DB', schema: 'PUBLIC', warehouse: 'TEST_WH', sfRetryMaxLoginRetries: 1, ...extra,
  } as snowflake.ConnectionOptions);
  return new Promise((resolve, reject) => connection.connect((err, conn) => (err ? reject(err) : resolve(conn))));
}

export function run(connection: snowflake.Connection, sqlText: string, binds?: any[], options: Partial<snowflake.StatementOption> = {}): Promise<{ rows: Row[]; statement: snowflake.RowStatement }> {
  return new Promise((resolve, reject) => {
    connection.execute({
      sqlText, binds, ...options,
      complete: (err, statement, rows) => (err ? reject(err) : resolve({ rows: (rows ?? []) as Row[], statement: statement as snowflake.RowStatement })),
    } as snowflake.StatementOption);
  });
}

/** The first row of a query. */
export async function one(connection: snowflake.Connection, sqlText: string, binds?: any[]): Promise<Row> {
  return (await run(connection, sqlText, binds)).rows[0];
}

/** Runs a statement that must fail with this Snowflake error code (and SQL state, and a message matching `message`). */
export async function refused(connection: snowflake.Connection, sqlText: string, code: string, sqlState?: string, message?: RegExp): Promise<any> {
  let error: any;
  await assert.rejects(run(connection, sqlText), (err: any) => {
    error = err;
    return true;
  });
  assert.equal(error.code, code, `${sqlText} → ${error.code} ${error.message}`);
  if (sqlState) assert.equal(error.sqlState, sqlState);
  if (message) assert.match(error.message, message);
  return error;
}

export function destroy(connection: snowflake.Connection): Promise<void> {
  return new Promise((resolve, reject) => connection.destroy((err) => (err ? reject(err) : resolve())));
}

export async function control(sandbox: SnowflakeSandbox, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${sandbox.url}/_sandbox/${path}`, {
    method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
}

/** A DATE as the driver returns it, as YYYY-MM-DD. */
export function day(value: Date): string {
  return value.toISOString().slice(0, 10);
}
