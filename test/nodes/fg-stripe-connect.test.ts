// Connect through the shipped nodes against the sandbox (unmodified SDK): fg-stripe acts on a connected account
// (msg.stripeAccount or the node's setting) with account-scoped idempotency keys; fg-stripe-webhook registers a
// Connect endpoint, sets msg.stripeAccount and keys dedup by account, so the idempotency gate passes each account's
// event once under duplicate deliveries.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { signatureHeader } from '../../lib/stripe/signature';
import { SANDBOX_TEST_KEY } from '../../sandbox/stripe';
import { sandboxClient } from '../../sandbox/stripe/testing';
import { eventually, FlowNode, getNode, httpNode, load, receive } from '../harness';
import { stripeDelivery } from './stripe-delivery';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-connect-'));
let n = 0;

describe('Stripe Connect in the nodes', function () {
  const delivery = stripeDelivery('/stripe/connect');

  const config = (): FlowNode => ({ id: 'cfg', type: 'fg-stripe-config', useCustomHost: true, host: delivery.sandbox.host, port: delivery.sandbox.port, protocol: 'http', maxNetworkRetries: 0, ratePerSecond: 0 });
  const stripeNode = (extra: Partial<FlowNode> = {}): FlowNode => ({
    id: 's', type: 'fg-stripe', stripe: 'cfg', resource: 'customers', method: 'create', idType: 'msg', idValue: 'stripeId', paramsType: 'msg', paramsValue: 'payload',
    keySource: 'msg', keyScope: 'node', maxItems: 100, listOutput: 'array', errorRouting: 'auto', wires: [['ok'], ['err']], ...extra,
  });

  describe('fg-stripe', () => {
    async function deploy(extra: Partial<FlowNode> = {}) {
      await load(['fg-stripe-config', 'fg-stripe'], [config(), stripeNode(extra), { id: 'ok', type: 'helper' }, { id: 'err', type: 'helper' }], { cfg: { secretKey: SANDBOX_TEST_KEY } });
    }
    async function call(input: Record<string, unknown>, output: 'ok' | 'err' = 'ok') {
      const arrived = receive(output);
      getNode('s').receive(input);
      return (await arrived)[0];
    }

    it('creates on the connected account named by msg.stripeAccount, with the account in its idempotency key', async () => {
      const platform = sandboxClient(delivery.sandbox);
      const a = await platform.accounts.create({ type: 'express' });
      const b = await platform.accounts.create({ type: 'express' });
      await deploy();
      const onA = await call({ payload: { email: 'a@example.com' }, idempotencyKey: 'order-1', stripeAccount: a.id });
      assert.strictEqual(onA.stripe.idempotencyKey, `order-1:s@${a.id}`);
      assert.strictEqual(onA.stripe.account, a.id);
      // The same message key on another account is another customer; on the same account a replay.
      const onB = await call({ payload: { email: 'a@example.com' }, idempotencyKey: 'order-1', stripeAccount: b.id });
      assert.notStrictEqual(onB.payload.id, onA.payload.id);
      const again = await call({ payload: { email: 'a@example.com' }, idempotencyKey: 'order-1', stripeAccount: a.id });
      assert.strictEqual(again.payload.id, onA.payload.id);
      assert.strictEqual(again.stripe.replayed, true);
      assert.deepStrictEqual((await platform.customers.list({}, { stripeAccount: a.id })).data.map((c) => c.id), [onA.payload.id]);
      assert.deepStrictEqual((await platform.customers.list()).data, [], 'nothing on the platform account');
      // Without an account: the platform's own, and the key has no account part.
      const own = await call({ payload: { email: 'p@example.com' }, idempotencyKey: 'order-1' });
      assert.strictEqual(own.stripe.idempotencyKey, 'order-1:s');
      assert.strictEqual(own.stripe.account, undefined);
    });

    it('the node\'s Connected account wins over msg.stripeAccount', async () => {
      const platform = sandboxClient(delivery.sandbox);
      const a = await platform.accounts.create({ type: 'express' });
      const b = await platform.accounts.create({ type: 'express' });
      await deploy({ stripeAccount: a.id });
      const created = await call({ payload: { email: 'n@example.com' }, stripeAccount: b.id });
      assert.strictEqual(created.stripe.account, a.id);
      assert.strictEqual((await platform.customers.retrieve(created.payload.id, {}, { stripeAccount: a.id })).id, created.payload.id);
    });

    it('a malformed msg.stripeAccount goes to the error output and sends nothing; an unknown account is Stripe\'s account_invalid', async () => {
      await deploy();
      const bad = await call({ payload: { email: 'x@example.com' }, stripeAccount: 'cus_123' }, 'err');
      assert.match(bad.error.message, /msg\.stripeAccount must be a connected account id \(acct_…\)/);
      assert.deepStrictEqual(delivery.sandbox.calls.snapshot()['POST /v1/customers'] ?? 0, 0);
      const unknown = await call({ payload: { email: 'x@example.com' }, stripeAccount: 'acct_1Unknown' }, 'err');
      assert.strictEqual(unknown.error.code, 'account_invalid');
      assert.strictEqual(unknown.error.status, 403);
      assert.deepStrictEqual((await sandboxClient(delivery.sandbox).customers.list()).data, []);
    });
  });

  describe('fg-stripe-webhook on a Connect endpoint → gate → fg-stripe', () => {
    function flowWith(hook: Partial<FlowNode>): FlowNode[] {
      return [
        config(),
        { id: 'hook', type: 'fg-stripe-webhook', stripe: 'cfg', path: '/stripe/connect', eventTypes: 'customer.created', toleranceSeconds: 300, maxBodyKb: 64, wires: [['gate']], ...hook },
        { id: 'store', type: 'fg-store-config', backend: 'sqlite', sqlitePath: path.join(tmp, `c${++n}.sqlite`) },
        { id: 'gate', type: 'fg-idempotency-gate', store: 'store', leaseSeconds: 60, wires: [['new', 's'], ['dup'], ['conflict']] },
        stripeNode({ method: 'update', idValue: 'payload.data.object.id', paramsType: 'json', paramsValue: '{"metadata":{"synced":"yes"}}' }),
        { id: 'new', type: 'helper' }, { id: 'dup', type: 'helper' }, { id: 'conflict', type: 'helper' }, { id: 'ok', type: 'helper' }, { id: 'err', type: 'helper' },
      ];
    }
    const nodes = ['fg-stripe-config', 'fg-stripe-webhook', 'fg-store-config', 'fg-idempotency-gate', 'fg-stripe'];
    const collect = (id: string) => {
      const got: any[] = [];
      getNode(id).on('input', (msg: any) => got.push(msg));
      return got;
    };

    it('registers a Connect endpoint; each account\'s event passes the gate once under duplicate deliveries and fg-stripe acts on that account', async () => {
      const platform = sandboxClient(delivery.sandbox);
      const a = await platform.accounts.create({ type: 'express' });
      const b = await platform.accounts.create({ type: 'express' });
      const RED = await load(nodes, flowWith({ register: true, connect: true, publicUrl: delivery.url }), { cfg: { secretKey: SANDBOX_TEST_KEY } });
      delivery.app = RED.httpNode;
      await eventually(() => getNode('hook').status.lastCall?.args[0].text === 'POST /stripe/connect', 'registered');
      const passed = collect('new');
      const dups = collect('dup');
      const done = collect('ok');
      delivery.sandbox.webhooks.settings.duplicate = true;
      const onA = await platform.customers.create({ email: 'a@example.com' }, { stripeAccount: a.id });
      const onB = await platform.customers.create({ email: 'b@example.com' }, { stripeAccount: b.id });
      await platform.customers.create({ email: 'platform@example.com' });
      await delivery.sandbox.webhooks.idle();
      await eventually(() => passed.length === 2 && dups.length === 2 && done.length === 2, 'two events passed, two duplicates, two updates');
      assert.deepStrictEqual(passed.map((m) => [m.stripeAccount, m.payload.data.object.id]).sort(), [[a.id, onA.id], [b.id, onB.id]].sort());
      assert.ok(passed.every((m) => m.idempotencyKey === `${m.stripeAccount}/${m.payload.id}` && m.stripe.account === m.stripeAccount));
      assert.strictEqual((await platform.customers.retrieve(onA.id, {}, { stripeAccount: a.id }) as any).metadata.synced, 'yes');
      assert.strictEqual((await platform.customers.retrieve(onB.id, {}, { stripeAccount: b.id }) as any).metadata.synced, 'yes');
    });

    it('the same event id on two accounts is two events for the gate; the repeat on one account is a duplicate', async () => {
      const secret = 'whsec_connect_test_secret_0001';
      await load(nodes, flowWith({}), { cfg: { secretKey: SANDBOX_TEST_KEY, webhookSecrets: secret } });
      const passed = collect('new');
      const dups = collect('dup');
      const post = async (account: string) => {
        const body = JSON.stringify({ id: 'evt_same', object: 'event', type: 'customer.created', account, created: Math.floor(Date.now() / 1000), livemode: false, data: { object: { id: 'cus_same', object: 'customer' } } });
        const res = await httpNode().post('/stripe/connect').set('Content-Type', 'application/json').set('Stripe-Signature', signatureHeader(body, secret, Math.floor(Date.now() / 1000))).send(body);
        assert.strictEqual(res.status, 200);
      };
      await post('acct_A1');
      await post('acct_B1');
      await post('acct_A1');
      await eventually(() => passed.length + dups.length === 3, 'three deliveries through the gate');
      assert.deepStrictEqual(passed.map((m) => m.idempotencyKey), ['acct_A1/evt_same', 'acct_B1/evt_same']);
      assert.deepStrictEqual(dups.map((m) => m.idempotencyKey), ['acct_A1/evt_same']);
    });
  });
});
