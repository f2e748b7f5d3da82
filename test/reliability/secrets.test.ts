/**
 * R6 secrets and injection.
 * - Shipped examples hold no secret and no credentials.
 * - A real Node-RED process with secrets in its credentials handles calls that fail, forged webhooks and parked
 *   messages carrying secrets: its log (debug level), the flow exported through the admin API (GET /flows), the
 *   dead-letter entries (admin API, export and the SQLite file itself) contain none of them.
 * - Injection strings bound into SOQL / SQL leave the statement unchanged (Snowflake: the sandbox's query log holds the
 *   configured text with the value as a bind; Salesforce: the sandbox's query log holds the configured text with the value
 *   as one escaped string literal that decodes back to it, and the result is exactly the one literal match).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { bindSoql } from '../../lib/salesforce/soql-binds';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandbox/salesforce';
import { sandboxControl, sandboxQueries } from '../../sandbox/salesforce/control-client';
import { parseSoql } from '../../sandbox/salesforce/soql-parse';
import { startSnowflakeSandbox, SnowflakeSandbox } from '../../sandbox/snowflake';
import { SANDBOX_LIVE_KEY, SANDBOX_TEST_KEY, startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { examplesDir, getNode, load, receive, unload } from '../harness';
import { NodeRedProcess, prepareUserDir, startNodeRed } from './launcher';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];

const STRIPE_KEY = 'sk_test_R6SecretKeyValue0123456789';
const SIGNING_SECRET = 'whsec_R6SigningSecretValue012345';
const SECRETS = [STRIPE_KEY, SIGNING_SECRET, 'R6SecretKeyValue0123456789', 'R6SigningSecretValue012345'];

const INJECTIONS = ["' OR Name != '", "x' OR '1'='1", "\\' OR 1=1 --", "'; DELETE FROM Account; --", "O'Brien\\", '%', "a' UNION SELECT 1 --", '\u0000\'', ':name', '?'];

function leaks(text: string): string[] {
  return SECRETS.filter((s) => text.includes(s));
}

/** Index just past the quoted literal opening at `start` (backslash escapes honoured), or -1 if it never closes. */
function literalEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i += text[i] === '\\' ? 2 : 1) if (text[i] === "'") return i + 1;
  return -1;
}

describe('R6 secrets and injection', function () {
  this.timeout(120_000);

  it('shipped examples contain no secret and no credentials', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(dir, e.name));
        else if (e.name.endsWith('.json')) files.push(path.join(dir, e.name));
      }
    };
    walk(examplesDir());
    assert.ok(files.length >= 5, 'examples found');
    const secretShape = /\b(sk|rk)_(live|test)_[A-Za-z0-9]{8,}|\bwhsec_[A-Za-z0-9]{8,}|-----BEGIN [A-Z ]*PRIVATE KEY|\bBearer [A-Za-z0-9._-]{8,}/;
    const secretField = /^(password|passphrase|secret|secretKey|webhookSecrets|token|securityToken|clientSecret|privateKey|refreshToken|oauthToken|accessToken)$/i;
    const found: string[] = [];
    for (const file of files) {
      // The sandbox's published test keys are documentation, not secrets.
      const text = fs.readFileSync(file, 'utf8').split(SANDBOX_TEST_KEY).join('').split(SANDBOX_LIVE_KEY).join('');
      if (secretShape.test(text)) found.push(`${path.basename(file)}: secret-shaped text`);
      for (const node of JSON.parse(text)) {
        if (node.credentials && Object.values(node.credentials).some((v) => v !== '' && v !== undefined)) found.push(`${path.basename(file)}: ${node.id} has credentials`);
        for (const [k, v] of Object.entries(node)) if (secretField.test(k) && typeof v === 'string' && v !== '') found.push(`${path.basename(file)}: ${node.id}.${k}`);
      }
    }
    assert.deepStrictEqual(found, []);
  });

  describe('a Node-RED process holding secrets', () => {
    let stripe: StripeSandbox;
    let red: NodeRedProcess | undefined;
    let userDir: string | undefined;

    before(async () => {
      stripe = await startStripeSandbox({ apiKeys: [STRIPE_KEY], rateLimitPerSecond: 0 });
      const flow = [
        { id: 'tab', type: 'tab', label: 'r6' },
        { id: 'store', type: 'fg-store-config', backend: 'sqlite', sqlitePath: 'r6.sqlite' },
        { id: 'cfg', type: 'fg-stripe-config', name: 'stripe', useCustomHost: true, host: stripe.host, port: stripe.port, protocol: 'http', maxNetworkRetries: 0, ratePerSecond: 0 },
        { id: 'badcfg', type: 'fg-stripe-config', name: 'wrong key', useCustomHost: true, host: stripe.host, port: stripe.port, protocol: 'http', maxNetworkRetries: 0, ratePerSecond: 0 },
        // POST /charge: a customer create whose params Stripe refuses; the failure is parked with the whole msg.
        { id: 'in', type: 'http in', z: 'tab', url: '/charge', method: 'post', wires: [['stripe', 'ok']] },
        { id: 'stripe', type: 'fg-stripe', z: 'tab', stripe: 'cfg', resource: 'customers', method: 'create', paramsType: 'msg', paramsValue: 'payload', keySource: 'msg', keyScope: 'node', errorRouting: 'output', wires: [[], ['dlq']] },
        { id: 'in-bad', type: 'http in', z: 'tab', url: '/badkey', method: 'post', wires: [['stripe-bad', 'ok']] },
        { id: 'stripe-bad', type: 'fg-stripe', z: 'tab', stripe: 'badcfg', resource: 'customers', method: 'create', paramsType: 'msg', paramsValue: 'payload', keySource: 'msg', keyScope: 'node', errorRouting: 'both', wires: [[], ['dlq']] },
        { id: 'dlq', type: 'fg-dead-letter', z: 'tab', store: 'store', wires: [[], []] },
        { id: 'ok', type: 'http response', z: 'tab', statusCode: '202', wires: [] },
        { id: 'hook', type: 'fg-stripe-webhook', z: 'tab', stripe: 'cfg', path: '/hook', eventTypes: '*', toleranceSeconds: 300, wires: [[]] },
      ];
      userDir = prepareUserDir(['fg-store-config', 'fg-stripe-config', 'fg-stripe', 'fg-stripe-webhook', 'fg-dead-letter'], flow, {
        cfg: { secretKey: STRIPE_KEY, webhookSecrets: SIGNING_SECRET },
        badcfg: { secretKey: `${STRIPE_KEY}X`, webhookSecrets: `${SIGNING_SECRET}X` },
      });
      red = await startNodeRed(userDir, undefined, 'debug');
    });

    after(async () => {
      await red?.kill('SIGKILL');
      await stripe?.close();
      if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
    });

    it('keeps every secret out of logs, GET /flows, DLQ entries and their store', async () => {
      const post = (route: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${red!.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      // Parameters Stripe refuses, carrying the secrets in the payload and in a header-like field.
      for (let i = 0; i < 3; i++) {
        assert.strictEqual((await post('/charge', { email: `r6-${i}@example.com`, note: `key ${STRIPE_KEY}`, signing: SIGNING_SECRET, authorization: `Bearer ${STRIPE_KEY}` })).status, 202);
      }
      assert.strictEqual((await post('/badkey', { email: 'bad@example.com' })).status, 202);
      // Forged webhooks (logged with their reason), one carrying the signing secret in clear.
      await post('/hook', { id: 'evt_1', object: 'event', type: 'x' }, { 'stripe-signature': `t=1,v1=${SIGNING_SECRET}` });
      await post('/hook', { id: 'evt_2', object: 'event', type: 'x' });
      const dlqPage = async () => (await fetch(`${red!.url}/flowguard/dlq/dlq?limit=50`)).json() as Promise<any>;
      const end = Date.now() + 15_000;
      while ((await dlqPage()).depth < 4 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      const page = await dlqPage();
      assert.strictEqual(page.depth, 4, 'three refused charges and one wrong-key call parked');
      const exported = await (await fetch(`${red!.url}/flowguard/dlq/dlq/export`)).text();
      const flows = await (await fetch(`${red!.url}/flows`)).text();
      assert.ok(flows.includes('fg-stripe-config'), 'GET /flows answered with the flow');
      const storeFile = fs.readFileSync(path.join(userDir!, 'r6.sqlite')).toString('latin1') + (fs.existsSync(path.join(userDir!, 'r6.sqlite-wal')) ? fs.readFileSync(path.join(userDir!, 'r6.sqlite-wal')).toString('latin1') : '');
      const places: Record<string, string> = { log: red!.output(), 'GET /flows': flows, 'DLQ page': JSON.stringify(page), 'DLQ export': exported, 'SQLite store': storeFile };
      const found = Object.entries(places).flatMap(([where, text]) => leaks(text).map((s) => `${where} contains ${s.slice(0, 12)}…`));
      console.log(`      checked ${Object.entries(places).map(([k, v]) => `${k} (${v.length} chars)`).join(', ')}`);
      assert.deepStrictEqual(found, []);
      // The parked entries are still useful: the error and the non-secret fields are there.
      const entry = page.entries.find((e: any) => e.item.msg.payload?.email === 'r6-0@example.com');
      assert.ok(entry, 'the refused charge is parked with its payload');
      assert.strictEqual(entry.item.error.code, 'parameter_unknown');
      assert.match(entry.item.msg.payload.note, /\*\*\*/, 'the secret was there and got masked');
    });
  });

  describe('injection strings in binds', () => {
    let sf: SalesforceSandbox;
    let snow: SnowflakeSandbox;
    before(async () => {
      sf = await startSalesforceSandbox();
      snow = await startSnowflakeSandbox({ users: { SANDBOX: 'sandbox' } });
    });
    after(async () => {
      await unload();
      await sf?.close();
      await snow?.close();
    });

    it('SOQL: each injection string matches only the record whose Name is that literal string', async () => {
      await sandboxControl(sf.url, 'POST', '/seed', { records: { Account: [...INJECTIONS.map((Name) => ({ Name })), { Name: 'Other' }, { Name: 'Third' }] } });
      const soql = 'SELECT Id, Name FROM Account WHERE Name = :name';
      await load(['fg-salesforce-config', 'fg-salesforce'], [
        { id: 'c1', type: 'fg-salesforce-config', loginTarget: 'custom', loginUrl: sf.url, authFlow: 'password', apiVersion: '59.0', warnPercent: 0, pausePercent: 0 },
        { id: 'n1', type: 'fg-salesforce', salesforce: 'c1', operation: 'query', statement: soql, wires: [['ok'], ['err']] },
        { id: 'ok', type: 'helper' },
        { id: 'err', type: 'helper' },
      ], { c1: { clientId: 'flowguard-client', clientSecret: 'flowguard-secret', username: 'integration@flowguard.test', password: 'password', securityToken: 'TOKEN' } });
      const prefix = soql.slice(0, soql.indexOf(':name'));
      const wrong: string[] = [];
      for (const name of INJECTIONS) {
        // The statement the node sends: the template with one quoted literal in place of :name.
        const bound = bindSoql(soql, { name });
        if (!bound.startsWith('SELECT Id, Name FROM Account WHERE Name = \'') || !bound.endsWith('\'')) wrong.push(`bound statement changed shape: ${bound}`);
        const before = (await sandboxQueries(sf.url)).length;
        const got = receive('ok');
        getNode('n1').receive({ binds: { name } });
        const names = (await got)[0].payload.map((r: any) => r.Name);
        if (JSON.stringify(names) !== JSON.stringify([name])) wrong.push(`${JSON.stringify(name)} matched ${JSON.stringify(names)}`);
        // What the sandbox received: one statement, exactly the bound text, whose only literal starts after the
        // template's `= ` and closes at the very end (no quote ends it early, no OR / LIMIT / ; outside it).
        const received = (await sandboxQueries(sf.url)).slice(before);
        if (received.length !== 1 || received[0].api !== 'rest') { wrong.push(`${JSON.stringify(name)}: sandbox received ${JSON.stringify(received)}`); continue; }
        const text = received[0].soql;
        if (text !== bound) wrong.push(`${JSON.stringify(name)}: sandbox received ${JSON.stringify(text)}, bindSoql gives ${JSON.stringify(bound)}`);
        if (!text.startsWith(`${prefix}'`) || literalEnd(text, prefix.length) !== text.length) wrong.push(`${JSON.stringify(name)}: text outside the literal in ${JSON.stringify(text)}`);
        // The sandbox's parser reads it back as the one comparison, with the literal decoding to the value itself.
        let parsed: unknown;
        try { parsed = parseSoql(text); } catch (err) { parsed = `unparseable: ${(err as Error).message}`; }
        const expected = { count: false, fields: ['Id', 'Name'], object: 'Account', orderBy: [], where: { kind: 'cmp', field: 'Name', op: '=', value: { kind: 'string', v: name } } };
        if (!isDeepStrictEqual(parsed, expected)) wrong.push(`${JSON.stringify(name)}: parsed as ${JSON.stringify(parsed)}`);
      }
      assert.deepStrictEqual(wrong, []);
      assert.strictEqual(sf.state.org.all('Account').length, INJECTIONS.length + 2, 'no record deleted');
      await unload();
    });

    it('SQL: every statement in the query log is the configured text; injection strings stay bind values', async () => {
      await snow.runSql('create or replace table accounts (id int, name string)', 'R6_DB');
      await snow.runSql("insert into accounts values (1, 'alice'), (2, 'bob')", 'R6_DB');
      const sql = 'select id, name from accounts where name = ?';
      await load(['fg-snowflake-config', 'fg-snowflake'], [
        { id: 'c1', type: 'fg-snowflake-config', account: 'sandbox', username: 'sandbox', auth: 'password', database: 'R6_DB', schema: 'PUBLIC', warehouse: 'WH', poolMax: 1, accessUrl: snow.url },
        { id: 'n1', type: 'fg-snowflake', snowflake: 'c1', mode: 'query', sql, wires: [['ok'], ['err']] },
        { id: 'ok', type: 'helper' },
        { id: 'err', type: 'helper' },
      ], { c1: { password: 'sandbox' } });
      const before = snow.queryLog.length;
      for (const name of [...INJECTIONS, "alice' or '1'='1", "x'); drop table accounts; --"]) {
        const got = receive('ok');
        getNode('n1').receive({ binds: [name] });
        assert.deepStrictEqual((await got)[0].payload, [], `${JSON.stringify(name)} matched nothing`);
      }
      const statements = snow.queryLog.slice(before).filter((q) => q.kind !== 'ALTER' && !/^alter session|^use /i.test(q.sqlText));
      assert.strictEqual(statements.length, INJECTIONS.length + 2);
      for (const q of statements) {
        assert.strictEqual(q.sqlText, sql);
        assert.strictEqual(q.bindRows, 1);
      }
      assert.deepStrictEqual(await snow.runSql('select count(*) from accounts', 'R6_DB'), [['2']]);
    });
  });
});
