// The sandbox's Pub/Sub API (gRPC) against an independent client: @grpc/grpc-js, @grpc/proto-loader and avsc used
// directly as Salesforce's own samples use them (none of this project's client code), jsforce for the record changes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import avro from 'avsc';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandbox/salesforce';
import { sandboxControl } from '../../sandbox/salesforce/control-client';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];
const jsforce = require('jsforce');

const PROTO = path.join(__dirname, '..', '..', 'lib', 'salesforce', 'pubsub', 'pubsub_api.proto');
const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true })) as any;

const replayNumber = (b: Buffer): bigint => b.readBigUInt64BE();

/** Field names from a bitmap string list, decoded independently the way Salesforce's Java sample does. */
function expandBitmap(schema: any, values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (!v.startsWith('0x')) { out.push(v); continue; }
    const bytes = Buffer.from(v.slice(2), 'hex').reverse();
    bytes.forEach((byte, i) => { for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) out.push(schema.fields[i * 8 + bit].name); });
  }
  return out;
}

interface Stream {
  responses: any[];
  request(n: number): void;
  next(): Promise<any>;
  error: Promise<grpc.ServiceError>;
  /** 'end' when the server completes the stream, else the error's message. */
  closed: Promise<string>;
  close(): void;
}

describe('Salesforce sandbox Pub/Sub API with a bare gRPC client', function () {
  let sb: SalesforceSandbox;
  let conn: any;
  let client: any;
  let metadata: grpc.Metadata;
  const ctl = (method: string, p: string, body?: unknown): Promise<any> => sandboxControl(sb.url, method, p, body);
  const schemas = new Map<string, { type: avro.Type; json: any }>();
  const open: Stream[] = [];

  const call = <T>(method: string, req: unknown, md = metadata): Promise<T> =>
    new Promise((resolve, reject) => client[method](req, md, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));

  async function schemaOf(id: string): Promise<{ type: avro.Type; json: any }> {
    if (!schemas.has(id)) {
      const info = await call<any>('GetSchema', { schema_id: id });
      const json = JSON.parse(info.schema_json);
      schemas.set(id, { type: avro.Type.forSchema(json), json });
    }
    return schemas.get(id)!;
  }

  async function decode(consumerEvent: any): Promise<any> {
    const s = await schemaOf(consumerEvent.event.schema_id);
    return s.type.fromBuffer(consumerEvent.event.payload);
  }

  function subscribe(first: Record<string, unknown>, md = metadata): Stream {
    const stream = client.Subscribe(md);
    const responses: any[] = [];
    const waiters: Array<(r: any) => void> = [];
    let onError: (e: grpc.ServiceError) => void = () => undefined;
    const error = new Promise<grpc.ServiceError>((resolve) => { onError = resolve; });
    stream.on('data', (r: any) => { const w = waiters.shift(); if (w) w(r); else responses.push(r); });
    stream.on('error', (e: grpc.ServiceError) => onError(e));
    const closed = new Promise<string>((resolve) => { stream.on('end', () => resolve('end')); stream.on('error', (e: Error) => resolve(e.message)); });
    stream.write(first);
    const s: Stream = {
      responses,
      request: (n) => stream.write({ num_requested: n }),
      next: () => (responses.length ? Promise.resolve(responses.shift()) : new Promise((resolve) => waiters.push(resolve))),
      error,
      closed,
      close: () => stream.cancel(),
    };
    open.push(s);
    return s;
  }

  /** Waits until nothing more arrives for a moment: proves no extra event was sent. */
  const settle = () => new Promise((r) => setTimeout(r, 150));

  before(async () => {
    sb = await startSalesforceSandbox();
    client = new pkg.eventbus.v1.PubSub(sb.pubsubUrl, grpc.credentials.createInsecure());
  });
  after(async () => { client.close(); await sb.close(); });
  beforeEach(async () => {
    await ctl('POST', '/reset');
    schemas.clear();
    conn = new jsforce.Connection({ loginUrl: sb.url, version: '59.0', oauth2: { clientId: 'flowguard-client', clientSecret: 'flowguard-secret', loginUrl: sb.url } });
    const info = await conn.login('integration@flowguard.test', 'passwordTOKEN');
    metadata = new grpc.Metadata();
    metadata.set('accesstoken', conn.accessToken);
    metadata.set('instanceurl', conn.instanceUrl);
    metadata.set('tenantid', info.organizationId);
  });
  afterEach(() => { while (open.length) open.pop()!.close(); });

  it('GetTopic and GetSchema describe a change event topic with an Avro schema derived from describe', async () => {
    const topic = await call<any>('GetTopic', { topic_name: '/data/AccountChangeEvent' });
    assert.equal(topic.topic_name, '/data/AccountChangeEvent');
    assert.equal(topic.tenant_guid, sb.state.org.organizationId);
    assert.equal(topic.can_subscribe, true);
    assert.equal(topic.can_publish, false);
    assert.ok(topic.schema_id);
    const again = await call<any>('GetTopic', { topic_name: '/data/AccountChangeEvent' });
    assert.equal(again.schema_id, topic.schema_id, 'the schema id is stable');
    const schema = await call<any>('GetSchema', { schema_id: topic.schema_id });
    const json = JSON.parse(schema.schema_json);
    assert.equal(json.name, 'AccountChangeEvent');
    assert.equal(json.fields[0].name, 'ChangeEventHeader');
    assert.deepEqual(json.fields[0].type.fields.map((f: any) => f.name), ['entityName', 'recordIds', 'changeType', 'changeOrigin', 'transactionKey',
      'sequenceNumber', 'commitTimestamp', 'commitNumber', 'commitUser', 'nulledFields', 'diffFields', 'changedFields']);
    const name = json.fields.find((f: any) => f.name === 'Name');
    assert.deepEqual(name.type, ['null', 'string']);
    assert.equal(name.default, null);
    assert.ok(!json.fields.some((f: any) => ['Id', 'IsDeleted', 'SystemModstamp'].includes(f.name)));
    avro.Type.forSchema(json);
  });

  it('refuses a bad token, a wrong org id and an unknown topic with the status and error code Salesforce uses', async () => {
    const bad = metadata.clone();
    bad.set('accesstoken', 'not-a-session');
    await assert.rejects(call('GetTopic', { topic_name: '/data/AccountChangeEvent' }, bad), (e: grpc.ServiceError) =>
      e.code === grpc.status.UNAUTHENTICATED && /An authentication exception occurred\. Provide valid authentication via metadata headers\. rpcId: /.test(e.details)
      && e.metadata.get('error-code')[0] === 'sfdc.platform.eventbus.grpc.service.auth.error');
    const otherOrg = metadata.clone();
    otherOrg.set('tenantid', '00D000000000001AAA');
    await assert.rejects(call('GetTopic', { topic_name: '/data/AccountChangeEvent' }, otherOrg), (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED);
    const s = subscribe({ topic_name: '/data/AccountChangeEvent', num_requested: 1 }, bad);
    assert.equal((await s.error).code, grpc.status.UNAUTHENTICATED);
    await assert.rejects(call('GetTopic', { topic_name: '/data/NoSuchChangeEvent' }), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
  });

  it('sends only as many change events as requested (num_requested), then the rest on the next request', async () => {
    const s = subscribe({ topic_name: '/data/AccountChangeEvent', replay_preset: 'LATEST', num_requested: 2 });
    await settle();
    for (let i = 0; i < 5; i++) await conn.sobject('Account').create({ Name: `Acme ${i}` });
    const received: any[] = [];
    while (received.length < 2) received.push(...(await s.next()).events);
    await settle();
    assert.equal(received.length, 2, 'exactly 2 until the next request');
    assert.equal(s.responses.length, 0);
    s.request(2);
    while (received.length < 4) received.push(...(await s.next()).events);
    await settle();
    assert.equal(received.length, 4);
    const names = await Promise.all(received.map(async (e) => (await decode(e)).Name));
    assert.deepEqual(names, ['Acme 0', 'Acme 1', 'Acme 2', 'Acme 3']);
    const ids = received.map((e) => replayNumber(e.replay_id));
    assert.deepEqual([...ids].sort((a, b) => (a < b ? -1 : 1)), ids, 'replay ids increase');
  });

  it('encodes changedFields and nulledFields as Salesforce bitmaps and leaves unchanged fields null', async () => {
    const { id } = await conn.sobject('Account').create({ Name: 'Acme', Phone: '555', Industry: 'Retail' });
    const s = subscribe({ topic_name: '/data/AccountChangeEvent', num_requested: 1 });
    await settle();
    await conn.sobject('Account').update({ Id: id, Phone: null, Industry: 'Energy' });
    const event = (await s.next()).events[0];
    const body = await decode(event);
    const { json } = await schemaOf(event.event.schema_id);
    const header = body.ChangeEventHeader;
    assert.equal(header.changeType, 'UPDATE');
    assert.deepEqual(header.recordIds, [id]);
    assert.match(header.changedFields[0], /^0x[0-9A-F]+$/);
    assert.deepEqual(expandBitmap(json, header.changedFields).sort(), ['Industry', 'LastModifiedDate', 'Phone']);
    assert.deepEqual(expandBitmap(json, header.nulledFields), ['Phone']);
    assert.equal(body.Industry, 'Energy');
    assert.equal(body.Phone, null);
    assert.equal(body.Name, null, 'unchanged fields are null');
    assert.equal(typeof body.LastModifiedDate, 'number', 'datetimes are epoch milliseconds');
  });

  it('replays from a stored replay id, from EARLIEST, and refuses an expired or invalid one', async () => {
    for (let i = 0; i < 3; i++) await conn.sobject('Account').create({ Name: `A${i}` });
    const s = subscribe({ topic_name: '/data/AccountChangeEvent', replay_preset: 'EARLIEST', num_requested: 10 });
    const all: any[] = [];
    while (all.length < 3) all.push(...(await s.next()).events);
    s.close();
    const after = subscribe({ topic_name: '/data/AccountChangeEvent', replay_preset: 'CUSTOM', replay_id: all[0].replay_id, num_requested: 10 });
    const replayed: any[] = [];
    while (replayed.length < 2) replayed.push(...(await after.next()).events);
    assert.deepEqual(await Promise.all(replayed.map(async (e) => (await decode(e)).Name)), ['A1', 'A2']);

    // Retention: three hours pass with a two-hour window, so the stored id names purged events.
    await ctl('POST', '/pubsub/config', { retentionHours: 2 });
    await ctl('POST', '/pubsub/age', { hours: 3 });
    const expired = subscribe({ topic_name: '/data/AccountChangeEvent', replay_preset: 'CUSTOM', replay_id: all[0].replay_id, num_requested: 1 });
    const err = await expired.error;
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(err.metadata.get('error-code')[0], 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted');
    const garbage = subscribe({ topic_name: '/data/AccountChangeEvent', replay_preset: 'CUSTOM', replay_id: Buffer.from('xyz'), num_requested: 1 });
    assert.equal((await garbage.error).metadata.get('error-code')[0], 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted');
  });

  it('sends an empty keepalive FetchResponse with the latest replay id when requested events have nothing to carry', async () => {
    await ctl('POST', '/pubsub/config', { keepaliveMs: 100 });
    await conn.sobject('Contact').create({ LastName: 'Other topic' });
    const s = subscribe({ topic_name: '/data/AccountChangeEvent', num_requested: 5 });
    const keepalive = await s.next();
    assert.deepEqual(keepalive.events, []);
    assert.equal(keepalive.pending_num_requested, 5);
    assert.equal(keepalive.latest_replay_id.length, 8);
  });

  it('closes a stream that has received all it asked for and asks for nothing more within the idle timeout', async () => {
    await ctl('POST', '/pubsub/config', { idleTimeoutMs: 200 });
    const drained = subscribe({ topic_name: '/data/AccountChangeEvent', num_requested: 1 });
    await settle();
    await conn.sobject('Account').create({ Name: 'A' });
    assert.equal((await drained.next()).events.length, 1);
    assert.equal(await drained.closed, 'end', 'pending_num_requested 0 and no new FetchRequest: the server ends the stream');
    // A stream with events requested stays open past the idle timeout, fed by keepalives.
    await ctl('POST', '/pubsub/config', { keepaliveMs: 50 });
    const waiting = subscribe({ topic_name: '/data/AccountChangeEvent', num_requested: 1 });
    assert.equal(await Promise.race([waiting.closed, new Promise((r) => setTimeout(() => r('open'), 500))]), 'open');
    assert.ok(waiting.responses.length >= 2, 'keepalives arrived meanwhile');
  });

  it('ends open streams with UNAVAILABLE on the control API\'s drop, and a resubscription from the stored id loses nothing', async () => {
    const s = subscribe({ topic_name: '/data/AccountChangeEvent', num_requested: 10 });
    await settle();
    await conn.sobject('Account').create({ Name: 'before' });
    const first = (await s.next()).events[0];
    assert.deepEqual(await ctl('POST', '/pubsub/drop', {}), { dropped: 1 });
    const err = await s.error;
    assert.equal(err.code, grpc.status.UNAVAILABLE);
    assert.equal(err.metadata.get('error-code')[0], 'sfdc.platform.eventbus.grpc.service.unavailable');
    await conn.sobject('Account').create({ Name: 'while down' });
    const again = subscribe({ topic_name: '/data/AccountChangeEvent', replay_preset: 'CUSTOM', replay_id: first.replay_id, num_requested: 10 });
    assert.equal((await decode((await again.next()).events[0])).Name, 'while down');
  });

  it('sends one change event naming every record when a Collections or Bulk update changes them the same way', async () => {
    const created = await conn.sobject('Account').create([{ Name: 'A' }, { Name: 'B' }, { Name: 'C' }], { allOrNone: true });
    const ids = created.map((r: any) => r.id);
    const s = subscribe({ topic_name: '/data/AccountChangeEvent', num_requested: 10 });
    await settle();
    // Collections (jsforce sends several records through /composite/sobjects); one record fails and is left out.
    const results = await conn.sobject('Account').update([...ids.map((Id: string) => ({ Id, Industry: 'Energy' })), { Id: ids[0].replace(/^001/, '003'), Industry: 'Energy' }]);
    assert.deepEqual(results.map((r: any) => r.success), [true, true, true, false]);
    const collections = await decode((await s.next()).events[0]);
    assert.equal(collections.ChangeEventHeader.changeType, 'UPDATE');
    assert.deepEqual(collections.ChangeEventHeader.recordIds, ids);
    assert.equal(collections.Industry, 'Energy');
    // Bulk API 2.0: one job, the same change to three records.
    await conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'update', input: ids.map((Id: string) => ({ Id, Industry: 'Retail' })) });
    const bulk = await decode((await s.next()).events[0]);
    assert.deepEqual(bulk.ChangeEventHeader.recordIds, ids);
    assert.equal(bulk.Industry, 'Retail');
    // Different changes in one request stay separate events, in order.
    await conn.sobject('Account').update([{ Id: ids[0], Phone: '1' }, { Id: ids[1], Phone: '2' }]);
    const events: any[] = [];
    while (events.length < 2) events.push(...(await s.next()).events);
    assert.deepEqual(await Promise.all(events.map(async (e) => (await decode(e)).Phone)), ['1', '2']);
    await settle();
    assert.equal(s.responses.length, 0, 'a rolled-back or failed record makes no event');
  });

  it('rolls an allOrNone Collections request back without any change event', async () => {
    const { id } = await conn.sobject('Account').create({ Name: 'A' });
    const s = subscribe({ topic_name: '/data/AccountChangeEvent', num_requested: 10 });
    await settle();
    await conn.sobject('Account').update([{ Id: id, Industry: 'Energy' }, { Id: id.replace(/^001/, '003'), Industry: 'Energy' }], { allOrNone: true });
    await conn.sobject('Account').update({ Id: id, Phone: '9' });
    const next = await decode((await s.next()).events[0]);
    assert.equal(next.Phone, '9', 'the first event is the later change: the rolled-back one sent nothing');
  });

  it('carries gap and overflow events from the control API and a custom channel of chosen objects', async () => {
    await ctl('POST', '/pubsub/channels', { name: 'Sales__chn', entities: ['Account'] });
    const channel = subscribe({ topic_name: '/data/Sales__chn', num_requested: 10 });
    const all = subscribe({ topic_name: '/data/ChangeEvents', num_requested: 10 });
    await settle();
    const { id } = await conn.sobject('Account').create({ Name: 'A' });
    await conn.sobject('Contact').create({ LastName: 'C' });
    await ctl('POST', '/dml', { op: 'update', type: 'Account', ids: [id], record: { Phone: '1' }, gap: true });
    await ctl('POST', '/config', { cdcOverflowThreshold: 1 });
    await ctl('POST', '/dml', { op: 'update', type: 'Account', ids: [id, id], record: { Phone: '2' } });
    const onChannel: any[] = [];
    while (onChannel.length < 4) onChannel.push(...(await channel.next()).events);
    const headers = await Promise.all(onChannel.map(async (e) => (await decode(e)).ChangeEventHeader));
    assert.deepEqual(headers.map((h) => [h.entityName, h.changeType]), [['Account', 'CREATE'], ['Account', 'GAP_UPDATE'], ['Account', 'UPDATE'], ['Account', 'GAP_OVERFLOW']]);
    assert.deepEqual(headers[3].recordIds, ['000000000000000AAA']);
    const everything: any[] = [];
    while (everything.length < 5) everything.push(...(await all.next()).events);
    assert.ok((await Promise.all(everything.map(async (e) => (await decode(e)).ChangeEventHeader.entityName))).includes('Contact'));
    const dump = await ctl('GET', '/pubsub/events?topic=/data/Sales__chn');
    assert.deepEqual(dump[2].payload.ChangeEventHeader.changedFields.sort(), ['LastModifiedDate', 'Phone'], 'the dump expands bitmaps');
  });

  it('publishes a platform event that a subscriber receives, with one PublishResult per event', async () => {
    await ctl('POST', '/pubsub/platform-events', { name: 'Order_Paid__e', fields: [{ name: 'Order_Id__c', type: 'string' }, { name: 'Amount__c', type: 'double' }] });
    const topic = await call<any>('GetTopic', { topic_name: '/event/Order_Paid__e' });
    assert.equal(topic.can_publish, true);
    const s = subscribe({ topic_name: '/event/Order_Paid__e', num_requested: 5 });
    await settle();
    const { type } = await schemaOf(topic.schema_id);
    const id = randomUUID();
    const payload = type.toBuffer({ CreatedDate: Date.now(), CreatedById: '005000000000000AAA', Order_Id__c: 'ord_1', Amount__c: 42.5 });
    const res = await call<any>('Publish', { topic_name: '/event/Order_Paid__e', events: [
      { id, schema_id: topic.schema_id, payload },
      { id: 'bad', schema_id: 'not-the-schema', payload },
    ] });
    assert.equal(res.results.length, 2);
    assert.equal(res.results[0].correlation_key, id);
    assert.equal(res.results[0].replay_id.length, 8);
    assert.equal(res.results[0].error, null);
    assert.equal(res.results[1].error.code, 'PUBLISH');
    const received = (await s.next()).events[0];
    assert.equal(received.event.id, id);
    const body = await decode(received);
    assert.equal(body.Order_Id__c, 'ord_1');
    assert.equal(body.Amount__c, 42.5);
    assert.equal(body.CreatedById, sb.state.auth.userFor(conn.accessToken), 'Salesforce sets the publishing user');
  });

  it('publishes through PublishStream, one PublishResponse per PublishRequest', async () => {
    await ctl('POST', '/pubsub/platform-events', { name: 'Order_Paid__e', fields: [{ name: 'Order_Id__c', type: 'string' }] });
    const topic = await call<any>('GetTopic', { topic_name: '/event/Order_Paid__e' });
    const { type } = await schemaOf(topic.schema_id);
    const s = subscribe({ topic_name: '/event/Order_Paid__e', num_requested: 5 });
    await settle();
    const stream = client.PublishStream(metadata);
    const responses: any[] = [];
    const got = new Promise<void>((resolve) => stream.on('data', (r: any) => { responses.push(r); if (responses.length === 2) resolve(); }));
    for (const order of ['ord_1', 'ord_2']) {
      stream.write({ topic_name: '/event/Order_Paid__e', events: [{ id: order, schema_id: topic.schema_id, payload: type.toBuffer({ CreatedDate: 0, CreatedById: '', Order_Id__c: order }) }] });
    }
    await got;
    stream.end();
    assert.deepEqual(responses.map((r) => r.results[0].correlation_key), ['ord_1', 'ord_2']);
    const received: any[] = [];
    while (received.length < 2) received.push(...(await s.next()).events);
    assert.deepEqual(await Promise.all(received.map(async (e) => (await decode(e)).Order_Id__c)), ['ord_1', 'ord_2']);
    await assert.rejects(call('Publish', { topic_name: '/data/AccountChangeEvent', events: [] }), (e: grpc.ServiceError) => e.code === grpc.status.PERMISSION_DENIED);
  });

  it('publishes platform events inserted like records through REST and Collections (jsforce), answered OPERATION_ENQUEUED', async () => {
    await ctl('POST', '/pubsub/platform-events', { name: 'Order_Paid__e', fields: [{ name: 'Order_Id__c', type: 'string' }, { name: 'Amount__c', type: 'double' }, { name: 'Paid_On__c', type: 'date' }] });
    const s = subscribe({ topic_name: '/event/Order_Paid__e', num_requested: 5 });
    await settle();
    const one = await conn.sobject('Order_Paid__e').create({ Order_Id__c: 'ord_1', Amount__c: 10, Paid_On__c: '2026-12-03' });
    assert.equal(one.success, true);
    assert.match(one.id, /^e01/);
    assert.equal(one.errors[0].statusCode, 'OPERATION_ENQUEUED');
    const many = await conn.sobject('Order_Paid__e').create([{ Order_Id__c: 'ord_2' }, { Order_Id__c: 'ord_3', Nope__c: 1 }]);
    assert.deepEqual(many.map((r: any) => r.success), [true, false]);
    assert.equal(many[1].errors[0].statusCode, 'INVALID_FIELD');
    const received: any[] = [];
    while (received.length < 2) received.push(...(await s.next()).events);
    const bodies = await Promise.all(received.map(decode));
    assert.deepEqual(bodies.map((b) => b.Order_Id__c), ['ord_1', 'ord_2']);
    assert.equal(received[0].event.id, one.errors[0].message, 'the event UUID of the REST answer is the event id subscribers get');
    assert.equal(bodies[0].Paid_On__c, Date.UTC(2026, 11, 3) / 86_400_000, 'a date is epoch days');
    await assert.rejects(conn.sobject('Unknown__e').create({ A__c: 1 }), (e: any) => e.errorCode === 'NOT_FOUND');
  });

  it('gives a changed platform event a new schema id while events already published keep theirs', async () => {
    await ctl('POST', '/pubsub/platform-events', { name: 'Order_Paid__e', fields: [{ name: 'Order_Id__c', type: 'string' }] });
    const before = await call<any>('GetTopic', { topic_name: '/event/Order_Paid__e' });
    await ctl('POST', '/pubsub/publish', { topic: '/event/Order_Paid__e', events: [{ Order_Id__c: 'old' }] });
    await ctl('POST', '/pubsub/platform-events', { name: 'Order_Paid__e', fields: [{ name: 'Order_Id__c', type: 'string' }, { name: 'Note__c', type: 'string' }] });
    const after = await call<any>('GetTopic', { topic_name: '/event/Order_Paid__e' });
    assert.notEqual(after.schema_id, before.schema_id);
    await ctl('POST', '/pubsub/publish', { topic: '/event/Order_Paid__e', events: [{ Order_Id__c: 'new', Note__c: 'n' }] });
    const s = subscribe({ topic_name: '/event/Order_Paid__e', replay_preset: 'EARLIEST', num_requested: 5 });
    const events: any[] = [];
    while (events.length < 2) events.push(...(await s.next()).events);
    assert.deepEqual(events.map((e) => e.event.schema_id), [before.schema_id, after.schema_id], 'each event names the schema it was written with');
    assert.deepEqual((await Promise.all(events.map(decode))).map((b) => [b.Order_Id__c, b.Note__c]), [['old', undefined], ['new', 'n']]);
  });
});
