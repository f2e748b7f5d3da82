// Fidelity test: the unmodified jsforce client against the Salesforce sandbox.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandbox/salesforce';
import { DEFAULT_USERS } from '../../sandbox/salesforce/auth';
import { sandboxCalls, sandboxControl, sandboxQueries } from '../../sandbox/salesforce/control-client';
import { MAX_QUERY_LOG } from '../../sandbox/salesforce/state';

// jsforce reads proxy variables once at load time and ignores NO_PROXY: clear them before requiring it.
for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];
const INTEGRATION_USER_ID = DEFAULT_USERS[0].userId;
const jsforce = require('jsforce');

const VERSION = '59.0';
const USER = 'integration@flowguard.test';
const PASSWORD = 'passwordTOKEN';
const APP = { clientId: 'flowguard-client', clientSecret: 'flowguard-secret' };

describe('Salesforce sandbox with jsforce', function () {
  let sb: SalesforceSandbox;
  let conn: any;
  const ctl = (method: string, path: string, body?: unknown): Promise<any> => sandboxControl(sb.url, method, path, body);

  before(async () => { sb = await startSalesforceSandbox(); });
  after(async () => { await sb.close(); });
  beforeEach(async () => {
    await ctl('POST', '/reset');
    conn = new jsforce.Connection({ loginUrl: sb.url, version: VERSION, oauth2: { ...APP, loginUrl: sb.url } });
    await conn.login(USER, PASSWORD);
  });

  describe('auth', () => {
    it('logs in with the OAuth password flow and reports the identity', async () => {
      assert.equal(conn.instanceUrl, sb.url);
      assert.equal(conn.userInfo.id, INTEGRATION_USER_ID);
      const id = await conn.identity();
      assert.equal(id.username, USER);
    });

    it('revokes the OAuth token on logout', async () => {
      const token = conn.accessToken;
      await conn.logout();
      const other = new jsforce.Connection({ instanceUrl: sb.url, accessToken: token, version: VERSION });
      await assert.rejects(other.query('SELECT Id FROM Account'), (e: any) => e.errorCode === 'INVALID_SESSION_ID');
    });

    it('rejects a wrong password with invalid_grant', async () => {
      const c = new jsforce.Connection({ loginUrl: sb.url, version: VERSION, oauth2: { ...APP, loginUrl: sb.url } });
      await assert.rejects(c.login(USER, 'password'), (e: any) => e.name === 'invalid_grant');
    });

    it('logs in over SOAP and logs out', async () => {
      const c = new jsforce.Connection({ loginUrl: sb.url, version: VERSION });
      const info = await c.login(USER, PASSWORD);
      assert.equal(info.organizationId, sb.state.org.organizationId);
      assert.equal(c.instanceUrl, sb.url);
      assert.equal((await c.query('SELECT Id FROM Account')).totalSize, 0);
      await c.logout();
      await assert.rejects(new jsforce.Connection({ instanceUrl: sb.url, accessToken: c.accessToken, version: VERSION }).query('SELECT Id FROM Account'),
        (e: any) => e.errorCode === 'INVALID_SESSION_ID');
      await assert.rejects(new jsforce.Connection({ loginUrl: sb.url, version: VERSION }).login(USER, 'nope'), /INVALID_LOGIN/);
    });

    it('authorizes with client credentials', async () => {
      const c = new jsforce.Connection({ version: VERSION, oauth2: { ...APP, loginUrl: sb.url } });
      await c.authorize({ grant_type: 'client_credentials' });
      assert.equal(c.userInfo.id, INTEGRATION_USER_ID);
      assert.equal((await c.query('SELECT COUNT() FROM Account')).totalSize, 0);
    });

    it('authorizes with a JWT bearer assertion signed by the registered key', async () => {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      await ctl('POST', '/apps', { clientId: 'jwt-app', clientSecret: 'x', jwtPublicKey: publicKey.export({ type: 'spki', format: 'pem' }) });
      const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
      const unsigned = `${b64({ alg: 'RS256' })}.${b64({ iss: 'jwt-app', sub: USER, aud: sb.url, exp: Math.floor(Date.now() / 1000) + 300 })}`;
      const assertion = `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), privateKey).toString('base64url')}`;
      const c = new jsforce.Connection({ version: VERSION, oauth2: { clientId: 'jwt-app', loginUrl: sb.url } });
      await c.authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion });
      assert.equal(c.userInfo.id, INTEGRATION_USER_ID);
      const forged = `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey).toString('base64url')}`;
      await assert.rejects(c.authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: forged }), (e: any) => e.name === 'invalid_grant');
    });

    it('refreshes an expired session with the refresh token and retries the call', async () => {
      const { refresh_token } = await ctl('POST', '/refresh-token', { username: USER, clientId: APP.clientId });
      const c = new jsforce.Connection({ instanceUrl: sb.url, accessToken: 'expired', refreshToken: refresh_token, version: VERSION, oauth2: { ...APP, loginUrl: sb.url } });
      let refreshed = 0;
      c.on('refresh', () => refreshed++);
      await sb.state.org.create('Account', { Name: 'A' }, 'x');
      assert.equal((await c.query('SELECT Id FROM Account')).totalSize, 1);
      await ctl('POST', '/expire-sessions');
      assert.equal((await c.query('SELECT Id FROM Account')).totalSize, 1);
      assert.equal(refreshed, 2);
    });
  });

  describe('REST sObjects', () => {
    it('creates, retrieves, updates and deletes with system fields maintained', async () => {
      const created = await conn.sobject('Account').create({ Name: 'Acme', AnnualRevenue: 10 });
      assert.equal(created.success, true);
      const rec = await conn.sobject('Account').retrieve(created.id);
      assert.equal(rec.Name, 'Acme');
      assert.equal(rec.LastModifiedById, INTEGRATION_USER_ID);
      assert.match(rec.SystemModstamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
      const upd = await conn.sobject('Account').update({ Id: created.id, name: 'Acme 2' });
      assert.equal(upd.success, true);
      assert.equal((await conn.sobject('Account').retrieve(created.id)).Name, 'Acme 2');
      await conn.sobject('Account').destroy(created.id);
      await assert.rejects(conn.sobject('Account').retrieve(created.id), (e: any) => e.errorCode === 'ENTITY_IS_DELETED');
    });

    it('validates against describe', async () => {
      await assert.rejects(conn.sobject('Account').create({ Industry: 'Retail' }), (e: any) => e.errorCode === 'REQUIRED_FIELD_MISSING' && e.data.fields[0] === 'Name');
      await assert.rejects(conn.sobject('Account').create({ Name: 'x', Bogus__c: 1 }), (e: any) => e.errorCode === 'INVALID_FIELD');
      await conn.sobject('Account').create({ Name: 'x', External_Id__c: 'E1' });
      await assert.rejects(conn.sobject('Account').create({ Name: 'y', External_Id__c: 'E1' }), (e: any) => e.errorCode === 'DUPLICATE_VALUE');
    });

    it('upserts by external id: insert, then update of the same record', async () => {
      const first = await conn.sobject('Account').upsert({ Name: 'Ext', External_Id__c: 'X-1' }, 'External_Id__c');
      assert.equal(first.created, true);
      const second = await conn.sobject('Account').upsert({ Name: 'Ext 2', External_Id__c: 'X-1' }, 'External_Id__c');
      assert.equal(second.created, false);
      assert.equal(second.id, first.id);
      const rows = (await conn.query("SELECT Name FROM Account WHERE External_Id__c = 'X-1'")).records;
      assert.deepEqual(rows.map((r: any) => r.Name), ['Ext 2']);
    });

    it('describes objects with types, required and external id flags', async () => {
      const d = await conn.sobject('Account').describe();
      const ext = d.fields.find((f: any) => f.name === 'External_Id__c');
      assert.equal(ext.externalId, true);
      assert.equal(d.fields.find((f: any) => f.name === 'Name').nillable, false);
      const g = await conn.describeGlobal();
      assert.ok(g.sobjects.some((s: any) => s.name === 'Opportunity'));
    });
  });

  describe('SOQL', () => {
    beforeEach(async () => {
      await ctl('POST', '/seed', { records: { Account: [
        { Name: 'Alpha', Industry: 'Banking', AnnualRevenue: 100, NumberOfEmployees: 5 },
        { Name: 'Beta', Industry: 'Retail', AnnualRevenue: 200 },
        { Name: "O'Brien & Co", Industry: 'Retail', AnnualRevenue: 300, Active__c: true },
        { Name: 'Gamma', AnnualRevenue: null },
      ] } });
    });
    const names = async (where: string): Promise<string[]> =>
      (await conn.query(`SELECT Name FROM Account ${where}`)).records.map((r: any) => r.Name);

    it('filters with comparison, LIKE, IN, NOT, AND/OR and parentheses', async () => {
      assert.deepEqual(await names('WHERE AnnualRevenue >= 200 ORDER BY Name'), ['Beta', "O'Brien & Co"]);
      assert.deepEqual(await names("WHERE Name LIKE 'b%'"), ['Beta']);
      assert.deepEqual(await names("WHERE Industry IN ('Banking', 'Energy')"), ['Alpha']);
      assert.deepEqual(await names("WHERE Industry NOT IN ('Retail') ORDER BY Name"), ['Alpha', 'Gamma']);
      assert.deepEqual(await names("WHERE NOT (Industry = 'Retail' OR AnnualRevenue = null) ORDER BY Name"), ['Alpha']);
      assert.deepEqual(await names("WHERE (Industry = 'Retail' AND AnnualRevenue < 250) OR Name = 'alpha' ORDER BY Name DESC"), ['Beta', 'Alpha']);
      assert.deepEqual(await names("WHERE Name = 'O\\'Brien & Co'"), ["O'Brien & Co"]);
      assert.deepEqual(await names('WHERE Active__c = true'), ["O'Brien & Co"]);
      assert.deepEqual(await names('WHERE CreatedDate = TODAY AND CreatedDate > 2020-01-01T00:00:00Z ORDER BY AnnualRevenue DESC NULLS LAST LIMIT 2 OFFSET 1'), ["Beta", 'Alpha']);
      assert.deepEqual(await names('WHERE CreatedDate < LAST_N_DAYS:3'), []);
    });

    it('rejects malformed queries, unknown fields and wrongly typed literals', async () => {
      await assert.rejects(conn.query('SELECT Name FROM Account WHERE'), (e: any) => e.errorCode === 'MALFORMED_QUERY');
      await assert.rejects(conn.query('SELECT Nope FROM Account'), (e: any) => e.errorCode === 'INVALID_FIELD');
      await assert.rejects(conn.query("SELECT Name FROM Account WHERE AnnualRevenue = '1'"), (e: any) => e.errorCode === 'INVALID_QUERY_FILTER_OPERATOR');
      await assert.rejects(conn.query('SELECT Name FROM Nothing'), (e: any) => e.errorCode === 'INVALID_TYPE');
    });

    it('pages with nextRecordsUrl and autoFetch, and counts', async () => {
      await ctl('POST', '/config', { queryBatchSize: 200 });
      await ctl('POST', '/seed', { records: { Contact: Array.from({ length: 450 }, (_, i) => ({ LastName: `C${i}` })) } });
      const first = await conn.query('SELECT Id, LastName FROM Contact');
      assert.equal(first.done, false);
      assert.equal(first.records.length, 200);
      assert.equal(first.totalSize, 450);
      const second = await conn.queryMore(first.nextRecordsUrl);
      assert.equal(second.records[0].LastName, 'C200');
      const all = await conn.query('SELECT Id FROM Contact', { autoFetch: true, maxFetch: 10000 });
      assert.equal(all.records.length, 450);
      assert.equal((await conn.query('SELECT COUNT() FROM Contact')).totalSize, 450);
    });

    it('queryAll includes deleted records; parent fields resolve', async () => {
      const acct = await conn.sobject('Account').create({ Name: 'Parent' });
      const c = await conn.sobject('Contact').create({ LastName: 'Kid', AccountId: acct.id });
      const kid = (await conn.query(`SELECT LastName, Account.Name FROM Contact WHERE Id = '${c.id}'`)).records[0];
      assert.equal(kid.Account.Name, 'Parent');
      await conn.sobject('Contact').destroy(c.id);
      assert.equal((await conn.query('SELECT Id FROM Contact')).totalSize, 0);
      const del = await conn.query('SELECT Id, IsDeleted FROM Contact', { scanAll: true });
      assert.equal(del.records[0].IsDeleted, true);
    });

    it('searches with SOSL', async () => {
      const res = await conn.search('FIND {bet*} IN ALL FIELDS RETURNING Account(Id, Name)');
      assert.deepEqual(res.searchRecords.map((r: any) => r.Name), ['Beta']);
    });
  });

  describe('sObject Collections and composite', () => {
    it('creates per record without allOrNone, and rolls back with it', async () => {
      const res = await conn.sobject('Account').create([{ Name: 'A' }, { Industry: 'Retail' }, { Name: 'C' }]);
      assert.deepEqual(res.map((r: any) => r.success), [true, false, true]);
      assert.equal(res[1].errors[0].statusCode, 'REQUIRED_FIELD_MISSING');
      const rolled = await conn.sobject('Account').create([{ Name: 'D' }, { Industry: 'Retail' }], { allOrNone: true });
      assert.deepEqual(rolled.map((r: any) => r.success), [false, false]);
      assert.equal((await conn.query('SELECT COUNT() FROM Account')).totalSize, 2);
    });

    it('updates, upserts, retrieves and deletes arrays in one call each', async () => {
      await sandboxControl(sb.url, 'POST', '/calls/reset');
      const ids = (await conn.sobject('Account').create([{ Name: 'A', External_Id__c: 'A' }, { Name: 'B', External_Id__c: 'B' }])).map((r: any) => r.id);
      await conn.sobject('Account').update(ids.map((Id: string) => ({ Id, Industry: 'Energy' })));
      const ups = await conn.sobject('Account').upsert([{ External_Id__c: 'A', Name: 'A2' }, { External_Id__c: 'Z', Name: 'Z' }], 'External_Id__c');
      assert.deepEqual(ups.map((r: any) => r.created), [false, true]);
      const got = await conn.sobject('Account').retrieve(ids, { fields: ['Name', 'Industry'] });
      assert.deepEqual(got.map((r: any) => [r.Name, r.Industry]), [['A2', 'Energy'], ['B', 'Energy']]);
      await conn.sobject('Account').destroy(ids);
      const calls = await sandboxCalls(sb.url);
      assert.deepEqual(calls.byRoute, { 'collections.create': 1, 'collections.update': 1, 'collections.upsert': 1, 'collections.retrieve': 1, 'collections.delete': 1 });
    });

    it('refuses more than 200 records in a collection call', async () => {
      const res = conn.requestPost(`/services/data/v${VERSION}/composite/sobjects`, { records: Array.from({ length: 201 }, () => ({ attributes: { type: 'Account' }, Name: 'n' })) });
      await assert.rejects(res, (e: any) => e.errorCode === 'EXCEEDED_ID_LIMIT');
    });

    it('runs composite subrequests with references as one API call', async () => {
      const before = (await sandboxCalls(sb.url)).apiUsage;
      const res: any = await conn.requestPost(`/services/data/v${VERSION}/composite`, { allOrNone: true, compositeRequest: [
        { method: 'POST', url: `/services/data/v${VERSION}/sobjects/Account`, referenceId: 'acct', body: { Name: 'Comp' } },
        { method: 'POST', url: `/services/data/v${VERSION}/sobjects/Contact`, referenceId: 'ct', body: { LastName: 'L', AccountId: '@{acct.id}' } },
        { method: 'GET', url: `/services/data/v${VERSION}/sobjects/Contact/@{ct.id}?fields=AccountId`, referenceId: 'get' },
      ] });
      assert.deepEqual(res.compositeResponse.map((r: any) => r.httpStatusCode), [201, 201, 200]);
      assert.equal(res.compositeResponse[2].body.AccountId, res.compositeResponse[0].body.id);
      assert.equal((await sandboxCalls(sb.url)).apiUsage, before + 1);
      const tooMany = Array.from({ length: 26 }, (_, i) => ({ method: 'GET', url: `/services/data/v${VERSION}/limits`, referenceId: `r${i}` }));
      await assert.rejects(conn.requestPost(`/services/data/v${VERSION}/composite`, { compositeRequest: tooMany }), (e: any) => e.errorCode === 'LIMIT_EXCEEDED');
    });

    it('rolls a composite request back with allOrNone when a subrequest fails', async () => {
      const res: any = await conn.requestPost(`/services/data/v${VERSION}/composite`, { allOrNone: true, compositeRequest: [
        { method: 'POST', url: `/services/data/v${VERSION}/sobjects/Account`, referenceId: 'ok', body: { Name: 'Kept?' } },
        { method: 'POST', url: `/services/data/v${VERSION}/sobjects/Account`, referenceId: 'bad', body: { Industry: 'Retail' } },
      ] });
      assert.deepEqual(res.compositeResponse.map((r: any) => r.body[0].errorCode), ['PROCESSING_HALTED', 'REQUIRED_FIELD_MISSING']);
      const dump = await ctl('GET', '/state');
      assert.deepEqual(dump.records.Account, []);
    });
  });

  describe('query log', () => {
    it('records each SOQL text received over REST, composite and Bulk 2.0 in order, skips queryMore, and clears on reset', async () => {
      await ctl('POST', '/config', { queryBatchSize: 200 });
      await ctl('POST', '/seed', { records: { Account: Array.from({ length: 250 }, (_, i) => ({ Name: `L${i}` })) } });
      assert.deepEqual(await sandboxQueries(sb.url), [], 'login and seeding log no query');
      const started = Date.now();
      const rest = "SELECT Id, Name FROM Account WHERE Name = 'O\\'Brien'";
      const paged = 'SELECT Id FROM Account';
      const all = 'SELECT Id, IsDeleted FROM Account LIMIT 1';
      const malformed = 'SELECT Name FROM Account WHERE';
      const viaComposite = "SELECT Name FROM Account WHERE Name = 'L7'";
      const viaBulk = 'SELECT Id, Name FROM Account ORDER BY Name LIMIT 3';
      assert.equal((await conn.query(rest)).totalSize, 0);
      const first = await conn.query(paged);
      assert.equal(first.done, false);
      assert.equal((await conn.queryMore(first.nextRecordsUrl)).records.length, 50);
      await conn.query(all, { scanAll: true });
      await assert.rejects(conn.query(malformed), (e: any) => e.errorCode === 'MALFORMED_QUERY');
      const comp: any = await conn.requestPost(`/services/data/v${VERSION}/composite`, { compositeRequest: [
        { method: 'GET', url: `/services/data/v${VERSION}/query?q=${encodeURIComponent(viaComposite)}`, referenceId: 'q' },
        { method: 'GET', url: `/services/data/v${VERSION}/limits`, referenceId: 'limits' },
      ] });
      assert.deepEqual(comp.compositeResponse[0].body.records.map((r: any) => r.Name), ['L7']);
      assert.equal((await (await conn.bulk2.query(viaBulk, { pollInterval: 20, pollTimeout: 10000 })).toArray()).length, 3);
      const log = await sandboxQueries(sb.url);
      assert.deepEqual(log.map((e) => [e.api, e.soql]), [
        ['rest', rest], ['rest', paged], ['rest', all], ['rest', malformed], ['composite', viaComposite], ['bulk', viaBulk],
      ]);
      for (const e of log) {
        assert.equal(new Date(e.at).toISOString(), e.at);
        assert.ok(Date.parse(e.at) >= started - 1000 && Date.parse(e.at) <= Date.now(), `${e.at} is the time of the call`);
      }
      await ctl('POST', '/reset');
      assert.deepEqual(await sandboxQueries(sb.url), []);
    });

    it(`keeps only the last ${MAX_QUERY_LOG} statements`, async () => {
      for (let i = 0; i < MAX_QUERY_LOG + 5; i++) sb.state.logQuery('rest', `SELECT Id FROM Account LIMIT ${i}`);
      await conn.query('SELECT Id FROM Contact');
      const log = await sandboxQueries(sb.url);
      assert.equal(log.length, MAX_QUERY_LOG);
      assert.equal(log[0].soql, 'SELECT Id FROM Account LIMIT 6');
      assert.equal(log.at(-1)?.soql, 'SELECT Id FROM Contact');
    });
  });

  describe('limits and faults', () => {
    it('sends Sforce-Limit-Info and refuses calls over the daily maximum', async () => {
      await ctl('POST', '/config', { apiDailyMax: 50, apiUsage: 40 });
      await conn.query('SELECT Id FROM Account');
      assert.deepEqual(conn.limitInfo.apiUsage, { used: 41, limit: 50 });
      const limits: any = await conn.request(`/services/data/v${VERSION}/limits`);
      assert.equal(limits.DailyApiRequests.Remaining, 8);
      await ctl('POST', '/config', { apiUsage: 50 });
      await assert.rejects(conn.query('SELECT Id FROM Account'), (e: any) => e.errorCode === 'REQUEST_LIMIT_EXCEEDED');
    });

    it('injects UNABLE_TO_LOCK_ROW and 503 faults a set number of times', async () => {
      await ctl('POST', '/faults', { match: 'POST /services/data/v59.0/sobjects/Account', kind: 'error', errorCode: 'UNABLE_TO_LOCK_ROW', times: 1 });
      await assert.rejects(conn.sobject('Account').create({ Name: 'L' }), (e: any) => e.errorCode === 'UNABLE_TO_LOCK_ROW');
      assert.equal((await conn.sobject('Account').create({ Name: 'L' })).success, true);
      await ctl('POST', '/faults', { match: 'POST /services/data/v59.0/sobjects', kind: 'http', status: 503, times: 1 });
      await assert.rejects(conn.sobject('Account').create({ Name: 'L' }), (e: any) => e.errorCode === 'SERVER_UNAVAILABLE');
      // jsforce retries a GET on 503 by itself; one injected 503 is absorbed.
      await ctl('POST', '/faults', { match: '/query', kind: 'http', status: 503, times: 1 });
      assert.equal((await conn.query('SELECT Id FROM Account')).totalSize, 1);
      assert.deepEqual(await ctl('GET', '/faults'), []);
    });

    it('holds a request open for a timeout fault and delays one for a latency fault', async () => {
      await ctl('POST', '/faults', [{ match: '/limits', kind: 'timeout', times: 1 }, { match: 'GET /services/data/v59.0/sobjects', kind: 'latency', latencyMs: 20, times: 1 }]);
      const headers = { Authorization: `Bearer ${conn.accessToken}` };
      await assert.rejects(fetch(`${sb.url}/services/data/v${VERSION}/limits`, { headers, signal: AbortSignal.timeout(300) }), (e: any) => e.name === 'TimeoutError');
      assert.equal((await fetch(`${sb.url}/services/data/v${VERSION}/limits`, { headers })).status, 200);
      assert.ok((await conn.describeGlobal()).sobjects.length > 0);
      assert.deepEqual(await ctl('GET', '/faults'), []);
    });
  });

  describe('Streaming (CometD long-polling) with Change Data Capture', () => {
    const { StreamingExtension } = require('jsforce/api/streaming');
    const waitFor = async (check: () => boolean): Promise<void> => {
      for (let i = 0; i < 250 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(check(), 'condition not met in time');
    };

    it('replays retained events from a replay id and delivers new ones', async () => {
      await ctl('POST', '/config', { cometdTimeoutMs: 300 });
      const first = await conn.sobject('Account').create({ Name: 'Before' });
      await conn.sobject('Account').update({ Id: first.id, Name: 'Renamed' });
      const events: any[] = [];
      const channel = '/data/AccountChangeEvent';
      const client = conn.streaming.createClient([new StreamingExtension.Replay(channel, 1)]);
      await client.subscribe(channel, (data: any) => events.push(data));
      await waitFor(() => events.length === 1);
      assert.equal(events[0].event.replayId, 2);
      assert.equal(events[0].payload.ChangeEventHeader.changeType, 'UPDATE');
      // Salesforce lists LastModifiedDate among the changed fields of an update.
      assert.deepEqual(events[0].payload.ChangeEventHeader.changedFields, ['Name', 'LastModifiedDate']);
      assert.equal(events[0].payload.Name, 'Renamed');
      await conn.sobject('Account').destroy(first.id);
      await waitFor(() => events.length === 2);
      assert.equal(events[1].payload.ChangeEventHeader.changeType, 'DELETE');
      assert.equal(events[1].payload.ChangeEventHeader.commitUser, INTEGRATION_USER_ID);
      client.disconnect();
    });

    // What the Change Data Capture developer guide documents for CometD subscribers: merged change events, update
    // bodies with nulled fields, gap events (header only) and overflow events (GAP_OVERFLOW, the empty record id).
    const subscribe = async (): Promise<{ events: any[]; close(): void }> => {
      await ctl('POST', '/config', { cometdTimeoutMs: 300 });
      const events: any[] = [];
      const channel = '/data/AccountChangeEvent';
      const client = conn.streaming.createClient([new StreamingExtension.Replay(channel, -1)]);
      await client.subscribe(channel, (data: any) => events.push(data.payload));
      return { events, close: () => client.disconnect() };
    };

    it('merges one change to several records in a transaction into one event naming every record', async () => {
      const { ids } = await ctl('POST', '/seed', { asUser: 'alice@flowguard.test', records: { Account: [{ Name: 'm1', Industry: 'Technology' }, { Name: 'm2', Industry: 'Technology' }, { Name: 'm3', Industry: 'Technology' }] } });
      const sub = await subscribe();
      await ctl('POST', '/dml', { op: 'update', type: 'Account', ids: ids.Account, record: { Industry: null }, asUser: 'alice@flowguard.test' });
      await waitFor(() => sub.events.length === 1);
      const [e] = sub.events;
      assert.deepEqual(e.ChangeEventHeader.recordIds, ids.Account);
      assert.equal(e.ChangeEventHeader.changeType, 'UPDATE');
      assert.deepEqual(e.ChangeEventHeader.changedFields, ['Industry', 'LastModifiedDate']);
      // An update body carries the changed fields only; one set to null is there as null.
      assert.deepEqual(Object.keys(e).sort(), ['ChangeEventHeader', 'Industry', 'LastModifiedDate']);
      assert.equal(e.Industry, null);
      await ctl('POST', '/dml', { op: 'delete', type: 'Account', ids: ids.Account.slice(0, 2) });
      await waitFor(() => sub.events.length === 2);
      assert.deepEqual([sub.events[1].ChangeEventHeader.changeType, sub.events[1].ChangeEventHeader.recordIds], ['DELETE', ids.Account.slice(0, 2)]);
      sub.close();
    });

    it('sends a gap event, header only, for a change applied at the database layer', async () => {
      const { ids } = await ctl('POST', '/seed', { records: { Account: [{ Name: 'g1' }, { Name: 'g2' }] } });
      const sub = await subscribe();
      await ctl('POST', '/dml', { op: 'update', type: 'Account', ids: ids.Account, record: { Name: 'archived' }, gap: true });
      await waitFor(() => sub.events.length === 1);
      const [e] = sub.events;
      assert.deepEqual(Object.keys(e), ['ChangeEventHeader']);
      assert.deepEqual([e.ChangeEventHeader.changeType, e.ChangeEventHeader.recordIds, e.ChangeEventHeader.changedFields], ['GAP_UPDATE', ids.Account, []]);
      assert.equal((await conn.query(`SELECT Name FROM Account WHERE Id = '${ids.Account[0]}'`)).records[0].Name, 'archived', 'the data did change');
      sub.close();
    });

    it('sends one GAP_OVERFLOW event per object for the changes beyond the threshold of one transaction', async () => {
      const { ids } = await ctl('POST', '/seed', { records: { Account: [{ Name: 'o1' }, { Name: 'o2' }, { Name: 'o3' }, { Name: 'o4' }] } });
      const sub = await subscribe();
      await ctl('POST', '/config', { cdcOverflowThreshold: 2 });
      await ctl('POST', '/dml', { op: 'delete', type: 'Account', ids: ids.Account });
      await waitFor(() => sub.events.length === 2);
      const [merged, overflow] = sub.events.map((e) => e.ChangeEventHeader);
      assert.deepEqual([merged.changeType, merged.recordIds], ['DELETE', ids.Account.slice(0, 2)]);
      assert.deepEqual([overflow.changeType, overflow.entityName, overflow.recordIds], ['GAP_OVERFLOW', 'Account', ['000000000000000AAA']]);
      assert.equal(overflow.transactionKey, merged.transactionKey, 'one transaction');
      assert.deepEqual(Object.keys(sub.events[1]), ['ChangeEventHeader']);
      await ctl('POST', '/config', { cdcOverflowThreshold: 100000 });
      sub.close();
    });
  });

  describe('Bulk API 2.0', () => {
    it('ingests CSV with per-record successes and failures', async () => {
      const input = [{ Name: 'B1', External_Id__c: 'b1' }, { Name: '', External_Id__c: 'b2' }, { Name: 'B3', External_Id__c: 'b3' }];
      const res = await conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input, pollInterval: 20, pollTimeout: 10000 });
      assert.equal(res.successfulResults.length, 2);
      assert.equal(res.failedResults.length, 1);
      assert.match(res.failedResults[0].sf__Error, /^REQUIRED_FIELD_MISSING:/);
      assert.equal(res.failedResults[0].External_Id__c, 'b2');
      const ups = await conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'upsert', externalIdFieldName: 'External_Id__c',
        input: [{ External_Id__c: 'b1', Name: 'B1x' }, { External_Id__c: 'b4', Name: 'B4' }], pollInterval: 20, pollTimeout: 10000 });
      assert.deepEqual(ups.successfulResults.map((r: any) => r.sf__Created), ['false', 'true']);
      assert.equal((await conn.query("SELECT Name FROM Account WHERE External_Id__c = 'b1'")).records[0].Name, 'B1x');
    });

    it('runs a query job', async () => {
      await ctl('POST', '/seed', { records: { Account: [{ Name: 'Q1' }, { Name: 'Q2' }] } });
      const rows = await (await conn.bulk2.query('SELECT Id, Name FROM Account ORDER BY Name', { pollInterval: 20, pollTimeout: 10000 })).toArray();
      assert.deepEqual(rows.map((r: any) => r.Name), ['Q1', 'Q2']);
    });
  });
});
