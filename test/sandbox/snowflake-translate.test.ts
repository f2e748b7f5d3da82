// The sandbox's Snowflake → DuckDB translation and statement classification.
import assert from 'node:assert/strict';
import { leadingWords, translate } from '../../sandbox/snowflake/translate';
import { classify, countStatements } from '../../sandbox/snowflake/engine';
import { fromDuckName, quoteDuckName } from '../../sandbox/snowflake/names';

const names = { user: 'U', role: 'R', warehouse: 'WH' };

describe('Snowflake sandbox SQL translation', () => {
  it('upper-cases unquoted identifiers, leaves literals alone and keeps quoted names apart from upper-case ones', () => {
    assert.equal(translate(`select id, "MixedCase", 'Lit ''x''' from t`, names).sql, `SELECT ID, ${quoteDuckName('MixedCase')}, 'Lit ''x''' AS "'LIT ''X'''" FROM T`);
    assert.notEqual(quoteDuckName('MixedCase').toUpperCase(), '"MIXEDCASE"');
    assert.equal(fromDuckName(quoteDuckName('MixedCase')), '"MixedCase"');
  });

  it('maps Snowflake column types in DDL and casts, but not column names', () => {
    assert.equal(
      translate('create or replace table t (text string, n number, p number(10,2), v variant, ts timestamp_ltz, b binary(16), i int)', names).sql,
      'CREATE OR REPLACE TABLE T (TEXT VARCHAR, N DECIMAL(38,0), P DECIMAL(10,2), V JSON, TS TIMESTAMPTZ, B BLOB, I DECIMAL(38,0))',
    );
    assert.equal(translate("select '1'::number, cast(x as variant) as variant_col from t", names).sql, `SELECT CAST(SF_NUMERIC_TEXT('1') AS DECIMAL(38,0)) AS "'1'::NUMBER", to_json(X) AS VARIANT_COL FROM T`);
  });

  it('numbers ? placeholders in order and keeps :N positions', () => {
    const q = translate('select ? as a, ? as b where x = :1', names, (p) => `$${p}`);
    assert.equal(q.sql, 'SELECT $1 AS A, $2 AS B WHERE X = $1');
    assert.deepEqual(q.placeholders, [1, 2, 1]);
    assert.equal(translate('select v::string from t', names).sql, 'SELECT SF_TO_VARCHAR(V) AS "V::STRING" FROM T');
  });

  it('translates session functions, niladic calls, LIKE tables and the row generator', () => {
    assert.equal(translate('select current_warehouse(), current_timestamp(), current_role()', names).sql, `SELECT 'WH' AS "CURRENT_WAREHOUSE()", CURRENT_TIMESTAMP AS "CURRENT_TIMESTAMP()", 'R' AS "CURRENT_ROLE()"`);
    assert.deepEqual(translate('create temporary table s like db.public."t x"', names).like, { create: 'CREATE TEMPORARY TABLE S', source: `DB.PUBLIC.${quoteDuckName('t x')}` });
    assert.equal(translate('select seq4() from table(generator(rowcount => 10))', names).sql, 'SELECT (ROW_NUMBER() OVER () - 1) AS "SEQ4()" FROM range(10)');
  });

  it('classifies statements and counts them', () => {
    assert.deepEqual(leadingWords('  -- c\n select 1'), ['SELECT']);
    assert.equal(classify('insert into t values (1)').statementTypeId, 0x3100);
    assert.equal(classify('MERGE into t using s on t.a = s.a when matched then delete').kind, 'MERGE');
    assert.equal(classify('alter session set query_tag = 1').statementTypeId, 0x4000);
    assert.equal(classify('create table t (a int)').statementTypeId, 0x6000);
    assert.equal(countStatements("select ';'; select 2;"), 2);
    assert.equal(countStatements('select 1;'), 1);
  });
});
