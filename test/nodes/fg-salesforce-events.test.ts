// fg-salesforce-events: change feed with a durable watermark that survives a Node-RED restart.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandbox/salesforce';
import { sandboxControl } from '../../sandbox/salesforce/control-client';
import { SqliteStore } from '../../lib/store';
import { eventually, FlowNode, getNode, load, receive, unload } from '../harness';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];

const CREDS = { clientId: 'flowguard-client', clientSecret: 'flowguard-secret', username: 'integration@flowguard.test', password: 'password', securityToken: 'TOKEN' };
const SETS = ['fg-salesforce-config', 'fg-store-config', 'fg-salesforce-events'];

describe('fg-salesforce-events node', function () {
  let sb: SalesforceSandbox;
  let dir: string;
  const ctl = (method: string, path: string, body?: unknown): Promise<any> => sandboxControl(sb.url, method, path, body);
  const flow = (over: Record<string, unknown> = {}): FlowNode[] => [
    { id: 'c1', type: 'fg-salesforce-config', loginTarget: 'custom', loginUrl: sb.url, authFlow: 'password', apiVersion: '59.0' },
    { id: 's1', type: 'fg-store-config', backend: 'sqlite', sqlitePath: join(dir, 'fg.sqlite') },
    { id: 'e1', type: 'fg-salesforce-events', salesforce: 'c1', store: 's1', object: 'Account', fields: 'Name', interval: 3600, pageSize: 2, includeDeleted: true, skipOwnChanges: true, startFrom: 'beginning', wires: [['out']], ...over },
    { id: 'out', type: 'helper' },
  ];

  before(async () => {
    sb = await startSalesforceSandbox();
    dir = mkdtempSync(join(tmpdir(), 'fg-sf-events-'));
  });
  after(async () => {
    await sb.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => unload());

  it('emits each change once across a restart and skips its own writes', async () => {
    await ctl('POST', '/reset');
    await ctl('POST', '/seed', { asUser: 'alice@flowguard.test', records: { Account: [{ Name: 'a' }, { Name: 'b' }, { Name: 'c' }] } });
    await ctl('POST', '/seed', { records: { Account: [{ Name: 'own write' }] } });
    await load(SETS, flow(), { c1: CREDS });
    const first = receive('out', 3);
    const msgs = await first;
    assert.deepEqual(msgs.map((m) => [m.topic, m.payload.Name]), [['Account/created', 'a'], ['Account/created', 'b'], ['Account/created', 'c']]);
    assert.match(msgs[0].idempotencyKey, /^Account:001\w+:\d{4}-/);
    await unload();

    // Restart: only what changed while the node was down comes out.
    const { ids } = await ctl('POST', '/seed', { asUser: 'alice@flowguard.test', records: { Account: [{ Name: 'd' }] } });
    await new Promise((r) => setTimeout(r, 5)); // a later SystemModstamp for the update
    await ctl('POST', '/dml', { op: 'update', type: 'Account', id: ids.Account[0], record: { Name: 'd2' }, asUser: 'alice@flowguard.test' });
    await load(SETS, flow(), { c1: CREDS });
    const second = receive('out', 1);
    assert.deepEqual((await second).map((m) => [m.topic, m.payload.Name]), [['Account/updated', 'd2']]);

    // A trigger message polls at once; nothing new means nothing out, then a deletion arrives.
    await ctl('POST', '/dml', { op: 'delete', type: 'Account', id: ids.Account[0] });
    const third = receive('out', 1);
    getNode('e1').receive({});
    assert.deepEqual((await third).map((m) => [m.topic, m.payload.Id]), [['Account/deleted', ids.Account[0]]]);
  });

  it('emits each of 100 records sharing one SystemModstamp exactly once', async () => {
    await ctl('POST', '/reset');
    await ctl('POST', '/clock', { frozenAt: '2030-03-01T00:00:00.000Z' });
    const { ids } = await ctl('POST', '/seed', { asUser: 'alice@flowguard.test', records: { Account: Array.from({ length: 100 }, (_, i) => ({ Name: `tie ${i}` })) } });
    await ctl('POST', '/clock', { frozenAt: null });
    await load(SETS, flow({ pageSize: 7 }), { c1: CREDS });
    const msgs: any[] = [];
    getNode('out').on('input', (m: any) => msgs.push(m));
    const statusText = (): string => getNode('e1').status.lastCall?.args[0].text ?? '';
    await eventually(() => /^100 change\(s\)/.test(statusText()), 'the first poll reports 100 changes');
    // Another poll finds nothing new: no record comes out twice.
    getNode('e1').receive({});
    await eventually(() => /^0 change\(s\)/.test(statusText()), 'a second poll with nothing new');
    assert.deepEqual(msgs.map((m) => m.payload.Id).sort(), [...ids.Account].sort(), 'every record once, none twice');
  });

  it('in CDC mode resumes from the stored replay id after a restart', async () => {
    await ctl('POST', '/reset');
    await ctl('POST', '/config', { cometdTimeoutMs: 200 });
    await load(SETS, flow({ mode: 'cdc', startFrom: 'now' }), { c1: CREDS });
    await eventually(() => getNode('e1').status.getCalls().some((c: any) => c.args[0].text === 'subscribed'), 'subscribed');
    const first = receive('out', 1);
    await ctl('POST', '/seed', { records: { Account: [{ Name: 'own write' }] } });
    const { ids } = await ctl('POST', '/seed', { asUser: 'alice@flowguard.test', records: { Account: [{ Name: 'x' }] } });
    const [created] = await first;
    assert.deepEqual([created.topic, created.payload.Id, created.payload.Name], ['Account/created', ids.Account[0], 'x']);
    await unload();

    await ctl('POST', '/dml', { op: 'update', type: 'Account', id: ids.Account[0], record: { Name: 'y' }, asUser: 'alice@flowguard.test' });
    await load(SETS, flow({ mode: 'cdc', startFrom: 'now' }), { c1: CREDS });
    const [updated] = await receive('out', 1);
    assert.deepEqual([updated.topic, updated.payload.Name, updated.salesforce.header.changedFields], ['Account/updated', 'y', ['Name', 'LastModifiedDate']]);
    assert.equal(updated.salesforce.replayId, created.salesforce.replayId + 1);
  });

  it('in CDC mode resubscribes from the stored replay id when a long-poll answer is lost on the way: no event lost', async () => {
    for (const f of ['fg.sqlite', 'fg.sqlite-wal', 'fg.sqlite-shm']) rmSync(join(dir, f), { force: true });
    await ctl('POST', '/reset');
    // Long polls held until there is something to deliver, so the next answer is the one that carries the next event.
    await ctl('POST', '/config', { cometdTimeoutMs: 30000 });
    await load(SETS, flow({ mode: 'cdc', startFrom: 'now' }), { c1: CREDS });
    await eventually(() => getNode('e1').status.getCalls().some((c: any) => c.args[0].text === 'subscribed'), 'subscribed');
    await new Promise((r) => setTimeout(r, 300)); // the client's long poll is held by the sandbox
    const seen: string[] = [];
    getNode('out').on('input', (m: any) => seen.push(m.payload.Name));
    // The next streaming request is answered by the sandbox, then its connection dropped (a proxy cutting it, say).
    await ctl('POST', '/faults', { match: 'POST /cometd/', kind: 'lost-reply', times: 1 });
    const first = receive('out', 1);
    await ctl('POST', '/seed', { asUser: 'alice@flowguard.test', records: { Account: [{ Name: 'before the cut' }] } });
    assert.equal((await first)[0].payload.Name, 'before the cut');
    // This event goes out in the answer that is lost.
    const next = receive('out', 1, 20000);
    await ctl('POST', '/seed', { asUser: 'alice@flowguard.test', records: { Account: [{ Name: 'in the lost answer' }] } });
    const [again] = await next;
    assert.deepEqual([again.topic, again.payload.Name], ['Account/created', 'in the lost answer']);
    assert.deepEqual(await ctl('GET', '/faults'), [], 'the lost answer happened');
    const e1 = getNode('e1');
    assert.ok(e1.warn.getCalls().some((c: any) => /connection to the streaming API lost .*resubscribing from the stored replay id/.test(String(c.args[0]))));
    // Not twice either: the first event's replay id was stored before the cut, so only the lost one comes again.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(seen, ['before the cut', 'in the lost answer']);
  });

  describe('CDC events naming several records, gap and overflow events', () => {
    // A fresh store per test: an earlier test's watermark (a frozen clock in 2030) would hide every change.
    beforeEach(() => { for (const f of ['fg.sqlite', 'fg.sqlite-wal', 'fg.sqlite-shm']) rmSync(join(dir, f), { force: true }); });
    const cdc = async (over: Record<string, unknown> = {}): Promise<void> => {
      await ctl('POST', '/reset');
      await ctl('POST', '/config', { cometdTimeoutMs: 5000 });
      await load(SETS, flow({ mode: 'cdc', startFrom: 'now', fields: 'Name, Industry', ...over }), { c1: CREDS });
      await eventually(() => getNode('e1').status.getCalls().some((c: any) => c.args[0].text === 'subscribed'), 'subscribed');
    };
    /** Seeds `n` records and waits for their create events to come out. */
    const seed = async (n: number): Promise<string[]> => {
      const created = receive('out', n, 20000);
      const { ids } = await ctl('POST', '/seed', {
        asUser: 'alice@flowguard.test', records: { Account: Array.from({ length: n }, (_, i) => ({ Name: `r${i}`, Industry: 'Retail' })) },
      });
      await created;
      return ids.Account;
    };

    it('brings each of the three records a merged event names into the flow, with the header fields', async () => {
      await cdc();
      const ids = await seed(3);
      const got = receive('out', 3);
      await ctl('POST', '/dml', { op: 'update', type: 'Account', ids, record: { Industry: null }, asUser: 'alice@flowguard.test' });
      const msgs = await got;
      assert.deepEqual(msgs.map((m) => m.payload.Id), ids);
      assert.deepEqual(msgs.map((m) => [m.topic, m.changeType, m.payload.Industry]), ids.map(() => ['Account/updated', 'updated', null]));
      const h = msgs[0].salesforce.header;
      assert.deepEqual([h.changeType, h.recordIds, h.changedFields, h.nulledFields, h.diffFields], ['UPDATE', ids, ['Industry', 'LastModifiedDate'], ['Industry'], []]);
      assert.equal(typeof h.commitTimestamp, 'number');
      assert.equal(typeof h.transactionKey, 'string');
      assert.equal(h.sequenceNumber, 1);
      assert.equal(new Set(msgs.map((m) => m.idempotencyKey)).size, 3, 'one key per record');
      assert.match(msgs[0].idempotencyKey, new RegExp(`^Account:cdc:${msgs[0].salesforce.replayId}:${ids[0]}$`));
    });

    it('with Output "one message per event", sends the records of a merged event in one message', async () => {
      await cdc({ output: 'batch' });
      const ids = await seed(3);
      const got = receive('out', 1);
      await ctl('POST', '/dml', { op: 'delete', type: 'Account', ids, asUser: 'alice@flowguard.test' });
      const [m] = await got;
      assert.deepEqual([m.topic, m.recordIds, m.payload.map((r: any) => r.Id), m.changes.length], ['Account/deleted', ids, ids, 3]);
    });

    it('reads the records of a gap event again by id, up to 200 per query', async () => {
      await cdc();
      const ids = await seed(250);
      const before = (await ctl('GET', '/queries')).length;
      const got = receive('out', 250, 20000);
      await ctl('POST', '/dml', { op: 'update', type: 'Account', ids, record: { Name: 'archived' }, gap: true, asUser: 'alice@flowguard.test' });
      const msgs = await got;
      assert.deepEqual(msgs.map((m) => m.payload.Id), ids);
      assert.ok(msgs.every((m) => m.payload.Name === 'archived' && m.payload.Industry === 'Retail' && m.changeType === 'updated' && m.salesforce.gap === true));
      assert.equal(msgs[0].salesforce.header.changeType, 'GAP_UPDATE');
      const reads = (await ctl('GET', '/queries')).slice(before).map((q: any) => q.soql);
      assert.equal(reads.length, 2, reads.join('\n'));
      assert.ok(reads.every((q: string) => / WHERE Id IN \(/.test(q)));
      assert.deepEqual(reads.map((q: string) => q.split("', '").length), [200, 50]);
    });

    it('re-syncs from the polling watermark after an overflow event, and on an input message (done when sent)', async () => {
      await cdc({ wires: [['out']] });
      const ids = await seed(3);
      await ctl('POST', '/config', { cdcOverflowThreshold: 1 });
      await new Promise((r) => setTimeout(r, 5)); // a later SystemModstamp for the update, so polling calls it one
      const got = receive('out', 4);
      await ctl('POST', '/dml', { op: 'update', type: 'Account', ids, record: { Name: 'bulk' }, asUser: 'alice@flowguard.test' });
      const msgs = await got;
      // The first change still gets its event; the overflowed ones come from the re-sync, which reads all three.
      assert.deepEqual(msgs[0].salesforce.header.recordIds, [ids[0]]);
      const resynced = msgs.slice(1);
      assert.deepEqual(resynced.map((m) => m.payload.Id).sort(), [...ids].sort());
      assert.ok(resynced.every((m) => m.salesforce.resync === true && m.payload.Name === 'bulk' && m.topic === 'Account/updated'));
      assert.match(resynced[0].idempotencyKey, /^Account:001\w+:\d{4}-/);
      await ctl('POST', '/config', { cdcOverflowThreshold: 100000 });
    });

    it('an input message re-syncs now and completes once the re-sync is sent', async () => {
      await ctl('POST', '/reset');
      await ctl('POST', '/config', { cometdTimeoutMs: 200 });
      const nodes = flow({ mode: 'cdc', startFrom: 'now' });
      nodes.push({ id: 'done1', type: 'complete', scope: ['e1'], wires: [['completed']] }, { id: 'completed', type: 'helper' });
      await load(SETS, nodes, { c1: CREDS });
      await eventually(() => getNode('e1').status.getCalls().some((c: any) => c.args[0].text === 'subscribed'), 'subscribed');
      const completed = receive('completed', 1);
      const out: any[] = [];
      getNode('out').on('input', (m: any) => out.push(m));
      getNode('e1').receive({ payload: 'go' });
      const [done] = await completed;
      assert.equal(done.payload, 'go');
      assert.deepEqual(out, [], 'nothing changed since the watermark');
    });
  });

  it('stands by while another instance holds the feed\'s lease, and takes over when it is released', async () => {
    await ctl('POST', '/reset');
    await ctl('POST', '/seed', { asUser: 'alice@flowguard.test', records: { Account: [{ Name: 'held back' }] } });
    // Another instance sharing this store (here: a second handle on the same SQLite file) runs the feed.
    const other = new SqliteStore(join(dir, 'fg.sqlite'));
    await other.kvDelete('fg-salesforce-events', 'e1:Account'); // an earlier test's watermark (in 2030) would hide the record
    const held = await other.claim('fg-leader', 'fg-salesforce-events:e1:Account', 'other-host:1:e1', 60_000);
    assert.ok(held.claimed);
    try {
      await load(SETS, flow({ leaseSeconds: 1 }), { c1: CREDS });
      const out: any[] = [];
      getNode('out').on('input', (m: any) => out.push(m));
      const texts = (): string[] => getNode('e1').status.getCalls().map((c: any) => c.args[0].text);
      await eventually(() => texts().includes('standby'), 'the standby status');
      assert.deepEqual(getNode('e1').status.getCalls().find((c: any) => c.args[0].text === 'standby').args[0], { fill: 'grey', shape: 'ring', text: 'standby' });
      getNode('e1').receive({});
      // Two renewal intervals (a third of the 1 s lease each) as a standby: still nothing read.
      await new Promise((r) => setTimeout(r, 800));
      assert.equal(out.length, 0, 'a standby polls nothing, even when triggered');
      await other.release('fg-leader', 'fg-salesforce-events:e1:Account', held.token);
      await eventually(() => out.length === 1, 'the first poll after taking over');
      assert.equal(out[0].payload.Name, 'held back');
      assert.match(String((await other.get('fg-leader', 'fg-salesforce-events:e1:Account'))?.value), /:e1$/);
    } finally {
      await other.close();
    }
  });
});
