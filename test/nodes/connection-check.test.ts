// "Test connection" admin routes of the service config nodes and the editor pickers, through the test helper's admin
// app against the sandboxes: what the dialog posts (saved or unsaved config, the __PWRD__ placeholder for a stored
// secret), what comes back (the account facts, or the service's own error text) and what never comes back (secrets).
// Permissions (flowguard.write) are checked against a real Node-RED with adminAuth in test/browser/pickers.test.ts.
import assert from 'node:assert/strict';
import { SANDBOX_LIVE_KEY, SANDBOX_TEST_KEY, startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { httpAdmin, load, startServer, stopServer, unload } from '../harness';

/** The body the dialog posts, and the answer's JSON as text (to prove no secret is in it). */
async function testConnection(service: string, body: unknown): Promise<{ answer: any; text: string }> {
  const res = await httpAdmin().post(`/flowguard/${service}/test-connection`).send(body as object).expect(200);
  return { answer: res.body, text: JSON.stringify(res.body) };
}

describe('connection checks and pickers (admin routes)', function () {
  this.timeout(60000);
  before(() => startServer());
  after(() => stopServer());
  afterEach(() => unload());

  describe('Stripe: POST /flowguard/stripe/test-connection', () => {
    let stripe: StripeSandbox;
    before(async () => { stripe = await startStripeSandbox({ rateLimitPerSecond: 0 }); });
    after(() => stripe?.close());
    const host = () => ({ useCustomHost: true, host: stripe.host, port: String(stripe.port), protocol: 'http' });

    it('an unsaved config: reports the account id, name and mode; the key is not in the answer', async () => {
      await load(['fg-stripe-config'], []);
      const { answer, text } = await testConnection('stripe', { id: 'new-cfg', config: host(), credentials: { secretKey: SANDBOX_TEST_KEY } });
      assert.equal(answer.ok, true, text);
      assert.match(answer.details.account, /^acct_/);
      assert.equal(answer.details.mode, 'test');
      assert.equal(answer.details.name, 'FlowGuard sandbox');
      assert.match(answer.summary, /^Connected to FlowGuard sandbox \(acct_\w+\) in test mode, API version \d{4}-\d\d-\d\d/);
      assert.ok(!text.includes(SANDBOX_TEST_KEY));
      const live = await testConnection('stripe', { id: 'new-cfg', config: host(), credentials: { secretKey: SANDBOX_LIVE_KEY } });
      assert.equal(live.answer.details.mode, 'live');
      assert.notEqual(live.answer.details.account, answer.details.account, 'each key has its own account');
    });

    it('a wrong key: Stripe\'s own message, with the key masked', async () => {
      await load(['fg-stripe-config'], []);
      const wrong = 'sk_test_thisKeyIsNotKnownToTheSandbox1234';
      const { answer, text } = await testConnection('stripe', { id: 'x', config: host(), credentials: { secretKey: wrong } });
      assert.equal(answer.ok, false);
      assert.match(answer.error, /^Invalid API Key provided: sk_test_/);
      assert.ok(!text.includes(wrong), text);
    });

    it('a malformed or missing key is refused before any call, naming the problem', async () => {
      await load(['fg-stripe-config'], []);
      const { answer } = await testConnection('stripe', { id: 'x', config: host(), credentials: {} });
      assert.deepEqual([answer.ok, answer.error], [false, 'Stripe secret key missing or malformed (expected sk_test_…, sk_live_…, rk_test_… or rk_live_…)']);
    });

    it('__PWRD__ in the key field uses the key stored for that node id; an unknown id has none', async () => {
      await load(['fg-stripe-config'], [{ id: 'saved', type: 'fg-stripe-config', ...host() }], { saved: { secretKey: SANDBOX_TEST_KEY } });
      const stored = await testConnection('stripe', { id: 'saved', config: host(), credentials: { secretKey: '__PWRD__' } });
      assert.equal(stored.answer.ok, true, stored.text);
      const unknown = await testConnection('stripe', { id: 'other', config: host(), credentials: { secretKey: '__PWRD__' } });
      assert.equal(unknown.answer.ok, false);
      assert.match(unknown.answer.error, /secret key missing or malformed/);
    });

    it('a host that does not answer: the connection error, not a hang', async () => {
      await load(['fg-stripe-config'], []);
      const { answer } = await testConnection('stripe', { id: 'x', config: { ...host(), port: '1' }, credentials: { secretKey: SANDBOX_TEST_KEY } });
      assert.equal(answer.ok, false);
      assert.match(answer.error, /connection to Stripe/i);
    });

    it('a body that is not a config: 400', async () => {
      await load(['fg-stripe-config'], []);
      await httpAdmin().post('/flowguard/stripe/test-connection').send({ config: 'nope' }).expect(400);
    });
  });
});
