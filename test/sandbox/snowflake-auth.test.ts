// Sign-in methods against the Snowflake sandbox with the unmodified snowflake-sdk: each method accepted with the right
// credential and refused with Snowflake's own code and message with a wrong one (the sandbox checks what the driver
// puts in the login request: PASSWORD, a JWT signed with a registered key, a PAT, an OAuth token it issued).
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import snowflake from 'snowflake-sdk';
import { startSnowflakeSandbox, SnowflakeSandbox } from '../../sandbox/snowflake';
import { tokenEndpointRefusal } from '../../lib/snowflake/errors';
import { connect, destroy, one } from './snowflake-client';

const rsa = (passphrase?: string) => generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: passphrase ? { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase } : { type: 'pkcs8', format: 'pem' },
});

describe('Snowflake sandbox: authentication methods with the unmodified snowflake-sdk', function () {
  this.timeout(30000);
  let sandbox: SnowflakeSandbox;
  const plainKey = rsa();
  const encryptedKey = rsa('open sesame');
  const strangerKey = rsa();

  before(async () => {
    sandbox = await startSnowflakeSandbox({
      users: { SANDBOX: 'sandbox', LOADER: 'loader-password' },
      oauthTokens: ['oauth-token-1'],
      publicKeys: { SANDBOX: [plainKey.publicKey], LOADER: [encryptedKey.publicKey] },
      programmaticTokens: { LOADER: ['pat-loader-1'] },
      oauthClients: { 'etl-client': { secret: 'etl-secret', user: 'LOADER' } },
    });
  });
  after(() => sandbox?.close());

  /** Signs in with these options (no password unless given), returns CURRENT_USER() and closes the session. */
  async function signIn(options: Partial<snowflake.ConnectionOptions> & Record<string, unknown>): Promise<string> {
    const connection = await connect(sandbox, { password: undefined, ...options } as Partial<snowflake.ConnectionOptions>);
    try {
      return String((await one(connection, 'select current_user() as u')).U);
    } finally {
      await destroy(connection);
    }
  }
  const refusedWith = async (options: Record<string, unknown>, code: string, message: RegExp) => {
    const before = sandbox.stats.logins;
    await assert.rejects(signIn(options), (err: any) => {
      assert.equal(String(err.code), code, `${err.code} ${err.message}`);
      assert.match(err.message, message);
      return true;
    });
    assert.equal(sandbox.stats.logins, before, 'no session opened');
  };

  it('password: the right one signs in, a wrong one is 390100', async () => {
    assert.equal(await signIn({ password: 'sandbox' }), 'SANDBOX');
    await refusedWith({ password: 'nope' }, '390100', /^Incorrect username or password was specified\.$/);
  });

  it('key pair: a JWT signed with the registered key signs in; another key, or another user\'s key, is 390144', async () => {
    assert.equal(await signIn({ authenticator: 'SNOWFLAKE_JWT', privateKey: plainKey.privateKey }), 'SANDBOX');
    await refusedWith({ authenticator: 'SNOWFLAKE_JWT', privateKey: strangerKey.privateKey }, '390144', /^JWT token is invalid\. \[[0-9a-f-]{36}\]$/);
    await refusedWith({ authenticator: 'SNOWFLAKE_JWT', privateKey: plainKey.privateKey, username: 'loader' }, '390144', /JWT token is invalid/);
  });

  it('key pair with an encrypted private key: signs in with its passphrase; a wrong passphrase never reaches the service', async () => {
    assert.equal(await signIn({ authenticator: 'SNOWFLAKE_JWT', username: 'loader', privateKey: encryptedKey.privateKey, privateKeyPass: 'open sesame' }), 'LOADER');
    const before = sandbox.stats.failedLogins + sandbox.stats.logins;
    await assert.rejects(signIn({ authenticator: 'SNOWFLAKE_JWT', username: 'loader', privateKey: encryptedKey.privateKey, privateKeyPass: 'wrong' }), /decrypt|bad decrypt|passphrase/i);
    assert.equal(sandbox.stats.failedLogins + sandbox.stats.logins, before);
  });

  it('programmatic access token: the user\'s token signs in; a wrong one, or another user\'s, is 394400', async () => {
    assert.equal(await signIn({ authenticator: 'PROGRAMMATIC_ACCESS_TOKEN', username: 'loader', token: 'pat-loader-1' }), 'LOADER');
    await refusedWith({ authenticator: 'PROGRAMMATIC_ACCESS_TOKEN', username: 'loader', token: 'pat-forged' }, '394400', /^Programmatic access token is invalid\.$/);
    await refusedWith({ authenticator: 'PROGRAMMATIC_ACCESS_TOKEN', username: 'sandbox', token: 'pat-loader-1' }, '394400', /Programmatic access token is invalid/);
  });

  it('OAuth client credentials: the driver gets a token from /oauth/token-request and signs in as the client\'s user; a wrong secret gets invalid_client', async () => {
    const client = { authenticator: 'OAUTH_CLIENT_CREDENTIALS', username: 'loader', oauthClientId: 'etl-client', oauthClientSecret: 'etl-secret', oauthHttpAllowed: true };
    assert.equal(await signIn(client), 'LOADER');
    assert.equal(sandbox.issuedTokens.size, 1);
    const before = sandbox.stats.failedLogins + sandbox.stats.logins;
    await assert.rejects(signIn({ ...client, oauthClientSecret: 'not-the-secret' }), (err: any) => {
      // The driver throws its HTTP client's error; the endpoint's answer is in response.data, which lib/snowflake reads.
      assert.equal(err.response?.status, 401);
      assert.equal(tokenEndpointRefusal(err)?.message, 'OAuth token endpoint refused the request: invalid_client (Client authentication failed.)');
      return true;
    });
    assert.equal(sandbox.stats.failedLogins + sandbox.stats.logins, before, 'no login request without a token');
    // A token issued for LOADER does not sign in as SANDBOX.
    const [token] = sandbox.issuedTokens.keys();
    await refusedWith({ authenticator: 'OAUTH', username: 'sandbox', token }, '390303', /^Invalid OAuth access token\. \[/);
  });

  it('OAuth token: a known token signs in, a forged one is 390303', async () => {
    assert.equal(await signIn({ authenticator: 'OAUTH', token: 'oauth-token-1' }), 'SANDBOX');
    await refusedWith({ authenticator: 'OAUTH', token: 'forged' }, '390303', /Invalid OAuth access token/);
  });

  it('the token endpoint answers RFC 6749 errors as JSON', async () => {
    const post = (body: string) => fetch(`${sandbox.url}/oauth/token-request`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const wrongGrant = await post('grant_type=password&client_id=etl-client&client_secret=etl-secret');
    assert.deepEqual([wrongGrant.status, ((await wrongGrant.json()) as any).error], [400, 'unsupported_grant_type']);
    const basic = await fetch(`${sandbox.url}/oauth/token-request`, {
      method: 'POST', body: 'grant_type=client_credentials',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('etl-client:etl-secret').toString('base64')}` },
    });
    const issued = (await basic.json()) as any;
    assert.equal(basic.status, 200);
    assert.deepEqual([issued.token_type, issued.expires_in, typeof issued.access_token], ['Bearer', 600, 'string']);
  });
});
