// P5: Snowflake statements to insert and to upsert 100,000 rows with fg-snowflake (array binds per chunk; staging table
// + one MERGE) against one statement per row through snowflake-sdk. Statements are counted by the sandbox. The
// per-row baseline is measured on a sample and extrapolated (one statement per row; running 100,000 would take minutes).
import snowflake from 'snowflake-sdk';
import { startSnowflakeSandbox, SnowflakeSandbox } from '../sandbox/snowflake';
import { getNode, receive, unload } from '../test/harness';
import { SMALL, loadForBench, report, runMain, seconds } from './lib';

process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE = '1';

const ROWS = SMALL ? 20_000 : 100_000;
const BASELINE_SAMPLE = 200;
const DB = 'BENCH_DB';
const TABLE = 'create or replace table orders (id int, name string, amount number(12,2), paid boolean)';

const rows = (count: number, tag: string) => Array.from({ length: count }, (_, i) => ({ id: i, name: `${tag}${i}`, amount: i % 1000, paid: i % 2 === 0 }));

async function candidate(sb: SnowflakeSandbox, mode: 'insert' | 'upsert'): Promise<{ statements: number; chunks: number; seconds: number }> {
  await sb.reset();
  await sb.runSql(TABLE, DB);
  if (mode === 'upsert') await sb.runSql("insert into orders (id, name) select seq4(), 'old' from table(generator(rowcount => 40000))", DB);
  await loadForBench(['fg-snowflake-config', 'fg-snowflake'], [
    { id: 'c1', type: 'fg-snowflake-config', account: 'sandbox', username: 'sandbox', auth: 'password', database: DB, schema: 'PUBLIC', warehouse: 'WH', poolMax: 2, accessUrl: sb.url },
    // Default chunk settings (16,384 rows / 16 MB per statement), as a user gets them.
    { id: 'n1', type: 'fg-snowflake', snowflake: 'c1', mode, table: 'orders', keys: 'id', loadMethod: 'binds', wires: [['ok'], ['err']] },
    { id: 'ok', type: 'helper' },
    { id: 'err', type: 'helper' },
  ], { c1: { password: 'sandbox' } });
  try {
    const before = sb.stats.statements;
    const start = process.hrtime.bigint();
    const done = receive('ok', 1, 300_000);
    getNode('n1').receive({ payload: rows(ROWS, mode) });
    const [msg] = await done;
    return { statements: sb.stats.statements - before, chunks: msg.snowflake.chunks, seconds: seconds(start) };
  } finally {
    await unload();
  }
}

function statement(connection: snowflake.Connection, sqlText: string, binds: any[]): Promise<void> {
  return new Promise((resolve, reject) => connection.execute({ sqlText, binds, complete: (err) => (err ? reject(err) : resolve()) }));
}

/** One INSERT (or one MERGE) per row, on a sample; returns statements and seconds per row. */
async function baseline(sb: SnowflakeSandbox, mode: 'insert' | 'upsert'): Promise<{ perRow: number; secondsPerRow: number }> {
  await sb.reset();
  await sb.runSql(TABLE, DB);
  const connection = snowflake.createConnection({ account: 'sandbox', username: 'sandbox', password: 'sandbox', accessUrl: sb.url, database: DB, schema: 'PUBLIC', warehouse: 'WH' } as snowflake.ConnectionOptions);
  await new Promise((resolve, reject) => connection.connect((err, conn) => (err ? reject(err) : resolve(conn))));
  try {
    const sql = mode === 'insert'
      ? 'insert into orders (id, name, amount, paid) values (?, ?, ?, ?)'
      : 'merge into orders t using (select ? as id, ? as name, ? as amount, ? as paid) s on t.id = s.id when matched then update set name = s.name, amount = s.amount, paid = s.paid when not matched then insert (id, name, amount, paid) values (s.id, s.name, s.amount, s.paid)';
    const before = sb.stats.statements;
    const start = process.hrtime.bigint();
    for (const row of rows(BASELINE_SAMPLE, mode)) await statement(connection, sql, [row.id, row.name, row.amount, row.paid]);
    return { perRow: (sb.stats.statements - before) / BASELINE_SAMPLE, secondsPerRow: seconds(start) / BASELINE_SAMPLE };
  } finally {
    await new Promise((resolve) => connection.destroy(resolve));
  }
}

export async function run(): Promise<Record<string, unknown>[]> {
  snowflake.configure({ logLevel: 'OFF' });
  const sb = await startSnowflakeSandbox({ users: { SANDBOX: 'sandbox' } });
  try {
    const results = [];
    for (const mode of ['insert', 'upsert'] as const) {
      const base = await baseline(sb, mode);
      const cand = await candidate(sb, mode);
      const goalMax = 3 + cand.chunks;
      results.push(report({
        name: `p5-snowflake-${mode}`,
        title: `P5 Snowflake statements to ${mode} ${ROWS} rows: fg-snowflake vs one statement per row`,
        unit: 'statements',
        candidate: cand.statements,
        baseline: Math.round(base.perRow * ROWS),
        better: 'lower',
        goal: `<= 3 + chunks (${goalMax})`,
        met: cand.statements <= goalMax,
        baselineNote: `measured on ${BASELINE_SAMPLE} rows (${base.perRow} statement each), extrapolated`,
        details: { chunks: cand.chunks, candidateSeconds: Number(cand.seconds.toFixed(2)), baselineSecondsEstimated: Number((base.secondsPerRow * ROWS).toFixed(1)) },
      }));
    }
    return results;
  } finally {
    await sb.close();
  }
}

if (require.main === module) runMain(run);
