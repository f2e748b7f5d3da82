// sandbox/main.ts as `npm start` runs it: one process, one JSON line with URLs and the credentials config nodes need.
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import Stripe from 'stripe';
import { SandboxesInfo } from '../../sandbox/main';

describe('e2e: sandbox/main', function () {
  this.timeout(30000);
  let child: ChildProcess | undefined;
  after(() => {
    child?.kill('SIGTERM');
  });

  it('starts the three sandboxes and announces them in one JSON line, with a webhook secret when asked', async () => {
    // Compiled next to this file: <build>/test/e2e → <build>/sandbox/main.js.
    const main = path.join(__dirname, '..', '..', 'sandbox', 'main.js');
    child = spawn(process.execPath, [main], {
      env: { ...process.env, STRIPE_SANDBOX_PORT: '0', SALESFORCE_SANDBOX_PORT: '0', SALESFORCE_PUBSUB_PORT: '0', SNOWFLAKE_SANDBOX_PORT: '0', NODE_RED_URL: 'http://127.0.0.1:9/' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (c) => {
        out += c;
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      child!.on('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
    const info = JSON.parse(line) as SandboxesInfo;
    assert.match(info.stripe.webhookSecret ?? '', /^whsec_/);
    assert.deepEqual(Object.keys(info.salesforce.credentials).sort(), ['clientId', 'clientSecret', 'password', 'securityToken', 'username']);
    const stripe = new Stripe(info.stripe.testKey, { host: info.stripe.host, port: info.stripe.port, protocol: 'http' });
    const endpoints = await stripe.webhookEndpoints.list();
    assert.deepEqual(endpoints.data.map((e) => e.url), ['http://127.0.0.1:9/stripe/webhook']);
    const token = await fetch(`${info.salesforce.url}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', client_id: info.salesforce.credentials.clientId, client_secret: info.salesforce.credentials.clientSecret, username: info.salesforce.credentials.username, password: info.salesforce.credentials.password + info.salesforce.credentials.securityToken }),
    });
    assert.equal(token.status, 200);
    const login = await fetch(`${info.snowflake.url}/session/v1/login-request`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: { LOGIN_NAME: info.snowflake.username, PASSWORD: info.snowflake.password, ACCOUNT_NAME: info.snowflake.account } }) });
    assert.equal(((await login.json()) as { success: boolean }).success, true);
  });
});
