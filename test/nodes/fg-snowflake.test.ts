// fg-snowflake-config + fg-snowflake in Node-RED against the Snowflake sandbox (unmodified snowflake-sdk).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { startSnowflakeSandbox, SnowflakeSandbox } from '../../sandbox/snowflake';
import { eventually, FlowNode, getNode, helper, load, receive, reportedErrors, unload } from '../harness';

const SETS = ['fg-snowflake-config', 'fg-snowflake'];

// A full GC before each heap sample, so the bound measures what is retained, not garbage waiting for collection.
v8.setFlagsFromString('--expose-gc');
const gc: () => void = vm.runInNewContext('gc');
const retainedHeap = (): number => { gc(); return process.memoryUsage().heapUsed; };
const CREDS = { c1: { password: 'sandbox' } };

describe('fg-snowflake node', function () {
  this.timeout(60000);
  let sb: SnowflakeSandbox;
  const config = (extra: Record<string, unknown> = {}): FlowNode => ({
    id: 'c1', type: 'fg-snowflake-config', account: 'sandbox', username: 'sandbox', auth: 'password',
    database: 'NODE_DB', schema: 'PUBLIC', warehouse: 'WH', queryTag: 'fg-test', poolMax: 2, accessUrl: sb.url, ...extra,
  });
  const flow = (props: Record<string, unknown>, errorWired = true, configExtra: Record<string, unknown> = {}): FlowNode[] => [
    config(configExtra),
    { id: 'n1', type: 'fg-snowflake', snowflake: 'c1', wires: [['ok'], errorWired ? ['err'] : []], ...props },
    { id: 'ok', type: 'helper' },
    { id: 'err', type: 'helper' },
  ];
  const sql = (text: string) => sb.runSql(text, 'NODE_DB');

  before(async () => {
    sb = await startSnowflakeSandbox({ asyncThresholdMs: 200 });
  });
  after(async () => { await sb?.close(); });
  beforeEach(async () => {
    await sb.reset();
    await sql('create or replace table accounts (id int, name string, balance number(12,2), active boolean, meta variant, opened date, updated_at timestamp_ntz)');
  });
  afterEach(async () => { await unload(); });

  it('runs a query with binds; injection strings stay data; types arrive as JS values', async () => {
    await sql(`insert into accounts select 1, 'alice', 10.50, true, parse_json('{"tier":"gold"}'), '2024-01-02', '2024-01-02 03:04:05.678'`);
    await load(SETS, flow({ mode: 'query', sql: 'select * from accounts where name = ? or id = ?' }), CREDS);
    const ok = receive('ok');
    getNode('n1').receive({ binds: ["alice' or '1'='1", 1] });
    const [msg] = await ok;
    assert.equal(msg.payload.length, 1);
    const row = msg.payload[0];
    assert.equal(row.NAME, 'alice');
    assert.equal(row.BALANCE, 10.5);
    assert.equal(row.ACTIVE, true);
    assert.deepEqual(row.META, { tier: 'gold' });
    assert.equal(new Date(row.UPDATED_AT).toISOString(), '2024-01-02T03:04:05.678Z');
    assert.equal(msg.snowflake.rows, 1);
    assert.ok(msg.snowflake.queryId);
    const injected = receive('ok');
    getNode('n1').receive({ binds: ["x'; drop table accounts; --", -1] });
    assert.equal((await injected)[0].payload.length, 0);
    assert.equal((await sql('select count(*) from accounts'))[0][0], '1');
    assert.equal(sb.queryLog.at(-1)?.queryTag, 'fg-test');
  });

  it('reports DML row counts and runs SQL from msg.sql', async () => {
    await sql("insert into accounts (id, name) values (1, 'a'), (2, 'b'), (3, 'c')");
    await load(SETS, flow({ mode: 'query', sql: '' }), CREDS);
    const ok = receive('ok');
    getNode('n1').receive({ sql: 'update accounts set active = ? where id <= ?', binds: [true, 2] });
    const [msg] = await ok;
    assert.equal(msg.snowflake.rowCount, 2);
    assert.equal(msg.snowflake.statementType, 'dml');
  });

  it('sends SQL errors to the error output with code and sqlState, and to Catch when not wired', async () => {
    await load(SETS, flow({ mode: 'query', sql: 'select * from missing_table' }), CREDS);
    const err = receive('err');
    getNode('n1').receive({ payload: 'x' });
    const [msg] = await err;
    assert.equal(msg.error.code, '002003');
    assert.equal(msg.error.sqlState, '42S02');
    assert.equal(msg.error.service, 'snowflake');
    assert.equal(msg.error.retryable, false);
    assert.match(msg.error.message, /MISSING_TABLE/);
    await unload();
    await load(SETS, flow({ mode: 'query', sql: 'selec 1' }, false), CREDS);
    getNode('n1').receive({ payload: 'x' });
    await eventually(() => reportedErrors('n1').length > 0, 'error reported to Catch');
    assert.match(reportedErrors('n1')[0].text, /syntax error/);
  });

  it('inserts 100,000 rows with array binds in one statement per chunk', async () => {
    await load(SETS, flow({ mode: 'insert', table: 'accounts', maxRows: 20000, maxMegabytes: 64 }), CREDS);
    const rows = Array.from({ length: 100000 }, (_, i) => ({ id: i, name: `n${i}`, balance: i % 1000, meta: { i } }));
    const before = sb.stats.statements;
    const ok = receive('ok', 1, 30000);
    getNode('n1').receive({ payload: rows });
    const [msg] = await ok;
    assert.equal(msg.snowflake.rowsInserted, 100000);
    assert.equal(msg.snowflake.chunks, 5);
    assert.equal(sb.stats.statements - before, 5);
    assert.deepEqual(await sql('select count(*), count(meta), sum(balance) from accounts'), [['100000', '100000', '49950000.00']]);
  });

  describe('micro-batching (Batch window)', () => {
    it('gathers 500 one-row insert messages into one array-bind statement, each message answered on its own', async () => {
      await load(SETS, flow({ mode: 'insert', table: 'accounts', batchWindow: 50 }), CREDS);
      const before = sb.stats.statements;
      const ok = receive('ok', 500, 30000);
      for (let i = 0; i < 500; i++) getNode('n1').receive({ _msgid: `m${i}`, payload: { id: i, name: `n${i}` } });
      const msgs = await ok;
      assert.equal(sb.stats.statements - before, 1);
      assert.ok(msgs.every((m) => m.snowflake.batchSize === 500 && m.snowflake.table === 'accounts'));
      assert.deepEqual(await sql('select count(*), count(distinct id) from accounts'), [['500', '500']]);
    });

    it('a row Snowflake refuses fails only its own message; the others are written', async () => {
      await load(SETS, flow({ mode: 'insert', table: 'accounts', batchWindow: 50 }), CREDS);
      const ok = receive('ok', 9, 30000);
      const err = receive('err', 1, 30000);
      for (let i = 0; i < 10; i++) getNode('n1').receive({ _msgid: `m${i}`, payload: { id: i === 4 ? 'not a number' : i, name: `n${i}` } });
      await ok;
      const [bad] = await err;
      assert.equal(bad._msgid, 'm4');
      assert.ok(bad.error.sqlState, JSON.stringify(bad.error));
      assert.deepEqual(await sql('select count(*) from accounts'), [['9']]);
    });

    it('upserts one key twice in two statements, in order: the later row wins', async () => {
      await load(SETS, flow({ mode: 'upsert', table: 'accounts', keys: 'id', batchWindow: 50 }), CREDS);
      const ok = receive('ok', 3, 30000);
      for (const [id, name] of [[1, 'first'], [2, 'other'], [1, 'second']] as const) getNode('n1').receive({ payload: { id, name } });
      const msgs = await ok;
      assert.deepEqual(msgs.map((m) => m.snowflake.batchSize), [2, 2, 1]);
      assert.deepEqual(await sql('select name from accounts where id = 1'), [['second']]);
    });
  });

  it('upserts 100,000 rows with a staging table and one MERGE (≤ 3 + chunks statements)', async () => {
    await sql("insert into accounts (id, name) select seq4(), 'old' from table(generator(rowcount => 40000))");
    await load(SETS, flow({ mode: 'upsert', table: 'accounts', keys: 'id', maxRows: 50000, maxMegabytes: 64 }), CREDS);
    const rows = Array.from({ length: 100000 }, (_, i) => ({ id: i, name: `new${i}`, active: i % 2 === 0 }));
    const before = sb.stats.statements;
    const ok = receive('ok', 1, 30000);
    getNode('n1').receive({ payload: rows });
    const [msg] = await ok;
    const used = sb.stats.statements - before;
    assert.equal(msg.snowflake.chunks, 2);
    assert.ok(used <= 3 + msg.snowflake.chunks, `${used} statements`);
    assert.equal(msg.snowflake.rowsUpdated, 40000);
    assert.equal(msg.snowflake.rowsInserted, 60000);
    assert.equal(sb.queryLog.filter((q) => q.kind === 'MERGE').length, 1);
    assert.deepEqual(await sql("select count(*), count_if(name like 'new%'), count_if(active) from accounts"), [['100000', '100000', '50000']]);
  });

  it('streams 1,000,000 rows in batches with msg.parts and bounded heap', async () => {
    await load(SETS, flow({ mode: 'query', output: 'batches', batchSize: 10000,
      sql: "select seq4() as n, 'payload-row-padding-' || seq4() as s from table(generator(rowcount => 1000000))" }), CREDS);
    const okNode = getNode('ok');
    const baseline = retainedHeap();
    let peak = 0;
    let rows = 0;
    let batches = 0;
    let lastIndex = -1;
    let count = 0;
    let inOrder = true;
    okNode.on('input', (msg: any) => {
      // The test helper's sinon spies record every message sent (~1 MB per batch here); forget them so the heap
      // shows what the node itself holds.
      helper._sandbox.resetHistory();
      batches++;
      rows += msg.payload.length;
      if (msg.parts.index !== lastIndex + 1) inOrder = false;
      lastIndex = msg.parts.index;
      count = msg.parts.count;
      if (batches % 10 === 5) peak = Math.max(peak, retainedHeap() - baseline);
    });
    getNode('n1').receive({ payload: 'go' });
    await eventually(() => rows === 1000000, '1,000,000 rows', 50000);
    assert.equal(batches, 100);
    assert.equal(count, 100);
    assert.ok(inOrder);
    // Holding the 1,000,000 rows takes ~275 MB of heap; the stream keeps a few batches (~3 MB each) at most.
    assert.ok(peak < 48 * 1024 * 1024, `heap grew by ${Math.round(peak / 1048576)} MB`);
  });

  it('waits for msg.tick between streamed messages when asked to', async () => {
    await load(SETS, flow({ mode: 'query', output: 'batches', batchSize: 10, waitForTick: true,
      sql: 'select seq4() as n from table(generator(rowcount => 30))' }), CREDS);
    const got: any[] = [];
    getNode('ok').on('input', (msg: any) => got.push(msg));
    getNode('n1').receive({ payload: 'go' });
    await eventually(() => got.length === 1, 'first batch');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(got.length, 1, 'no second batch before a tick');
    getNode('n1').receive({ tick: true });
    await eventually(() => got.length === 2, 'second batch after a tick');
    getNode('n1').receive({ tick: true });
    await eventually(() => got.length === 3, 'third batch');
    getNode('n1').receive({ tick: true });
    assert.deepEqual(got.map((m) => m.parts.index), [0, 1, 2]);
    assert.equal(got[2].payload.at(-1).N, 29);
  });

  it('renews an expired session transparently', async () => {
    await load(SETS, flow({ mode: 'query', sql: 'select 1 as one' }), CREDS);
    const first = receive('ok');
    getNode('n1').receive({});
    await first;
    sb.expireSessions();
    const second = receive('ok');
    getNode('n1').receive({});
    assert.deepEqual((await second)[0].payload, [{ ONE: 1 }]);
    assert.equal(sb.stats.renewals, 1);
  });

  it('runs a long query asynchronously and shows progress in the status', async () => {
    await load(SETS, flow({ mode: 'query', async: true, pollInterval: 0.1, sql: 'select 40 + 2 as answer' }), CREDS);
    sb.faults.latencyMs = 600;
    const ok = receive('ok');
    getNode('n1').receive({});
    const [msg] = await ok;
    sb.faults.latencyMs = 0;
    assert.deepEqual(msg.payload, [{ ANSWER: 42 }]);
    const texts = getNode('n1').status.getCalls().map((c: any) => c.args[0].text);
    assert.ok(texts.some((t: string) => /^running \d+s$/.test(t)), texts.join(' | '));
  });

  it('streams the result of an asynchronous query in batches', async () => {
    await load(SETS, flow({ mode: 'query', async: true, pollInterval: 0.1, output: 'batches', batchSize: 400,
      sql: 'select seq4() as n from table(generator(rowcount => 1000))' }), CREDS);
    sb.faults.latencyMs = 400;
    const ok = receive('ok', 3);
    getNode('n1').receive({});
    const msgs = await ok;
    sb.faults.latencyMs = 0;
    assert.deepEqual(msgs.map((m) => [m.parts.index, m.parts.count, m.payload.length]), [[0, 3, 400], [1, 3, 400], [2, 3, 200]]);
    assert.equal(msgs[2].payload.at(-1).N, 999);
  });

  it('fails with 390100 on a wrong password, writes no snowflake.log, and never logs the secret', async () => {
    const cwdLog = path.join(process.cwd(), 'snowflake.log');
    const existed = fs.existsSync(cwdLog);
    await load(SETS, flow({ mode: 'query', sql: 'select 1' }), { c1: { password: 'wrong-secret-value' } });
    const err = receive('err');
    getNode('n1').receive({});
    const [msg] = await err;
    assert.equal(msg.error.code, '390100');
    assert.ok(!JSON.stringify(msg.error).includes('wrong-secret-value'));
    if (!existed) assert.equal(fs.existsSync(cwdLog), false);
  });

  it('routes the driver log into the Node-RED log when asked to, with secrets masked', async () => {
    await load(SETS, flow({ mode: 'query', sql: 'select 1' }, true, { driverLog: 'error' }), { c1: { password: 'another-wrong-secret' } });
    const err = receive('err');
    getNode('n1').receive({});
    await err;
    const lines = helper.log().args.map((a: any[]) => String(a[0]?.msg ?? a[0]));
    const driverLines = lines.filter((l: string) => l.includes('[snowflake-sdk]'));
    assert.ok(driverLines.length > 0, 'driver errors reach the Node-RED log');
    assert.ok(!lines.some((l: string) => l.includes('another-wrong-secret')));
  });

  it('fails each message with CONFIG_MISSING when the config lacks its secret (config guard)', async () => {
    await load(SETS, flow({ mode: 'query', sql: 'select 1' }), {});
    const err = receive('err');
    getNode('n1').receive({});
    const [msg] = await err;
    assert.equal(msg.error.code, 'CONFIG_MISSING');
    assert.match(msg.error.message, /Snowflake config cannot be used: .*needs a password/);
    assert.equal(sb.stats.logins + sb.stats.failedLogins, 0);
  });

  it('sends bad input (binds not an array, no SQL) to the error output with a message, nothing else', async () => {
    await load(SETS, flow({ mode: 'query', sql: '' }), CREDS);
    const got: any[] = [];
    getNode('ok').on('input', (msg: any) => got.push(msg));
    const err = receive('err', 2);
    getNode('n1').receive({ sql: 'select ?', binds: 'not-an-array' });
    getNode('n1').receive({ payload: 'no sql' });
    const [bad, missing] = await err;
    assert.equal(bad.error.code, 'BAD_BINDS');
    assert.match(bad.error.message, /msg.binds must be an array/);
    assert.equal(missing.error.code, 'NO_SQL');
    assert.equal(missing.payload, 'no sql');
    assert.equal(got.length, 0);
    assert.equal(sb.stats.statements, 0);
  });

  it('refuses a table name that carries SQL', async () => {
    await load(SETS, flow({ mode: 'insert', table: '' }), CREDS);
    const err = receive('err');
    getNode('n1').receive({ table: 'accounts; drop table accounts', payload: [{ id: 1 }] });
    assert.match((await err)[0].error.message, /Invalid table name/);
    assert.equal(sb.stats.statements, 0);
  });
});
