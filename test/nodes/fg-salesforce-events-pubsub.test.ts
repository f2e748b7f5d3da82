// fg-salesforce-events in Pub/Sub mode against the sandbox's gRPC Pub/Sub API, in real Node-RED: change events and
// Platform Events delivered, flow control (a slow flow never holds more than "In flow" events), the replay id stored
// only once the flow finished an event (a restart brings unfinished events again and nothing finished), and a
// refused replay id falling back as set.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandbox/salesforce';
import { sandboxControl } from '../../sandbox/salesforce/control-client';
import { eventually, FlowNode, getNode, load, receive, reportedErrors, unload } from '../harness';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];

const CREDS = { clientId: 'flowguard-client', clientSecret: 'flowguard-secret', username: 'integration@flowguard.test', password: 'password', securityToken: 'TOKEN' };
const SETS = ['fg-salesforce-config', 'fg-store-config', 'fg-salesforce-events'];
const ALICE = 'alice@flowguard.test';

/** Nothing more arrives for a moment: shows that no extra event was sent. */
const settle = (ms = 400) => new Promise((r) => setTimeout(r, ms));

describe('fg-salesforce-events node, Pub/Sub mode', function () {
  this.timeout(30000);
  let sb: SalesforceSandbox;
  let dir: string;
  const ctl = (method: string, path: string, body?: unknown): Promise<any> => sandboxControl(sb.url, method, path, body);
  const flow = (over: Record<string, unknown> = {}): FlowNode[] => [
    { id: 'tab', type: 'tab' },
    { id: 'c1', type: 'fg-salesforce-config', z: 'tab', loginTarget: 'custom', loginUrl: sb.url, authFlow: 'password', apiVersion: '59.0', pubsubEndpoint: `http://${sb.pubsubUrl}` },
    { id: 's1', type: 'fg-store-config', z: 'tab', backend: 'sqlite', sqlitePath: join(dir, 'fg.sqlite') },
    {
      id: 'e1', type: 'fg-salesforce-events', z: 'tab', salesforce: 'c1', store: 's1', object: 'Account', fields: 'Name, Industry', mode: 'pubsub', topic: '',
      replayPreset: 'stored', replayFallback: 'earliest', maxInFlight: 1, startFrom: 'beginning', skipOwnChanges: true, output: 'record', wires: [['out']], ...over,
    },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'on-error', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
  ];
  const statusTexts = (): string[] => getNode('e1').status.getCalls().map((c: any) => String(c.args[0].text ?? ''));
  const subscribed = () => eventually(() => statusTexts().some((t) => / · subscribed/.test(t)), 'subscribed', 10000);
  const seedAccounts = async (names: string[]): Promise<string[]> =>
    (await ctl('POST', '/seed', { asUser: ALICE, records: { Account: names.map((Name) => ({ Name, Industry: 'Retail' })) } })).ids.Account;

  before(async () => {
    sb = await startSalesforceSandbox();
    dir = mkdtempSync(join(tmpdir(), 'fg-sf-pubsub-'));
  });
  after(async () => {
    await sb.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    for (const f of ['fg.sqlite', 'fg.sqlite-wal', 'fg.sqlite-shm']) rmSync(join(dir, f), { force: true });
    await ctl('POST', '/reset');
  });
  afterEach(() => unload());

  it('delivers change events as one message per record with decoded field names, and resumes after the last finished one', async () => {
    await load(SETS, flow(), { c1: CREDS });
    await subscribed();
    const created = receive('out', 2);
    await ctl('POST', '/seed', { records: { Account: [{ Name: 'own write' }] } });
    const ids = await seedAccounts(['a', 'b']);
    const msgs = await created;
    assert.deepEqual(msgs.map((m) => [m.topic, m.payload.Id, m.payload.Name]), [['Account/created', ids[0], 'a'], ['Account/created', ids[1], 'b']]);
    assert.match(msgs[0].idempotencyKey, new RegExp(`^Account:pubsub:[\\w-]+:${ids[0]}$`));
    assert.equal(msgs[0].salesforce.topic, '/data/AccountChangeEvent');

    const updated = receive('out', 1);
    await ctl('POST', '/dml', { op: 'update', type: 'Account', id: ids[0], record: { Name: 'a2', Industry: null }, asUser: ALICE });
    const [u] = await updated;
    assert.equal(u.topic, 'Account/updated');
    assert.equal(u.payload.Name, 'a2');
    assert.equal(u.payload.Industry, null, 'a field set to null is in the payload as null');
    assert.ok(u.salesforce.header.changedFields.includes('Name'), `changedFields as names: ${u.salesforce.header.changedFields}`);
    assert.deepEqual(u.salesforce.header.nulledFields, ['Industry']);
    await eventually(() => statusTexts().some((t) => new RegExp(`replay ${u.salesforce.replayId}\\b`).test(t)), 'the status shows the stored replay id');
    await unload();

    // Changes while the node is down come out after the restart; nothing finished before comes again.
    await ctl('POST', '/dml', { op: 'update', type: 'Account', id: ids[1], record: { Name: 'b2' }, asUser: ALICE });
    await load(SETS, flow({ startFrom: 'now' }), { c1: CREDS });
    const later: any[] = [];
    getNode('out').on('input', (m: any) => later.push(m));
    await eventually(() => later.length >= 1, 'the change made while down', 10000);
    await settle();
    assert.deepEqual(later.map((m) => [m.topic, m.payload.Name]), [['Account/updated', 'b2']]);
  });

  it('never has more than "In flow" events in the flow: more come only as the flow finishes them, and unfinished ones come again after a restart', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `slow ${i}`);
    await load(SETS, flow({ maxInFlight: 3 }), { c1: CREDS });
    await subscribed();
    const held: Array<{ name: string; done: () => void }> = [];
    const seen: string[] = [];
    // A slow flow: the node after fg-salesforce-events calls done() only when the test says so.
    getNode('out').on('input', (msg: any, _send: unknown, done: () => void) => { seen.push(msg.payload.Name); held.push({ name: msg.payload.Name, done }); });
    for (const name of names) await seedAccounts([name]); // one event per record
    await eventually(() => held.length === 3, 'three events in the flow');
    await settle();
    assert.deepEqual(seen, names.slice(0, 3), 'no fourth event while three are unfinished');

    held.shift()!.done();
    await eventually(() => seen.length === 4, 'one more after one finished');
    await settle();
    assert.equal(seen.length, 4, 'exactly one more');
    // Finish two more (slow 1, slow 2): three finished in all, slow 3 to slow 5 now in the flow.
    held.shift()!.done();
    held.shift()!.done();
    await eventually(() => seen.length === 6, 'two more');
    await eventually(() => statusTexts().some((t) => / · replay \d+/.test(t)), 'a replay id stored');
    await unload();

    // Restart: the three finished events do not come again; the three that were in the flow do, then the rest.
    await load(SETS, flow({ maxInFlight: 3 }), { c1: CREDS });
    const again: any[] = [];
    getNode('out').on('input', (m: any) => again.push(m));
    await eventually(() => again.length >= 5, 'the unfinished and the remaining events', 10000);
    await settle();
    assert.deepEqual(again.map((m) => m.payload.Name), names.slice(3));
  });

  it('signs in again when its session expired while the stream was open, and goes on after the last finished event', async () => {
    await load(SETS, flow(), { c1: CREDS });
    await subscribed();
    const seen: string[] = [];
    getNode('out').on('input', (m: any) => seen.push(m.payload.Name));
    await seedAccounts(['before']);
    await eventually(() => seen.length === 1, 'the first event');
    const logins = (await ctl('GET', '/calls')).logins;
    // Salesforce ends the session (timeout, revoked); the open stream breaks and the old token is refused.
    await ctl('POST', '/expire-sessions');
    await ctl('POST', '/pubsub/drop', {});
    await seedAccounts(['after']);
    await eventually(() => seen.length >= 2, 'the event made after the session expired', 20000);
    await settle();
    assert.deepEqual(seen, ['before', 'after'], 'nothing lost, nothing twice');
    assert.ok((await ctl('GET', '/calls')).logins > logins, 'signed in again');
    // The broken stream is reported (retryable, the node reconnects by itself); the refused token is not an error.
    assert.deepEqual(reportedErrors('e1').map((e) => [e.msg?.error?.code, e.msg?.error?.retryable]), [['PUBSUB_UNAVAILABLE', true]]);
  });

  it('falls back to every retained event when the stored replay id has expired, and says so', async () => {
    await load(SETS, flow(), { c1: CREDS });
    await subscribed();
    const first = receive('out', 1);
    await seedAccounts(['old']);
    await first;
    await eventually(() => statusTexts().some((t) => / · replay \d+/.test(t)), 'a replay id stored');
    await unload();

    // While the node is down, another event comes and both leave the retention window; one later event is retained.
    await seedAccounts(['missed']);
    await ctl('POST', '/pubsub/config', { retentionHours: 2 });
    await ctl('POST', '/pubsub/age', { hours: 3 });
    await seedAccounts(['new']);
    await load(SETS, flow(), { c1: CREDS });
    const after: any[] = [];
    getNode('out').on('input', (m: any) => after.push(m));
    await eventually(() => after.length >= 1, 'the retained event', 10000);
    await settle();
    assert.deepEqual(after.map((m) => m.payload.Name), ['new']);
    assert.ok(statusTexts().some((t) => /replay id \d+ refused: from earliest/.test(t)), `a warning status: ${statusTexts().join(' | ')}`);
  });

  it('with "If refused: stop", stops with an error to Catch until a message restarts it', async () => {
    await load(SETS, flow({ replayFallback: 'stop' }), { c1: CREDS });
    await subscribed();
    const first = receive('out', 1);
    await seedAccounts(['old']);
    await first;
    await eventually(() => statusTexts().some((t) => / · replay \d+/.test(t)), 'a replay id stored');
    await unload();

    await seedAccounts(['missed']);
    await ctl('POST', '/pubsub/config', { retentionHours: 2 });
    await ctl('POST', '/pubsub/age', { hours: 3 });
    await seedAccounts(['new']);
    await load(SETS, flow({ replayFallback: 'stop' }), { c1: CREDS });
    const caught: any[] = [];
    getNode('caught').on('input', (m: any) => caught.push(m));
    await eventually(() => caught.length >= 1, 'the error at Catch', 10000);
    const [err] = caught;
    assert.equal(err.error.code, 'REPLAY_ID_INVALID');
    assert.match(err.error.message, /Send it a message to resume/);
    await eventually(() => statusTexts().some((t) => /refused: stopped/.test(t)), 'a red status');
    const out: any[] = [];
    getNode('out').on('input', (m: any) => out.push(m));
    await settle();
    assert.equal(out.length, 0, 'nothing while stopped');
    getNode('e1').receive({});
    await eventually(() => out.length === 1, 'resumed from the earliest retained event');
    assert.equal(out[0].payload.Name, 'new');
    assert.equal(reportedErrors('e1').length, 1);
  });

  it('delivers Platform Events with their fields, keyed by the event uuid', async () => {
    await ctl('POST', '/pubsub/platform-events', { name: 'Order_Paid__e', fields: [{ name: 'Order_Id__c', type: 'string' }, { name: 'Amount__c', type: 'double' }] });
    await load(SETS, flow({ topic: '/event/Order_Paid__e' }), { c1: CREDS });
    await subscribed();
    const got = receive('out', 2);
    const published = await ctl('POST', '/pubsub/publish', { topic: '/event/Order_Paid__e', events: [{ Order_Id__c: 'o-1', Amount__c: 12.5 }, { Order_Id__c: 'o-2', Amount__c: 7 }] });
    const msgs = await got;
    assert.deepEqual(msgs.map((m) => [m.topic, m.payload.Order_Id__c, m.payload.Amount__c]), [['/event/Order_Paid__e', 'o-1', 12.5], ['/event/Order_Paid__e', 'o-2', 7]]);
    assert.deepEqual(msgs.map((m) => m.idempotencyKey), published.map((p: any) => `/event/Order_Paid__e:${p.id}`));
    assert.equal(typeof msgs[0].payload.CreatedDate, 'number');
  });
});
