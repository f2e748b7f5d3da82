/**
 * R5 fuzzing. fg-stripe-webhook gets random and malformed bodies, signature headers and timestamps: every request
 * is answered (400, or 413 for an oversized body, or 2xx), only genuinely signed fresh events enter the flow, each
 * exactly once, and nothing crashes. fg-field-mapper gets random payloads: every message leaves on an output.
 * Sizes: 10,000 each (FG_RELIABILITY_SCALE=ci: 1,500). The seed is printed; FG_FUZZ_SEED repeats a run.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { computeSignature } from '../../lib/stripe/signature';
import { SANDBOX_TEST_KEY } from '../../sandbox/stripe';
import { examplesDir, getNode, load, receive, reportedErrors, unload } from '../harness';
import { pool, request, SEED, seededRandom, serveHttpNode, size, watchCrashes } from './support';

const SECRET = 'whsec_fuzz_current_secret_00001';
const OTHER_SECRET = 'whsec_fuzz_unrelated_secret_0002';
const MAX_BODY_KB = 8;
const TOLERANCE = 300;

interface Case { label: string; body: Buffer | string; headers: Record<string, string>; genuineId?: string }

/** Builds one webhook request; `genuineId` is set only when the request is a correctly signed, fresh Stripe event. */
function makeCase(n: number, rnd: () => number): Case {
  const pick = <T>(items: T[]): T => items[Math.floor(rnd() * items.length)];
  const now = Math.floor(Date.now() / 1000);
  const id = `evt_fuzz_${SEED}_${n}`;
  const event = JSON.stringify({ id, object: 'event', type: pick(['payment_intent.succeeded', 'charge.refunded', 'customer.created']), created: now, livemode: false, data: { object: { id: `pi_${n}`, amount: Math.floor(rnd() * 1e6) } } });
  const json = { 'content-type': 'application/json' };
  const signed = (body: Buffer | string, t = now, secret = SECRET) => `t=${t},v1=${computeSignature(body, secret, t)}`;
  const randomText = (len: number) => Array.from({ length: len }, () => String.fromCharCode(Math.floor(rnd() * 0xd7ff))).join('');
  const randomBytes = (len: number) => Buffer.from(Array.from({ length: len }, () => Math.floor(rnd() * 256)));
  const hex = (len: number) => Array.from({ length: len }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');
  const kind = Math.floor(rnd() * 20);
  switch (kind) {
    case 0: case 1: case 2:
      return { label: 'genuine', body: event, headers: { ...json, 'stripe-signature': signed(event) }, genuineId: id };
    case 3:
      // Genuine, signed with the current secret among several v1 entries (rotation), within the tolerance.
      return { label: 'genuine-multi', body: event, headers: { ...json, 'stripe-signature': `t=${now - 200},v1=${hex(64)},v1=${computeSignature(event, SECRET, now - 200)}` }, genuineId: id };
    case 4: return { label: 'no-signature', body: event, headers: json };
    case 5: return { label: 'random-hex-signature', body: event, headers: { ...json, 'stripe-signature': `t=${now},v1=${hex(64)}` } };
    case 6: return { label: 'wrong-secret', body: event, headers: { ...json, 'stripe-signature': signed(event, now, OTHER_SECRET) } };
    case 7: {
      // Signed, then one byte of the body changed.
      const header = signed(event);
      const bytes = Buffer.from(event);
      const at = Math.floor(rnd() * bytes.length);
      bytes[at] = (bytes[at] + 1 + Math.floor(rnd() * 254)) % 256;
      return { label: 'tampered-body', body: bytes, headers: { ...json, 'stripe-signature': header } };
    }
    case 8: return { label: 'stale-timestamp', body: event, headers: { ...json, 'stripe-signature': signed(event, now - TOLERANCE - 1 - Math.floor(rnd() * 1e6)) } };
    case 9: return { label: 'future-timestamp', body: event, headers: { ...json, 'stripe-signature': signed(event, now + TOLERANCE + 1 + Math.floor(rnd() * 1e6)) } };
    case 10: {
      // Correct HMAC but the header's timestamp differs from the signed one.
      const v1 = computeSignature(event, SECRET, now);
      return { label: 'timestamp-swap', body: event, headers: { ...json, 'stripe-signature': `t=${now - 1},v1=${v1}` } };
    }
    case 11: {
      const v1 = computeSignature(event, SECRET, now);
      const header = pick([`v1=${v1}`, `t=${now}`, `t=,v1=${v1}`, `t=abc,v1=${v1}`, `t=${now},v0=${v1}`, `t=${now},V1=${v1}`, `t=${now};v1=${v1}`, ` `, ',,,,', `t=${now},v1=${v1.slice(0, 63)}`, `t=${now},v1=${v1}0`, `t=${now}.5,v1=${v1}`, `t=-${now},v1=${v1}`, `t=1e10,v1=${v1}`, `t=${now},v1=${Buffer.from(v1, 'hex').toString('base64')}`]);
      return { label: `malformed-header ${header.replace(/[0-9a-f]{64}/gi, '<hmac>').replace(String(now), '<now>')}`, body: event, headers: { ...json, 'stripe-signature': header } };
    }
    case 12:
      if (rnd() < 0.1) {
        // The right HMAC written in upper-case hex: refused, as Stripe's own libraries do (they compare exact text).
        return { label: 'uppercase-hex', body: event, headers: { ...json, 'stripe-signature': `t=${now},v1=${computeSignature(event, SECRET, now).toUpperCase()}` } };
      }
      return { label: 'garbage-header', body: event, headers: { ...json, 'stripe-signature': randomText(1 + Math.floor(rnd() * 200)).replace(/[^\x20-\x7e]/g, 'x') } };
    case 13: {
      const body = pick(['', '{', 'null', '[]', '"event"', '42', 'true', '{"id":1}', randomText(50)]);
      return { label: 'signed-non-event', body, headers: { ...json, 'stripe-signature': signed(body) } };
    }
    case 14: {
      // Signed JSON objects that are not events: wrong object, missing id or type, wrong types.
      const body = JSON.stringify(pick([{ id, type: 'x' }, { id, object: 'event' }, { object: 'event', type: 'x' }, { id: 5, object: 'event', type: 'x' }, { id, object: 'charge', type: 'x' }, { id, object: 'event', type: ['x'] }]));
      return { label: 'signed-not-an-event', body, headers: { ...json, 'stripe-signature': signed(body) } };
    }
    case 15: {
      const body = randomBytes(Math.floor(rnd() * 2000));
      return { label: 'random-bytes', body, headers: { 'content-type': pick(['application/octet-stream', 'application/json', 'text/plain']), 'stripe-signature': rnd() < 0.5 ? signed(body) : `t=${now},v1=${hex(64)}` } };
    }
    case 16: {
      // Oversized: refused before any verification (413), even when correctly signed.
      const body = JSON.stringify({ id, object: 'event', type: 'charge.refunded', pad: 'x'.repeat(MAX_BODY_KB * 1024 + Math.floor(rnd() * 4096)) });
      return { label: 'oversized', body, headers: { ...json, 'stripe-signature': signed(body) } };
    }
    case 17: {
      // A genuine event re-sent with another content type: the raw bytes are what was signed.
      return { label: 'genuine-other-content-type', body: event, headers: { 'content-type': pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8']), 'stripe-signature': signed(event) }, genuineId: id };
    }
    case 18: {
      const body = event.replace('"event"', '"event" ');
      return { label: 'signature-of-other-bytes', body, headers: { ...json, 'stripe-signature': signed(event) } };
    }
    default: {
      const t = Math.floor(rnd() * 2 ** 31);
      return { label: 'random-timestamp', body: event, headers: { ...json, 'stripe-signature': signed(event, t) }, genuineId: Math.abs(t - now) <= TOLERANCE ? id : undefined };
    }
  }
}

describe('R5 fuzzing', function () {
  this.timeout(180_000);

  describe('fg-stripe-webhook: random and malformed deliveries', () => {
    const REQUESTS = size(10_000, 1_500);
    let server: { url: string; close: () => Promise<void> } | undefined;

    after(async () => {
      await server?.close();
      await unload();
    });

    it(`answers every one of ${REQUESTS} requests with 400/413/2xx and lets only genuine events through, once each`, async () => {
      await load(['fg-stripe-config', 'fg-stripe-webhook'], [
        { id: 'cfg', type: 'fg-stripe-config' },
        { id: 'hook', type: 'fg-stripe-webhook', stripe: 'cfg', path: '/stripe/fuzz', eventTypes: '*', toleranceSeconds: TOLERANCE, maxBodyKb: MAX_BODY_KB, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ], { cfg: { secretKey: SANDBOX_TEST_KEY, webhookSecrets: SECRET } });
      server = await serveHttpNode();
      const emitted: string[] = [];
      getNode('out').on('input', (msg: any) => emitted.push(msg.payload.id));
      const crashes = watchCrashes();
      const rnd = seededRandom(SEED);
      const cases = Array.from({ length: REQUESTS }, (_, n) => makeCase(n, rnd));
      const outcomes = new Map<string, Record<number, number>>();
      const wrong: string[] = [];
      try {
        await pool(REQUESTS, 25, async (n) => {
          const c = cases[n];
          const reply = await request(`${server!.url}/stripe/fuzz`, 'POST', c.headers, c.body);
          const label = c.label.startsWith('malformed-header') ? 'malformed-header' : c.label;
          const counts = outcomes.get(label) ?? {};
          counts[reply.status] = (counts[reply.status] ?? 0) + 1;
          outcomes.set(label, counts);
          const expected = c.genuineId ? [200] : c.label === 'oversized' ? [413] : [400];
          if (!expected.includes(reply.status)) wrong.push(`#${n} ${c.label}: ${reply.status} ${reply.body.slice(0, 120)}`);
        });
        // The 200 is sent before the flow runs: give the last emitted messages a moment.
        const genuine = cases.filter((c) => c.genuineId).map((c) => c.genuineId!);
        const end = Date.now() + 5000;
        while (emitted.length < genuine.length && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
        console.log(`      seed ${SEED}: ${REQUESTS} requests, ${genuine.length} genuine, status per case: ${JSON.stringify(Object.fromEntries(outcomes))}`);
        assert.deepStrictEqual(wrong.slice(0, 10), [], `${wrong.length} requests got an unexpected answer`);
        assert.deepStrictEqual([...emitted].sort(), [...genuine].sort(), 'exactly the genuine events entered the flow, once each');
        assert.deepStrictEqual(crashes.crashes, []);
      } finally {
        crashes.stop();
      }
      // Still serving after the storm.
      const last = makeCase(0, () => 0);
      assert.strictEqual((await request(`${server.url}/stripe/fuzz`, 'POST', last.headers, last.body)).status, 200);
    });
  });

  describe('fg-field-mapper: random payloads', () => {
    const MESSAGES = size(10_000, 1_500);
    after(() => unload());

    /** Random JSON-ish values, including the shapes that break naive code: deep nesting, prototype keys, odd numbers. */
    function randomValue(rnd: () => number, depth = 0): unknown {
      const r = rnd();
      if (depth > 4 || r < 0.35) {
        const scalars: unknown[] = [null, undefined, true, false, 0, -0, -1, 1.5, 2 ** 53 + 1, Number.MAX_VALUE, NaN, Infinity, -Infinity, '', ' ', 'usd', 'EUR', 'xx', 'ch_123', '2024-02-30', '1700000000', '\u0000', '\ud800', 'é'.repeat(300), `${Math.floor(rnd() * 1e9)}`, Math.floor(rnd() * 1e9) - 5e8, BigInt(7), new Date(), new Date(NaN)];
        return scalars[Math.floor(rnd() * scalars.length)];
      }
      if (r < 0.5) return Array.from({ length: Math.floor(rnd() * 5) }, () => randomValue(rnd, depth + 1));
      const keys = ['id', 'object', 'amount', 'amount_refunded', 'currency', 'status', 'created', 'paid', 'refunded', 'customer', 'payment_intent', 'payment_method_details', 'card', 'brand', 'last4', '__proto__', 'constructor', 'prototype', 'toString', 'receipt_url', 'failure_code'];
      const obj: Record<string, unknown> = {};
      for (let i = Math.floor(rnd() * 10); i > 0; i--) {
        const key = keys[Math.floor(rnd() * keys.length)];
        Object.defineProperty(obj, key, { value: randomValue(rnd, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return obj;
    }

    // Found by this fuzz: describeValue() in lib/mapping/spec.ts fell back to String(value) when JSON.stringify threw (a
    // BigInt inside); with an own non-function `toString` key that threw too, and the message escaped the error output.
    it('sends a value holding a BigInt and an own toString key to the error output', async () => {
      const example = JSON.parse(fs.readFileSync(path.join(examplesDir(), 'Field mapper', 'Stripe charge to Salesforce Payment.json'), 'utf8'));
      const mapper = example.find((n: any) => n.type === 'fg-field-mapper');
      await load(['fg-field-mapper'], [
        { id: 'fuzz', type: 'tab' },
        { ...mapper, z: 'fuzz', id: 'bare', inputSchema: '', outputSchema: '', errorRouting: 'output', wires: [['ok'], ['failed']] },
        { id: 'ok', z: 'fuzz', type: 'helper' },
        { id: 'failed', z: 'fuzz', type: 'helper' },
      ]);
      const failed = receive('failed');
      const payload = { id: 'ch_1', object: 'charge', amount: 1000, currency: 'usd', status: 'succeeded', created: { toString: 'x', n: BigInt(1) } };
      getNode('bare').receive({ payload });
      const [msg] = await failed;
      assert.ok(msg.error.code, 'the error output carries msg.error');
      assert.deepStrictEqual(reportedErrors('bare'), [], 'nothing escaped to Catch');
      await unload();
    });

    /** A printable form of a fuzz value (BigInt, NaN, undefined and Dates included). */
    const describeValue = (v: unknown): string => {
      try {
        return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : typeof x === 'number' && !Number.isFinite(x) ? String(x) : x === undefined ? '<undefined>' : x));
      } catch (err) {
        return `<${(err as Error).message}>`;
      }
    };

    it(`sends each of ${MESSAGES} random messages to exactly one output and stays up`, async () => {
      const example = JSON.parse(fs.readFileSync(path.join(examplesDir(), 'Field mapper', 'Stripe charge to Salesforce Payment.json'), 'utf8'));
      const mapper = example.find((n: any) => n.type === 'fg-field-mapper');
      // The example's spec as shipped, and the same rules without schemas so random values reach every transform.
      await load(['fg-field-mapper'], [
        { id: 'fuzz', type: 'tab' },
        { ...mapper, z: 'fuzz', id: 'mapper', errorRouting: 'output', wires: [['ok'], ['failed']] },
        { ...mapper, z: 'fuzz', id: 'bare', inputSchema: '', outputSchema: '', errorRouting: 'output', wires: [['ok'], ['failed']] },
        { id: 'ok', z: 'fuzz', type: 'helper' },
        { id: 'failed', z: 'fuzz', type: 'helper' },
      ]);
      const arrived = { ok: 0, failed: 0 };
      const seen = new Set<string>();
      const duplicates: string[] = [];
      for (const out of ['ok', 'failed'] as const) {
        getNode(out).on('input', (msg: any) => {
          arrived[out]++;
          const id = `${msg._msgid}:${msg.via}`;
          if (seen.has(id)) duplicates.push(id);
          seen.add(id);
          if (out === 'failed') assert.ok(msg.error?.code, 'a failed message carries msg.error.code');
        });
      }
      const crashes = watchCrashes();
      const rnd = seededRandom(SEED + 1);
      try {
        const nodes = [getNode('mapper'), getNode('bare')];
        const payloads: string[] = [];
        for (let n = 0; n < MESSAGES; n++) {
          // A third of the payloads start from a valid charge and get one field replaced by a random value.
          const valid = { id: `ch_${n}`, object: 'charge', amount: 1000, currency: 'usd', status: 'succeeded', created: 1700000000 };
          const payload = rnd() < 0.33 ? { ...valid, [Object.keys(valid)[Math.floor(rnd() * 6)]]: randomValue(rnd) } : randomValue(rnd);
          payloads.push(describeValue(payload));
          const node = nodes[n % 2];
          node.receive({ _msgid: `fuzz-${n}`, via: node.id, payload });
          if (n % 500 === 499) await new Promise((r) => setImmediate(r));
        }
        const end = Date.now() + 20_000;
        while (arrived.ok + arrived.failed < MESSAGES && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
        console.log(`      seed ${SEED + 1}: ${MESSAGES} messages → ${arrived.ok} mapped, ${arrived.failed} on the error output`);
        const missing = [...Array(MESSAGES).keys()].filter((n) => !seen.has(`fuzz-${n}:${nodes[n % 2].id}`));
        const caught = [...reportedErrors('mapper'), ...reportedErrors('bare')].map((e) => e.text);
        assert.deepStrictEqual(missing.slice(0, 5).map((n) => ({ n, via: nodes[n % 2].id, payload: payloads[n], caught: caught.slice(0, 2) })), [], `${missing.length} messages left on no output`);
        assert.strictEqual(arrived.ok + arrived.failed, MESSAGES, 'every message left on an output');
        assert.deepStrictEqual(duplicates, []);
        assert.ok(arrived.ok > 0 && arrived.failed > 0, 'the fuzz reached both outputs');
        assert.strictEqual(({} as any).polluted, undefined);
        assert.strictEqual(Object.keys(Object.prototype).length, 0, 'Object.prototype untouched');
        assert.deepStrictEqual(crashes.crashes, []);
      } finally {
        crashes.stop();
      }
    });
  });
});
