// fg-salesforce-config + fg-salesforce in Node-RED against the Salesforce sandbox (unmodified jsforce).
import assert from 'node:assert/strict';
import { metrics as opsMetrics } from '../../lib/ops/metrics';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandbox/salesforce';
import { sandboxCalls, sandboxControl } from '../../sandbox/salesforce/control-client';
import { eventually, FlowNode, getNode, httpAdmin, load, receive, reportedErrors, startServer, stopServer, unload } from '../harness';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];

const CREDS = { clientId: 'flowguard-client', clientSecret: 'flowguard-secret', username: 'integration@flowguard.test', password: 'password', securityToken: 'TOKEN' };
const SETS = ['fg-salesforce-config', 'fg-salesforce'];

describe('fg-salesforce node', function () {
  let sb: SalesforceSandbox;
  const ctl = (method: string, path: string, body?: unknown): Promise<any> => sandboxControl(sb.url, method, path, body);
  const config = (): FlowNode => ({ id: 'c1', type: 'fg-salesforce-config', loginTarget: 'custom', loginUrl: sb.url, authFlow: 'password', apiVersion: '59.0', warnPercent: 50, pausePercent: 0 });
  const flow = (props: Record<string, unknown>, errorWired = true): FlowNode[] => [
    config(),
    { id: 'n1', type: 'fg-salesforce', salesforce: 'c1', wires: [['ok'], errorWired ? ['err'] : []], ...props },
    { id: 'ok', type: 'helper' },
    { id: 'err', type: 'helper' },
  ];
  const count = async (soql: string): Promise<number> => sb.state.org.all(/FROM (\w+)/.exec(soql)![1]).length;

  before(async () => { sb = await startSalesforceSandbox(); });
  after(async () => { await sb.close(); });
  beforeEach(async () => { await ctl('POST', '/reset'); });
  afterEach(async () => { await unload(); });

  it('creates 450 records in 3 Collections calls with one login; failures leave record by record', async () => {
    await load(SETS, flow({ operation: 'create', object: 'Account' }), { c1: CREDS });
    const records = Array.from({ length: 450 }, (_, i) => (i === 5 ? { Industry: 'Retail' } : { Name: `N${i}` }));
    const ok = receive('ok');
    const err = receive('err');
    getNode('n1').receive({ payload: records });
    const [success] = await ok;
    const [failure] = await err;
    assert.equal(success.payload.length, 449);
    assert.deepEqual(success.salesforce, { mode: 'collections', jobId: undefined, total: 450, succeeded: 449, failed: 1 });
    assert.ok(success.payload[0].id);
    assert.deepEqual(failure.payload, { Industry: 'Retail' });
    assert.equal(failure.index, 5);
    assert.equal(failure.error.code, 'REQUIRED_FIELD_MISSING');
    assert.equal(failure.error.details.errors[0].fields[0], 'Name');
    assert.equal((await sandboxCalls(sb.url)).byRoute['collections.create'], 3);
    const done = receive('ok');
    getNode('n1').receive({ payload: { Name: 'single' } });
    assert.equal((await done)[0].payload.record.Name, 'single');
    assert.equal((await sandboxCalls(sb.url)).logins, 1);
  });

  describe('micro-batching (Batch window)', () => {
    const batchedFlow = (props: Record<string, unknown>): FlowNode[] => [
      ...flow({ batchWindow: 50, ...props }),
      { id: 'done1', type: 'complete', scope: ['n1'], wires: [['completed']] },
      { id: 'completed', type: 'helper' },
    ];

    it('gathers 450 one-record messages into 3 Collections calls and answers each message on its own', async () => {
      await load(SETS, batchedFlow({ operation: 'upsert', object: 'Account', externalIdField: 'External_Id__c' }), { c1: CREDS });
      const before = await sandboxCalls(sb.url);
      const ok = receive('ok', 449, 30_000);
      const err = receive('err', 1, 30_000);
      const completed = receive('completed', 450, 30_000);
      for (let i = 0; i < 450; i++) getNode('n1').receive({ _msgid: `m${i}`, payload: { External_Id__c: `b${i}`, Name: i === 7 ? '' : `B${i}` } });
      const successes = await ok;
      const [failure] = await err;
      await completed;
      const after = await sandboxCalls(sb.url);
      assert.equal((after.byRoute['collections.upsert'] ?? 0) - (before.byRoute['collections.upsert'] ?? 0), 3, 'ceil(450 / 200) calls');
      assert.equal(after.apiUsage - before.apiUsage, 3);
      // Each message carries its own record's result, as without batching.
      for (const m of successes) {
        const n = Number(m._msgid.slice(1));
        assert.equal(m.payload.record.External_Id__c, `b${n}`);
        assert.ok(m.payload.id);
        assert.equal(m.salesforce.total, 1);
        assert.ok(m.salesforce.batchSize >= 1 && m.salesforce.batchSize <= 200);
      }
      assert.equal(failure._msgid, 'm7', 'only the message whose record Salesforce refused fails');
      assert.equal(failure.error.code, 'REQUIRED_FIELD_MISSING');
      assert.equal(await count('SELECT Id FROM Account'), 449);
    });

    it('keeps the order of writes to one key: a record twice never shares a call, the later value wins', async () => {
      await load(SETS, batchedFlow({ operation: 'upsert', object: 'Account', externalIdField: 'External_Id__c' }), { c1: CREDS });
      const ok = receive('ok', 4, 30_000);
      for (const [id, name] of [['k1', 'first'], ['k2', 'x'], ['k1', 'second'], ['k1', 'third']]) getNode('n1').receive({ payload: { External_Id__c: id, Name: name } });
      const results = await ok;
      assert.deepEqual(results.map((m) => m.payload.record.Name), ['first', 'x', 'second', 'third']);
      const k1 = sb.state.org.all('Account').filter((r: any) => r.External_Id__c === 'k1');
      assert.equal(k1.length, 1);
      assert.equal(k1[0].Name, 'third');
      assert.deepEqual(results.map((m) => m.salesforce.batchSize), [2, 2, 1, 1]);
    });

    it('a message that cannot be written (no Id for update) fails alone; the others in its window are written', async () => {
      const { ids } = await ctl('POST', '/seed', { records: { Account: [{ Name: 'A' }, { Name: 'B' }] } });
      await load(SETS, batchedFlow({ operation: 'update', object: 'Account' }), { c1: CREDS });
      const ok = receive('ok', 2, 30_000);
      const err = receive('err', 1, 30_000);
      getNode('n1').receive({ payload: { Id: ids.Account[0], Name: 'A2' } });
      getNode('n1').receive({ _msgid: 'bad', payload: { Name: 'no id' } });
      getNode('n1').receive({ payload: { Id: ids.Account[1], Name: 'B2' } });
      assert.deepEqual((await ok).map((m) => m.payload.record.Name), ['A2', 'B2']);
      const [bad] = await err;
      assert.equal(bad._msgid, 'bad');
      assert.match(bad.error.message, /has no Id for update/);
    });

    it('fails every message of a call Salesforce did not answer with that error, retryable, and goes on', async () => {
      await load(SETS, batchedFlow({ operation: 'upsert', object: 'Account', externalIdField: 'External_Id__c' }), { c1: CREDS });
      await ctl('POST', '/faults', { match: 'PATCH /services/data/v59.0/composite/sobjects', kind: 'reset', times: 1 });
      const err = receive('err', 3, 30_000);
      for (let i = 0; i < 3; i++) getNode('n1').receive({ payload: { External_Id__c: `r${i}`, Name: `R${i}` } });
      const failures = await err;
      assert.deepEqual(failures.map((m) => m.payload.External_Id__c), ['r0', 'r1', 'r2']);
      assert.ok(failures.every((m) => m.error.retryable === true), JSON.stringify(failures[0].error));
      const ok = receive('ok', 1, 30_000);
      getNode('n1').receive({ payload: { External_Id__c: 'r0', Name: 'again' } });
      assert.equal((await ok)[0].payload.record.Name, 'again');
    });
  });

  it('switches to Bulk API 2.0 above the threshold and reports each record', async () => {
    await load(SETS, flow({ operation: 'upsert', object: 'Account', externalIdField: 'External_Id__c', bulkThreshold: 100 }), { c1: CREDS });
    const ok = receive('ok');
    const err = receive('err');
    getNode('n1').receive({ payload: Array.from({ length: 150 }, (_, i) => ({ External_Id__c: `e${i}`, Name: i === 9 ? '' : `E${i}` })) });
    const [success] = await ok;
    assert.equal(success.salesforce.mode, 'bulk');
    assert.equal(success.payload.length, 149);
    assert.equal((await err)[0].error.code, 'REQUIRED_FIELD_MISSING');
    assert.equal(await count('FROM Account'), 149);
  });

  it('writes records holding the text #N/A through Collections in a bulk write, and says so in msg.salesforce and the status', async () => {
    await load(SETS, flow({ operation: 'create', object: 'Account', bulkThreshold: 2 }), { c1: CREDS });
    const ok = receive('ok');
    getNode('n1').receive({ payload: [{ Name: 'plain' }, { Name: 'na', Description: '#N/A' }, { Name: 'also plain' }] });
    const [success] = await ok;
    assert.deepEqual([success.salesforce.mode, success.salesforce.routedToCollections, success.salesforce.succeeded], ['bulk', 1, 3]);
    assert.equal(sb.state.org.all('Account').find((r) => r.Name === 'na')?.Description, '#N/A', 'stored as the text, as Collections stores it');
    const calls = (await sandboxCalls(sb.url)).byRoute;
    assert.deepEqual([calls['bulk.ingest.create'], calls['collections.create']], [1, 1]);
    await eventually(() => getNode('n1').status.lastCall.args[0].text === 'create: 3 ok, 0 failed (bulk, 1 via Collections)', 'status names the routed record');
  });

  it('binds query values safely and streams records as msg.parts', async () => {
    await ctl('POST', '/seed', { records: { Account: [{ Name: "O'Brien" }, { Name: 'Other' }, { Name: 'Third' }] } });
    await load(SETS, flow({ operation: 'query', statement: 'SELECT Name FROM Account WHERE Name = :name' }), { c1: CREDS });
    for (const [name, expected] of [["' OR Name != '", []], ["O'Brien", ["O'Brien"]], ['\\', []]] as const) {
      const got = receive('ok');
      getNode('n1').receive({ binds: { name } });
      assert.deepEqual((await got)[0].payload.map((r: any) => r.Name), expected);
    }
    await unload();
    await load(SETS, flow({ operation: 'query', statement: 'SELECT Name FROM Account ORDER BY Name', output: 'parts' }), { c1: CREDS });
    const parts = receive('ok', 3);
    getNode('n1').receive({});
    const msgs = await parts;
    assert.deepEqual(msgs.map((m) => [m.payload.Name, m.parts.index, m.parts.count]), [["O'Brien", 0, 3], ['Other', 1, 3], ['Third', 2, 3]]);
  });

  it('searches, updates and deletes', async () => {
    const { ids } = await ctl('POST', '/seed', { records: { Account: [{ Name: 'Findme Ltd' }, { Name: 'Other' }] } });
    await load(SETS, [
      config(),
      { id: 'n-search', type: 'fg-salesforce', salesforce: 'c1', operation: 'search', statement: 'FIND {:term} RETURNING Account(Id, Name)', wires: [['ok'], ['err']] },
      { id: 'n-update', type: 'fg-salesforce', salesforce: 'c1', operation: 'update', object: 'Account', wires: [['ok'], ['err']] },
      { id: 'n-delete', type: 'fg-salesforce', salesforce: 'c1', operation: 'delete', object: 'Account', wires: [['ok'], ['err']] },
      { id: 'ok', type: 'helper' },
      { id: 'err', type: 'helper' },
    ], { c1: CREDS });
    let ok = receive('ok');
    getNode('n-search').receive({ binds: { term: 'findme' } });
    assert.deepEqual((await ok)[0].payload.map((r: any) => r.Name), ['Findme Ltd']);
    ok = receive('ok');
    getNode('n-update').receive({ payload: { Id: ids.Account[1], Industry: 'Energy' } });
    assert.equal((await ok)[0].payload.id, ids.Account[1]);
    assert.equal(sb.state.org.get('Account', ids.Account[1]).Industry, 'Energy');
    ok = receive('ok');
    const err = receive('err');
    getNode('n-delete').receive({ payload: [ids.Account[0], '001000000000000AAA'] });
    assert.deepEqual((await ok)[0].payload.map((r: any) => r.id), [ids.Account[0]]);
    assert.equal((await err)[0].error.code, 'ENTITY_IS_DELETED');
    assert.deepEqual(sb.state.org.all('Account').map((r) => r.Name), ['Other']);
  });

  it('runs a Bulk API 2.0 query job with binds', async () => {
    await ctl('POST', '/seed', { records: { Account: [{ Name: 'B1', Industry: 'Retail' }, { Name: 'B2', Industry: 'Energy' }] } });
    await load(SETS, flow({ operation: 'bulkQuery', statement: 'SELECT Name FROM Account WHERE Industry = :industry' }), { c1: CREDS });
    const ok = receive('ok');
    getNode('n1').receive({ binds: { industry: 'Retail' } });
    assert.deepEqual((await ok)[0].payload, [{ Name: 'B1' }]);
  });

  it('dry-runs an upsert: the requests and a field diff, nothing written', async () => {
    await ctl('POST', '/seed', { records: { Account: [{ Name: 'Before', External_Id__c: 'k1' }] } });
    await load(SETS, flow({ operation: 'upsert', object: 'Account', externalIdField: 'External_Id__c', dryRun: true }), { c1: CREDS });
    const ok = receive('ok');
    getNode('n1').receive({ payload: [{ External_Id__c: 'k1', Name: 'After' }, { External_Id__c: 'k2', Name: 'New' }] });
    const [msg] = await ok;
    assert.equal(msg.payload.requests[0].url, '/services/data/v59.0/composite/sobjects/Account/External_Id__c');
    assert.deepEqual(msg.payload.diff.map((d: any) => [d.action, d.changes]), [['update', [{ field: 'Name', from: 'Before', to: 'After' }]], ['create', [{ field: 'Name', from: null, to: 'New' }]]]);
    assert.deepEqual(sb.state.org.all('Account').map((r) => r.Name), ['Before']);
  });

  it('sends a failed call to Catch when the error output is not wired, and re-logs in after expiry', async () => {
    await load(SETS, flow({ operation: 'query', statement: 'SELECT Nope FROM Account' }, false), { c1: CREDS });
    getNode('n1').receive({});
    await eventually(() => reportedErrors('n1').length === 1, 'error reported to Catch');
    assert.match(reportedErrors('n1')[0].text, /No such column 'Nope'/);
    assert.equal(reportedErrors('n1')[0].msg.error.code, 'INVALID_FIELD');
    await unload();
    await load(SETS, flow({ operation: 'retrieve', object: 'Account', fields: 'Name' }), { c1: CREDS });
    const { ids } = await ctl('POST', '/seed', { records: { Account: [{ Name: 'R' }] } });
    let got = receive('ok');
    getNode('n1').receive({ payload: ids.Account[0] });
    assert.equal((await got)[0].payload[0].Name, 'R');
    await ctl('POST', '/calls/reset');
    await ctl('POST', '/expire-sessions');
    got = receive('ok');
    getNode('n1').receive({ payload: ids.Account });
    assert.equal((await got)[0].payload[0].Name, 'R');
    assert.equal((await sandboxCalls(sb.url)).logins, 1);
  });

  it('sends bad input to the error output with a clear message, nothing lost', async () => {
    await load(SETS, flow({ operation: 'update', object: 'Account' }), { c1: CREDS });
    let successes = 0;
    getNode('ok').on('input', () => successes++);
    for (const [payload, message] of [['not a record', /msg.payload must be a record object/], [[{ Name: 'no id' }], /record 0 has no Id for update/]] as const) {
      const err = receive('err');
      getNode('n1').receive({ payload });
      const [msg] = await err;
      assert.match(msg.error.message, message);
      assert.deepEqual(msg.payload, payload);
    }
    assert.equal(successes, 0);
    assert.equal(sb.state.org.all('Account').length, 0);
    assert.equal((await sandboxCalls(sb.url)).byRoute['collections.update'], undefined);
  });

  it('shows a warning status above the configured API usage', async () => {
    await ctl('POST', '/config', { apiDailyMax: 100, apiUsage: 70 });
    await load(SETS, flow({ operation: 'describe', object: 'Account' }), { c1: CREDS });
    const ok = receive('ok');
    getNode('n1').receive({});
    assert.ok((await ok)[0].payload.fields.length > 5);
    await eventually(() => getNode('n1').status.getCalls().some((c: any) => /API usage 7\d%/.test(c.args[0].text) && c.args[0].fill === 'yellow'), 'yellow usage status');
    const exported = await opsMetrics.registry.getMetricsAsJSON();
    const usage = exported.find((m: any) => m.name === 'flowguard_salesforce_api_usage_percent') as any;
    assert.ok(usage.values.some((v: any) => v.labels.node === 'c1' && v.value >= 71), 'the usage percentage is exported for the config node');
  });

  it('signs in with client credentials at API 68.0 by default; a password flow without a client signs in with SOAP login() at 64.0 and says so', async () => {
    const query = (id: string, cfg: string): FlowNode => ({ id, type: 'fg-salesforce', salesforce: cfg, operation: 'query', statement: 'SELECT Id FROM Account', wires: [['ok'], ['err']] });
    await load(SETS, [
      { id: 'c1', type: 'fg-salesforce-config', loginTarget: 'custom', loginUrl: sb.url },
      { id: 'c2', type: 'fg-salesforce-config', loginTarget: 'custom', loginUrl: sb.url, authFlow: 'password' },
      query('n1', 'c1'), query('n2', 'c2'), { id: 'ok', type: 'helper' }, { id: 'err', type: 'helper' },
    ], { c1: { clientId: CREDS.clientId, clientSecret: CREDS.clientSecret }, c2: { username: CREDS.username, password: CREDS.password, securityToken: CREDS.securityToken } });
    let ok = receive('ok');
    getNode('n1').receive({});
    await ok;
    assert.deepEqual((await sandboxCalls(sb.url)).byRoute['oauth2.token'], 1);
    ok = receive('ok');
    getNode('n2').receive({});
    await ok;
    assert.deepEqual((await sandboxCalls(sb.url)).byRoute.soap, 1);
    for (const id of ['c1', 'c2']) assert.equal((await getNode(id).session.connection()).version, '68.0');
    const warnings = (id: string): string[] => getNode(id).warn.getCalls().filter((c: any) => c.thisValue === getNode(id)).map((c: any) => String(c.args[0]));
    assert.ok(warnings('c2').some((w) => /SOAP login\(\) at API 64\.0 \(REST calls use 68\.0\).*Summer '27/.test(w)), warnings('c2').join('\n'));
    assert.deepEqual(warnings('c1'), []);
  });

  describe('editor pickers', () => {
    before(() => startServer());
    after(() => stopServer());
    it('lists objects and external id fields through the admin route', async () => {
      await load(SETS, flow({ operation: 'query' }), { c1: CREDS });
      const objects = await httpAdmin().get('/flowguard/salesforce/c1/sobjects').expect(200);
      assert.ok(objects.body.some((o: any) => o.name === 'Account'));
      const fields = await httpAdmin().get('/flowguard/salesforce/c1/sobjects/Account/fields').expect(200);
      assert.deepEqual(fields.body.filter((f: any) => f.externalId).map((f: any) => f.name), ['External_Id__c']);
      await httpAdmin().get('/flowguard/salesforce/nope/sobjects').expect(404);
    });
  });
});
