// fg-snowflake bulk loads through a stage (gzip CSV files, PUT, COPY INTO, MERGE) in Node-RED against the Snowflake
// sandbox with the unmodified snowflake-sdk: values round-trip exactly, load history makes a re-run a no-op, ON_ERROR
// per file, the automatic switch at the threshold, msg.parts sequences gathered into one load.
import assert from 'node:assert/strict';
import { startSnowflakeSandbox, SnowflakeSandbox } from '../../sandbox/snowflake';
import { eventually, FlowNode, getNode, helper, load, receive, unload } from '../harness';
import { connect, destroy, run } from '../sandbox/snowflake-client';

const SETS = ['fg-snowflake-config', 'fg-snowflake'];
const CREDS = { c1: { password: 'sandbox' } };

/** Values a CSV writer gets wrong: delimiters, quotes, line breaks, NULL vs '', the default NULL_IF marker, unicode. */
const TRICKY = [
  'plain', 'a, with comma', 'she said "hi"', '"', '""', 'line\nbreak', 'crlf\r\nend', 'trailing\n', '', ' ', '\\N', 'NULL',
  'back\\slash', "it's", 'ünïcödé ✓ 雪 🚀', '=1+1', '\t tab',
];

describe('fg-snowflake node: bulk load through a stage', function () {
  this.timeout(120000);
  let sb: SnowflakeSandbox;
  const flow = (props: Record<string, unknown>): FlowNode[] => [
    { id: 'c1', type: 'fg-snowflake-config', account: 'sandbox', username: 'sandbox', auth: 'password', database: 'LOAD_DB', schema: 'PUBLIC', warehouse: 'WH', poolMax: 2, accessUrl: sb.url },
    { id: 'n1', type: 'fg-snowflake', snowflake: 'c1', table: 'accounts', wires: [['ok'], ['err']], ...props },
    { id: 'ok', type: 'helper' },
    { id: 'err', type: 'helper' },
  ];
  const sql = (text: string) => sb.runSql(text, 'LOAD_DB');
  const rowsOf = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ id: from + i, name: `n${from + i}`, balance: (from + i) / 4, active: i % 2 === 0 }));
  const send = async (payload: unknown, extra: Record<string, unknown> = {}, ms = 20000) => {
    const ok = receive('ok', 1, ms);
    getNode('n1').receive({ payload, ...extra });
    return (await ok)[0];
  };
  /** Stage commands through a driver connection (the control API's direct SQL does not run them). */
  const driverSql = async (text: string) => {
    const connection = await connect(sb, { database: 'LOAD_DB' });
    try {
      return (await run(connection, text)).rows;
    } finally {
      await destroy(connection);
    }
  };
  const list = (stage: string) => driverSql(`LIST ${stage}`);
  const collect = (id: string) => {
    const got: any[] = [];
    helper.getNode(id).on('input', (m: any) => got.push(m));
    return got;
  };
  const statementsSince = (from: number) => sb.queryLog.slice(from).map((q) => q.sqlText.split(/\s+/)[0].toUpperCase());

  before(async () => { sb = await startSnowflakeSandbox(); });
  after(async () => { await sb?.close(); });
  beforeEach(async () => {
    await sb.reset();
    await sql('create or replace table accounts (id int, name string, balance number(12,2), active boolean, opened date)');
  });
  afterEach(async () => { await unload(); });

  it('insert via the user stage: PUT + COPY, values with commas, quotes, newlines, NULL, \'\' and unicode come back exactly, never in SQL text', async () => {
    await load(SETS, flow({ mode: 'insert', loadMethod: 'stage' }), CREDS);
    // Over 1,000 rows, so the sandbox's COPY takes its bulk path (DuckDB's CSV reader) as well as the row path.
    const tricky = Array.from({ length: 64 }, (_, r) => TRICKY.map((name, i) => ({ id: r * 100 + i, name, balance: i === 3 ? null : i + 0.25, active: i % 2 === 0, opened: i === 4 ? null : '2026-12-03' }))).flat();
    const rows = [...tricky, { id: 100000, name: null, balance: -1.5, active: null, opened: null }];
    const logFrom = sb.queryLog.length;
    const msg = await send(rows);
    assert.equal(msg.snowflake.method, 'stage');
    assert.equal(msg.snowflake.rowsInserted, rows.length);
    assert.equal(msg.snowflake.statements, 2);
    assert.deepEqual(statementsSince(logFrom), ['PUT', 'COPY']);
    assert.match(msg.snowflake.stage, /^@~\/flowguard\/ACCOUNTS$/);
    // The output is COPY's answer per file, with Snowflake's column names.
    assert.equal(msg.payload.length, 1);
    assert.deepEqual(Object.keys(msg.payload[0]), ['file', 'status', 'rows_parsed', 'rows_loaded', 'error_limit', 'errors_seen', 'first_error', 'first_error_line', 'first_error_character', 'first_error_column_name']);
    assert.equal(msg.payload[0].status, 'LOADED');
    assert.equal(msg.payload[0].rows_loaded, rows.length);
    // Read back through the driver: the values as a flow would get them.
    const back = await driverSql('select id, name, balance, active, opened from accounts order by id');
    assert.deepEqual(back.map((r) => r.NAME), [...tricky.map((r) => r.name), null]);
    assert.deepEqual(back.map((r) => r.BALANCE), rows.map((r) => r.balance));
    assert.deepEqual(back.map((r) => r.ACTIVE), rows.map((r) => r.active));
    assert.deepEqual(back.map((r) => (r.OPENED === null ? null : new Date(r.OPENED).toISOString().slice(0, 10))), rows.map((r) => r.opened));
    for (const entry of sb.queryLog.slice(logFrom)) {
      assert.ok(!entry.sqlText.includes('comma') && !entry.sqlText.includes('雪'), `a value in SQL text: ${entry.sqlText}`);
    }
    // PURGE: nothing left in the stage.
    assert.deepEqual(await list('@~'), []);
  });

  it('a re-run of the same rows loads 0 rows (the load history), and leaves the stage empty', async () => {
    await load(SETS, flow({ mode: 'insert', loadMethod: 'stage', fileMegabytes: 0.001 }), CREDS);
    const rows = rowsOf(200);
    const first = await send(rows);
    assert.ok(first.snowflake.filesPut > 1, `chunked into ${first.snowflake.filesPut} files`);
    assert.equal(first.snowflake.rowsLoaded, 200);
    assert.equal(first.snowflake.filesSkipped, 0);
    const again = await send(rows);
    assert.equal(again.snowflake.rowsLoaded, 0);
    assert.equal(again.snowflake.rowsInserted, 0);
    assert.equal(again.snowflake.filesSkipped, first.snowflake.filesPut);
    assert.deepEqual(again.payload, []);
    assert.equal((await sql('select count(*) from accounts'))[0][0], '200');
    assert.deepEqual(await list('@~'), []);
    // One more row is a new file set: only the changed files load.
    const more = await send([...rows, { id: 200, name: 'n200', balance: 1, active: true }]);
    assert.equal((await sql('select count(*) from accounts'))[0][0], String(200 + more.snowflake.rowsLoaded));
    assert.ok(more.snowflake.rowsLoaded >= 1 && more.snowflake.rowsLoaded < 201);
  });

  it('upsert via a stage: PUT, temporary table, COPY, one MERGE, DROP (5 statements); the last row per key wins', async () => {
    await sql("insert into accounts (id, name, balance) values (1, 'old1', 1), (2, 'old2', 2)");
    await load(SETS, flow({ mode: 'upsert', keys: 'id', loadMethod: 'stage' }), CREDS);
    const logFrom = sb.queryLog.length;
    const errors = collect('err');
    const answer = send([
      { id: 2, name: 'first 2', balance: 20 }, { id: 3, name: 'new, "3"', balance: 30 }, { id: 2, name: 'last 2', balance: 22 },
    ]);
    const msg = await answer.catch((err) => { throw new Error(`${err.message}: ${JSON.stringify(errors.map((m) => m.error))}`); });
    assert.deepEqual(statementsSince(logFrom), ['PUT', 'CREATE', 'COPY', 'MERGE', 'DROP']);
    assert.equal(msg.snowflake.statements, 5);
    assert.equal(msg.snowflake.rowsInserted, 1);
    assert.equal(msg.snowflake.rowsUpdated, 1);
    assert.equal(msg.snowflake.duplicatesDropped, 1);
    assert.deepEqual(await sql('select id, name, balance from accounts order by id'), [['1', 'old1', '1.00'], ['2', 'last 2', '22.00'], ['3', 'new, "3"', '30.00']]);
  });

  it('ON_ERROR = CONTINUE loads the good rows and reports the bad one per file; ABORT_STATEMENT loads nothing and fails to the error output', async () => {
    await load(SETS, flow({ mode: 'insert', loadMethod: 'stage', onError: 'CONTINUE' }), CREDS);
    const rows = [{ id: 1, name: 'a' }, { id: 'not a number', name: 'b' }, { id: 3, name: 'c' }];
    const msg = await send(rows);
    assert.equal(msg.payload.length, 1);
    assert.equal(msg.payload[0].status, 'PARTIALLY_LOADED');
    assert.equal(msg.payload[0].rows_parsed, 3);
    assert.equal(msg.payload[0].rows_loaded, 2);
    assert.equal(msg.payload[0].errors_seen, 1);
    assert.equal(msg.payload[0].first_error_line, 2);
    assert.ok(msg.payload[0].first_error);
    assert.equal(msg.snowflake.errorsSeen, 1);
    assert.deepEqual((await sql('select id from accounts order by id')).map((r) => r[0]), ['1', '3']);
    // The same with 1,500 rows (the sandbox's bulk path, then row by row to keep the good ones).
    await sql('delete from accounts where 1 = 1');
    const many = rowsOf(1500).map((r) => (r.id === 1234 ? { ...r, balance: 'abc' } : r));
    const bulk = await send(many, {}, 60000);
    assert.deepEqual([bulk.payload[0].status, bulk.payload[0].rows_loaded, bulk.payload[0].errors_seen, bulk.payload[0].first_error_line], ['PARTIALLY_LOADED', 1499, 1, 1235]);
    assert.equal((await sql('select count(*) from accounts'))[0][0], '1499');
    await unload();

    await sql('delete from accounts where 1 = 1');
    await load(SETS, flow({ mode: 'insert', loadMethod: 'stage', onError: 'ABORT_STATEMENT' }), CREDS);
    const err = receive('err');
    getNode('n1').receive({ payload: [{ id: 7, name: 'x' }, { id: 'bad', name: 'y' }] });
    const [failed] = await err;
    assert.equal(failed.error.service, 'snowflake');
    assert.match(failed.error.message, /File '/);
    assert.equal((await sql('select count(*) from accounts'))[0][0], '0');
  });

  it('auto: array binds up to the threshold, a stage above it; rows with objects stay on binds', async () => {
    await load(SETS, flow({ mode: 'insert', loadMethod: 'auto', stageThreshold: 5 }), CREDS);
    const atThreshold = await send(rowsOf(5));
    assert.equal(atThreshold.snowflake.method, 'binds');
    assert.equal(atThreshold.snowflake.rowsInserted, 5);
    assert.equal(atThreshold.payload.length, 5, 'binds pass the payload on');
    const above = await send(rowsOf(6, 100));
    assert.equal(above.snowflake.method, 'stage');
    assert.equal(above.snowflake.rowsInserted, 6);
    assert.equal((await sql('select count(*) from accounts'))[0][0], '11');
    const structured = await send(rowsOf(6, 200).map((r) => ({ ...r, name: { first: r.name } })));
    assert.equal(structured.snowflake.method, 'binds');
  });

  it('stage: a row holding an object is refused by name (COPY does not parse CSV text as JSON)', async () => {
    await load(SETS, flow({ mode: 'insert', loadMethod: 'stage' }), CREDS);
    const err = receive('err');
    getNode('n1').receive({ payload: [{ id: 1, name: { nested: true } }] });
    const [msg] = await err;
    assert.equal(msg.error.code, 'STAGE_STRUCTURED_VALUE');
    assert.match(msg.error.message, /Column name holds an object/);
  });

  it('table stage and named stage; PURGE off keeps the loaded files', async () => {
    await load(SETS, flow({ mode: 'insert', loadMethod: 'stage', stageType: 'table', purge: false }), CREDS);
    const msg = await send(rowsOf(3));
    assert.equal(msg.snowflake.stage, '@%ACCOUNTS/flowguard/ACCOUNTS');
    assert.equal((await list('@%accounts')).length, 1);
    await unload();
    await driverSql('create stage loads');
    await load(SETS, flow({ mode: 'insert', loadMethod: 'stage', stageType: 'named', stageName: 'LOAD_DB.PUBLIC.LOADS' }), CREDS);
    const named = await send(rowsOf(3, 10));
    assert.equal(named.snowflake.stage, '@LOAD_DB.PUBLIC.LOADS/flowguard/ACCOUNTS');
    assert.equal(named.snowflake.rowsInserted, 3);
    assert.deepEqual(await list('@loads'), []);
  });

  it('gathers a msg.parts sequence into one load: no output until the last part, then one message; binds when the sequence stays under the threshold', async () => {
    // Micro-batching on as well: one-row parts are still gathered, not batched on their own.
    await load(SETS, flow({ mode: 'insert', loadMethod: 'auto', stageThreshold: 4, gatherParts: true, batchWindow: 50 }), CREDS);
    const outputs = collect('ok');
    const ok = receive('ok');
    const batches = [rowsOf(3, 0), rowsOf(3, 3), rowsOf(3, 6)];
    batches.forEach((payload, index) => getNode('n1').receive({ payload, parts: { id: 'seq1', type: 'array', index, count: 3 } }));
    const [msg] = await ok;
    assert.equal(msg.snowflake.method, 'stage');
    assert.equal(msg.snowflake.rowsInserted, 9);
    assert.equal(msg.parts, undefined);
    assert.equal(outputs.length, 1);
    const small = receive('ok');
    // A split of one array: one row per message, the count on every part.
    [{ id: 50 }, { id: 51 }].forEach((payload, index) => getNode('n1').receive({ payload, parts: { id: 'seq2', type: 'array', index, count: 2 } }));
    const [binds] = await small;
    assert.equal(binds.snowflake.method, 'binds');
    assert.equal(binds.snowflake.rowsInserted, 2);
    assert.equal(outputs.length, 2);
    assert.equal((await sql('select count(*) from accounts'))[0][0], '11');
  });

  it('a sequence whose next part does not come within the timeout is dropped and reported (SEQUENCE_INCOMPLETE), nothing loaded', async () => {
    await load(SETS, flow({ mode: 'insert', loadMethod: 'stage', gatherParts: true, timeout: 1 }), CREDS);
    const outputs = collect('ok');
    const err = receive('err', 1, 10000);
    getNode('n1').receive({ payload: rowsOf(3), parts: { id: 'cut', type: 'array', index: 0, count: 2 } });
    const [msg] = await err;
    assert.equal(msg.error.code, 'SEQUENCE_INCOMPLETE');
    assert.equal(msg.error.retryable, true);
    assert.match(msg.error.message, /stopped after 3 rows/);
    assert.equal(outputs.length, 0);
    assert.equal((await sql('select count(*) from accounts'))[0][0], '0');
  });

  it('an upsert sequence through a stage refuses a key seen twice; every later part fails too, nothing is loaded', async () => {
    await load(SETS, flow({ mode: 'upsert', keys: 'id', loadMethod: 'stage', gatherParts: true }), CREDS);
    const outputs = collect('ok');
    const errors = collect('err');
    getNode('n1').receive({ payload: rowsOf(2), parts: { id: 's', type: 'array', index: 0, count: 3 } });
    getNode('n1').receive({ payload: rowsOf(2, 1), parts: { id: 's', type: 'array', index: 1, count: 3 } });
    getNode('n1').receive({ payload: rowsOf(2, 5), parts: { id: 's', type: 'array', index: 2, count: 3 } });
    await eventually(() => errors.length === 2, 'two parts failed');
    const codes = errors.map((m: any) => m.error.code);
    assert.deepEqual(codes, ['DUPLICATE_KEY', 'SEQUENCE_FAILED']);
    assert.equal(outputs.length, 0);
    assert.equal((await sql('select count(*) from accounts'))[0][0], '0');
  });
});
