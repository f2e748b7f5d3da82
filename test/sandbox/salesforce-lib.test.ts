// lib/salesforce against the sandbox through the unmodified jsforce: sessions, chunking, Bulk auto-switch,
// paging, binds, limits and the durable change-feed watermark.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandbox/salesforce';
import { DEFAULT_USERS } from '../../sandbox/salesforce/auth';
import { sandboxCalls, sandboxControl } from '../../sandbox/salesforce/control-client';
import { SalesforceConfig, SalesforceSession } from '../../lib/salesforce/connection';
import { writeRecords } from '../../lib/salesforce/records';
import { recordFailure } from '../../lib/salesforce/errors';
import { runQuery } from '../../lib/salesforce/query';
import { bulkQuery } from '../../lib/salesforce/bulk-query';
import { bindSoql } from '../../lib/salesforce/soql-binds';
import { Change, pollChanges, storeWatermark } from '../../lib/salesforce/change-feed';
import { diffAgainstCurrent } from '../../lib/salesforce/dry-run';
import { SqliteStore } from '../../lib/store/sqlite';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];
const INTEGRATION_USER_ID = DEFAULT_USERS[0].userId;

describe('lib/salesforce against the sandbox', function () {
  let sb: SalesforceSandbox;
  let session: SalesforceSession;
  const ctl = (method: string, path: string, body?: unknown): Promise<any> => sandboxControl(sb.url, method, path, body);
  const cfg = (over: Partial<SalesforceConfig> = {}): SalesforceConfig => ({
    loginUrl: sb.url, apiVersion: '59.0', authFlow: 'password', clientId: 'flowguard-client', clientSecret: 'flowguard-secret',
    username: 'integration@flowguard.test', password: 'password', securityToken: 'TOKEN', ...over,
  });
  const call = (fn: (conn: any) => Promise<any>): Promise<any> => session.call(fn);

  before(async () => { sb = await startSalesforceSandbox(); });
  after(async () => { await sb.close(); });
  beforeEach(async () => {
    await ctl('POST', '/reset');
    session = new SalesforceSession(cfg());
  });
  afterEach(() => session.close());

  describe('session', () => {
    it('logs in once for many calls and re-logs in after the session expires', async () => {
      await Promise.all([1, 2, 3].map(() => call((c) => c.query('SELECT Id FROM Account'))));
      assert.equal((await sandboxCalls(sb.url)).logins, 1);
      await ctl('POST', '/expire-sessions');
      await call((c) => c.query('SELECT Id FROM Account'));
      await call((c) => c.query('SELECT Id FROM Account'));
      assert.equal((await sandboxCalls(sb.url)).logins, 2);
      assert.equal(session.loginCount, 2);
    });

    for (const flow of ['client_credentials', 'jwt', 'refresh_token', 'soap'] as const) {
      it(`authenticates with ${flow} and renews on INVALID_SESSION_ID`, async () => {
        let over: Partial<SalesforceConfig> = { authFlow: flow === 'soap' ? 'password' : flow };
        if (flow === 'soap') over = { ...over, clientId: undefined, clientSecret: undefined };
        if (flow === 'refresh_token') over.refreshToken = (await ctl('POST', '/refresh-token', {})).refresh_token;
        if (flow === 'jwt') {
          const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
          await ctl('POST', '/apps', { clientId: 'jwt-app', clientSecret: 'unused', jwtPublicKey: publicKey.export({ type: 'spki', format: 'pem' }) });
          over = { ...over, clientId: 'jwt-app', clientSecret: undefined, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
        }
        session = new SalesforceSession(cfg(over));
        await call((c) => c.sobject('Account').create({ Name: 'A' }));
        assert.equal(session.userId, INTEGRATION_USER_ID);
        await ctl('POST', '/expire-sessions');
        assert.equal((await call((c) => c.query('SELECT Id FROM Account'))).totalSize, 1);
        assert.equal(session.loginCount, 2);
      });
    }

    it('signs in with SOAP login() at 64.0 when the configured version is newer, and calls REST at the configured one', async () => {
      session = new SalesforceSession(cfg({ apiVersion: '68.0', clientId: undefined, clientSecret: undefined }));
      await call((c) => c.sobject('Account').create({ Name: 'Current' }));
      assert.equal((await call((c) => c.query('SELECT Id FROM Account'))).totalSize, 1);
      const conn = await session.connection();
      assert.equal(conn.version, '68.0');
      assert.equal(session.userId, INTEGRATION_USER_ID);
      // A new session after expiry is again a SOAP login at 64.0 (the sandbox refuses it at 65.0 and later).
      await ctl('POST', '/expire-sessions');
      assert.equal((await call((c) => c.query('SELECT Id FROM Account'))).totalSize, 1);
      assert.deepEqual([(await sandboxCalls(sb.url)).byRoute.soap, session.loginCount], [2, 2]);
    });

    it('reports SOAP login() switched off in the org with Salesforce\'s message', async () => {
      await ctl('POST', '/config', { soapLogin: false });
      session = new SalesforceSession(cfg({ apiVersion: '68.0', clientId: undefined, clientSecret: undefined }));
      await assert.rejects(call((c) => c.query('SELECT Id FROM Account')), /INVALID_OPERATION: SOAP API login\(\) is disabled/);
    });

    it('does not retry a failed login for every message', async () => {
      session = new SalesforceSession(cfg({ password: 'wrong' }));
      await ctl('POST', '/calls/reset');
      for (let i = 0; i < 3; i++) await assert.rejects(call((c) => c.query('SELECT Id FROM Account')), (e: any) => e.name === 'invalid_grant');
      assert.equal((await sandboxCalls(sb.url)).byRoute['oauth2.token'], 1);
      session.loginRetryMs = 0;
      await assert.rejects(call((c) => c.query('SELECT Id FROM Account')));
      assert.equal((await sandboxCalls(sb.url)).byRoute['oauth2.token'], 2);
    });

    it('warns above the usage threshold and pauses above the other', async () => {
      session = new SalesforceSession(cfg({ warnPercent: 50, pausePercent: 90 }));
      const levels: string[] = [];
      session.on('limit', (s, changed) => { if (changed) levels.push(s.level); });
      await ctl('POST', '/config', { apiDailyMax: 100, apiUsage: 10 });
      await call((c) => c.query('SELECT Id FROM Account'));
      await ctl('POST', '/config', { apiUsage: 60 });
      await call((c) => c.query('SELECT Id FROM Account'));
      await ctl('POST', '/config', { apiUsage: 95 });
      await call((c) => c.query('SELECT Id FROM Account'));
      assert.deepEqual(levels, ['ok', 'warn', 'pause']);
      const before = (await sandboxCalls(sb.url)).apiUsage;
      await assert.rejects(call((c) => c.query('SELECT Id FROM Account')), (e: any) => e.flowError.code === 'API_USAGE_PAUSED');
      assert.equal((await sandboxCalls(sb.url)).apiUsage, before);
    });
  });

  describe('writes', () => {
    it('sends 450 records as 3 Collections calls with per-record outcomes', async () => {
      const records = Array.from({ length: 450 }, (_, i) => (i === 7 ? { Industry: 'Retail' } : { Name: `A${i}` }));
      await ctl('POST', '/calls/reset');
      const res = await writeRecords(records, { object: 'Account', operation: 'create', call });
      assert.equal(res.mode, 'collections');
      assert.equal((await sandboxCalls(sb.url)).byRoute['collections.create'], 3);
      assert.equal(res.outcomes.filter((o) => o.success).length, 449);
      assert.deepEqual(res.outcomes[7].errors.map((e) => e.statusCode), ['REQUIRED_FIELD_MISSING']);
    });

    it('reports a create without an answer as OUTCOME_UNKNOWN (not retryable), an upsert as retryable', async () => {
      await ctl('POST', '/faults', { match: 'POST /services/data/v59.0/composite/sobjects', kind: 'lost-reply', times: 1 });
      const res = await writeRecords([{ Name: 'A' }, { Name: 'B' }], { object: 'Account', operation: 'create', call });
      assert.deepEqual(res.outcomes.map((o) => o.errors[0].statusCode), ['OUTCOME_UNKNOWN', 'OUTCOME_UNKNOWN']);
      assert.equal(recordFailure(res.outcomes[0].errors, {}).retryable, false);
      assert.equal(sb.state.org.all('Account').length, 2, 'the create was applied although no answer came back');
      await ctl('POST', '/faults', { match: 'PATCH /services/data/v59.0/composite/sobjects', kind: 'reset', times: 1 });
      const up = await writeRecords([{ External_Id__c: 'x', Name: 'X' }], { object: 'Account', operation: 'upsert', externalIdField: 'External_Id__c', call });
      assert.equal(recordFailure(up.outcomes[0].errors, {}).retryable, true);
    });

    it('stops after a failed allOrNone chunk', async () => {
      const records = Array.from({ length: 250 }, (_, i) => (i === 3 ? { Industry: 'Retail' } : { Name: `A${i}` }));
      const res = await writeRecords(records, { object: 'Account', operation: 'create', allOrNone: true, call });
      assert.equal(res.outcomes.every((o) => !o.success), true);
      assert.equal(res.outcomes[249].errors[0].statusCode, 'NOT_ATTEMPTED');
      assert.equal((await call((c) => c.query('SELECT COUNT() FROM Account'))).totalSize, 0);
    });

    it('switches to Bulk API 2.0 for 10,000 records in at most 5 API calls', async () => {
      const records = Array.from({ length: 10_000 }, (_, i) => ({ Name: i === 42 ? '' : `Bulk ${i}`, External_Id__c: `b-${i}` }));
      await call((c) => c.query('SELECT Id FROM Account LIMIT 1'));
      const before = (await sandboxCalls(sb.url)).apiUsage;
      const progress: string[] = [];
      const res = await writeRecords(records, { object: 'Account', operation: 'create', bulkPollIntervalMs: 50, onBulkProgress: (p) => progress.push(p.state), call });
      assert.equal(res.mode, 'bulk');
      assert.ok((await sandboxCalls(sb.url)).apiUsage - before <= 6, 'a job with one failure needs the failedResults call too');
      assert.equal(res.outcomes.filter((o) => o.success).length, 9_999);
      assert.equal(res.outcomes[42].errors[0].statusCode, 'REQUIRED_FIELD_MISSING');
      assert.ok(res.outcomes[43].id);
      assert.ok(progress.includes('JobComplete'));
      const ok = records.map((r, i) => ({ ...r, Name: `Again ${i}` }));
      const before2 = (await sandboxCalls(sb.url)).apiUsage;
      const up = await writeRecords(ok, { object: 'Account', operation: 'upsert', externalIdField: 'External_Id__c', bulkPollIntervalMs: 50, call });
      assert.ok((await sandboxCalls(sb.url)).apiUsage - before2 <= 5);
      assert.equal(up.outcomes.filter((o) => o.success && o.created === false).length, 9_999);
      assert.equal(up.outcomes[42].created, true);
    });

    it('stores one record set identically through Collections and through Bulk API 2.0, field by field', async function () {
      this.timeout(60_000);
      // Values where Bulk CSV and Collections JSON could differ: the text #N/A, '' (null in JSON, "unchanged" in
      // CSV), null, booleans, numbers, dates, datetimes, quotes, commas, line breaks, non-ASCII text.
      const base = (tag: string): Record<string, unknown>[] => [
        { Name: `${tag} na`, Description: '#N/A', Phone: '#n/a' },
        { Name: `${tag} empty`, Description: '', Phone: null, Website: 'w.example' },
        { Name: `${tag} types`, Active__c: true, NumberOfEmployees: 12, AnnualRevenue: 1234.5, Last_Synced_At__c: '2024-05-01T10:00:00.000+02:00' },
        { Name: `${tag} text, "quoted"`, Description: 'line 1\nline 2, with comma', AccountNumber: 'Ünïcødé ✓' },
        { Name: `${tag} date`, Last_Synced_At__c: new Date('2024-06-01T00:00:00Z'), Active__c: false },
        { Name: `${tag} plain`, Phone: '555-0100' },
      ].map((r, i) => ({ ...r, External_Id__c: `${tag}-${i}` }));
      const write = (records: Record<string, unknown>[], operation: 'create' | 'update', bulkThreshold: number) =>
        writeRecords(records, { object: 'Account', operation, bulkThreshold, bulkPollIntervalMs: 20, call });
      const fields = ['Name', 'Description', 'Phone', 'Website', 'Active__c', 'NumberOfEmployees', 'AnnualRevenue', 'Last_Synced_At__c', 'AccountNumber'];
      const stored = async (tag: string): Promise<any[]> => (await call((c) => c.query(
        `SELECT Id, External_Id__c, ${fields.join(', ')} FROM Account WHERE External_Id__c LIKE '${tag}-%' ORDER BY External_Id__c`))).records;

      const viaCollections = await write(base('c'), 'create', 0);
      const viaBulk = await write(base('b'), 'create', 1);
      assert.deepEqual([viaCollections.mode, viaBulk.mode, viaBulk.routedToCollections], ['collections', 'bulk', 1]);
      assert.ok([...viaCollections.outcomes, ...viaBulk.outcomes].every((o) => o.success));

      // An update: '' clears a field, a missing key leaves it alone, #N/A stays text.
      const changes = (rows: any[]) => rows.map((r, i) => ({ Id: r.Id, ...[
        { Description: 'now text' }, { Website: '' }, { NumberOfEmployees: null }, { Phone: '#N/A' }, { Description: '' }, { Name: r.Name },
      ][i] }));
      await write(changes(await stored('c')), 'update', 0);
      const bulkUpdate = await write(changes(await stored('b')), 'update', 1);
      assert.deepEqual([bulkUpdate.mode, bulkUpdate.routedToCollections], ['bulk', 1]);

      const c = await stored('c');
      const b = await stored('b');
      assert.equal(b.length, c.length);
      c.forEach((rec, i) => {
        for (const f of fields) assert.deepEqual(b[i][f], f === 'Name' ? rec[f].replace(/^c /, 'b ') : rec[f], `${f} of record ${i}`);
      });
      // The stored values are Salesforce's, not just equal to each other.
      assert.deepEqual([c[0].Description, c[0].Phone, c[1].Description, c[1].Website, c[3].Phone], ['now text', '#n/a', null, null, '#N/A']);
    });

    it('diffs an upsert against the current records without writing', async () => {
      await writeRecords([{ Name: 'Old', External_Id__c: 'k1', Industry: 'Retail' }], { object: 'Account', operation: 'create', call });
      const diff = await diffAgainstCurrent([{ External_Id__c: 'k1', Name: 'New', Industry: 'Retail' }, { External_Id__c: "k'2", Name: 'N' }], 'upsert', 'Account', 'External_Id__c',
        async (soql) => (await call((c) => c.query(soql))).records);
      assert.deepEqual(diff.map((d) => [d.action, d.changes]), [['update', [{ field: 'Name', from: 'Old', to: 'New' }]], ['create', [{ field: 'Name', from: null, to: 'N' }]]]);
    });

    it('diffs an update by a 15-character Id, and one that is no Id as unknown instead of failing the query', async () => {
      const [{ id }] = (await writeRecords([{ Name: 'Short' }], { object: 'Account', operation: 'create', call })).outcomes;
      const diff = await diffAgainstCurrent([{ Id: id!.slice(0, 15), Name: 'Long' }, { Id: 'not-an-id', Name: 'x' }], 'update', 'Account', 'Id',
        async (soql) => (await call((c) => c.query(soql))).records);
      assert.deepEqual(diff.map((d) => [d.action, d.match, d.changes]), [['update', id, [{ field: 'Name', from: 'Short', to: 'Long' }]], ['unknown', null, [{ field: 'Name', from: null, to: 'x' }]]]);
    });
  });

  describe('queries', () => {
    it('pages through 2,500 records, truncates at a maximum and streams pages', async () => {
      await ctl('POST', '/seed', { records: { Contact: Array.from({ length: 2500 }, (_, i) => ({ LastName: `C${i}` })) } });
      const all = await runQuery('SELECT Id FROM Contact', { call });
      assert.deepEqual([all.records.length, all.pages, all.truncated], [2500, 2, false]);
      const capped = await runQuery('SELECT Id FROM Contact', { call, maxRecords: 2100 });
      assert.deepEqual([capped.records.length, capped.truncated], [2100, true]);
      const sizes: number[] = [];
      await runQuery('SELECT Id FROM Contact', { call, onPage: (recs) => { sizes.push(recs.length); } });
      assert.deepEqual(sizes, [2000, 500]);
    });

    it('runs a Bulk 2.0 query job and follows Sforce-Locator across pages', async () => {
      await ctl('POST', '/seed', { records: { Contact: Array.from({ length: 2500 }, (_, i) => ({ LastName: `C${i}` })) } });
      await ctl('POST', '/config', { bulkQueryPageSize: 1000 });
      const pages: number[] = [];
      const res = await bulkQuery('SELECT Id, LastName FROM Contact', { call, pollIntervalMs: 20, onPage: (rows) => { pages.push(rows.length); } });
      assert.deepEqual([pages, res.fetched, res.truncated], [[1000, 1000, 500], 2500, false]);
      const capped = await bulkQuery('SELECT LastName FROM Contact', { call, pollIntervalMs: 20, maxRecords: 1500 });
      assert.deepEqual([capped.records.length, capped.truncated, capped.records[0].LastName], [1500, true, 'C0']);
      await assert.rejects(bulkQuery('SELECT Nope FROM Contact', { call, pollIntervalMs: 20 }), (e: any) => e.errorCode === 'INVALID_FIELD');
    });

    it('keeps injection attempts inside the bound literal', async () => {
      await ctl('POST', '/seed', { records: { Account: [{ Name: 'Secret' }, { Name: "O'Brien" }, { Name: 'back\\slash' }] } });
      const q = async (v: unknown): Promise<string[]> =>
        (await runQuery(bindSoql('SELECT Name FROM Account WHERE Name = :v', { v }), { call })).records.map((r) => r.Name);
      assert.deepEqual(await q("' OR Name != '"), []);
      assert.deepEqual(await q("x' OR Name LIKE '%"), []);
      assert.deepEqual(await q('\\'), []);
      assert.deepEqual(await q("\\' OR Name != \\'"), []);
      assert.deepEqual(await q("O'Brien"), ["O'Brien"]);
      assert.deepEqual(await q('back\\slash'), ['back\\slash']);
    });
  });

  describe('change feed', () => {
    let dir: string;
    before(() => { dir = mkdtempSync(join(tmpdir(), 'fg-sf-')); });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('keeps its watermark across a restart: no gap, no repeat, ties broken by Id, own changes skipped', async () => {
      const file = join(dir, 'wm.sqlite');
      const seen: string[] = [];
      const emit = (changes: Change[]): void => { for (const c of changes) seen.push(`${c.type}:${c.record.Name}`); };
      const query = async (soql: string, all: boolean): Promise<any[]> => (await call((c) => c.query(soql, { scanAll: all }))).records;
      const opts = { object: 'Account', fields: ['Name'], pageSize: 2, includeDeleted: true, skipUserId: INTEGRATION_USER_ID };
      const initial = { stamp: '2000-01-01T00:00:00.000+0000', lastId: '' };
      // Five records share one SystemModstamp: only the Id tie-break can page through them.
      await ctl('POST', '/clock', { frozenAt: '2030-01-01T00:00:00.000Z' });
      await ctl('POST', '/seed', { asUser: 'alice@flowguard.test', records: { Account: ['a', 'b', 'c', 'd', 'e'].map((Name) => ({ Name })) } });
      let store = new SqliteStore(file);
      await pollChanges(opts, storeWatermark(store, 'node-1'), initial, query, emit, 2); // reads 4 of the 5, then "crashes"
      await store.close();
      await ctl('POST', '/clock', { frozenAt: '2030-01-01T00:00:01.000Z' });
      const { ids } = await ctl('POST', '/seed', { asUser: 'alice@flowguard.test', records: { Account: [{ Name: 'f' }] } });
      await ctl('POST', '/seed', { records: { Account: [{ Name: 'mine' }] } }); // the integration user's own write
      await ctl('POST', '/clock', { frozenAt: '2030-01-01T00:00:02.000Z' });
      await ctl('POST', '/dml', { op: 'update', type: 'Account', id: ids.Account[0], record: { Name: 'f2' }, asUser: 'alice@flowguard.test' });
      await ctl('POST', '/dml', { op: 'delete', type: 'Account', id: ids.Account[0] });
      store = new SqliteStore(file);
      const res = await pollChanges(opts, storeWatermark(store, 'node-1'), initial, query, emit);
      assert.equal(res.skipped, 1);
      assert.deepEqual(seen, ['created:a', 'created:b', 'created:c', 'created:d', 'created:e', 'deleted:f2']);
      assert.deepEqual((await pollChanges(opts, storeWatermark(store, 'node-1'), initial, query, emit)).emitted, 0);
      await store.close();
    });

    it('emits each of 100 records sharing one SystemModstamp exactly once, page after page', async () => {
      await ctl('POST', '/clock', { frozenAt: '2030-02-01T00:00:00.000Z' });
      const { ids } = await ctl('POST', '/seed', { asUser: 'alice@flowguard.test', records: { Account: Array.from({ length: 100 }, (_, i) => ({ Name: `t${i}` })) } });
      const seen: string[] = [];
      const store = new SqliteStore(join(dir, 'tied.sqlite'));
      const query = async (soql: string, all: boolean): Promise<any[]> => (await call((c) => c.query(soql, { scanAll: all }))).records;
      const opts = { object: 'Account', fields: ['Name'], pageSize: 7 };
      const res = await pollChanges(opts, storeWatermark(store, 'tied'), { stamp: '2000-01-01T00:00:00.000+0000', lastId: '' }, query,
        (changes) => { for (const ch of changes) seen.push(ch.record.Id); });
      assert.equal(res.emitted, 100);
      assert.deepEqual([...seen].sort(), [...ids.Account].sort(), 'every record once, none twice');
      assert.equal((await pollChanges(opts, storeWatermark(store, 'tied'), { stamp: '2000-01-01T00:00:00.000+0000', lastId: '' }, query, () => undefined)).emitted, 0);
      await store.close();
    });
  });
});
