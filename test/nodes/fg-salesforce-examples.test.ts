// The Salesforce example flows run as shipped (config pointed at a test sandbox, non-FlowGuard nodes as helpers).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandbox/salesforce';
import { sandboxControl } from '../../sandbox/salesforce/control-client';
import { eventually, FlowNode, getNode, load, receive, unload } from '../harness';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];

const CREDS = { clientId: 'flowguard-client', clientSecret: 'flowguard-secret', username: 'integration@flowguard.test', password: 'password', securityToken: 'TOKEN' };
// Compiled tests live in .build-*/test/nodes; the examples stay in the source tree.
const EXAMPLES = join(__dirname, '..', '..', '..', 'examples', 'Salesforce');

function example(file: string, sandboxUrl: string): { flow: FlowNode[]; raw: any[] } {
  const raw = JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as any[];
  const flow = raw.filter((n) => n.type !== 'comment').map((n) => {
    const { z: _z, x: _x, y: _y, ...rest } = n;
    if (n.type === 'fg-salesforce-config') return { ...rest, loginUrl: sandboxUrl };
    if (n.type === 'fg-store-config') return { ...rest, backend: 'memory' };
    if (n.type.startsWith('fg-')) return rest;
    return { id: n.id, type: 'helper', wires: n.wires ?? [] };
  });
  return { flow, raw };
}

describe('Salesforce example flows', function () {
  let sb: SalesforceSandbox;
  before(async () => { sb = await startSalesforceSandbox(); });
  after(async () => { await sb.close(); });
  beforeEach(() => sandboxControl(sb.url, 'POST', '/reset'));
  afterEach(() => unload());

  it('"Upsert and query accounts" upserts, rejects the bad record and queries with a bind', async () => {
    const { flow, raw } = example('Upsert and query accounts.json', sb.url);
    assert.ok(raw.some((n) => n.type === 'comment' && /credentials/i.test(n.info)));
    await load(['fg-salesforce-config', 'fg-salesforce'], flow, { 'demo-salesforce': CREDS });
    const inject = raw.find((n) => n.id === 'sf-ex1-inject');
    const ok = receive('sf-ex1-ok');
    const failed = receive('sf-ex1-failed');
    getNode('sf-ex1-upsert').receive({ payload: JSON.parse(inject.payload) });
    assert.deepEqual((await ok)[0].payload.map((r: any) => r.record.Name), ['Acme', 'Globex']);
    assert.equal((await failed)[0].error.code, 'REQUIRED_FIELD_MISSING');
    const rows = receive('sf-ex1-rows');
    getNode('sf-ex1-query').receive({ binds: JSON.parse(raw.find((n) => n.id === 'sf-ex1-inject-q').props[0].v) });
    assert.deepEqual((await rows)[0].payload.map((r: any) => r.Name), ['Acme']);
  });

  it('"Account change feed" emits changes made by other users', async () => {
    const { flow } = example('Account change feed.json', sb.url);
    await load(['fg-salesforce-config', 'fg-store-config', 'fg-salesforce-events'], flow, { 'demo-salesforce': CREDS });
    const out = receive('sf-ex2-switch');
    // "now" is saved at the first poll; a change after it arrives on the next poll, which an input triggers.
    await eventually(() => getNode('sf-ex2-events').status.getCalls().some((c: any) => /change\(s\)/.test(c.args[0].text ?? '')), 'first poll done');
    await sandboxControl(sb.url, 'POST', '/seed', { asUser: 'alice@flowguard.test', records: { Account: [{ Name: 'Fresh', Industry: 'Retail' }] } });
    getNode('sf-ex2-events').receive({});
    const [msg] = await out;
    assert.deepEqual([msg.topic, msg.payload.Name, msg.payload.Industry], ['Account/created', 'Fresh', 'Retail']);
  });
});
