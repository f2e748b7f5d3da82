// Unit tests of lib/salesforce pieces that need no server.
import assert from 'node:assert/strict';
import { bindSoql, bindSosl, escapeSoqlString, soqlLiteral, SoqlDate } from '../../lib/salesforce/soql-binds';
import { parseBulkError, normaliseSalesforceError } from '../../lib/salesforce/errors';
import { LimitTracker } from '../../lib/salesforce/limits';
import { chunk, needsCollections, recordsToCsv, useBulk } from '../../lib/salesforce/plan';
import { idKey, isIdShaped } from '../../lib/salesforce/ids';
import { bulkNote } from '../../lib/salesforce/execute';
import { DEFAULT_API_VERSION, DEFAULT_AUTH_FLOW, signInNotice, soapLoginVersion, usesSoapLogin } from '../../lib/salesforce/versions';
import { changeQuery, changeTypeOf } from '../../lib/salesforce/change-feed';
import { generateKeyPairSync } from 'node:crypto';
import { jwtAssertion, normalisePem, resolveLoginUrl } from '../../lib/salesforce/connection';
import { parseSoql } from '../../sandbox/salesforce/soql-parse';

describe('salesforce lib', () => {
  describe('SOQL binds', () => {
    it('escapes quotes, backslashes and control characters', () => {
      assert.equal(escapeSoqlString("a'b\\c\n"), "a\\'b\\\\c\\n");
      assert.equal(soqlLiteral("' OR Name != '"), "'\\' OR Name != \\''");
    });

    it('binds named values outside literals only', () => {
      const soql = bindSoql("SELECT Id FROM Account WHERE Name = :name AND Note = ':name' AND CreatedDate = LAST_N_DAYS:3 AND Industry IN :list AND AnnualRevenue > :n", {
        name: "x' OR Name != '", list: ['a', "b'"], n: 5,
      });
      assert.equal(soql, "SELECT Id FROM Account WHERE Name = 'x\\' OR Name != \\'' AND Note = ':name' AND CreatedDate = LAST_N_DAYS:3 AND Industry IN ('a', 'b\\'') AND AnnualRevenue > 5");
      // The sandbox parser sees exactly one string literal where the bind was.
      const parsed = parseSoql(bindSoql('SELECT Id FROM Account WHERE Name = :v', { v: "\\' OR Name != '" }));
      assert.deepEqual(parsed.where, { kind: 'cmp', field: 'Name', op: '=', value: { kind: 'string', v: "\\' OR Name != '" } });
    });

    it('refuses missing binds and values that are not literals', () => {
      assert.throws(() => bindSoql('SELECT Id FROM A WHERE Name = :missing', {}), /no value for bind :missing/);
      assert.throws(() => soqlLiteral({ a: 1 }), /unsupported/);
      assert.throws(() => soqlLiteral(Infinity), /finite/);
      assert.throws(() => soqlLiteral([]), /at least one/);
      assert.equal(soqlLiteral(new SoqlDate('2024-01-02')), '2024-01-02');
      assert.equal(soqlLiteral(new Date('2024-01-02T03:04:05.006Z')), '2024-01-02T03:04:05.006Z');
    });

    it('escapes SOSL reserved characters in the search term', () => {
      assert.equal(bindSosl('FIND {:t} RETURNING Account(Id WHERE Name = :t)', { t: 'a} OR {b*' }),
        "FIND {a\\} OR \\{b\\*} RETURNING Account(Id WHERE Name = 'a} OR {b*')");
    });
  });

  it('plans chunks of 200 and switches to Bulk above the threshold', () => {
    assert.deepEqual(chunk(Array.from({ length: 450 }, (_, i) => i)).map((c) => c.length), [200, 200, 50]);
    assert.equal(useBulk(2000), false);
    assert.equal(useBulk(2001), true);
    assert.equal(useBulk(1e6, 0), false);
  });

  it('writes Bulk CSV with the union of keys, quoting, and #N/A for null and for \'\' (which Salesforce stores as null)', () => {
    const { csv } = recordsToCsv([{ Name: 'a,b' }, { Name: 'q"x', Phone: null }, { Name: 'e', Phone: '' }]);
    assert.equal(csv, 'Name,Phone\n"a,b",\n"q""x",#N/A\ne,#N/A\n');
  });

  it('sends through Collections the records Bulk CSV would store differently', () => {
    assert.equal(needsCollections({ Name: 'x', Description: '#N/A' }), true);
    assert.equal(needsCollections({ Name: 'x', Description: '#n/a' }), true);
    assert.equal(needsCollections({ Name: 'x', Account: { External_Id__c: 'a' } }), true);
    assert.equal(needsCollections({ Name: 'x', Description: 'see #N/A', Phone: null, Website: '', At: new Date(0), attributes: { type: 'Account' } }), false);
    assert.equal(bulkNote('bulk', 2), ' (bulk, 2 via Collections)');
    assert.equal(bulkNote('bulk'), ' (bulk)');
    assert.equal(bulkNote('collections', 0), '');
  });

  it('matches Ids by their 15-character base', () => {
    assert.equal(idKey('001000000000001AAA'), '001000000000001');
    assert.equal(idKey('001000000000001'), '001000000000001');
    assert.equal(idKey('ext-42'), 'ext-42');
    assert.deepEqual(['001000000000001', '001000000000001AAA', 'not-an-id', '001000000000001AA!'].map(isIdShaped), [true, true, false, false]);
  });

  it('defaults to API 68.0 and client credentials, and signs in with SOAP login() at 64.0 at most', () => {
    assert.deepEqual([DEFAULT_API_VERSION, DEFAULT_AUTH_FLOW], ['68.0', 'client_credentials']);
    assert.deepEqual(['68.0', '65.0', '64.0', '59.0'].map(soapLoginVersion), ['64.0', '64.0', '64.0', '59.0']);
    assert.equal(usesSoapLogin({ authFlow: 'password' }), true);
    assert.equal(usesSoapLogin({ authFlow: 'password', clientId: 'c', clientSecret: 's' }), false);
    assert.match(signInNotice({ authFlow: 'password', apiVersion: '68.0' })!, /SOAP login\(\) at API 64\.0 \(REST calls use 68\.0\).*Summer '27/);
    assert.match(signInNotice({ authFlow: 'password', clientId: 'c', clientSecret: 's', apiVersion: '68.0' })!, /username-password flow/);
    assert.equal(signInNotice({ authFlow: 'client_credentials', apiVersion: '68.0' }), undefined);
  });

  it('parses Bulk error cells and normalises jsforce errors', () => {
    assert.deepEqual(parseBulkError('REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --'),
      { statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] });
    const e = normaliseSalesforceError(Object.assign(new Error('unable to obtain exclusive access'), { errorCode: 'UNABLE_TO_LOCK_ROW', name: 'UNABLE_TO_LOCK_ROW' }));
    assert.equal(e.retryable, true);
    assert.equal(e.service, 'salesforce');
    assert.equal(normaliseSalesforceError(Object.assign(new Error('x'), { name: 'invalid_grant' })).code, 'invalid_grant');
  });

  it('tracks API usage levels', () => {
    const t = new LimitTracker(50, 90, 60_000);
    assert.equal(t.update({ apiUsage: { used: 10, limit: 100 } })?.snapshot.level, 'ok');
    const warn = t.update({ apiUsage: { used: 60, limit: 100 } });
    assert.deepEqual([warn?.snapshot.level, warn?.changed], ['warn', true]);
    assert.equal(t.update({ apiUsage: { used: 61, limit: 100 } })?.changed, false);
    t.update({ apiUsage: { used: 95, limit: 100 } });
    assert.equal(t.isPaused(), true);
    assert.equal(t.isPaused(Date.now() + 61_000), false);
  });

  it('builds change queries with a (stamp, Id) tie-break and classifies changes', () => {
    const soql = changeQuery({ object: 'Account', fields: ['Name'], pageSize: 100 }, { stamp: '2024-01-01T00:00:00.000+0000', lastId: "001'x" });
    assert.match(soql, /WHERE \(SystemModstamp > 2024-01-01T00:00:00.000Z OR \(SystemModstamp = 2024-01-01T00:00:00.000Z AND Id > '001\\'x'\)\) ORDER BY SystemModstamp ASC, Id ASC LIMIT 100$/);
    const first = changeQuery({ object: 'Account', fields: ['Name'] }, { stamp: '2024-01-01T00:00:00.000+0000', lastId: '' });
    assert.match(first, /WHERE SystemModstamp >= 2024-01-01T00:00:00.000Z ORDER BY SystemModstamp ASC, Id ASC LIMIT 200$/, 'no Id yet: nothing compares an Id with \'\'');
    assert.equal(changeTypeOf({ CreatedDate: 'a', LastModifiedDate: 'a' }), 'created');
    assert.equal(changeTypeOf({ CreatedDate: 'a', LastModifiedDate: 'b' }), 'updated');
    assert.equal(changeTypeOf({ IsDeleted: true }), 'deleted');
  });

  it('repairs a PEM key pasted without line breaks', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.equal(normalisePem(pem.replace(/\n/g, ' ')), pem);
    assert.equal(normalisePem(pem.replace(/\n/g, '\\n')), pem);
    const jwt = jwtAssertion({ clientId: 'c', username: 'u', loginUrl: 'https://login.salesforce.com', privateKey: pem.replace(/\n/g, ' ') }, 0);
    assert.deepEqual(JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()), { iss: 'c', sub: 'u', aud: 'https://login.salesforce.com', exp: 180 });
  });

  it('resolves login URLs', () => {
    assert.equal(resolveLoginUrl('production'), 'https://login.salesforce.com');
    assert.equal(resolveLoginUrl('sandbox'), 'https://test.salesforce.com');
    assert.equal(resolveLoginUrl('mydomain', 'acme'), 'https://acme.my.salesforce.com');
    assert.equal(resolveLoginUrl('custom', 'http://127.0.0.1:1234/'), 'http://127.0.0.1:1234');
  });
});
