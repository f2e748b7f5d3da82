// Pure planning and mapping in lib/snowflake (no network).
import assert from 'node:assert/strict';
import { chunk, columnsOf, dedupeByKeys, planInsert, planUpsert } from '../../lib/snowflake/batch';
import { columnIdentifier, tableIdentifier } from '../../lib/snowflake/identifiers';
import { toSnowflakeError } from '../../lib/snowflake/errors';
import { generateKeyPairSync } from 'node:crypto';
import { connectionOptions } from '../../lib/snowflake/client';

describe('lib/snowflake planning', () => {
  it('upper-cases simple identifiers and quotes the rest', () => {
    assert.equal(columnIdentifier('amount'), 'AMOUNT');
    assert.equal(columnIdentifier('first name'), '"first name"');
    assert.equal(columnIdentifier('amount', 'exact'), '"amount"');
    assert.equal(columnIdentifier('we"ird', 'exact'), '"we""ird"');
    assert.equal(tableIdentifier('db.Public.orders'), 'DB.PUBLIC.ORDERS');
    assert.equal(tableIdentifier('"Mixed Case".t'), '"Mixed Case".T');
  });

  it('refuses table names that carry SQL', () => {
    for (const bad of ['t; drop table x', 't--', 'a.b.c.d', '', 't where 1=1', '"unterminated']) {
      assert.throws(() => tableIdentifier(bad), /Invalid table name/, bad);
    }
  });

  it('chunks bind rows by row count and by bytes', () => {
    const rows = Array.from({ length: 10 }, (_, i) => [i, 'x'.repeat(100)]);
    assert.deepEqual(chunk(rows, { maxRows: 4, maxBytes: 1e9 }).map((c) => c.length), [4, 4, 2]);
    // ~216 bytes per row: 3 rows fit in 700 bytes.
    assert.deepEqual(chunk(rows, { maxRows: 100, maxBytes: 700 }).map((c) => c.length), [3, 3, 3, 1]);
    // One row larger than the byte limit still goes (alone).
    assert.deepEqual(chunk([[ 'y'.repeat(5000) ]], { maxRows: 10, maxBytes: 100 }).map((c) => c.length), [1]);
  });

  it('plans an array-bind INSERT with one JS type per column', () => {
    const plan = planInsert('orders', [
      { id: 1, meta: { a: 1 }, at: new Date('2024-01-01T00:00:00Z') },
      { id: 2, note: 'late key' },
    ], { limits: { maxRows: 1, maxBytes: 1e6 } });
    assert.deepEqual(plan.columns, ['id', 'meta', 'at', 'note']);
    assert.equal(plan.sqlText, 'INSERT INTO ORDERS (ID, META, AT, NOTE) SELECT COLUMN1, PARSE_JSON(COLUMN2), COLUMN3, COLUMN4 FROM VALUES (?, ?, ?, ?)');
    assert.deepEqual(plan.chunks, [[[1, '{"a":1}', '2024-01-01T00:00:00.000Z', null]], [[2, null, null, 'late key']]]);
    assert.equal(planInsert('t', [{ a: 1 }]).sqlText, 'INSERT INTO T (A) VALUES (?)');
    assert.throws(() => planInsert('t', []), /non-empty array/);
    assert.throws(() => planInsert('t', [1 as any]), /object/);
  });

  it('plans an upsert as staging table + one MERGE, keeping the last row per key', () => {
    const { rows, dropped } = dedupeByKeys([{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 1, v: 'c' }], ['id']);
    assert.deepEqual(rows, [{ id: 1, v: 'c' }, { id: 2, v: 'b' }]);
    assert.equal(dropped, 1);
    const plan = planUpsert('orders', [{ id: 1, v: 'a' }], ['id'], { stageName: 'STG' });
    assert.equal(plan.createStage, 'CREATE OR REPLACE TEMPORARY TABLE STG LIKE ORDERS');
    assert.equal(plan.merge, 'MERGE INTO ORDERS T USING STG S ON T.ID = S.ID WHEN MATCHED THEN UPDATE SET V = S.V WHEN NOT MATCHED THEN INSERT (ID, V) VALUES (S.ID, S.V)');
    assert.throws(() => planUpsert('orders', [{ id: 1 }], ['missing']), /key column/);
    assert.throws(() => planUpsert('orders', [{ v: 1 }], []), /at least one key/);
    assert.deepEqual(columnsOf([{ b: 1 }, { a: 2, b: 3 }]), ['b', 'a']);
  });

  it('maps driver errors to msg.error with code, sqlState and retryability', () => {
    const sql = toSnowflakeError(Object.assign(new Error('Object does not exist'), { name: 'OperationFailedError', code: '002003', sqlState: '42S02', data: { queryId: 'q1' } }));
    assert.equal(sql.code, '002003');
    assert.equal(sql.sqlState, '42S02');
    assert.equal(sql.queryId, 'q1');
    assert.equal(sql.service, 'snowflake');
    assert.equal(sql.retryable, false);
    assert.equal(toSnowflakeError(Object.assign(new Error('down'), { name: 'NetworkError', code: 401001 })).retryable, true);
    assert.equal(toSnowflakeError(Object.assign(new Error('busy'), { name: 'RequestFailedError', code: 401002, response: { statusCode: 503 } })).retryable, true);
  });

  it('builds connection options per auth method and bounds login retries', () => {
    const base = { account: 'acct', username: 'u', warehouse: 'WH', accessUrl: 'http://127.0.0.1:1' };
    const password = connectionOptions({ ...base, auth: 'password', password: 'pw' }) as any;
    assert.equal(password.password, 'pw');
    assert.equal(password.sfRetryMaxLoginRetries, 2);
    assert.equal(password.authenticator, undefined);
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pp' }, publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const key = connectionOptions({ ...base, auth: 'keypair', privateKey, privateKeyPass: 'pp' }) as any;
    assert.equal(key.authenticator, 'SNOWFLAKE_JWT');
    assert.equal(key.privateKeyPass, 'pp');
    assert.equal(key.password, undefined);
    assert.throws(() => connectionOptions({ ...base, auth: 'keypair', privateKey, privateKeyPass: 'wrong' }), /passphrase does not decrypt/);
    assert.throws(() => connectionOptions({ ...base, auth: 'keypair', privateKey }), /encrypted and needs its passphrase/);
    assert.throws(() => connectionOptions({ ...base, auth: 'keypair', privateKey: 'PEM' }), /not a PEM private key/);
    const oauth = connectionOptions({ ...base, auth: 'oauth', token: 'tok' }) as any;
    assert.equal(oauth.authenticator, 'OAUTH');
    const pat = connectionOptions({ ...base, auth: 'pat', programmaticToken: 'pat-1' }) as any;
    assert.deepEqual([pat.authenticator, pat.token, pat.password], ['PROGRAMMATIC_ACCESS_TOKEN', 'pat-1', undefined]);
    const client = connectionOptions({ ...base, auth: 'oauthClientCredentials', oauthClientId: 'id', oauthClientSecret: 's' }) as any;
    assert.deepEqual([client.authenticator, client.oauthClientId, client.oauthHttpAllowed], ['OAUTH_CLIENT_CREDENTIALS', 'id', true]);
    const remote = { ...base, accessUrl: undefined, auth: 'oauthClientCredentials' as const, oauthClientId: 'id', oauthClientSecret: 's' };
    assert.equal((connectionOptions({ ...remote, oauthTokenUrl: 'https://idp.example.com/token' }) as any).oauthHttpAllowed, false);
    assert.throws(() => connectionOptions({ ...remote, oauthTokenUrl: 'http://idp.example.com/token' }), /must use https/);
    assert.throws(() => connectionOptions({ ...base, auth: 'oauthClientCredentials', oauthClientId: 'id' }), /client id and a client secret/);
    assert.throws(() => connectionOptions({ ...base, auth: 'pat' }), /needs a token/);
    assert.throws(() => connectionOptions({ ...base, auth: 'password' }), /needs a password/);
  });
});
