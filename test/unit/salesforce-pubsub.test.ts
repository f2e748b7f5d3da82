// Unit tests of the Pub/Sub client's pieces that need no server: bitmap decoding, flow-control accounting, replay
// commits, the schema cache, endpoints and error mapping.
import assert from 'node:assert/strict';
import { bitPositions, bitmapFieldNames, decodeChangeEventHeader } from '../../lib/salesforce/pubsub/bitmap';
import { FlowWindow, MAX_FETCH, RateMeter, ReplayCommits, replayIdText } from '../../lib/salesforce/pubsub/flow';
import { SchemaCache, pubsubError, pubsubTarget, toEventRecord } from '../../lib/salesforce/pubsub/client';

const avro = require('avsc');

const address = {
  type: 'record', name: 'Address', namespace: 'com.sforce.eventbus',
  fields: ['Street', 'City', 'State', 'PostalCode', 'Country'].map((name) => ({ name, type: ['null', 'string'], default: null })),
};
// A change event schema as Salesforce builds them: the header first, then the object's fields in order; a compound
// field is an optional record, and a second field of the same compound type refers to it by name.
const accountChangeEvent = avro.Type.forSchema({
  type: 'record', name: 'AccountChangeEvent', namespace: 'com.sforce.eventbus',
  fields: [
    { name: 'ChangeEventHeader', type: { type: 'record', name: 'ChangeEventHeader', fields: [
      { name: 'entityName', type: 'string' }, { name: 'recordIds', type: { type: 'array', items: 'string' } },
      { name: 'changeType', type: 'string' }, { name: 'changedFields', type: { type: 'array', items: 'string' } },
      { name: 'nulledFields', type: { type: 'array', items: 'string' } }, { name: 'diffFields', type: { type: 'array', items: 'string' } },
    ] } },
    { name: 'Name', type: ['null', 'string'], default: null },
    { name: 'Type', type: ['null', 'string'], default: null },
    { name: 'Industry', type: ['null', 'string'], default: null },
    { name: 'BillingAddress', type: ['null', address], default: null },
    { name: 'Description', type: ['null', 'string'], default: null },
    { name: 'ShippingAddress', type: ['null', 'com.sforce.eventbus.Address'], default: null },
    { name: 'LastModifiedDate', type: ['null', 'long'], default: null },
  ],
});

describe('salesforce Pub/Sub client pieces', () => {
  describe('bitmap fields', () => {
    it('reads bits from the least significant end of the hexadecimal number', () => {
      assert.deepEqual(bitPositions('0x1'), [0]);
      assert.deepEqual(bitPositions('0x1A'), [1, 3, 4]);
      assert.deepEqual(bitPositions('0x100'), [8]);
      assert.deepEqual(bitPositions('0x650004E0'), [5, 6, 7, 10, 24, 26, 29, 30]);
      assert.throws(() => bitPositions('0xZZ'), /not a hexadecimal bitmap/);
    });

    it('names top-level fields by their position in the schema', () => {
      // bits 1, 3, 7: Name, Industry, LastModifiedDate
      assert.deepEqual(bitmapFieldNames(accountChangeEvent, ['0x8A']), ['Name', 'Industry', 'LastModifiedDate']);
    });

    it('names the fields of compound fields as Parent.Child, also for a compound type referred to by name', () => {
      assert.deepEqual(bitmapFieldNames(accountChangeEvent, ['0x10', '4-0x03', '6-0x10']),
        ['BillingAddress', 'BillingAddress.Street', 'BillingAddress.City', 'ShippingAddress.Country']);
    });

    it('refuses a bitmap naming a position the schema does not have, naming both', () => {
      assert.throws(() => bitmapFieldNames(accountChangeEvent, ['0x100']), /position 8, but the schema has 8 fields/);
      assert.throws(() => bitmapFieldNames(accountChangeEvent, ['2-0x1']), /not a compound field/);
    });

    it('decodes the three bitmap fields of a header and leaves the rest of it alone', () => {
      const header = { entityName: 'Account', recordIds: ['001xx'], changeType: 'UPDATE', changedFields: ['0x82'], nulledFields: ['0x8'], diffFields: [] };
      assert.deepEqual(decodeChangeEventHeader(accountChangeEvent, header), {
        entityName: 'Account', recordIds: ['001xx'], changeType: 'UPDATE', changedFields: ['Name', 'LastModifiedDate'], nulledFields: ['Industry'], diffFields: [],
      });
      assert.deepEqual(header.changedFields, ['0x82'], 'the decoded event keeps its own copy');
    });
  });

  describe('flow control', () => {
    it('asks for the window at first, then only as the flow finishes events, never more than the window unfinished', () => {
      const w = new FlowWindow(4);
      assert.equal(w.toRequest(), 4);
      w.requested(4);
      assert.equal(w.toRequest(), 0, 'everything asked for');
      w.received(3);
      assert.equal(w.toRequest(), 0, 'three in the flow, one still to come: nothing free');
      w.finished();
      assert.equal(w.toRequest(), 0, 'one free: less than half the window and one still asked for');
      w.finished();
      assert.equal(w.toRequest(), 2, 'half the window free');
      w.requested(2);
      assert.equal(w.inFlight + w.outstanding, 4);
    });

    it('a slow flow never holds more than the window, whatever the server sends when', () => {
      for (const size of [1, 3, 10]) {
        const w = new FlowWindow(size);
        let serverOwes = 0;
        const flow: number[] = [];
        let maxHeld = 0;
        for (let step = 0; step < 500; step++) {
          const n = w.toRequest();
          if (n) { w.requested(n); serverOwes += n; }
          // the server sends some of what it owes; the flow finishes one event every third step
          const send = Math.min(serverOwes, step % 2 === 0 ? 1 : serverOwes);
          if (send) { serverOwes -= send; w.received(send); for (let i = 0; i < send; i++) flow.push(step); }
          if (step % 3 === 0 && flow.length) { flow.shift(); w.finished(); }
          maxHeld = Math.max(maxHeld, flow.length);
          assert.ok(w.inFlight + w.outstanding <= size, `window ${size}: ${w.inFlight} + ${w.outstanding} at step ${step}`);
          assert.equal(w.inFlight, flow.length);
        }
        assert.equal(maxHeld, size, `window ${size} was used up to its size`);
      }
    });

    it('refuses a window the API cannot serve', () => {
      assert.throws(() => new FlowWindow(0), /1 to 100/);
      assert.throws(() => new FlowWindow(MAX_FETCH + 1), /1 to 100/);
    });
  });

  describe('replay commits', () => {
    it('commits the newest replay id with every earlier event finished, whatever order they finish in', () => {
      const c = new ReplayCommits<string>();
      const [a, b, d] = ['a', 'b', 'd'].map((id) => c.add(id));
      assert.equal(c.finish(b), undefined, 'a still in the flow');
      assert.equal(c.finish(a), 'b', 'a and b finished');
      assert.equal(c.pending, 1);
      assert.equal(c.finish(d), 'd');
      assert.equal(c.pending, 0);
    });
  });

  it('counts events per minute over the last minute', () => {
    let now = 0;
    const m = new RateMeter(() => now);
    for (let i = 0; i < 30; i++) { m.tick(); now += 1000; }
    assert.equal(m.perMinute(), 30);
    now += 44_000; // 74 s: the ticks of 15 s to 29 s are within the minute
    assert.equal(m.perMinute(), 15);
  });

  it('shows 8-byte replay ids as numbers', () => {
    assert.equal(replayIdText(Buffer.from('0000000000003039', 'hex')), '12345');
    assert.equal(replayIdText(undefined), '');
  });

  describe('schema cache', () => {
    it('fetches a schema id once, also for concurrent askers, and parses it with avsc', async () => {
      const asked: string[] = [];
      const cache = new SchemaCache(async (id) => { asked.push(id); return JSON.stringify(accountChangeEvent.schema()); });
      const [one, two] = await Promise.all([cache.get('s1'), cache.get('s1')]);
      assert.equal(one, two);
      await cache.get('s1');
      await cache.get('s2');
      assert.deepEqual(asked, ['s1', 's2']);
      assert.equal(one.type.fields![1].name, 'Name');
    });

    it('forgets a failed fetch, so the next event asks again', async () => {
      let calls = 0;
      const cache = new SchemaCache(async () => { if (calls++ === 0) throw new Error('UNAVAILABLE'); return '"string"'; });
      await assert.rejects(cache.get('s1'), /UNAVAILABLE/);
      await cache.get('s1');
      assert.equal(calls, 2);
      assert.equal(cache.size, 1);
    });
  });

  describe('endpoint', () => {
    it('uses TLS to Salesforce by default and for host:port or https', () => {
      assert.deepEqual(pubsubTarget(''), { address: 'api.pubsub.salesforce.com:7443', secure: true });
      assert.deepEqual(pubsubTarget('api.deu.pubsub.salesforce.com:7443'), { address: 'api.deu.pubsub.salesforce.com:7443', secure: true });
      assert.deepEqual(pubsubTarget('https://pubsub.example.com'), { address: 'pubsub.example.com:443', secure: true });
    });

    it('allows plain http only on this machine', () => {
      assert.deepEqual(pubsubTarget('http://127.0.0.1:4011'), { address: '127.0.0.1:4011', secure: false });
      assert.deepEqual(pubsubTarget('http://localhost:4011/'), { address: 'localhost:4011', secure: false });
      assert.throws(() => pubsubTarget('http://pubsub.example.com:4011'), /plain http is allowed only on this machine.*pubsub\.example\.com:4011 for TLS/);
    });
  });

  describe('errors', () => {
    const grpcError = (code: number, details: string, errorCode?: string) => ({
      code, details, message: `${code} ${details}`, metadata: { get: (k: string) => (k === 'error-code' && errorCode ? [errorCode] : []) },
    });

    it('knows a refused replay id by the error-code trailer', () => {
      for (const code of ['sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted', 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.validation.failed']) {
        const e = pubsubError(grpcError(3, 'Replay ID validation failed', code));
        assert.equal(e.flowError.code, 'REPLAY_ID_INVALID');
        assert.equal(e.flowError.retryable, false);
        assert.equal((e.flowError.details as any).errorCode, code);
      }
    });

    it('maps a refused session to INVALID_SESSION_ID (log in again) and an outage to a retryable error', () => {
      assert.equal(pubsubError(grpcError(16, 'auth', 'sfdc.platform.eventbus.grpc.service.auth.error')).flowError.code, 'INVALID_SESSION_ID');
      const down = pubsubError(grpcError(14, 'connect ECONNREFUSED'));
      assert.equal(down.flowError.code, 'PUBSUB_UNAVAILABLE');
      assert.equal(down.flowError.retryable, true);
    });
  });

  it('builds a Platform Event record: optional fields null, CreatedDate and CreatedById filled', () => {
    const type = avro.Type.forSchema({
      type: 'record', name: 'Order_Paid__e', fields: [
        { name: 'CreatedDate', type: 'long' }, { name: 'CreatedById', type: 'string' },
        { name: 'Amount__c', type: ['null', 'double'], default: null }, { name: 'Key__c', type: ['null', 'string'], default: null },
      ],
    });
    const rec = toEventRecord(type, { Amount__c: 12.5 }, '005xx', 1700000000000);
    assert.deepEqual(rec, { CreatedDate: 1700000000000, CreatedById: '005xx', Amount__c: 12.5, Key__c: null });
    assert.deepEqual({ ...type.fromBuffer(type.toBuffer(rec)) }, rec);
  });
});
