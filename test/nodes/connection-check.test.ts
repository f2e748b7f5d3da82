// "Test connection" admin routes of the service config nodes and the editor pickers, through the test helper's admin
// app against the sandboxes: what the dialog posts (saved or unsaved config, the __PWRD__ placeholder for a stored
// secret), what comes back (the account facts, or the service's own error text) and what never comes back (secrets).
// Permissions (flowguard.write) are checked against a real Node-RED with adminAuth in test/browser/pickers.test.ts.
import * as http from 'node:http';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandbox/salesforce';
import { sandboxCalls, sandboxControl } from '../../sandbox/salesforce/control-client';
import { startSnowflakeSandbox, SnowflakeSandbox } from '../../sandbox/snowflake';
import { SANDBOX_LIVE_KEY, SANDBOX_TEST_KEY, startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { httpAdmin, load, startServer, stopServer, unload } from '../harness';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];

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

    it('a stored key is never sent to another host than the deployed one: refused, nothing reaches that host', async () => {
      await load(['fg-stripe-config'], [{ id: 'saved', type: 'fg-stripe-config', ...host() }], { saved: { secretKey: SANDBOX_TEST_KEY } });
      const seen: string[] = [];
      const listener = http.createServer((req, res) => { seen.push(String(req.headers.authorization)); res.end('{}'); });
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      try {
        const port = String((listener.address() as { port: number }).port);
        const elsewhere = await testConnection('stripe', { id: 'saved', config: { ...host(), host: '127.0.0.1', port }, credentials: { secretKey: '__PWRD__' } });
        assert.equal(elsewhere.answer.ok, false);
        assert.match(elsewhere.answer.error, /saved secretKey is only used with the deployed (host, )?port: type it again/);
        assert.deepEqual(seen, []);
        assert.ok(!elsewhere.text.includes(SANDBOX_TEST_KEY));
      } finally {
        listener.close();
      }
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

  describe('Salesforce: test connection and the object / field pickers', () => {
    let sf: SalesforceSandbox;
    const CLIENT = { clientId: 'flowguard-client', clientSecret: 'flowguard-secret' };
    const PASSWORD = { username: 'integration@flowguard.test', password: 'password', securityToken: 'TOKEN' };
    const custom = () => ({ loginTarget: 'custom', loginUrl: sf.url, authFlow: 'client_credentials', apiVersion: '68.0' });
    const calls = async (route: string): Promise<number> => (await sandboxCalls(sf.url)).byRoute[route] ?? 0;
    before(async () => { sf = await startSalesforceSandbox(); });
    after(() => sf?.close());
    beforeEach(() => sandboxControl(sf.url, 'POST', '/reset'));

    it('an unsaved config: org id, user and API version; no secret in the answer', async () => {
      await load(['fg-salesforce-config'], []);
      const { answer, text } = await testConnection('salesforce', { id: 'new', config: custom(), credentials: CLIENT });
      assert.equal(answer.ok, true, text);
      assert.match(answer.details.organizationId, /^00D/);
      assert.match(answer.details.userId, /^005/);
      assert.equal(answer.details.apiVersion, '68.0');
      assert.equal(answer.summary, `Signed in as ${answer.details.username} to org ${answer.details.organizationId}, API 68.0`);
      assert.ok(!text.includes(CLIENT.clientSecret));
    });

    it('wrong credentials: Salesforce\'s own error; an API version the org does not offer: its error too', async () => {
      await load(['fg-salesforce-config'], []);
      const wrong = await testConnection('salesforce', { id: 'new', config: custom(), credentials: { ...CLIENT, clientSecret: 'not-the-secret' } });
      assert.equal(wrong.answer.ok, false);
      assert.equal(wrong.answer.error, 'invalid client credentials');
      assert.ok(!wrong.text.includes('not-the-secret'));
      const password = await testConnection('salesforce', { id: 'new', config: { ...custom(), authFlow: 'password', apiVersion: '59.0' }, credentials: { ...PASSWORD, password: 'wrong-password' } });
      assert.equal(password.answer.ok, false);
      assert.equal(password.answer.error, 'INVALID_LOGIN: Invalid username, password, security token; or user locked out.');
      const version = await testConnection('salesforce', { id: 'new', config: { ...custom(), apiVersion: '19.0' }, credentials: CLIENT });
      assert.equal(version.answer.ok, false, version.text);
      assert.equal(version.answer.error, 'API version 19.0 is retired and unavailable');
    });

    it('a saved config with __PWRD__ in its secret fields signs in with the stored secrets', async () => {
      await load(['fg-salesforce-config'], [{ id: 'saved', type: 'fg-salesforce-config', ...custom() }], { saved: CLIENT });
      const { answer, text } = await testConnection('salesforce', { id: 'saved', config: custom(), credentials: { clientId: CLIENT.clientId, clientSecret: '__PWRD__' } });
      assert.equal(answer.ok, true, text);
    });

    it('objects and fields come from describe, once per few minutes; a partial object name never reaches Salesforce', async () => {
      await load(['fg-salesforce-config'], [{ id: 'c1', type: 'fg-salesforce-config', ...custom() }], { c1: CLIENT });
      const objects = await httpAdmin().get('/flowguard/salesforce/c1/sobjects').expect(200);
      assert.ok(objects.body.some((o: any) => o.name === 'Opportunity' && o.label === 'Opportunity'));
      const partial = await httpAdmin().get('/flowguard/salesforce/c1/sobjects/Opp/fields').expect(404);
      assert.equal(partial.body.error, 'This org has no object named "Opp": pick one from the list');
      const fields = await httpAdmin().get('/flowguard/salesforce/c1/sobjects/account/fields').expect(200);
      assert.ok(fields.body.some((f: any) => f.name === 'Name'));
      assert.deepEqual(fields.body.filter((f: any) => f.externalId).map((f: any) => f.name), ['External_Id__c']);
      await httpAdmin().get('/flowguard/salesforce/c1/sobjects').expect(200);
      await httpAdmin().get('/flowguard/salesforce/c1/sobjects/Account/fields').expect(200);
      assert.deepEqual([await calls('describeGlobal'), await calls('sobject.describe')], [1, 1], 'each list asked for once, nothing for "Opp"');
    });

    it('a config that is not deployed: 404 saying so; a sign-in failure: 502 with Salesforce\'s text', async () => {
      await load(['fg-salesforce-config'], [{ id: 'c1', type: 'fg-salesforce-config', ...custom() }], { c1: { ...CLIENT, clientSecret: 'wrong' } });
      const missing = await httpAdmin().get('/flowguard/salesforce/nope/sobjects').expect(404);
      assert.match(missing.body.error, /Deploy the Salesforce config node first/);
      const failed = await httpAdmin().get('/flowguard/salesforce/c1/sobjects').expect(502);
      assert.match(failed.body.error, /^Salesforce: invalid client credentials$/);
    });

    it('a deployed config that cannot work: 409 naming its problem, not "deploy first"', async () => {
      await load(['fg-salesforce-config'], [{ id: 'c1', type: 'fg-salesforce-config', loginTarget: 'custom', loginUrl: '' }], { c1: { ...CLIENT } });
      const broken = await httpAdmin().get('/flowguard/salesforce/c1/sobjects').expect(409);
      assert.match(broken.body.error, /^Salesforce config cannot be used: a custom login URL is required/);
    });
  });

  describe('Snowflake: test connection and the warehouse / database / schema / table listings', () => {
    let sf: SnowflakeSandbox;
    const encrypted = generateKeyPairSync('rsa', {
      modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'open sesame' },
    });
    const dialog = () => ({ account: 'sandbox', username: 'sandbox', auth: 'password', warehouse: 'COMPUTE_WH', database: 'PICK_DB', schema: 'PUBLIC', role: 'ANALYST', accessUrl: sf.url });
    const browse = (body: object, status = 200) => httpAdmin().post('/flowguard/snowflake/browse').send(body).expect(status);
    before(async () => {
      sf = await startSnowflakeSandbox({
        warehouses: ['COMPUTE_WH', 'LOAD_WH'], users: { SANDBOX: 'sandbox', LOADER: 'loader-password-1' },
        programmaticTokens: { LOADER: ['pat-loader-1'] }, publicKeys: { LOADER: [encrypted.publicKey] },
        oauthClients: { 'etl-client': { secret: 'etl-secret-1', user: 'LOADER' } },
      });
      await sf.runSql('create table orders (id int)', 'PICK_DB', 'PUBLIC');
      await sf.runSql('create table "Daily Report" (id int)', 'PICK_DB', '"Reporting"');
    });
    after(() => sf?.close());

    it('an unsaved config: account, user, role, warehouse, database and schema of the session; no password in the answer', async () => {
      await load(['fg-snowflake-config'], []);
      const { answer, text } = await testConnection('snowflake', { id: 'new', config: dialog(), credentials: { password: 'sandbox' } });
      assert.equal(answer.ok, true, text);
      assert.deepEqual(answer.details, { account: 'SANDBOX', user: 'SANDBOX', role: 'ANALYST', warehouse: 'COMPUTE_WH', database: 'PICK_DB', schema: 'PUBLIC' });
      assert.equal(answer.summary, 'Connected to account SANDBOX as SANDBOX, role ANALYST, warehouse COMPUTE_WH, PICK_DB.PUBLIC');
      assert.ok(!/"sandbox"/.test(text.replace(/"account":"SANDBOX"/, '')));
    });

    it('a wrong password: Snowflake\'s own message; a stored password through __PWRD__; a missing one named before any call', async () => {
      await load(['fg-snowflake-config'], [{ id: 'saved', type: 'fg-snowflake-config', ...dialog() }], { saved: { password: 'sandbox' } });
      const wrong = await testConnection('snowflake', { id: 'new', config: dialog(), credentials: { password: 'not-it-at-all' } });
      assert.deepEqual([wrong.answer.ok, wrong.answer.error], [false, 'Incorrect username or password was specified.']);
      assert.ok(!wrong.text.includes('not-it-at-all'));
      const stored = await testConnection('snowflake', { id: 'saved', config: dialog(), credentials: { password: '__PWRD__' } });
      assert.equal(stored.answer.ok, true, stored.text);
      // a stored secret of another kind of config node is never used, so it cannot be sent to a host of the caller's choosing
      await unload();
      await load(['fg-snowflake-config', 'fg-salesforce-config'], [{ id: 'sf', type: 'fg-salesforce-config', loginTarget: 'custom', loginUrl: sf.url }], { sf: { password: 'sandbox' } });
      const crossed = await testConnection('snowflake', { id: 'sf', config: dialog(), credentials: { password: '__PWRD__' } });
      assert.deepEqual([crossed.answer.ok, crossed.answer.error], [false, 'Password authentication needs a password']);
      const browsed = await browse({ id: 'sf', config: dialog(), credentials: { password: '__PWRD__' }, list: 'databases' }, 502);
      assert.equal(browsed.body.error, 'Snowflake: Password authentication needs a password');
      const none = await testConnection('snowflake', { id: 'new', config: dialog(), credentials: {} });
      assert.deepEqual([none.answer.ok, none.answer.error], [false, 'Password authentication needs a password']);
    });

    it('the newer sign-in methods: a programmatic access token, OAuth client credentials, an encrypted key with its passphrase; each service refusal in its own words, no secret in the answer', async () => {
      await load(['fg-snowflake-config'], []);
      const check = (auth: string, credentials: object, extra: object = {}) => testConnection('snowflake', { id: 'new', config: { ...dialog(), username: 'loader', auth, ...extra }, credentials });
      const pat = await check('pat', { programmaticToken: 'pat-loader-1' });
      assert.equal(pat.answer.ok, true, pat.text);
      assert.equal(pat.answer.details.user, 'LOADER');
      const badPat = await check('pat', { programmaticToken: 'pat-forged-123' });
      assert.deepEqual([badPat.answer.ok, badPat.answer.error], [false, 'Programmatic access token is invalid.']);
      assert.ok(!badPat.text.includes('pat-forged-123'));
      const client = await check('oauthClientCredentials', { oauthClientSecret: 'etl-secret-1' }, { oauthClientId: 'etl-client' });
      assert.equal(client.answer.ok, true, client.text);
      assert.match(client.answer.summary, /as LOADER, role ANALYST/);
      const badClient = await check('oauthClientCredentials', { oauthClientSecret: 'wrong-secret-1' }, { oauthClientId: 'etl-client' });
      assert.deepEqual([badClient.answer.ok, badClient.answer.error], [false, 'OAuth token endpoint refused the request: invalid_client (Client authentication failed.)']);
      const key = await check('keypair', { privateKey: encrypted.privateKey, privateKeyPass: 'open sesame' });
      assert.equal(key.answer.ok, true, key.text);
      const badPass = await check('keypair', { privateKey: encrypted.privateKey, privateKeyPass: 'not it' });
      assert.deepEqual([badPass.answer.ok, badPass.answer.error], [false, 'Key-pair authentication: the passphrase does not decrypt the private key']);
      assert.ok(!badPass.text.includes('PRIVATE KEY'));
    });

    it('lists with the dialog\'s values: warehouses, databases, schemas of a database, tables of a schema (quoted names kept exact)', async () => {
      await load(['fg-snowflake-config'], []);
      const posted = { id: 'new', config: dialog(), credentials: { password: 'sandbox' } };
      assert.deepEqual((await browse({ ...posted, list: 'warehouses' })).body.map((w: any) => w.name), ['COMPUTE_WH', 'LOAD_WH']);
      assert.ok((await browse({ ...posted, list: 'databases' })).body.some((d: any) => d.name === 'PICK_DB'));
      const schemas = (await browse({ ...posted, list: 'schemas', database: 'pick_db' })).body;
      assert.deepEqual(schemas.map((x: any) => [x.name, x.identifier]), [['INFORMATION_SCHEMA', 'INFORMATION_SCHEMA'], ['PUBLIC', 'PUBLIC'], ['Reporting', '"Reporting"']]);
      const tables = (await browse({ ...posted, list: 'tables', database: 'PICK_DB', schema: '"Reporting"' })).body;
      assert.deepEqual(tables.map((x: any) => [x.name, x.identifier]), [['Daily Report', '"Daily Report"']]);
      const log = sf.queryLog.map((q) => q.sqlText).filter((q) => q.startsWith('SHOW'));
      assert.ok(log.includes('SHOW SCHEMAS IN DATABASE PICK_DB') && log.includes('SHOW TABLES IN SCHEMA PICK_DB."Reporting"'), log.join('\n'));
    });

    it('fg-snowflake lists through the deployed config node (its current schema); bad names are 400, unknown ones Snowflake\'s 002003', async () => {
      await load(['fg-snowflake-config'], [{ id: 'c1', type: 'fg-snowflake-config', ...dialog() }], { c1: { password: 'sandbox' } });
      assert.deepEqual((await browse({ id: 'c1', list: 'tables' })).body.map((x: any) => x.identifier), ['ORDERS']);
      await browse({ id: 'nope', list: 'tables' }, 404);
      assert.match((await browse({ id: 'c1', list: 'schemas', database: 'x; drop table orders' }, 400)).body.error, /^Invalid name/);
      await browse({ id: 'c1', list: 'users' }, 400);
      const missing = await browse({ id: 'c1', list: 'schemas', database: 'NO_SUCH_DB' }, 502);
      assert.match(missing.body.error, /^Snowflake: SQL compilation error:\nDatabase 'NO_SUCH_DB' does not exist or not authorized\.$/);
    });
  });
});
