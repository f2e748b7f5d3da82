// P5b: fg-snowflake loading 1,000,000 rows through a stage (gzip CSV files, PUT, COPY INTO) vs through array binds
// (INSERTs of 16,384 rows), both in the same run against the Snowflake sandbox with the unmodified snowflake-sdk.
// Per method: statements (counted by the sandbox), wall time from the message in to the answer out, and the
// warehouse side (the sandbox's time running the statements, from its query log).
import snowflake from 'snowflake-sdk';
import { startSnowflakeSandbox, SnowflakeSandbox } from '../sandbox/snowflake';
import { getNode, receive, unload } from '../test/harness';
import { SMALL, loadForBench, report, runMain, seconds } from './lib';

process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE = '1';

export const ROWS = SMALL ? 50_000 : 1_000_000;
const DB = 'BENCH_DB';
const TABLE = 'create or replace table events (id int, account string, amount number(12,2), paid boolean, note string)';

const rows = (count: number) => Array.from({ length: count }, (_, i) => ({
  id: i, account: `acct-${i % 5000}`, amount: (i % 100000) / 100, paid: i % 3 === 0, note: i % 10 === 0 ? 'refund, "partial"' : null,
}));

interface Measured { statements: number; seconds: number; warehouseSeconds: number; rowsLoaded: number }

async function measure(sb: SnowflakeSandbox, loadMethod: 'stage' | 'binds', payload: Record<string, unknown>[]): Promise<Measured> {
  await sb.reset();
  await sb.runSql(TABLE, DB);
  await loadForBench(['fg-snowflake-config', 'fg-snowflake'], [
    { id: 'c1', type: 'fg-snowflake-config', account: 'sandbox', username: 'sandbox', auth: 'password', database: DB, schema: 'PUBLIC', warehouse: 'WH', poolMax: 2, accessUrl: sb.url },
    // Defaults otherwise: 16,384 rows / 16 MB per INSERT, 100 MB of CSV per file, user stage, PURGE.
    { id: 'n1', type: 'fg-snowflake', snowflake: 'c1', mode: 'insert', table: 'events', loadMethod, timeout: 1800, wires: [['ok'], ['err']] },
    { id: 'ok', type: 'helper' },
    { id: 'err', type: 'helper' },
  ], { c1: { password: 'sandbox' } });
  try {
    const before = sb.stats.statements;
    const logFrom = sb.queryLog.length;
    const start = process.hrtime.bigint();
    const done = receive('ok', 1, 1_800_000);
    getNode('n1').receive({ payload });
    const [msg] = await done;
    const wall = seconds(start);
    const warehouseMs = sb.queryLog.slice(logFrom).reduce((sum, q) => sum + (q.elapsedMs ?? 0), 0);
    const count = Number((await sb.runSql('select count(*) from events', DB))[0][0]);
    if (count !== payload.length) throw new Error(`${loadMethod}: ${count} rows in the table, expected ${payload.length}`);
    return { statements: sb.stats.statements - before, seconds: wall, warehouseSeconds: warehouseMs / 1000, rowsLoaded: msg.snowflake.rowsInserted };
  } finally {
    await unload();
  }
}

export async function run(): Promise<Record<string, unknown>[]> {
  snowflake.configure({ logLevel: 'OFF' });
  const sb = await startSnowflakeSandbox({ users: { SANDBOX: 'sandbox' } });
  try {
    const payload = rows(ROWS);
    // Binds first, so the stage run does not profit from a warmer process.
    const binds = await measure(sb, 'binds', payload);
    const stage = await measure(sb, 'stage', payload);
    const speedup = binds.seconds / stage.seconds;
    return [report({
      name: 'p5b-snowflake-stage-load',
      title: `P5b fg-snowflake loading ${ROWS} rows: through a stage (PUT + COPY INTO) vs array binds`,
      unit: 's',
      candidate: Number(stage.seconds.toFixed(2)),
      baseline: Number(binds.seconds.toFixed(2)),
      better: 'lower',
      goal: 'stage >= 3x faster (ratio <= 0.33) at 1,000,000 rows, <= 5 statements',
      met: speedup >= 3 && stage.statements <= 5,
      details: {
        rows: ROWS,
        speedup: Number(speedup.toFixed(2)),
        stage: { statements: stage.statements, seconds: Number(stage.seconds.toFixed(2)), warehouseSeconds: Number(stage.warehouseSeconds.toFixed(2)) },
        binds: { statements: binds.statements, seconds: Number(binds.seconds.toFixed(2)), warehouseSeconds: Number(binds.warehouseSeconds.toFixed(2)) },
      },
    })];
  } finally {
    await sb.close();
  }
}

if (require.main === module) runMain(run);
