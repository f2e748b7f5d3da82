// Fidelity test: the unmodified snowflake-sdk against the local Snowflake sandbox (protocols.md §1).
import assert from 'node:assert/strict';
import snowflake from 'snowflake-sdk';
import { startSnowflakeSandbox, SnowflakeSandbox } from '../../sandbox/snowflake';
import { connect, control, destroy, Row, run } from './snowflake-client';

describe('Snowflake sandbox with the unmodified snowflake-sdk', function () {
  let sandbox: SnowflakeSandbox;
  let connection: snowflake.Connection;

  before(async () => {
    sandbox = await startSnowflakeSandbox({ asyncThresholdMs: 300, inlineRows: 500, chunkRows: 4000, oauthTokens: ['oauth-token-1'] });
    connection = await connect(sandbox);
  });

  after(async () => {
    if (connection?.isUp()) await destroy(connection);
    await sandbox?.close();
  });

  it('rejects a wrong password with 390100 and no session', async () => {
    await assert.rejects(connect(sandbox, { password: 'wrong' }), (err: any) => err.code === '390100' && /Incorrect username or password/.test(err.message));
  });

  it('round-trips Snowflake types with the value encodings the driver decodes', async () => {
    await run(connection, `create or replace table types_t (i int, big number(38,0), d number(10,2), r float, s string, b boolean,
      dt date, ts timestamp_ntz, tl timestamp_ltz, v variant, bin binary, n string)`);
    await run(connection, `insert into types_t select 42, 12345678901234567890, 12.50, 0.25, 'héllo', true, '2024-01-01',
      '2024-01-01 10:20:30.123', '2024-01-01 00:00:00+00', parse_json('{"a":[1,2],"b":null}'), to_binary('48656C6C6F', 'HEX'), null`);
    const { rows, statement } = await run(connection, 'select * from types_t');
    const row = rows[0];
    assert.deepEqual(Object.keys(row), ['I', 'BIG', 'D', 'R', 'S', 'B', 'DT', 'TS', 'TL', 'V', 'BIN', 'N']);
    assert.equal(row.I, 42);
    assert.equal(row.D, 12.5);
    assert.equal(row.R, 0.25);
    assert.equal(row.S, 'héllo');
    assert.equal(row.B, true);
    assert.equal((row.DT as Date).toISOString().slice(0, 10), '2024-01-01');
    assert.equal((row.TS as Date).toISOString(), '2024-01-01T10:20:30.123Z');
    assert.equal((row.TL as Date).toISOString(), '2024-01-01T00:00:00.000Z');
    assert.deepEqual(row.V, { a: [1, 2], b: null });
    assert.equal(Buffer.from(row.BIN).toString('utf8'), 'Hello');
    assert.equal(row.N, null);
    const types = (statement.getColumns() ?? []).map((c) => c.getType());
    assert.deepEqual(types, ['fixed', 'fixed', 'fixed', 'real', 'text', 'boolean', 'date', 'timestamp_ntz', 'timestamp_ltz', 'variant', 'binary', 'text']);
    // JSON.stringify of a timestamp row crashes the driver when TIMEZONE is missing: it must not throw here.
    assert.ok(JSON.stringify(row).includes('2024'));
    // Big integers stay exact when the driver is asked for strings.
    const big = await run(connection, 'select big from types_t', undefined, { fetchAsString: ['Number'] } as any);
    assert.equal(big.rows[0].BIG, '12345678901234567890');
  });

  it('binds single values by type and keeps injection strings as data', async () => {
    await run(connection, 'create or replace table people (id int, name string, active boolean, score float, meta variant, seen_at timestamp_ntz)');
    const evil = "x'); drop table people; --";
    const inserted = await run(connection, 'insert into people (id, name, active, score, meta, seen_at) select ?, ?, ?, ?, parse_json(?), ?',
      [1, evil, true, 1.5, JSON.stringify({ k: 'v' }), new Date('2024-02-03T04:05:06.789Z')]);
    assert.equal(inserted.statement.getNumUpdatedRows(), 1);
    const { rows } = await run(connection, 'select * from people where name = ? and id = :2', [evil, 1]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].NAME, evil);
    assert.equal(rows[0].ACTIVE, true);
    assert.equal(rows[0].SCORE, 1.5);
    assert.deepEqual(rows[0].META, { k: 'v' });
    assert.equal((rows[0].SEEN_AT as Date).toISOString(), '2024-02-03T04:05:06.789Z');
  });

  it('inserts array binds in one statement and reports DML row counts', async () => {
    await run(connection, 'create or replace table items (id int, label string, price number(10,2))');
    const before = (await control(sandbox, 'GET', 'stats')).statements;
    const binds = Array.from({ length: 5000 }, (_, i) => [i, i % 7 === 0 ? null : `item-${i}`, i / 4]);
    const insert = await run(connection, 'insert into items (id, label, price) values (?, ?, ?)', binds);
    assert.equal(insert.statement.getNumUpdatedRows(), 5000);
    assert.equal((await control(sandbox, 'GET', 'stats')).statements - before, 1);
    const check = await run(connection, 'select count(*) as n, count(label) as labelled, sum(price) as total from items');
    assert.equal(check.rows[0].N, 5000);
    assert.equal(check.rows[0].LABELLED, 5000 - Math.ceil(5000 / 7));
    assert.equal(check.rows[0].TOTAL, (4999 * 5000) / 2 / 4);
    const update = await run(connection, 'update items set label = ? where id < ?', ['cheap', 10]);
    assert.equal(update.statement.getNumUpdatedRows(), 10);
    const del = await run(connection, 'delete from items where id >= 4990');
    assert.equal(del.statement.getNumUpdatedRows(), 10);
    await run(connection, 'create or replace temporary table items_stage like items');
    await run(connection, 'insert into items_stage (id, label, price) values (?, ?, ?)', [[1, 'one', 1], [9999, 'new', 2]]);
    const merge = await run(connection, `merge into items t using items_stage s on t.id = s.id
      when matched then update set label = s.label, price = s.price
      when not matched then insert (id, label, price) values (s.id, s.label, s.price)`);
    assert.equal(merge.statement.getNumUpdatedRows(), 2);
    assert.deepEqual(merge.rows[0], { 'number of rows inserted': 1, 'number of rows updated': 1 });
    const log = await control(sandbox, 'GET', 'queries');
    const arrayInsert = log.find((q: any) => q.sqlText.startsWith('insert into items ('));
    assert.equal(arrayInsert.bindRows, 5000);
  });

  it('reports SQL errors as success:false with code and sqlState', async () => {
    await assert.rejects(run(connection, 'select * from no_such_table'), (err: any) => {
      assert.equal(err.code, '002003');
      assert.equal(err.sqlState, '42S02');
      assert.match(err.message, /NO_SUCH_TABLE/);
      return true;
    });
    await assert.rejects(run(connection, 'selec 1'), (err: any) => err.code === '001003' && err.sqlState === '42000');
    await assert.rejects(run(connection, 'select 1; select 2'), (err: any) => err.code === '000008');
    // The connection is still usable.
    assert.equal((await run(connection, 'select 1 as one')).rows[0].ONE, 1);
  });

  it('runs multi-statement requests (MULTI_STATEMENT_COUNT) and walks their results', async () => {
    const results: Row[][] = [];
    await new Promise<void>((resolve, reject) => {
      connection.execute({
        sqlText: "create or replace temporary table multi_t (x int); insert into multi_t values (1), (2); select sum(x) as s from multi_t",
        parameters: { MULTI_STATEMENT_COUNT: 3 },
        complete: function (err: any, stmt: any, rows: any) {
          if (err) return reject(err);
          results.push(rows);
          if (stmt.hasNext()) stmt.NextResult();
          else resolve();
        },
      } as any);
    });
    assert.equal(results.length, 3);
    assert.deepEqual(results[1], [{ 'number of rows inserted': 2 }]);
    assert.deepEqual(results[2], [{ S: 3 }]);
  });

  it('serves large results through chunk URLs (inline rows + chunks)', async () => {
    const before = (await control(sandbox, 'GET', 'stats')).chunkRequests;
    const { rows } = await run(connection, 'select seq4() as n, n * 2 as twice from table(generator(rowcount => 20000)) order by n');
    assert.equal(rows.length, 20000);
    assert.equal(rows[0].N, 0);
    assert.equal(rows[19999].TWICE, 39998);
    assert.ok(rows.every((r, i) => r.N === i));
    const chunkRequests = (await control(sandbox, 'GET', 'stats')).chunkRequests - before;
    assert.equal(chunkRequests, Math.ceil((20000 - 500) / 4000));
  });

  it('streams rows from chunks with streamRows()', async () => {
    const statement = connection.execute({ sqlText: 'select seq4() as n from table(generator(rowcount => 9000))', streamResult: true });
    let count = 0;
    let sum = 0;
    await new Promise<void>((resolve, reject) => {
      statement.streamRows().on('data', (row: Row) => { count++; sum += row.N; }).on('error', reject).on('end', () => resolve());
    });
    assert.equal(count, 9000);
    assert.equal(sum, (8999 * 9000) / 2);
  });

  it('renews an expired session token with the master token and retries the statement', async () => {
    const before = await control(sandbox, 'GET', 'stats');
    await control(sandbox, 'POST', 'faults', { expireSessions: true });
    const { rows } = await run(connection, 'select 7 as seven');
    assert.equal(rows[0].SEVEN, 7);
    const after = await control(sandbox, 'GET', 'stats');
    assert.equal(after.renewals - before.renewals, 1);
    assert.equal(after.expiredRejections - before.expiredRejections, 1);
  });

  it('retries a transient 503 and succeeds', async () => {
    await control(sandbox, 'POST', 'faults', { transient503: 1 });
    const { rows } = await run(connection, 'select 3 as three');
    assert.equal(rows[0].THREE, 3);
    assert.equal((await control(sandbox, 'GET', 'faults')).transient503, 0);
  });

  it('polls getResultUrl (333333) for a long statement and runs asyncExec with monitoring', async () => {
    await control(sandbox, 'POST', 'faults', { latencyMs: 700 });
    try {
      const before = (await control(sandbox, 'GET', 'stats')).resultRequests;
      const { rows } = await run(connection, 'select 5 as five');
      assert.equal(rows[0].FIVE, 5);
      assert.ok((await control(sandbox, 'GET', 'stats')).resultRequests > before);
      const queryId = await new Promise<string>((resolve, reject) => {
        connection.execute({ sqlText: 'select 6 as six', asyncExec: true, complete: (err, stmt) => (err ? reject(err) : resolve(stmt.getQueryId())) });
      });
      assert.equal(await connection.getQueryStatus(queryId), 'RUNNING');
      const statement = await connection.getResultsFromQueryId({ queryId });
      const streamed: Row[] = [];
      await new Promise<void>((resolve, reject) => {
        statement.streamRows().on('data', (row: Row) => streamed.push(row)).on('error', reject).on('end', () => resolve());
      });
      assert.deepEqual(streamed, [{ SIX: 6 }]);
      assert.equal(await connection.getQueryStatus(queryId), 'SUCCESS');
    } finally {
      await control(sandbox, 'POST', 'faults', { latencyMs: 0 });
    }
  });

  it('echoes session parameters, applies ALTER SESSION and USE, and answers heartbeats', async () => {
    await run(connection, "alter session set query_tag = 'flowguard-test'");
    await run(connection, 'select 1');
    const log = await control(sandbox, 'GET', 'queries');
    assert.equal(log[log.length - 1].queryTag, 'flowguard-test');
    await run(connection, 'use schema other');
    await run(connection, 'create or replace table t_other (x int)');
    const ctx = await run(connection, 'select current_schema() as s, current_database() as d, current_warehouse() as w');
    assert.deepEqual(ctx.rows[0], { S: 'OTHER', D: 'TEST_DB', W: 'TEST_WH' });
    await run(connection, 'use schema public');
    assert.equal(await connection.isValidAsync(), true);
    assert.ok((await control(sandbox, 'GET', 'stats')).heartbeats >= 1);
  });

  it('deletes the session on destroy and resets through the control API', async () => {
    const other = await connect(sandbox);
    const before = (await control(sandbox, 'GET', 'stats')).sessionsClosed;
    await destroy(other);
    assert.equal((await control(sandbox, 'GET', 'stats')).sessionsClosed - before, 1);
    const seeded = await control(sandbox, 'POST', 'sql', { sql: 'select count(*) from items', database: 'TEST_DB' });
    assert.ok(Number(seeded.rows[0][0]) > 0);
    await control(sandbox, 'POST', 'reset');
    const stats = await control(sandbox, 'GET', 'stats');
    assert.equal(stats.statements, 0);
    assert.equal(stats.openSessions, 0);
    // The old session is gone: the driver sees an invalid token.
    await assert.rejects(run(connection, 'select 1'));
    connection = await connect(sandbox);
    await assert.rejects(run(connection, 'select * from items'), (err: any) => err.code === '002003');
  });
});
