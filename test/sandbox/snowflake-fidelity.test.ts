// Fidelity suite: what Snowflake's documentation says a statement does, asked of the sandbox through the unmodified
// snowflake-sdk. Each case is named after the documented behaviour it pins; the source is above each group.
import assert from 'node:assert/strict';
import snowflake from 'snowflake-sdk';
import { startSnowflakeSandbox, SnowflakeSandbox } from '../../sandbox/snowflake';
import { connect, day, destroy, one, refused, run } from './snowflake-client';

describe('Snowflake sandbox fidelity (docs.snowflake.com)', function () {
  let sandbox: SnowflakeSandbox;
  let db: snowflake.Connection;

  before(async () => {
    sandbox = await startSnowflakeSandbox();
    db = await connect(sandbox);
  });

  after(async () => {
    if (db?.isUp()) await destroy(db);
    await sandbox?.close();
  });

  // https://docs.snowflake.com/en/sql-reference/constraints-overview: on standard tables PRIMARY KEY, UNIQUE and
  // FOREIGN KEY are recorded and not enforced; NOT NULL is enforced; a PRIMARY KEY implies NOT NULL.
  describe('constraints', () => {
    it('does not enforce PRIMARY KEY, UNIQUE or FOREIGN KEY: a row loaded twice is two rows', async () => {
      await run(db, `create or replace table c_orders (id int primary key, ref string unique, customer_id int references c_customers (id),
        constraint c_orders_ref unique (ref))`);
      await run(db, "insert into c_orders values (1, 'a', 7)");
      await run(db, "insert into c_orders values (1, 'a', 7)");
      assert.deepEqual(await one(db, 'select count(*) as n, count(distinct id) as ids from c_orders'), { N: 2, IDS: 1 });
    });

    it('does not enforce an out-of-line PRIMARY KEY or one added with ALTER TABLE', async () => {
      await run(db, 'create or replace table c_lines (order_id int, line int, qty int, primary key (order_id, line))');
      await run(db, 'alter table c_lines add constraint c_lines_qty unique (qty)');
      await run(db, 'insert into c_lines values (1, 1, 5), (1, 1, 5)');
      assert.equal((await one(db, 'select count(*) as n from c_lines')).N, 2);
    });

    // https://docs.snowflake.com/en/sql-reference/data-types-text#varchar: the length is a maximum.
    it('refuses a value longer than a VARCHAR(n) column with 100074 "User character length limit (n) exceeded"', async () => {
      await run(db, 'create or replace table c_codes (currency varchar(3), note string)');
      await run(db, "insert into c_codes values ('USD', 'fits')");
      await refused(db, "insert into c_codes values ('USDT', 'too long')", '100074', '22000', /User character length limit \(3\) exceeded by string 'USDT'/);
      await refused(db, "update c_codes set currency = 'EURO'", '100074');
      assert.equal((await one(db, 'select count(*) as n from c_codes')).N, 1);
    });

    it('enforces NOT NULL, including on a PRIMARY KEY column (100072)', async () => {
      await run(db, 'create or replace table c_nn (id int primary key, name string not null, note string)');
      await refused(db, "insert into c_nn values (null, 'a', null)", '100072', '22000', /NULL result in a non-nullable column/);
      await refused(db, 'insert into c_nn values (1, null, null)', '100072');
      await run(db, "insert into c_nn values (1, 'a', null)");
      await run(db, 'create or replace table c_pk2 (a int, b int, primary key (a))');
      await refused(db, 'insert into c_pk2 values (null, 1)', '100072');
    });
  });

  // https://docs.snowflake.com/en/sql-reference/sql/create-table: CREATE TABLE … LIKE "creates a new table with the same
  // column definitions as an existing table, but without copying data"; column names, types, defaults and constraints
  // are copied (fg-snowflake's upsert stages rows in such a copy of its target).
  describe('CREATE TABLE … LIKE', () => {
    it('copies NOT NULL, VARCHAR(n) lengths and defaults, not the rows', async () => {
      await run(db, "create or replace table l_src (id int primary key, code varchar(3) not null, note string default 'none')");
      await run(db, "insert into l_src values (1, 'USD', 'kept in the source')");
      await run(db, 'create or replace temporary table l_copy like l_src');
      assert.equal((await one(db, 'select count(*) as n from l_copy')).N, 0);
      await refused(db, "insert into l_copy values (null, 'EUR', null)", '100072', '22000');
      await refused(db, 'insert into l_copy values (2, null, null)', '100072', '22000');
      await refused(db, "insert into l_copy values (2, 'EURO', null)", '100074', '22000', /User character length limit \(3\) exceeded/);
      await run(db, "insert into l_copy (id, code) values (2, 'EUR')");
      assert.deepEqual(await one(db, 'select id, code, note from l_copy'), { ID: 2, CODE: 'EUR', NOTE: 'none' });
    });

    it('copies a temporary table of the session and a table named with its schema; an unknown source is 002003', async () => {
      await run(db, 'create or replace temporary table l_tmp (id int not null)');
      await run(db, 'create or replace table l_from_tmp like l_tmp');
      await refused(db, 'insert into l_from_tmp values (null)', '100072');
      await run(db, 'create or replace table "l Quoted" (ID int not null)');
      await run(db, 'create or replace table l_from_quoted like public."l Quoted"');
      await refused(db, 'insert into l_from_quoted values (null)', '100072');
      await refused(db, 'create or replace table l_none like l_missing', '002003', '42S02', /does not exist or not authorized/);
    });
  });

  // https://docs.snowflake.com/en/sql-reference/transactions: DDL commits the open transaction and runs as its own
  // transaction; BEGIN inside a transaction is ignored; a failed statement inside a transaction is rolled back alone
  // and the transaction stays active; with AUTOCOMMIT off the first DML statement starts a transaction; a session
  // closed with an open transaction rolls it back. TRUNCATE is DML.
  describe('transactions', () => {
    beforeEach(async () => {
      await run(db, 'create or replace table t_tx (id int)');
    });

    it('rolls back the DML of an explicit transaction', async () => {
      await run(db, 'begin transaction');
      await run(db, 'insert into t_tx values (1)');
      await run(db, 'rollback');
      assert.equal((await one(db, 'select count(*) as n from t_tx')).N, 0);
    });

    it('commits the open transaction when a DDL statement runs inside it', async () => {
      await run(db, 'begin');
      await run(db, 'insert into t_tx values (1)');
      await run(db, 'create or replace table t_tx_side (x int)');
      await run(db, 'rollback');
      assert.equal((await one(db, 'select count(*) as n from t_tx')).N, 1);
      // The DDL committed too: the table exists after the rollback.
      assert.equal((await one(db, 'select count(*) as n from t_tx_side')).N, 0);
    });

    it('does not commit on TRUNCATE, which is DML', async () => {
      await run(db, 'insert into t_tx values (1), (2)');
      await run(db, 'begin');
      await run(db, 'truncate table t_tx');
      await run(db, 'rollback');
      assert.equal((await one(db, 'select count(*) as n from t_tx')).N, 2);
    });

    it('rolls back only the failed statement of a transaction; COMMIT keeps the others', async () => {
      await run(db, 'begin');
      await run(db, 'insert into t_tx values (1)');
      await refused(db, "insert into t_tx values ('not a number')", '100038', '22018', /Numeric value 'not a number' is not recognized/);
      await run(db, 'insert into t_tx values (3)');
      await run(db, 'commit');
      assert.deepEqual((await run(db, 'select id from t_tx order by id')).rows, [{ ID: 1 }, { ID: 3 }]);
    });

    it('ignores BEGIN inside a transaction and accepts COMMIT / ROLLBACK outside one', async () => {
      await run(db, 'commit');
      await run(db, 'rollback work');
      await run(db, 'begin work');
      await run(db, 'insert into t_tx values (1)');
      await run(db, 'start transaction');
      await run(db, 'insert into t_tx values (2)');
      await run(db, 'rollback');
      assert.equal((await one(db, 'select count(*) as n from t_tx')).N, 0);
    });

    it('starts a transaction at the first DML statement when AUTOCOMMIT is off', async () => {
      const manual = await connect(sandbox);
      try {
        await run(manual, 'alter session set autocommit = false');
        await run(manual, 'insert into t_tx values (1)');
        assert.equal((await one(db, 'select count(*) as n from t_tx')).N, 0, 'another session sees nothing before COMMIT');
        await run(manual, 'rollback');
        await run(manual, 'insert into t_tx values (2)');
        await run(manual, 'commit');
        assert.deepEqual((await run(db, 'select id from t_tx')).rows, [{ ID: 2 }]);
      } finally {
        await destroy(manual);
      }
    });

    it('rolls back the open transaction of a session that is closed', async () => {
      const other = await connect(sandbox);
      await run(other, 'begin');
      await run(other, 'insert into t_tx values (1)');
      await destroy(other);
      assert.equal((await one(db, 'select count(*) as n from t_tx')).N, 0);
    });
  });

  // https://docs.snowflake.com/en/sql-reference/operators-arithmetic: `select 1/0` → 100051 (22012) Division by zero;
  // a quotient's scale is max(S1, min(S1 + 6, 12)); DIV0 / DIV0NULL (…/functions/div0) answer 0 instead.
  describe('arithmetic', () => {
    it('fails a division by zero with 100051 (22012) "Division by zero"', async () => {
      await refused(db, 'select 1/0', '100051', '22012', /^Division by zero$/);
      await run(db, 'create or replace table a_div (n int, d int)');
      await run(db, 'insert into a_div values (1, 1), (2, 0)');
      await refused(db, 'select n / d from a_div', '100051', '22012');
      await refused(db, 'select sum(n) / (count(*) - 2) as r from a_div', '100051');
    });

    it('divides exact numbers to the scale max(S1, min(S1 + 6, 12))', async () => {
      const row = await one(db, 'select 1/3 as a, 10/4 as b, 2.50/3 as c, 1 + 2 * 3 / 4 - 1 as d');
      assert.deepEqual(row, { A: 0.333333, B: 2.5, C: 0.83333333, D: 1.5 });
    });

    it('answers 0 from DIV0 for a zero divisor and from DIV0NULL for a zero or NULL one', async () => {
      assert.deepEqual(await one(db, 'select div0(1, 0) as a, div0(6, 3) as b, div0null(1, null) as c, div0(1, null) as d'), { A: 0, B: 2, C: 0, D: null });
    });
  });

  // https://docs.snowflake.com/en/sql-reference/sql/merge (SET with the target's qualifier, as its examples write it;
  // a target row joined by several source rows fails under ERROR_ON_NONDETERMINISTIC_MERGE, default TRUE) and
  // https://docs.snowflake.com/en/sql-reference/sql/update (SET t1.col = …).
  describe('MERGE and UPDATE', () => {
    beforeEach(async () => {
      await run(db, 'create or replace table m_target (id int, name string, qty int)');
      await run(db, "insert into m_target values (1, 'old', 1), (2, 'keep', 2)");
      await run(db, 'create or replace table m_source (id int, name string, qty int)');
    });

    it('accepts the target qualifier on MERGE … UPDATE SET t.name = s.name and counts inserted / updated rows', async () => {
      await run(db, "insert into m_source values (1, 'new', 10), (3, 'added', 30)");
      const merge = await run(db, `merge into m_target t using m_source s on t.id = s.id
        when matched then update set t.name = s.name, t.qty = t.qty + s.qty
        when not matched then insert (id, name, qty) values (s.id, s.name, s.qty)`);
      assert.deepEqual(merge.rows, [{ 'number of rows inserted': 1, 'number of rows updated': 1 }]);
      assert.deepEqual((await run(db, 'select id, name, qty from m_target order by id')).rows,
        [{ ID: 1, NAME: 'new', QTY: 11 }, { ID: 2, NAME: 'keep', QTY: 2 }, { ID: 3, NAME: 'added', QTY: 30 }]);
    });

    it('deletes through WHEN MATCHED AND … THEN DELETE and reports the deleted rows', async () => {
      await run(db, "insert into m_source values (2, 'gone', 0)");
      const merge = await run(db, `merge into m_target as t using (select * from m_source) as s on t.id = s.id
        when matched and s.qty = 0 then delete when matched then update set t.name = s.name`);
      assert.deepEqual(merge.rows, [{ 'number of rows inserted': 0, 'number of rows updated': 0, 'number of rows deleted': 1 }]);
      assert.equal((await one(db, 'select count(*) as n from m_target')).N, 1);
    });

    it('fails with 100090 "Duplicate row detected during DML action" when a target row matches two source rows', async () => {
      await run(db, "insert into m_source values (1, 'first', 1), (1, 'second', 2)");
      await refused(db, 'merge into m_target t using m_source s on t.id = s.id when matched then update set t.name = s.name',
        '100090', '42P18', /Duplicate row detected during DML action/);
      assert.equal((await one(db, 'select name from m_target where id = 1')).NAME, 'old', 'nothing changed');
      // Inserting duplicates is deterministic: no error.
      await run(db, 'merge into m_target t using m_source s on t.id = s.id + 100 when not matched then insert (id, name) values (s.id + 100, s.name)');
      assert.equal((await one(db, 'select count(*) as n from m_target where id = 101')).N, 2);
    });

    it('lets ERROR_ON_NONDETERMINISTIC_MERGE = FALSE pick one of the duplicate source rows', async () => {
      const lenient = await connect(sandbox);
      try {
        await run(db, "insert into m_source values (1, 'first', 1), (1, 'second', 2)");
        await run(lenient, 'alter session set error_on_nondeterministic_merge = false');
        await run(lenient, 'merge into m_target t using m_source s on t.id = s.id when matched then update set t.name = s.name');
        assert.match((await one(db, 'select name from m_target where id = 1')).NAME, /^(first|second)$/);
      } finally {
        await destroy(lenient);
      }
    });

    it('accepts the target qualifier on UPDATE … SET t.col = … FROM …', async () => {
      await run(db, "insert into m_source values (2, 'from source', 5)");
      const update = await run(db, 'update m_target t set t.name = s.name, t.qty = s.qty from m_source s where t.id = s.id');
      assert.equal(update.statement.getNumUpdatedRows(), 1);
      assert.deepEqual(await one(db, 'select name, qty from m_target where id = 2'), { NAME: 'from source', QTY: 5 });
    });
  });

  // https://docs.snowflake.com/en/sql-reference/functions-date-time#supported-date-and-time-parts and the pages of
  // DATEADD, DATEDIFF, DATE_TRUNC, LAST_DAY, ADD_MONTHS, DATE_PART.
  describe('date and time functions', () => {
    it('DATEADD(part, value, date) keeps a DATE a DATE; a shorter month ends on its last day', async () => {
      const row = await one(db, `select dateadd(month, 1, '2023-01-31'::date) as a, dateadd('year', -1, '2024-02-29'::date) as b,
        dateadd(day, 2, '2024-02-28'::date) as c, dateadd(quarter, 1, '2024-01-15'::date) as d, dateadd(week, 1, '2024-01-01'::date) as e`);
      assert.deepEqual(Object.values(row).map(day), ['2023-02-28', '2023-02-28', '2024-03-01', '2024-04-15', '2024-01-08']);
      const { statement } = await run(db, "select dateadd(month, 1, '2023-01-31'::date) as a");
      assert.equal(statement.getColumns()![0].getType(), 'date');
    });

    it('DATEADD with an hour or smaller part on a DATE returns a TIMESTAMP_NTZ from midnight', async () => {
      const { rows, statement } = await run(db, "select dateadd(hour, 3, '2024-01-01'::date) as t, dateadd(minute, -30, '2024-01-01 10:00:00'::timestamp_ntz) as u");
      assert.equal(statement.getColumns()![0].getType(), 'timestamp_ntz');
      assert.equal((rows[0].T as Date).toISOString(), '2024-01-01T03:00:00.000Z');
      assert.equal((rows[0].U as Date).toISOString(), '2024-01-01T09:30:00.000Z');
    });

    it('accepts the documented date-part abbreviations (yy, mm, mons, d, dd, hh, hrs, mi, s, ms, us)', async () => {
      const row = await one(db, `select dateadd(yy, 1, '2024-01-01'::date) as y, dateadd(mons, 2, '2024-01-01'::date) as m, dateadd(dd, 3, '2024-01-01'::date) as d,
        datediff(hrs, '2024-01-01 00:00'::timestamp_ntz, '2024-01-01 05:00'::timestamp_ntz) as h, datediff(mi, '2024-01-01 00:00'::timestamp_ntz, '2024-01-01 00:10'::timestamp_ntz) as mi,
        datediff(s, '2024-01-01 00:00:00'::timestamp_ntz, '2024-01-01 00:00:42'::timestamp_ntz) as s, datediff(ms, '2024-01-01 00:00:00'::timestamp_ntz, '2024-01-01 00:00:01.5'::timestamp_ntz) as ms`);
      assert.deepEqual([day(row.Y), day(row.M), day(row.D), row.H, row.MI, row.S, row.MS], ['2025-01-01', '2024-03-01', '2024-01-04', 5, 10, 42, 1500]);
      await refused(db, "select dateadd(fortnight, 1, '2024-01-01'::date)", '001003', '42000', /fortnight/i);
    });

    it('DATEDIFF counts the boundaries crossed: 2010-12-31 → 2011-01-01 is one year, one month and one day', async () => {
      const row = await one(db, `select datediff(year, '2010-12-31'::date, '2011-01-01'::date) as y, datediff(month, '2010-12-31'::date, '2011-01-01'::date) as m,
        datediff(day, '2010-12-31 23:59'::timestamp_ntz, '2011-01-01 00:01'::timestamp_ntz) as d, datediff(hour, '2024-01-01 10:59'::timestamp_ntz, '2024-01-01 11:00'::timestamp_ntz) as h,
        datediff(day, '2024-03-10'::date, '2024-03-01'::date) as back`);
      assert.deepEqual(row, { Y: 1, M: 1, D: 1, H: 1, BACK: -9 });
    });

    it('DATEDIFF(week) counts Monday boundaries (WEEK_START 0): Sunday → Monday is one week', async () => {
      // 2024-03-01 is a Friday: the Mondays up to Sunday 03-31 are the 4th, 11th, 18th and 25th; Monday 04-01 is the 5th.
      const row = await one(db, `select datediff(week, '2024-03-17'::date, '2024-03-18'::date) as a, datediff(week, '2024-03-18'::date, '2024-03-24'::date) as b,
        datediff(week, '2024-03-01'::date, '2024-03-31'::date) as c, datediff(week, '2024-03-01'::date, '2024-04-01'::date) as d`);
      assert.deepEqual(row, { A: 1, B: 0, C: 4, D: 5 });
    });

    it('DATE_TRUNC keeps the type of its argument and truncates weeks to Monday', async () => {
      const { rows, statement } = await run(db, `select date_trunc('month', '2024-03-15'::date) as m, date_trunc(week, '2024-03-17 10:11:12'::timestamp_ntz) as w,
        date_trunc('quarter', '2024-05-20'::date) as q, trunc('2024-03-15'::date, 'year') as y, date_trunc(hour, '2024-03-15 10:11:12'::timestamp_ntz) as h`);
      assert.deepEqual(statement.getColumns()!.map((c) => c.getType()), ['date', 'timestamp_ntz', 'date', 'date', 'timestamp_ntz']);
      assert.deepEqual([day(rows[0].M), rows[0].W.toISOString(), day(rows[0].Q), day(rows[0].Y), rows[0].H.toISOString()],
        ['2024-03-01', '2024-03-11T00:00:00.000Z', '2024-04-01', '2024-01-01', '2024-03-15T10:00:00.000Z']);
    });

    it('LAST_DAY, ADD_MONTHS (keeping the end of month), DATE_PART, DAYNAME and MONTHNAME', async () => {
      const row = await one(db, `select last_day('2024-02-10'::date) as l, add_months('2024-02-29'::date, 1) as a, add_months('2024-01-31'::date, 1) as b,
        date_part(dayofweek, '2024-03-17'::date) as dow, extract(year from '2024-03-17'::date) as y, dayname('2024-03-17'::date) as dn, monthname('2024-03-17'::date) as mn,
        date_part(epoch_second, '2024-01-01 00:00:01'::timestamp_ntz) as e`);
      assert.deepEqual([day(row.L), day(row.A), day(row.B), row.DOW, row.Y, row.DN, row.MN, row.E],
        ['2024-02-29', '2024-03-31', '2024-02-29', 0, 2024, 'Sun', 'Mar', 1704067201]);
    });
  });

  // https://docs.snowflake.com/en/sql-reference/functions-conversion#date-and-time-formats-in-conversion-functions,
  // …/functions/to_date, …/to_timestamp (integer strings by magnitude), …/try_to_date.
  describe('date and time conversion', () => {
    it('reads format models: YYYY-MM-DD HH24:MI:SS, DD/MM/YYYY, MON, HH12 AM, FF3, quoted literals', async () => {
      const row = await one(db, `select to_timestamp_ntz('2024-03-05 13:04:05', 'YYYY-MM-DD HH24:MI:SS') as a, to_date('05/03/2024', 'DD/MM/YYYY') as b,
        to_date('05-Mar-2024', 'DD-MON-YYYY') as c, to_timestamp('2024-03-05 01:04 PM', 'YYYY-MM-DD HH12:MI AM') as d,
        to_timestamp('2024-03-05T10:20:30.123', 'YYYY-MM-DD"T"HH24:MI:SS.FF3') as e, to_date('20240305', 'YYYYMMDD') as f`);
      assert.deepEqual([row.A.toISOString(), day(row.B), day(row.C), row.D.toISOString(), row.E.toISOString(), day(row.F)],
        ['2024-03-05T13:04:05.000Z', '2024-03-05', '2024-03-05', '2024-03-05T13:04:00.000Z', '2024-03-05T10:20:30.123Z', '2024-03-05']);
    });

    it('reads AUTO formats without a model: ISO dates and timestamps, DD-MON-YYYY, MM/DD/YYYY', async () => {
      const row = await one(db, `select to_date('2024-03-05') as a, to_date('05-Mar-2024') as b, to_date('03/05/2024') as c,
        to_timestamp('2024-03-05 10:20:30.5') as d, to_timestamp_ntz('2024-03-05T10:20:30') as e, to_date('2024-03-05 23:59:59') as f`);
      assert.deepEqual([day(row.A), day(row.B), day(row.C), row.D.toISOString(), row.E.toISOString(), day(row.F)],
        ['2024-03-05', '2024-03-05', '2024-03-05', '2024-03-05T10:20:30.500Z', '2024-03-05T10:20:30.000Z', '2024-03-05']);
    });

    it('reads an integer string as seconds, milliseconds, microseconds or nanoseconds by its magnitude', async () => {
      const row = await one(db, `select to_timestamp('1700000000') as s, to_timestamp('1700000000123') as ms, to_timestamp('1700000000123456') as us,
        to_timestamp('1700000000123456789') as ns, to_timestamp(1700000000) as n, to_timestamp(1700000000123, 3) as scaled`);
      const expected = ['2023-11-14T22:13:20.000Z', '2023-11-14T22:13:20.123Z', '2023-11-14T22:13:20.123Z', '2023-11-14T22:13:20.123Z', '2023-11-14T22:13:20.000Z', '2023-11-14T22:13:20.123Z'];
      assert.deepEqual(Object.values(row).map((v: Date) => v.toISOString()), expected);
    });

    it('fails text it cannot read (100040 for a date, 100035 for a timestamp); the TRY_ versions answer NULL', async () => {
      await refused(db, "select to_date('not a date')", '100040', '22007', /Date 'not a date' is not recognized/);
      await refused(db, "select to_timestamp('2024-13-45 10:00')", '100035', '22007', /is not recognized/);
      await refused(db, "select to_date('2024/03/05', 'YYYY-MM-DD')", '100040', '22007', /Can't parse '2024\/03\/05' as date with format 'YYYY-MM-DD'/);
      assert.deepEqual(await one(db, "select try_to_date('nope') as a, try_to_timestamp('nope') as b, try_to_date('2024-03-05')::string as c"), { A: null, B: null, C: '2024-03-05' });
    });

    it('reads TIMESTAMP_LTZ text in the session time zone (UTC) and converts it back with TO_TIMESTAMP_NTZ', async () => {
      const { rows, statement } = await run(db, "select to_timestamp_ltz('2024-01-01 10:00:00') as l, to_timestamp_ntz(to_timestamp_ltz('2024-01-01 10:00:00 +02:00')) as n");
      assert.deepEqual(statement.getColumns()!.map((c) => c.getType()), ['timestamp_ltz', 'timestamp_ntz']);
      assert.equal(rows[0].L.toISOString(), '2024-01-01T10:00:00.000Z');
      assert.equal(rows[0].N.toISOString(), '2024-01-01T08:00:00.000Z');
    });
  });

  // https://docs.snowflake.com/en/sql-reference/functions/to_decimal, …/try_to_decimal, …/try_cast, …/cast,
  // …/functions/iff, …/nvl, …/nvl2, …/decode, …/greatest.
  describe('conversion and conditional functions', () => {
    it('TRY_TO_NUMBER answers NULL for text that is no number; TO_NUMBER fails with 100038 and rounds to its scale', async () => {
      assert.deepEqual(await one(db, "select try_to_number('12.7') as a, try_to_number('abc') as b, to_number('12.345', 10, 2) as c, try_to_decimal(' 42 ') as d"),
        { A: 13, B: null, C: 12.35, D: 42 });
      await refused(db, "select to_number('12x')", '100038', '22018', /Numeric value '12x' is not recognized/);
    });

    it('TRY_CAST answers NULL where CAST fails; CAST to VARCHAR(n) of a longer value fails with 100078', async () => {
      assert.deepEqual(await one(db, "select try_cast('5' as number) as a, try_cast('x' as integer) as b, try_cast('ABCD' as varchar(2)) as c, try_cast('2024-03-05' as date)::string as d, try_cast('yes' as boolean) as e"),
        { A: 5, B: null, C: null, D: '2024-03-05', E: true });
      await refused(db, "select cast('ABCD' as varchar(2))", '100078', undefined, /String 'ABCD' is too long and would be truncated/);
      await refused(db, "select 'maybe'::boolean", '100037', '22018', /Boolean value 'maybe' is not recognized/);
    });

    it('IFF, NVL, NVL2, COALESCE, ZEROIFNULL, NULLIFZERO, DECODE (NULL matches NULL) and EQUAL_NULL', async () => {
      const row = await one(db, `select iff(1 > 2, 'a', 'b') as iff, nvl(null, 3) as nvl, nvl2(null, 'x', 'y') as nvl2, coalesce(null, null, 4) as c,
        zeroifnull(null) as z, nullifzero(0) as nz, decode(null, 1, 'one', null, 'none', 'other') as d, equal_null(null, null) as e`);
      assert.deepEqual(row, { IFF: 'b', NVL: 3, NVL2: 'y', C: 4, Z: 0, NZ: null, D: 'none', E: true });
    });

    it('GREATEST / LEAST answer NULL when an argument is NULL; CONCAT answers NULL for a NULL part', async () => {
      assert.deepEqual(await one(db, "select greatest(1, 3, 2) as g, greatest(1, null) as gn, least(4, 2) as l, concat('a', 'b') as c, concat('a', null) as cn"),
        { G: 3, GN: null, L: 2, C: 'ab', CN: null });
    });
  });

  // https://docs.snowflake.com/en/user-guide/querying-semistructured, …/functions/parse_json, …/object_construct,
  // …/object_construct_keep_null, …/array_size, …/array_agg, …/flatten.
  describe('semi-structured data', () => {
    before(async () => {
      await run(db, 'create or replace table s_events (id int, payload variant)');
      await run(db, `insert into s_events select 1, parse_json('{"Customer": {"Name": "Ada"}, "status": "paid", "items": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 3}]}')
        union all select 2, parse_json('{"Customer": {"Name": "Bob"}, "status": "open", "items": []}')`);
    });

    it('reads paths with v:a.b, v:a[0], v[\'key\'] (keys are case-sensitive) and ::string drops the JSON quotes', async () => {
      const row = await one(db, `select payload:Customer.Name::string as name, payload:customer.name::string as lower_name, payload:items[1].qty::number as qty,
        payload['status']::string as status, payload:items[0] as first, get_path(payload, 'items[0].sku')::string as sku from s_events where id = 1`);
      assert.deepEqual(row, { NAME: 'Ada', LOWER_NAME: null, QTY: 3, STATUS: 'paid', FIRST: { sku: 'a', qty: 2 }, SKU: 'a' });
    });

    it('compares a VARIANT with a string as a string (v:status = \'paid\')', async () => {
      assert.deepEqual((await run(db, "select id from s_events where payload:status = 'paid'")).rows, [{ ID: 1 }]);
    });

    // https://docs.snowflake.com/en/sql-reference/data-type-conversion#implicit-casting-coercion
    it('casts a VARIANT operand of arithmetic or of a comparison with a number implicitly', async () => {
      const { rows } = await run(db, `select f.value:qty * 10 as tenfold, f.value:qty + 0.5 as more, f.value:qty > 2 as big
        from s_events e, lateral flatten(input => e.payload:items) f where f.value:qty = 3`);
      assert.deepEqual(rows, [{ TENFOLD: 30, MORE: 3.5, BIG: true }]);
    });

    it('PARSE_JSON of invalid JSON fails with 100069; of an empty string is NULL', async () => {
      await refused(db, "select parse_json('{not json')", '100069', undefined, /Error parsing JSON/);
      assert.deepEqual(await one(db, "select parse_json('') as e, try_parse_json('{x') as t"), { E: null, T: null });
    });

    it('OBJECT_CONSTRUCT leaves out NULL values; OBJECT_CONSTRUCT_KEEP_NULL keeps them', async () => {
      const row = await one(db, "select object_construct('a', 1, 'b', null, 'c', 'x') as o, object_construct_keep_null('a', 1, 'b', null) as k, object_construct() as e");
      assert.deepEqual(row, { O: { a: 1, c: 'x' }, K: { a: 1, b: null }, E: {} });
    });

    it('ARRAY_SIZE counts the elements of an array and is NULL for a VARIANT that holds no array', async () => {
      assert.deepEqual(await one(db, "select array_size(parse_json('[1,2,3]')) as a, array_size(array_construct()) as b, array_size(parse_json('{\"a\":1}')) as c"),
        { A: 3, B: 0, C: null });
      assert.deepEqual((await run(db, 'select id, array_size(payload:items) as n from s_events order by id')).rows, [{ ID: 1, N: 2 }, { ID: 2, N: 0 }]);
    });

    it('ARRAY_AGG leaves out NULL values', async () => {
      assert.deepEqual(await one(db, "select array_agg(v) within group (order by v) as a from (select 2 as v union all select null union all select 1)"), { A: [1, 2] });
    });

    it('LATERAL FLATTEN yields SEQ, KEY, PATH, INDEX, VALUE and THIS for every element', async () => {
      const { rows } = await run(db, `select e.id, f.seq, f.key, f.path, f.index, f.value:sku::string as sku, f.value, f.this
        from s_events e, lateral flatten(input => e.payload:items) f order by e.id, f.index`);
      assert.equal(rows.length, 2);
      assert.deepEqual(rows.map((r) => [r.ID, r.KEY, r.PATH, r.INDEX, r.SKU, r.VALUE]), [[1, null, '[0]', 0, 'a', { sku: 'a', qty: 2 }], [1, null, '[1]', 1, 'b', { sku: 'b', qty: 3 }]]);
      assert.equal(rows[0].SEQ, rows[1].SEQ, 'one SEQ per input row');
      assert.deepEqual(rows[0].THIS, [{ sku: 'a', qty: 2 }, { sku: 'b', qty: 3 }]);
      const { statement } = await run(db, "select * from table(flatten(input => parse_json('[1]')))");
      assert.deepEqual(statement.getColumns()!.map((c) => c.getName()), ['SEQ', 'KEY', 'PATH', 'INDEX', 'VALUE', 'THIS']);
    });

    it('FLATTEN of an object gives its keys; PATH flattens an inner element; OUTER keeps an empty expansion as one NULL row', async () => {
      const object = await run(db, "select key, path, index, value from table(flatten(input => parse_json('{\"a\":1, \"b c\":2}'))) order by key");
      assert.deepEqual(object.rows, [{ KEY: 'a', PATH: 'a', INDEX: null, VALUE: 1 }, { KEY: 'b c', PATH: "['b c']", INDEX: null, VALUE: 2 }]);
      // The documentation's example: PATH => 'b' over {"a":1, "b":[77,88]}.
      const path = await run(db, "select path, index, value, this from table(flatten(input => parse_json('{\"a\":1, \"b\":[77,88]}'), path => 'b')) f");
      assert.deepEqual(path.rows, [{ PATH: 'b[0]', INDEX: 0, VALUE: 77, THIS: [77, 88] }, { PATH: 'b[1]', INDEX: 1, VALUE: 88, THIS: [77, 88] }]);
      const outer = await run(db, 'select e.id, f.index, f.value from s_events e, lateral flatten(input => e.payload:items, outer => true) f where e.id = 2');
      assert.deepEqual(outer.rows, [{ ID: 2, INDEX: null, VALUE: null }]);
    });

    it('FLATTEN over a column the FROM clause names earlier works without LATERAL too (TABLE(FLATTEN(…)))', async () => {
      const { rows } = await run(db, 'select e.id, count(*) as n from s_events e, table(flatten(e.payload:items)) f group by e.id');
      assert.deepEqual(rows, [{ ID: 1, N: 2 }]);
    });
  });

  // https://docs.snowflake.com/en/sql-reference/constructs/values: a VALUES expression must be a constant at compile time.
  it('refuses PARSE_JSON in INSERT … VALUES (002014) and accepts it in INSERT … SELECT … FROM VALUES', async () => {
    await run(db, 'create or replace table v_docs (id int, doc variant)');
    await refused(db, "insert into v_docs values (1, parse_json('{\"a\":1}'))", '002014', '22000', /Invalid expression \[PARSE_JSON\('\{"a":1\}'\)\] in VALUES clause/);
    await run(db, "insert into v_docs (id, doc) select column1, parse_json(column2) from values (1, '{\"a\":1}'), (2, '[2]')");
    assert.deepEqual((await run(db, 'select id, doc from v_docs order by id')).rows, [{ ID: 1, DOC: { a: 1 } }, { ID: 2, DOC: [2] }]);
    assert.deepEqual((await run(db, "select * from (values (1, 'a'), (2, 'b')) t (x, y) order by x")).rows, [{ X: 1, Y: 'a' }, { X: 2, Y: 'b' }]);
  });

  // https://docs.snowflake.com/en/sql-reference/constructs/qualify
  // https://docs.snowflake.com/en/sql-reference/functions/concat and /user-guide/querying-semistructured: a column
  // without an alias is named after its expression as written, upper-cased (string literals too).
  it('names a column without an alias after its expression as written, upper-cased: COUNT(*), CONCAT(\'GEORGE WASHINGTON \', \'CARVER\'), SRC:DEALERSHIP', async () => {
    await run(db, 'create or replace table car_sales (src variant)');
    await run(db, `insert into car_sales select parse_json('{"dealership": "Tindel Toyota"}')`);
    const { rows, statement } = await run(db, "select CONCAT('George Washington ', 'Carver'), src:dealership, count(*), 1+2, src, cs.src as s from car_sales cs group by all");
    assert.deepEqual(statement.getColumns()!.map((c) => c.getName()), ["CONCAT('GEORGE WASHINGTON ', 'CARVER')", 'SRC:DEALERSHIP', 'COUNT(*)', '1+2', 'SRC', 'S']);
    assert.equal(rows[0]["CONCAT('GEORGE WASHINGTON ', 'CARVER')"], 'George Washington Carver');
    assert.equal(rows[0]['COUNT(*)'], 1);
  });

  it('QUALIFY filters on a window function: the latest row per key', async () => {
    await run(db, 'create or replace table q_changes (id int, v string, at int)');
    await run(db, "insert into q_changes values (1, 'a', 1), (1, 'b', 2), (2, 'c', 1)");
    const { rows } = await run(db, 'select id, v from q_changes qualify row_number() over (partition by id order by at desc) = 1 order by id');
    assert.deepEqual(rows, [{ ID: 1, V: 'b' }, { ID: 2, V: 'c' }]);
  });

  // What the sandbox does not emulate fails in Snowflake's compilation error shape, naming it (docs/snowflake.md).
  // https://docs.snowflake.com/en/sql-reference/sql/show-warehouses, …/show-databases, …/show-schemas, …/show-tables:
  // the documented output columns in order, lower-case names, is_ columns Y / N, ordered by name; IN scopes a listing,
  // a database or schema that does not exist is 002003; without IN the current database is listed.
  describe('SHOW WAREHOUSES / DATABASES / SCHEMAS / TABLES', () => {
    const columns = async (sql: string) => Object.keys((await run(db, sql)).rows[0] ?? {});
    before(async () => {
      await run(db, 'create or replace table show_orders (id int)');
      await run(db, 'insert into show_orders values (1), (2), (3)');
      await run(db, 'create or replace table show_lines (id int)');
      const other = await connect(sandbox, { database: 'SHOW_OTHER_DB', schema: 'STAGING' });
      await run(other, 'create or replace table "Mixed Case" (id int)');
      await destroy(other);
    });

    it('SHOW WAREHOUSES: the documented columns; the session\'s warehouse is_current', async () => {
      assert.deepEqual(await columns('show warehouses'), ['name', 'state', 'type', 'size', 'min_cluster_count', 'max_cluster_count', 'started_clusters',
        'running', 'queued', 'is_default', 'is_current', 'auto_suspend', 'auto_resume', 'available', 'provisioning', 'quiescing', 'other', 'created_on',
        'resumed_on', 'updated_on', 'owner', 'comment', 'enable_query_acceleration', 'query_acceleration_max_scale_factor', 'resource_monitor',
        'actives', 'pendings', 'failed', 'suspended', 'uuid', 'scaling_policy', 'budget', 'owner_role_type', 'resource_constraint']);
      const { rows } = await run(db, 'show warehouses');
      assert.deepEqual(rows.map((r) => [r.name, r.is_current]), [['COMPUTE_WH', 'N'], ['TEST_WH', 'Y']]);
      assert.deepEqual((await run(db, "show warehouses like 'compute%'")).rows.map((r) => r.name), ['COMPUTE_WH']);
    });

    it('SHOW DATABASES: the documented columns, every database, the current one marked', async () => {
      assert.deepEqual(await columns('show databases'), ['created_on', 'name', 'is_default', 'is_current', 'origin', 'owner', 'comment', 'options',
        'retention_time', 'kind', 'budget', 'owner_role_type']);
      const { rows } = await run(db, 'show databases');
      assert.deepEqual(rows.map((r) => [r.name, r.is_current]), [['SHOW_OTHER_DB', 'N'], ['TEST_DB', 'Y']]);
      assert.ok(rows[0].created_on, 'created_on is a timestamp');
    });

    it('SHOW SCHEMAS: INFORMATION_SCHEMA and the schemas of the current or named database; 002003 for one that does not exist', async () => {
      assert.deepEqual(await columns('show schemas'), ['created_on', 'name', 'is_default', 'is_current', 'database_name', 'owner', 'comment', 'options',
        'retention_time', 'owner_role_type', 'budget']);
      assert.deepEqual((await run(db, 'show schemas')).rows.map((r) => [r.database_name, r.name, r.is_current]),
        [['TEST_DB', 'INFORMATION_SCHEMA', 'N'], ['TEST_DB', 'PUBLIC', 'Y']]);
      assert.deepEqual((await run(db, 'show schemas in database show_other_db')).rows.map((r) => r.name), ['INFORMATION_SCHEMA', 'PUBLIC', 'STAGING']);
      assert.deepEqual((await run(db, 'show schemas in database "SHOW_OTHER_DB"')).rows.map((r) => r.name), ['INFORMATION_SCHEMA', 'PUBLIC', 'STAGING']);
      await refused(db, 'show schemas in database "show_other_db"', '002003', '02000', /Database 'show_other_db' does not exist or not authorized\./);
    });

    it('SHOW TABLES: the documented columns; IN SCHEMA db.schema with quoted names; LIKE, STARTS WITH, LIMIT', async () => {
      assert.deepEqual(await columns('show tables'), ['created_on', 'name', 'database_name', 'schema_name', 'kind', 'comment', 'cluster_by', 'rows',
        'bytes', 'owner', 'retention_time', 'automatic_clustering', 'change_tracking', 'search_optimization', 'search_optimization_progress',
        'search_optimization_bytes', 'is_external', 'enable_schema_evolution', 'owner_role_type', 'is_event', 'budget', 'is_hybrid', 'is_iceberg',
        'is_dynamic', 'is_immutable']);
      const mine = await run(db, "show tables like 'show_%'");
      assert.deepEqual(mine.rows.map((r) => [r.name, r.kind, r.rows]), [['SHOW_LINES', 'TABLE', 0], ['SHOW_ORDERS', 'TABLE', 3]]);
      assert.deepEqual((await run(db, 'show tables in schema "SHOW_OTHER_DB"."STAGING"')).rows.map((r) => [r.database_name, r.schema_name, r.name]),
        [['SHOW_OTHER_DB', 'STAGING', 'Mixed Case']]);
      assert.deepEqual((await run(db, "show tables in schema test_db.public starts with 'SHOW_O'")).rows.map((r) => r.name), ['SHOW_ORDERS']);
      assert.deepEqual((await run(db, "show tables like 'show_%' limit 1")).rows.map((r) => r.name), ['SHOW_LINES']);
      await refused(db, 'show tables in schema test_db.nope', '002003', '02000', /Schema 'TEST_DB\.NOPE' does not exist or not authorized\./);
    });

    it('refuses the SHOW commands and options it does not answer, naming them', async () => {
      await refused(db, 'show users', '001003', '42000', /SHOW USERS is not supported by the Snowflake sandbox/);
      await refused(db, 'show terse tables', '001003', '42000', /SHOW TERSE is not supported/);
    });
  });

  describe('what the sandbox does not emulate', () => {
    it('fails a function it does not know with 001003 (42000) "SQL compilation error", naming the function', async () => {
      await refused(db, "select unhex('41')", '001003', '42000', /SQL compilation error:\nThe function UNHEX is not supported by the Snowflake sandbox/);
      await refused(db, 'select * from range(3)', '001003', '42000', /RANGE/);
      await refused(db, "select to_char(12.5, '99.9')", '001003', '42000', /Number format models/);
    });

    it('fails the stage and loading forms it does not emulate with 001003, naming them (stages: snowflake-stages.test.ts)', async () => {
      await refused(db, "create stage s_ext url = 's3://bucket/path'", '001003', '42000', /CREATE STAGE option URL/);
      await refused(db, 'create stage s_json file_format = (type = json)', '001003', '42000', /FILE_FORMAT TYPE = JSON/);
      await refused(db, 'copy into t from @missing_stage', '002003', '02000', /does not exist or not authorized/);
      await refused(db, "put file:///tmp/x.csv @missing_stage", '002003', '02000', /does not exist or not authorized/);
    });

    it('fails text as an operand of arithmetic without a cast with 001003, naming the gap (Snowflake casts it)', async () => {
      await refused(db, "select '1' + 1", '001003', '42000', /Text as an operand of arithmetic without a cast/);
      await run(db, "create or replace table u_text (s string)");
      await refused(db, 'select s * 2 from u_text', '001003', '42000', /not supported by the Snowflake sandbox/);
      assert.deepEqual(await one(db, "select '1'::number + 1 as n"), { N: 2 });
    });

    it('fails positional column references ($1) with 001003 rather than reading them as binds', async () => {
      await refused(db, "select $1, $2 from values (1, 'a')", '001003', '42000', /positional column reference \(\$1\) is not supported by the Snowflake sandbox/);
    });

    it('fails FLATTEN(RECURSIVE => TRUE) and IDENTITY columns with 001003', async () => {
      await refused(db, "select * from table(flatten(input => parse_json('[[1]]'), recursive => true))", '001003', '42000', /RECURSIVE/);
      await refused(db, 'create table x_identity (id int identity, v string)', '001003', '42000', /IDENTITY/);
    });
  });

  // https://docs.snowflake.com/en/sql-reference/identifiers-syntax: unquoted names are stored and resolved upper-case;
  // quoted names are case-sensitive, so "id" and ID (or id) are two different names.
  describe('identifier case', () => {
    before(async () => {
      await run(db, 'create or replace table "MixedCase" (id int, "lower" int, "Both" int, both int)');
      await run(db, 'insert into "MixedCase" values (1, 2, 3, 4)');
    });

    it('finds a quoted mixed-case table only by its exact quoted name: "MixedCase", not MixedCase (002003)', async () => {
      assert.equal((await one(db, 'select count(*) as n from "MixedCase"')).N, 1);
      await refused(db, 'select * from MixedCase', '002003', '42S02', /'MIXEDCASE' does not exist or not authorized/);
      await refused(db, 'select * from "MIXEDCASE"', '002003');
    });

    it('keeps "lower" and LOWER, "Both" and BOTH apart; an unquoted name does not find a quoted lower-case column (000904)', async () => {
      const { rows, statement } = await run(db, 'select "lower", "Both", both, id, "ID" from "MixedCase"');
      assert.deepEqual(statement.getColumns()!.map((c) => c.getName()), ['lower', 'Both', 'BOTH', 'ID', 'ID']);
      assert.deepEqual(rows[0], { lower: 2, Both: 3, BOTH: 4, ID: 1 });
      await refused(db, 'select lower from "MixedCase"', '000904', '42000', /invalid identifier 'LOWER'/);
      await refused(db, 'select "id" from "MixedCase"', '000904', '42000', /invalid identifier '"id"'/);
    });

    it('resolves aliases by the same rule: abc is ABC, "abc" is not', async () => {
      assert.deepEqual(await one(db, 'select "ABC", abc from (select 1 as abc)'), { ABC: 1 });
      await refused(db, 'select "abc" from (select 1 as abc)', '000904');
      await refused(db, 'select abc from (select 1 as "abc")', '000904');
    });

    it('writes a table of quoted lower-case columns only through the quoted names', async () => {
      await run(db, 'create or replace table t_quoted ("id" int, "name" string)');
      await run(db, 'insert into t_quoted ("id", "name") values (1, \'a\')');
      await refused(db, 'insert into t_quoted (id, name) values (2, \'b\')', '000904');
      await run(db, `merge into t_quoted t using (select 1 as "id", 'z' as "name") s on t."id" = s."id"
        when matched then update set t."name" = s."name"`);
      assert.deepEqual((await run(db, 'select * from t_quoted')).rows, [{ id: 1, name: 'z' }]);
      // SHOW … LIKE matches case-insensitively (https://docs.snowflake.com/en/sql-reference/sql/show-tables).
      assert.deepEqual((await run(db, "show tables like 't_quoted'")).rows.map((t) => t.name), ['T_QUOTED']);
      assert.deepEqual((await run(db, "show tables like 'mixedcase'")).rows.map((t) => t.name), ['MixedCase']);
      await run(db, 'create or replace temporary table "tmpQuoted" like t_quoted');
      await refused(db, 'insert into "tmpQuoted" (id) values (3)', '000904');
    });

    // Last in the suite: it adds a schema to TEST_DB, which SHOW SCHEMAS above would list.
    it('keeps a quoted lower-case schema apart from the upper-case one', async () => {
      await run(db, 'use schema "sub"');
      assert.equal((await one(db, 'select current_schema() as s')).S, 'sub');
      await run(db, 'create or replace table t_in_sub (a int)');
      await run(db, 'use schema public');
      assert.deepEqual((await run(db, 'select * from "sub".t_in_sub')).rows, []);
      await refused(db, 'select * from sub.t_in_sub', '002003');
    });
  });
});
