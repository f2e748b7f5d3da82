// Redaction through a real path (issue 16): a flow fails, a Catch node parks the msg in fg-dead-letter, and the entry
// is read back through the DLQ admin API (list, one entry, export). Secrets in a connection string, a URL, headers
// and secret-named fields are masked; the word "sandbox" (also the Snowflake config's password) is not, except where
// a field holds exactly the credential.
import * as assert from 'assert';
import { forgetSecret } from '../../lib/ops/redact';
import { eventually, FlowNode, getNode, httpAdmin, load, startServer, stopServer, unload } from '../harness';

const SNOWFLAKE_PASSWORD = 'sandbox';
const LEAKS = ['Tr0ub4dor', 'hunter22', 'qwerty123', 'k-98765', 'dXNlcjpwYXNz', '00D5e000000abcd', 'sf-token-1', 'sid=abc', 'eyJhbGciOi', 'rf-123'];

const flow = (): FlowNode[] => [
  { id: 'tab', type: 'tab', label: 'sandbox' },
  { id: 's1', type: 'fg-store-config', backend: 'memory' },
  { id: 'sf', type: 'fg-snowflake-config', account: 'sandbox', username: 'ops', auth: 'password', accessUrl: 'http://127.0.0.1:9' },
  { id: 'src', type: 'helper', z: 'tab', wires: [['fail']] },
  {
    id: 'fail', type: 'function', z: 'tab', name: 'sandbox', outputs: 1, wires: [[]],
    func: "throw new Error('connect failed: Server=db.internal;User Id=app;Password=Tr0ub4dor &3;Encrypt=true via ' +\n" +
      "  'https://app:hunter22@db.example.com/x?password=qwerty123&region=eu (fault injected by the sandbox)');",
  },
  { id: 'on-error', type: 'catch', z: 'tab', scope: ['fail'], uncaught: false, wires: [['dlq']] },
  { id: 'dlq', type: 'fg-dead-letter', z: 'tab', name: 'Salesforce sandbox errors', store: 's1', alertIntervalSeconds: 0, wires: [[], []] },
];

describe('redaction through a parked dead letter (function → Catch → fg-dead-letter → admin API)', function () {
  this.timeout(20000);
  before(() => startServer());
  after(async () => {
    await stopServer();
    forgetSecret(SNOWFLAKE_PASSWORD);
  });
  afterEach(() => unload());

  it('masks connection strings, URLs, headers and secret-named fields; keeps ordinary words and names', async () => {
    await load(['fg-store-config', 'fg-snowflake-config', 'fg-dead-letter', 'function'], flow(), { sf: { password: SNOWFLAKE_PASSWORD } });
    getNode('src').send({
      correlationId: 'c-redact',
      headers: { 'x-api-key': 'k-98765', Authorization: 'Basic dXNlcjpwYXNz', Cookie: 'sid=abc; theme=dark', accept: 'application/json' },
      payload: {
        account: 'sandbox', note: 'Salesforce sandbox order', environment: 'the sandbox org',
        securityToken: 'sf-token-1', sessionId: '00D5e000000abcd', idempotencyKey: 'order-42', tokenizationMethod: 'apple_pay',
        nested: [{ auth: { access_token: 'eyJhbGciOi.x.y', refresh_token: 'rf-123', token_type: 'bearer' } }],
        dsn: 'Server=x;Pwd=qwerty123;', callback: 'https://shop.example.com/cb?token=hunter22&state=ok',
      },
    });
    await eventually(async () => (await httpAdmin().get('/flowguard/dlq/dlq')).body.depth === 1, 'the failure is parked');

    const list = await httpAdmin().get('/flowguard/dlq/dlq').expect(200);
    const listed = list.body.entries[0];
    const one = await httpAdmin().get(`/flowguard/dlq/dlq/${listed.id}`).expect(200);
    const exported = await httpAdmin().get('/flowguard/dlq/dlq/export').expect(200);
    for (const [what, body] of [['list', list.body], ['entry', one.body], ['export', exported.body]] as const) {
      const text = JSON.stringify(body);
      assert.deepStrictEqual(LEAKS.filter((s) => text.includes(s)), [], `${what} leaks nothing`);
    }

    const e = one.body.item;
    assert.strictEqual(e.error.message,
      'Error: connect failed: Server=db.internal;User Id=app;Password=***;Encrypt=true via https://app:***@db.example.com/x?password=***&region=eu (fault injected by the sandbox)');
    assert.deepStrictEqual(e.msg.headers, { 'x-api-key': '***', Authorization: '***', Cookie: '***', accept: 'application/json' });
    const p = e.msg.payload;
    assert.strictEqual(p.account, '***', 'a field holding exactly the registered credential');
    assert.strictEqual(p.note, 'Salesforce sandbox order');
    assert.strictEqual(p.environment, 'the sandbox org');
    assert.strictEqual(p.securityToken, '***');
    assert.strictEqual(p.sessionId, '***');
    assert.strictEqual(p.idempotencyKey, 'order-42');
    assert.strictEqual(p.tokenizationMethod, 'apple_pay');
    assert.deepStrictEqual(p.nested, [{ auth: { access_token: '***', refresh_token: '***', token_type: 'bearer' } }]);
    assert.strictEqual(p.dsn, 'Server=x;Pwd=***;');
    assert.strictEqual(p.callback, 'https://shop.example.com/cb?token=***&state=ok');
    assert.strictEqual(e.origin.name, 'sandbox', 'the failing node\'s name is a name, never masked');
    assert.strictEqual(e.correlationId, 'c-redact');

    const nodes = await httpAdmin().get('/flowguard/dlq').expect(200);
    assert.strictEqual(nodes.body.nodes.find((n: { node: string }) => n.node === 'dlq').name, 'Salesforce sandbox errors');
  });

});
