// Stages through the unmodified snowflake-sdk: PUT / GET with the driver's LOCAL_FS stage type, LIST, REMOVE, and
// COPY INTO from CSV (gzip) with load history, ON_ERROR, PURGE and the result columns Snowflake documents.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import snowflake from 'snowflake-sdk';
import { startSnowflakeSandbox, SnowflakeSandbox } from '../../sandbox/snowflake';
import { connect, destroy, refused, run } from './snowflake-client';

describe('Snowflake sandbox: stages, PUT / GET and COPY INTO with the unmodified snowflake-sdk', function () {
  this.timeout(60000);
  let sandbox: SnowflakeSandbox;
  let connection: snowflake.Connection;
  const local = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-sf-stage-test-'));
  const write = (name: string, text: string, gzip = false) => {
    const file = path.join(local, name);
    fs.writeFileSync(file, gzip ? zlib.gzipSync(text) : text);
    return file;
  };
  const rows = async (sql: string) => (await run(connection, sql)).rows;

  before(async () => {
    sandbox = await startSnowflakeSandbox();
    connection = await connect(sandbox);
    await run(connection, 'create table orders (id int not null, amount number(10,2), note string)');
    await run(connection, "create stage loads file_format = (type = csv skip_header = 1 field_optionally_enclosed_by = '\"')");
  });
  after(async () => {
    if (connection?.isUp()) await destroy(connection);
    await sandbox?.close();
    fs.rmSync(local, { recursive: true, force: true });
  });

  it('PUT compresses and copies a local file into a named stage; LIST shows it with size and md5', async () => {
    const file = write('day1.csv', 'id,amount,note\n1,10.50,"first, with comma"\n2,20,plain\n');
    const put = await rows(`PUT file://${file} @loads/2026-12-03`);
    assert.deepEqual(put.map((r) => [r.source, r.target, r.targetCompression, r.status]), [['day1.csv', 'day1.csv.gz', 'GZIP', 'UPLOADED']]);
    const listed = await rows('LIST @loads');
    assert.deepEqual(listed.map((r) => r.name), ['loads/2026-12-03/day1.csv.gz']);
    assert.match(String(listed[0].md5), /^[0-9a-f]{32}$/);
  });

  it('COPY INTO loads each file once: the result columns per file, then "0 files processed" on a re-run; FORCE loads again', async () => {
    const first = await rows('COPY INTO orders FROM @loads/2026-12-03');
    assert.deepEqual(first.map((r) => [r.file, r.status, r.rows_parsed, r.rows_loaded, r.error_limit, r.errors_seen, r.first_error]),
      [['loads/2026-12-03/day1.csv.gz', 'LOADED', 2, 2, 1, 0, null]]);
    assert.deepEqual(Object.keys(first[0]), ['file', 'status', 'rows_parsed', 'rows_loaded', 'error_limit', 'errors_seen', 'first_error', 'first_error_line', 'first_error_character', 'first_error_column_name']);
    assert.deepEqual((await rows('select id, amount, note from orders order by id')).map((r) => [r.ID, r.AMOUNT, r.NOTE]), [[1, 10.5, 'first, with comma'], [2, 20, 'plain']]);
    const again = await rows('COPY INTO orders FROM @loads');
    assert.deepEqual(again, [{ status: 'Copy executed with 0 files processed.' }]);
    assert.equal((await rows('select count(*) as n from orders'))[0].N, 2);
    const forced = await rows('COPY INTO orders FROM @loads FORCE = TRUE');
    assert.equal(forced[0].rows_loaded, 2);
    await run(connection, 'delete from orders where 1 = 1');
  });

  it('ON_ERROR: ABORT_STATEMENT fails and loads nothing, CONTINUE keeps the good rows, SKIP_FILE loads nothing of the file', async () => {
    await run(connection, 'create table t_err (id int not null, amount number(10,2))');
    const bad = write('bad.csv', '1,5\n3\n2,abc\n4,7\n');
    await run(connection, `PUT file://${bad} @%t_err`);
    await refused(connection, 'COPY INTO t_err FROM @%t_err', '100080', '22000', /^Number of columns in file \(1\) does not match[\s\S]*File 'bad\.csv\.gz', line 2/);
    assert.equal((await rows('select count(*) as n from t_err'))[0].N, 0);
    const skipped = await rows('COPY INTO t_err FROM @%t_err ON_ERROR = SKIP_FILE');
    assert.deepEqual([skipped[0].status, skipped[0].rows_loaded], ['LOAD_FAILED', 0]);
    assert.equal((await rows('select count(*) as n from t_err'))[0].N, 0);
    const kept = await rows('COPY INTO t_err FROM @%t_err ON_ERROR = CONTINUE');
    assert.deepEqual([kept[0].file, kept[0].status, kept[0].rows_parsed, kept[0].rows_loaded, kept[0].errors_seen, kept[0].error_limit], ['bad.csv.gz', 'PARTIALLY_LOADED', 4, 2, 2, 4]);
    assert.match(String(kept[0].first_error), /^Number of columns in file \(1\) does not match/);
    assert.equal(kept[0].first_error_line, 2);
    assert.deepEqual((await rows('select id from t_err order by id')).map((r) => r.ID), [1, 4]);
    // A partially loaded file is in the load history: not loaded twice.
    assert.deepEqual(await rows('COPY INTO t_err FROM @%t_err ON_ERROR = CONTINUE'), [{ status: 'Copy executed with 0 files processed.' }]);
  });

  it('PURGE removes loaded files; GET downloads; REMOVE deletes; unknown stages are 002003', async () => {
    await run(connection, 'create table t_purge (id int)');
    await run(connection, `PUT file://${write('p1.csv', '1\n2\n')} @~/purge`);
    await run(connection, `PUT file://${write('p2.csv.gz', '3\n', true)} @~/purge`);
    assert.deepEqual((await rows('LIST @~/purge')).map((r) => r.name), ['purge/p1.csv.gz', 'purge/p2.csv.gz']);
    const out = fs.mkdtempSync(path.join(local, 'get-'));
    const got = await rows(`GET @~/purge file://${out}`);
    assert.deepEqual(got.map((r) => [r.file, r.status]), [['purge/p1.csv.gz', 'DOWNLOADED'], ['purge/p2.csv.gz', 'DOWNLOADED']]);
    assert.equal(zlib.gunzipSync(fs.readFileSync(path.join(out, 'p1.csv.gz'))).toString(), '1\n2\n');
    const loaded = await rows("COPY INTO t_purge FROM @~/purge FILES = ('p1.csv.gz') PURGE = TRUE");
    assert.deepEqual(loaded.map((r) => [r.file, r.rows_loaded]), [['purge/p1.csv.gz', 2]]);
    assert.deepEqual((await rows('LIST @~/purge')).map((r) => r.name), ['purge/p2.csv.gz']);
    assert.deepEqual((await rows('REMOVE @~/purge')).map((r) => [r.name, r.result]), [['purge/p2.csv.gz', 'removed']]);
    assert.deepEqual(await rows('LIST @~/purge'), []);
    await refused(connection, 'LIST @nowhere', '002003', '02000', /Stage 'TEST_DB.PUBLIC.NOWHERE' does not exist or not authorized/);
    await refused(connection, 'COPY INTO t_purge FROM @loads MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE', '001003', '42000', /not supported by the Snowflake sandbox/);
  });

  it('large files (the bulk path): 38-digit numbers exact, a NULL into NOT NULL found per row with CONTINUE; @db.schema.%table; COPY into a temporary table', async () => {
    await run(connection, 'create table t_big (id number(38,0) not null, amount number(10,2), note string)');
    const lines = Array.from({ length: 1500 }, (_, i) => (i === 700 ? ',1,"no id"' : `${i === 5 ? '12345678901234567890123456789012345678' : i},${i}.25,"n, ${i}"`));
    await run(connection, `PUT file://${write('big.csv', `${lines.join('\n')}\n`)} @TEST_DB.PUBLIC.%t_big`);
    const loaded = await rows("COPY INTO t_big FROM @TEST_DB.PUBLIC.%t_big FILE_FORMAT = (FIELD_OPTIONALLY_ENCLOSED_BY = '\"') ON_ERROR = CONTINUE");
    assert.deepEqual([loaded[0].status, loaded[0].rows_loaded, loaded[0].errors_seen, loaded[0].first_error_line], ['PARTIALLY_LOADED', 1499, 1, 701]);
    assert.equal((await rows("select id::string as id from t_big where note = 'n, 5'"))[0].ID, '12345678901234567890123456789012345678');
    assert.equal((await rows('select sum(amount) as s from t_big'))[0].S, 1499 * 0.25 + (1499 * 1500) / 2 - 700);
    // Nullable here, so the row without an id loads too.
    await run(connection, 'create temporary table t_tmp (id number(38,0), amount number(10,2), note string)');
    const intoTemp = await rows(`COPY INTO t_tmp FROM @%t_big FILE_FORMAT = (FIELD_OPTIONALLY_ENCLOSED_BY = '"')`);
    assert.equal(intoTemp[0].rows_loaded, 1500);
    assert.equal((await rows('select count(*) as n from t_tmp where id is null'))[0].N, 1);
  });
});
