// Fidelity suite: each case pins a behaviour Salesforce documents (or answers with, where the documentation
// names only the error code), checked through the unmodified jsforce client against the sandbox.
import assert from 'node:assert/strict';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandbox/salesforce';
import { sandboxControl } from '../../sandbox/salesforce/control-client';
import { id18, idChecksum } from '../../sandbox/salesforce/ids';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];
const jsforce = require('jsforce');

const VERSION = '68.0';
const USER = 'integration@flowguard.test';
const PASSWORD = 'passwordTOKEN';
const APP = { clientId: 'flowguard-client', clientSecret: 'flowguard-secret' };

/** The same Id with the letter case of one character of its 15-character base flipped. */
function flipCase(id: string): string {
  const i = [...id.slice(0, 15)].findIndex((c) => /[a-zA-Z]/.test(c));
  const c = id[i];
  return id.slice(0, i) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + id.slice(i + 1, 15);
}

describe('Salesforce sandbox fidelity (documented behaviour, unmodified jsforce)', function () {
  let sb: SalesforceSandbox;
  let conn: any;
  const ctl = (method: string, path: string, body?: unknown): Promise<any> => sandboxControl(sb.url, method, path, body);
  const rejectsWith = (p: Promise<unknown>, code: string, message?: RegExp): Promise<void> =>
    assert.rejects(p, (e: any) => {
      assert.equal(e.errorCode ?? e.name, code, e.message);
      if (message) assert.match(e.message, message);
      return true;
    });

  before(async () => { sb = await startSalesforceSandbox(); });
  after(async () => { await sb.close(); });
  beforeEach(async () => {
    await ctl('POST', '/reset');
    conn = new jsforce.Connection({ version: VERSION, oauth2: { ...APP, loginUrl: sb.url } });
    await conn.authorize({ grant_type: 'client_credentials' });
  });

  describe('record Ids (18 characters: a 15-character case-sensitive base and its case checksum)', () => {
    it('computes the checksum as documented: blocks of five, one bit per uppercase letter, A-Z0-5', () => {
      // Published example: 70130000001tcyI → 70130000001tcyIAAQ (only the "I" of the last block is uppercase: bit 4).
      assert.equal(idChecksum('70130000001tcyI'), 'AAQ');
      assert.equal(idChecksum('ABCDEabcde01234'), '5AA');
      assert.equal(idChecksum('aBcDe0A0A0zzzzZ'), 'KKQ');
    });

    it('returns 18-character Ids that start with the object key prefix (001 Account, 003 Contact, 006 Opportunity) and end with the checksum of the first 15', async () => {
      const account = await conn.sobject('Account').create({ Name: 'Prefix' });
      const contact = await conn.sobject('Contact').create({ LastName: 'Prefix', AccountId: account.id });
      const opp = await conn.sobject('Opportunity').create({ Name: 'Prefix', StageName: 'Prospecting', CloseDate: '2030-01-01', AccountId: account.id });
      for (const [id, prefix] of [[account.id, '001'], [contact.id, '003'], [opp.id, '006']]) {
        assert.match(id, /^[a-zA-Z0-9]{15}[A-Z0-5]{3}$/);
        assert.equal(id.slice(0, 3), prefix);
        assert.equal(id.slice(15), idChecksum(id.slice(0, 15)));
      }
      const many = await conn.sobject('Account').create(Array.from({ length: 100 }, (_, i) => ({ Name: `N${i}` })));
      for (const { id } of many) assert.equal(id.slice(15), idChecksum(id.slice(0, 15)), id);
      assert.ok(many.some((r: any) => /[a-z]/.test(r.id.slice(5, 15))) && many.some((r: any) => /[A-Z]/.test(r.id.slice(5, 15))),
        'Ids mix upper- and lowercase letters, as real ones do');
    });

    it('accepts the 15- and the 18-character Id in REST retrieve, update and delete', async () => {
      const { id } = await conn.sobject('Account').create({ Name: 'Both forms' });
      const short = id.slice(0, 15);
      assert.equal((await conn.sobject('Account').retrieve(short)).Id, id, 'the API answers with the 18-character Id');
      await conn.sobject('Account').update({ Id: short, Industry: 'Energy' });
      assert.equal((await conn.sobject('Account').retrieve(id)).Industry, 'Energy');
      const lowerSuffix = short + id.slice(15).toLowerCase();
      assert.equal((await conn.sobject('Account').retrieve(lowerSuffix)).Id, id, 'the checksum is read case-insensitively');
      await conn.sobject('Account').destroy(short);
      await rejectsWith(conn.sobject('Account').retrieve(id), 'ENTITY_IS_DELETED');
    });

    it('accepts both forms in SOQL WHERE Id = and IN, in Collections and in reference fields', async () => {
      const [a, b] = (await conn.sobject('Account').create([{ Name: 'A' }, { Name: 'B' }])).map((r: any) => r.id);
      const names = async (where: string): Promise<string[]> => (await conn.query(`SELECT Name FROM Account WHERE ${where} ORDER BY Name`)).records.map((r: any) => r.Name);
      assert.deepEqual(await names(`Id = '${a.slice(0, 15)}'`), ['A']);
      assert.deepEqual(await names(`Id = '${a}'`), ['A']);
      assert.deepEqual(await names(`Id IN ('${a.slice(0, 15)}', '${b}')`), ['A', 'B']);
      assert.deepEqual(await names(`Id != '${a.slice(0, 15)}'`), ['B']);
      const got = await conn.sobject('Account').retrieve([a.slice(0, 15), b]);
      assert.deepEqual(got.map((r: any) => r.Id), [a, b]);
      const contact = await conn.sobject('Contact').create({ LastName: 'Ref', AccountId: a.slice(0, 15) });
      const stored = (await conn.query(`SELECT AccountId, Account.Name FROM Contact WHERE Id = '${contact.id}'`)).records[0];
      assert.deepEqual([stored.AccountId, stored.Account.Name], [a, 'A'], 'a reference written with 15 characters reads back with 18');
      assert.equal((await conn.query(`SELECT COUNT() FROM Contact WHERE AccountId = '${a.slice(0, 15)}'`)).totalSize, 1);
    });

    it('treats the 15-character base as case-sensitive: an Id differing only in letter case names another record', async () => {
      const { id } = await conn.sobject('Account').create({ Name: 'Case' });
      const other15 = flipCase(id);
      await rejectsWith(conn.sobject('Account').retrieve(other15), 'NOT_FOUND');
      await rejectsWith(conn.sobject('Account').retrieve(id18(other15)), 'NOT_FOUND');
      assert.equal((await conn.query(`SELECT COUNT() FROM Account WHERE Id = '${other15}'`)).totalSize, 0);
      assert.equal((await conn.query(`SELECT COUNT() FROM Account WHERE Id = '${id18(other15)}'`)).totalSize, 0);
    });

    it('refuses an Id that is malformed or names another object in a REST path with MALFORMED_ID ("<Object> ID: id value of incorrect type")', async () => {
      const { id } = await conn.sobject('Account').create({ Name: 'Valid' });
      const contact = await conn.sobject('Contact').create({ LastName: 'Other object' });
      const wrongChecksum = id.slice(0, 15) + (id.slice(15) === 'AAA' ? 'AAB' : 'AAA');
      for (const bad of ['not-an-id', '001', `${id}0`, wrongChecksum, contact.id]) {
        await rejectsWith(conn.sobject('Account').retrieve(bad), 'MALFORMED_ID', new RegExp(`^Account ID: id value of incorrect type: ${bad}$`));
        await rejectsWith(conn.sobject('Account').update({ Id: bad, Name: 'x' }), 'MALFORMED_ID');
        await rejectsWith(conn.sobject('Account').destroy(bad), 'MALFORMED_ID');
      }
      const rest = await conn.request({ method: 'PATCH', url: `/services/data/v${VERSION}/sobjects/Account/not-an-id`, body: '{"Name":"x"}', headers: { 'Content-Type': 'application/json' } })
        .catch((e: any) => e);
      assert.deepEqual([rest.errorCode, rest.data?.fields], ['MALFORMED_ID', ['Id']]);
      const created = await conn.sobject('Contact').create([{ LastName: 'Bad ref', AccountId: 'nope' }, { LastName: 'Wrong object', AccountId: contact.id }]);
      assert.deepEqual(created.map((r: any) => r.errors[0]?.statusCode), ['MALFORMED_ID', 'FIELD_INTEGRITY_EXCEPTION']);
      assert.equal((await conn.sobject('Account').retrieve(id)).Name, 'Valid');
    });

    it('refuses a malformed Id in SOQL with INVALID_QUERY_FILTER_OPERATOR "invalid ID field", even on an empty table', async () => {
      await rejectsWith(conn.query("SELECT Id FROM Account WHERE Id = 'not-an-id'"), 'INVALID_QUERY_FILTER_OPERATOR', /invalid ID field: not-an-id/);
      await rejectsWith(conn.query("SELECT Id FROM Contact WHERE AccountId IN ('001000000000000AAA', 'x')"), 'INVALID_QUERY_FILTER_OPERATOR', /invalid ID field: x/);
      await rejectsWith(conn.query("SELECT Id FROM Account WHERE Id LIKE '001%'"), 'INVALID_QUERY_FILTER_OPERATOR', /invalid operator on id field/);
      assert.equal((await conn.query("SELECT COUNT() FROM Contact WHERE AccountId = ''")).totalSize, 0, "'' stands for null");
    });

    it('orders by Id as it compares Id > x, so keyset paging over 2,599 records sharing SystemModstamps returns each once', async function () {
      this.timeout(60_000);
      for (let s = 0; s < 7; s++) {
        await ctl('POST', '/clock', { frozenAt: `2030-01-01T00:00:0${s}.000Z` });
        const count = s < 6 ? 372 : 2599 - 6 * 372;
        await ctl('POST', '/seed', { records: { Account: Array.from({ length: count }, (_, i) => ({ Name: `K${s}-${i}` })) } });
      }
      await ctl('POST', '/clock', { frozenAt: null });
      const seen = new Map<string, number>();
      let where = 'SystemModstamp >= 2000-01-01T00:00:00Z';
      for (let page = 0; page < 100; page++) {
        const rows = (await conn.query(`SELECT Id, SystemModstamp FROM Account WHERE ${where} ORDER BY SystemModstamp, Id LIMIT 200`)).records;
        if (!rows.length) break;
        for (const r of rows) seen.set(r.Id, (seen.get(r.Id) ?? 0) + 1);
        const last = rows[rows.length - 1];
        const stamp = new Date(Date.parse(last.SystemModstamp.replace(/(\d\d)(\d\d)$/, '$1:$2'))).toISOString();
        where = `(SystemModstamp > ${stamp} OR (SystemModstamp = ${stamp} AND Id > '${last.Id}'))`;
      }
      assert.equal(seen.size, 2599, 'no record skipped');
      assert.deepEqual([...seen.values()].filter((n) => n > 1), [], 'no record repeated');
    });
  });

  describe('records', () => {
    it('stores an empty string as null (REST and Collections, create and update)', async () => {
      const { id } = await conn.sobject('Account').create({ Name: 'Empty', Phone: '', Website: 'x.example' });
      const [other] = await conn.sobject('Account').create([{ Name: 'Empty 2', Description: '' }]);
      assert.equal((await conn.sobject('Account').retrieve(id)).Phone, null);
      assert.equal((await conn.sobject('Account').retrieve(other.id)).Description, null);
      await conn.sobject('Account').update({ Id: id, Website: '' });
      assert.equal((await conn.sobject('Account').retrieve(id)).Website, null);
      assert.equal((await conn.query("SELECT COUNT() FROM Account WHERE Name = 'Empty' AND Phone = null AND Website = null")).totalSize, 1);
      await rejectsWith(conn.sobject('Account').update({ Id: id, Name: '' }), 'REQUIRED_FIELD_MISSING');
    });

    it('answers an update or delete of a deleted record with ENTITY_IS_DELETED, of a missing one with NOT_FOUND', async () => {
      const { id } = await conn.sobject('Account').create({ Name: 'Gone' });
      await conn.sobject('Account').destroy(id);
      await rejectsWith(conn.sobject('Account').update({ Id: id, Name: 'Back?' }), 'ENTITY_IS_DELETED', /entity is deleted/);
      await rejectsWith(conn.sobject('Account').destroy(id), 'ENTITY_IS_DELETED');
      const [res] = await conn.sobject('Account').update([{ Id: id, Name: 'Back?' }, { Id: id.slice(0, 15), Name: 'Back?' }]);
      assert.equal(res.errors[0].statusCode, 'ENTITY_IS_DELETED');
      await rejectsWith(conn.sobject('Account').update({ Id: '001000000000000AAA', Name: 'x' }), 'NOT_FOUND');
      const all = await conn.query(`SELECT Name, IsDeleted FROM Account WHERE Id = '${id}'`, { scanAll: true });
      assert.deepEqual(all.records.map((r: any) => [r.Name, r.IsDeleted]), [['Gone', true]]);
    });
    it('refuses text longer than its field holds with STRING_TOO_LONG "<label>: data value too large: … (max length=n)", as describe reports the length', async () => {
      const lengths = Object.fromEntries((await conn.sobject('Contact').describe()).fields.map((f: any) => [f.name, f.length]));
      assert.deepEqual([lengths.LastName, lengths.FirstName, lengths.Email, lengths.Phone], [80, 40, 80, 40]);
      const opportunityName = (await conn.sobject('Opportunity').describe()).fields.find((f: any) => f.name === 'Name');
      const customName = (await conn.sobject('Stripe_Subscription__c').describe()).fields.find((f: any) => f.name === 'Name');
      assert.deepEqual([opportunityName.length, customName.length], [120, 80], "Opportunity Name 120, a custom object's Name 80");
      await conn.sobject('Contact').create({ LastName: 'x'.repeat(80) });
      await rejectsWith(conn.sobject('Contact').create({ LastName: 'y'.repeat(81) }), 'STRING_TOO_LONG', new RegExp(`: data value too large: ${'y'.repeat(81)} \\(max length=80\\)$`));
      const [tooLong] = await conn.sobject('Stripe_Subscription__c').create([{ Name: 'z'.repeat(81) }]);
      assert.deepEqual([tooLong.errors[0].statusCode, tooLong.errors[0].fields], ['STRING_TOO_LONG', ['Name']]);
      const bulk = await conn.bulk2.loadAndWaitForResults({ object: 'Contact', operation: 'insert', pollInterval: 20, pollTimeout: 10_000, input: `LastName\n${'w'.repeat(81)}\n` });
      assert.match(bulk.failedResults[0].sf__Error, /^STRING_TOO_LONG:.*\(max length=80\):LastName --$/);
      assert.equal((await conn.query('SELECT COUNT() FROM Contact')).totalSize, 1, 'nothing stored truncated');
    });

    it('refuses an Email value that is not an address with INVALID_EMAIL_ADDRESS "Email: invalid email address: …"', async () => {
      await conn.sobject('Contact').create({ LastName: 'Ok', Email: "o'brien+tag@mail.example.co.uk" });
      for (const bad of ['not an email', 'rsmithexamplecom', 'a@213213213213213com', '@bc.com', 'b.levy@expressl&t.net']) {
        await rejectsWith(conn.sobject('Contact').create({ LastName: 'Bad', Email: bad }), 'INVALID_EMAIL_ADDRESS', new RegExp(`^Email: invalid email address: ${bad.replace(/[.+]/g, '\\$&')}$`));
      }
      assert.equal((await conn.query("SELECT COUNT() FROM Contact WHERE LastName = 'Bad'")).totalSize, 0);
    });
  });

  describe('SOQL', () => {
    it('orders text case-insensitively by the UTF-8 value of its uppercase form, as WHERE compares it, nulls first unless NULLS LAST', async () => {
      await conn.sobject('Account').create(['banana', 'Apple', 'a_b', 'AB', 'Éclair', 'zeta'].map((Name, i) => ({ Name, ...(i % 2 ? { Industry: 'Retail' } : {}) })));
      const names = async (soql: string): Promise<string[]> => (await conn.query(soql)).records.map((r: any) => r.Name);
      const byName = ['AB', 'Apple', 'a_b', 'banana', 'zeta', 'Éclair'];
      assert.deepEqual(await names('SELECT Name FROM Account ORDER BY Name'), byName, "'_' (5F) after 'P' (50), 'É' after every ASCII letter");
      assert.deepEqual(await names('SELECT Name FROM Account ORDER BY Name DESC'), [...byName].reverse());
      assert.deepEqual(await names("SELECT Name FROM Account WHERE Name > 'apple' ORDER BY Name"), ['a_b', 'banana', 'zeta', 'Éclair'], 'WHERE agrees with ORDER BY');
      assert.deepEqual(await names("SELECT Name FROM Account WHERE Name = 'BANANA'"), ['banana']);
      // "By default, null values are sorted first": in descending order too.
      assert.deepEqual(await names('SELECT Name FROM Account ORDER BY Industry DESC, Name'), ['a_b', 'banana', 'Éclair', 'AB', 'Apple', 'zeta']);
      assert.deepEqual(await names('SELECT Name FROM Account ORDER BY Industry DESC NULLS LAST, Name'), ['AB', 'Apple', 'zeta', 'a_b', 'banana', 'Éclair']);
      assert.deepEqual(await names('SELECT Name FROM Account ORDER BY Industry NULLS LAST, Name'), ['AB', 'Apple', 'zeta', 'a_b', 'banana', 'Éclair']);
    });

    it('refuses to sort or filter on a long text area ("field \'Description\' can not be sorted / filtered in a query call")', async () => {
      await rejectsWith(conn.query('SELECT Id FROM Account ORDER BY Description'), 'INVALID_FIELD', /field 'Description' can not be sorted in a query call/);
      await rejectsWith(conn.query("SELECT Id FROM Account WHERE Description = 'x'"), 'INVALID_FIELD', /field 'Description' can not be filtered in a query call/);
      await rejectsWith(conn.query("SELECT Id FROM Account WHERE Description LIKE '%x%'"), 'INVALID_FIELD', /can not be filtered/);
      assert.equal((await conn.query('SELECT Description FROM Account')).totalSize, 0, 'selecting it is fine');
    });

    it('refuses OFFSET above 2,000 with NUMBER_OUTSIDE_VALID_RANGE and accepts 2,000', async () => {
      await rejectsWith(conn.query('SELECT Id FROM Account LIMIT 10 OFFSET 2001'), 'NUMBER_OUTSIDE_VALID_RANGE', /Maximum SOQL offset allowed for apiName Account is 2000/);
      assert.equal((await conn.query('SELECT Id FROM Account LIMIT 10 OFFSET 2000')).totalSize, 0);
    });
  });

  describe('API versions and sign-in', () => {
    it('lists the versions it serves, 31.0 up to the current 68.0 (Winter \'27), at GET /services/data/', async () => {
      const versions: any[] = await conn.request('/services/data/');
      assert.deepEqual([versions[0].version, versions.at(-1).version], ['31.0', '68.0']);
      assert.deepEqual(versions.at(-1), { label: "Winter '27", url: '/services/data/v68.0', version: '68.0' });
      assert.equal(versions.find((v) => v.version === '64.0').label, "Summer '25");
      assert.equal(versions.length, 38);
    });

    it('answers a retired version (7.0-30.0) with 410 GONE and a version that does not exist with 404 NOT_FOUND', async () => {
      const at = (version: string): any => new jsforce.Connection({ instanceUrl: conn.instanceUrl, accessToken: conn.accessToken, version });
      await rejectsWith(at('30.0').query('SELECT Id FROM Account'), 'GONE');
      await rejectsWith(at('69.0').query('SELECT Id FROM Account'), 'NOT_FOUND');
      const headers = { Authorization: `Bearer ${conn.accessToken}` };
      assert.equal((await fetch(`${sb.url}/services/data/v30.0/limits`, { headers })).status, 410);
      for (const retired of ['21.0', '20.0', '7.0']) assert.equal((await fetch(`${sb.url}/services/data/v${retired}/limits`, { headers })).status, 410, retired);
      assert.equal((await fetch(`${sb.url}/services/data/v69.0/limits`, { headers })).status, 404);
      assert.equal((await fetch(`${sb.url}/services/data/v68.0/limits`, { headers })).status, 200);
    });

    it('refuses SOAP login() from API 65.0 on with INVALID_OPERATION and signs in at 64.0', async () => {
      for (const version of ['65.0', '68.0']) {
        await assert.rejects(new jsforce.Connection({ loginUrl: sb.url, version }).login(USER, PASSWORD),
          new RegExp(`^Error: INVALID_OPERATION: The SOAP Login operation is not available in the API version specified \\(${version.replace('.', '\\.')}\\)`));
      }
      const c = new jsforce.Connection({ loginUrl: sb.url, version: '64.0' });
      await c.login(USER, PASSWORD);
      assert.equal((await c.query('SELECT COUNT() FROM Account')).totalSize, 0);
    });

    it('answers SOAP login() at a retired or unknown version with UNSUPPORTED_API_VERSION', async () => {
      for (const version of ['30.0', '20.0', '69.0']) {
        await assert.rejects(new jsforce.Connection({ loginUrl: sb.url, version }).login(USER, PASSWORD), /UNSUPPORTED_API_VERSION: Invalid Api version specified on URL/);
      }
    });

    it('refuses SOAP login() while the org has it disabled (the default for new orgs); OAuth flows still work', async () => {
      await ctl('POST', '/config', { soapLogin: false });
      await assert.rejects(new jsforce.Connection({ loginUrl: sb.url, version: '64.0' }).login(USER, PASSWORD), /INVALID_OPERATION: SOAP API login\(\) is disabled/);
      const c = new jsforce.Connection({ version: VERSION, oauth2: { ...APP, loginUrl: sb.url } });
      await c.authorize({ grant_type: 'client_credentials' });
      assert.equal((await c.query('SELECT COUNT() FROM Account')).totalSize, 0);
    });
  });

  describe('Bulk API 2.0 CSV ("Valid CSV Record Rows", "Valid Date Format in Records")', () => {
    const load = (operation: string, csv: string): Promise<any> =>
      conn.bulk2.loadAndWaitForResults({ object: 'Account', operation, input: csv, pollInterval: 20, pollTimeout: 10_000 });
    const byName = async (name: string): Promise<any> =>
      (await conn.query(`SELECT Id, Phone, Description, Active__c, NumberOfEmployees, Last_Synced_At__c FROM Account WHERE Name = '${name}'`)).records[0];

    it('#N/A sets a field to null; an empty value is not set on insert and leaves the field unchanged on update', async () => {
      const inserted = await load('insert', 'Name,Phone,Description\nA,#N/A,kept\nB,,"also kept"\n');
      assert.equal(inserted.successfulResults.length, 2);
      const a = await byName('A');
      assert.deepEqual([a.Phone, a.Description], [null, 'kept']);
      assert.equal((await byName('B')).Phone, null);
      await conn.sobject('Account').update({ Id: a.Id, Phone: '555' });
      const updated = await load('update', `Id,Phone,Description\n${a.Id},,#N/A\n`);
      assert.equal(updated.successfulResults.length, 1);
      const after = await byName('A');
      assert.deepEqual([after.Phone, after.Description], ['555', null]);
    });

    it('reads booleans as true / false / 1 / 0 and fails any other value with "Failed to deserialize"', async () => {
      const res = await load('insert', 'Name,Active__c\nT,true\nF,FALSE\nOne,1\nZero,0\nYes,yes\n');
      assert.deepEqual(await Promise.all(['T', 'F', 'One', 'Zero'].map(async (n) => (await byName(n)).Active__c)), [true, false, true, false]);
      assert.equal(res.failedResults.length, 1);
      assert.equal(res.failedResults[0].sf__Error, "INVALID_FIELD:Failed to deserialize field at col 1. Due to, 'yes' is not a valid value for the type xsd:boolean:Active__c --");
    });

    it('reads dateTime as yyyy-MM-ddTHH:mm:ss.SSS with an offset or Z, date as yyyy-MM-dd, numbers as numbers; other forms fail their row', async () => {
      const res = await load('insert', [
        'Name,Last_Synced_At__c,NumberOfEmployees',
        'Offset,2024-05-01T10:00:00.000+02:00,12',
        'Zulu,2024-05-01T08:00:00Z,',
        'NoColon,2024-05-01T10:00:00.000+0200,',
        'DateOnly,2024-05-01,',
        'Spaced,2024-05-01 08:00:00,',
        'NotANumber,,twelve',
      ].join('\n'));
      for (const n of ['Offset', 'Zulu', 'NoColon']) assert.equal((await byName(n)).Last_Synced_At__c, '2024-05-01T08:00:00.000+0000', n);
      assert.equal((await byName('Offset')).NumberOfEmployees, 12);
      assert.deepEqual(res.failedResults.map((r: any) => r.sf__Error).sort(), [
        "INVALID_FIELD:Failed to deserialize field at col 1. Due to, '2024-05-01 08:00:00' is not a valid value for the type xsd:dateTime:Last_Synced_At__c --",
        "INVALID_FIELD:Failed to deserialize field at col 1. Due to, '2024-05-01' is not a valid value for the type xsd:dateTime:Last_Synced_At__c --",
        "INVALID_FIELD:Failed to deserialize field at col 2. Due to, 'twelve' is not a valid value for the type xsd:int:NumberOfEmployees --",
      ]);
      const contacts = await conn.bulk2.loadAndWaitForResults({ object: 'Contact', operation: 'insert', pollInterval: 20, pollTimeout: 10_000,
        input: 'LastName,Birthdate\nIso,1990-05-17\nLocal,17/05/1990\n' });
      assert.equal((await conn.query("SELECT Birthdate FROM Contact WHERE LastName = 'Iso'")).records[0].Birthdate, '1990-05-17');
      assert.match(contacts.failedResults[0].sf__Error, /^INVALID_FIELD:Failed to deserialize field at col 1\. Due to, '17\/05\/1990' is not a valid value for the type xsd:date:Birthdate --$/);
    });
  });
});
