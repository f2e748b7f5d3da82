// lib/ops/redact: secrets masked in every form they reach a log line, a DLQ entry, an export or an admin response,
// and ordinary words never masked (issue 16: a demo password "sandbox" masked the word everywhere).
import * as assert from 'assert';
import { formatLine } from '../../lib/ops/log';
import { forgetSecret, isSecretKey, redact, redactField, redactName, redactValue, registerSecret } from '../../lib/ops/redact';

describe('redaction', () => {
  describe('secret-shaped field names', () => {
    const SECRET_KEYS = [
      'password', 'Password', 'passwd', 'pwd', 'passphrase', 'dbPassword', 'secret', 'client_secret', 'clientSecret', 'webhookSecrets',
      'secretKey', 'token', 'access_token', 'accessToken', 'refresh_token', 'id_token', 'securityToken', 'apiKey', 'api_key', 'API-KEY',
      'x-api-key', 'X-Api-Key', 'stripeApiKey', 'sessionId', 'session_id', 'JSESSIONID', 'authorization', 'Authorization',
      'proxy-authorization', 'cookie', 'Cookie', 'set-cookie', 'Set-Cookie', 'private key', 'privateKey', 'private_key',
      'privateKeyPass', 'aws_secret_access_key', 'AccountKey', 'SharedAccessKey',
    ];
    // Business names that contain a secret word without being one: deliberately visible.
    const BUSINESS_KEYS = [
      'idempotencyKey', 'tokenizationMethod', 'tokenType', 'token_type', 'tokens', 'tokenCount', 'nextPageToken', 'pageToken',
      'checkoutSessionId', 'stripeSessionId', 'publishableKey', 'key', 'keys', 'apiKeyId', 'privateKeyPath', 'passwordPolicy',
      'secretary', 'cookieConsent', 'session', 'user', 'username', 'signature', 'account',
    ];

    it('recognises the secret ones in any spelling', () => {
      assert.deepStrictEqual(SECRET_KEYS.filter((k) => !isSecretKey(k)), []);
    });

    it('leaves business names that merely contain token / key / session / secret', () => {
      assert.deepStrictEqual(BUSINESS_KEYS.filter((k) => isSecretKey(k)), []);
    });

    it('masks them at any depth, in arrays too, and keeps the business fields beside them', () => {
      const secretFields = Object.fromEntries(SECRET_KEYS.map((k) => [k, `value-of-${k}`]));
      const businessFields = Object.fromEntries(BUSINESS_KEYS.map((k) => [k, `value-of-${k}`]));
      const out = redactValue({ a: { b: [{ c: { ...secretFields, ...businessFields } }] } });
      const fields = out.a.b[0].c as Record<string, string>;
      for (const k of SECRET_KEYS) assert.strictEqual(fields[k], '***', k);
      for (const k of BUSINESS_KEYS) assert.strictEqual(fields[k], `value-of-${k}`, k);
    });

    it('masks a whole object or number under a secret name, keeps flags and empty values (nothing to hide)', () => {
      assert.deepStrictEqual(
        redactValue({ credentials: { password: 'x1', user: 'u' }, token: { value: 'abc' }, pin: 1, pwd: 1234, secret: true, apiKey: '', refreshToken: null }),
        { credentials: { password: '***', user: 'u' }, token: '***', pin: 1, pwd: '***', secret: true, apiKey: '', refreshToken: null },
      );
    });

    it('one log field by its name', () => {
      assert.strictEqual(redactField('securityToken', 'abc'), '***');
      assert.strictEqual(redactField('idempotencyKey', 'order-1'), 'order-1');
      assert.deepStrictEqual(redactField('headers', { 'x-api-key': 'k', accept: 'json' }), { 'x-api-key': '***', accept: 'json' });
    });
  });

  describe('connection strings and URLs inside text', () => {
    const cases: [string, string][] = [
      ['Server=db.internal;User Id=app;Password=Tr0ub4dor;Encrypt=true', 'Server=db.internal;User Id=app;Password=***;Encrypt=true'],
      ['Server=db;Password=two words & more;Timeout=5', 'Server=db;Password=***;Timeout=5'],
      ['Driver={ODBC Driver 18};Server=x;Uid=u;Pwd={a;b};', 'Driver={ODBC Driver 18};Server=x;Uid=u;Pwd={***};'],
      ['Server=x; pwd = hunter2', 'Server=x; pwd = ***'],
      ['password=abc;server=x', 'password=***;server=x'],
      ['DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=bWFueSBieXRlcw==;EndpointSuffix=core.windows.net',
        'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=***;EndpointSuffix=core.windows.net'],
      ['https://user:hunter2@api.example.com/v1', 'https://user:***@api.example.com/v1'],
      ['postgres://app:s3cr3t@db:5432/shop', 'postgres://app:***@db:5432/shop'],
      ['redis://:only-a-password@cache:6379', 'redis://:***@cache:6379'],
      ['GET https://h/cb?user=ann&password=hunter2&x=1 failed', 'GET https://h/cb?user=ann&password=***&x=1 failed'],
      ['https://h/cb?token=abc123#top', 'https://h/cb?token=***#top'],
      ['https://app/cb#access_token=eyJabc.def&token_type=bearer&expires_in=3600', 'https://app/cb#access_token=***&token_type=bearer&expires_in=3600'],
      ['https://h/v1?api_key=k123&q=shoes', 'https://h/v1?api_key=***&q=shoes'],
      ['x-api-key: k-123456', 'x-api-key: ***'],
      ['Authorization: Basic dXNlcjpwYXNz', 'Authorization: ***'],
      ['authorization=Bearer abc.def.ghi, accept=json', 'authorization=***, accept=json'],
      ['Cookie: sid=abc; theme=dark', 'Cookie: ***'],
      ['Set-Cookie: session=abc; Path=/; HttpOnly', 'Set-Cookie: ***'],
      ['body {"user":"ann","password":"hunter 2","sessionId":"00D5"}', 'body {"user":"ann","password":"***","sessionId":"***"}'],
      ['escaped {\\"securityToken\\":\\"abc\\",\\"user\\":\\"u\\"}', 'escaped {\\"securityToken\\":\\"***\\",\\"user\\":\\"u\\"}'],
      ["client_secret='s3' grant_type=client_credentials", "client_secret='***' grant_type=client_credentials"],
      ['-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', '***'],
      ['key sk_live_abcdefghijklmnop and whsec_abcdefghijkl', 'key *** and ***'],
      ['Bearer abcdefghijklmnop', '***'],
    ];
    for (const [text, expected] of cases) {
      it(`${text.split('\n')[0]}`, () => assert.strictEqual(redact(text), expected));
    }

    it('as a string field of a parked msg', () => {
      assert.deepStrictEqual(redactValue({ dsn: 'Server=x;Pwd=hunter2;', callback: 'https://h/cb?token=t1&state=ok' }), { dsn: 'Server=x;Pwd=***;', callback: 'https://h/cb?token=***&state=ok' });
    });
  });

  describe('ordinary words', () => {
    const plain = [
      'the token bucket refilled', 'wrong password or user name', 'INVALID_SESSION_ID: Session expired or invalid',
      'idempotencyKey=order-1 tokenizationMethod=apple_pay', 'Key order-1 already completed', 'https://api.example.com/v1/customers?limit=10',
      'Server=db;Database=shop;Trusted_Connection=yes', 'cookie consent given', 'private key file missing', 'at 12:30: retrying',
      'nextPageToken=abc', 'secretary: Ann',
    ];
    for (const text of plain) it(`"${text}" unchanged`, () => assert.strictEqual(redact(text), text));
  });

  describe('registered credentials', () => {
    const WEAK = 'sandbox';
    const STRONG = 'Xy7#pLm2q';
    before(() => {
      registerSecret(WEAK);
      registerSecret(STRONG);
      registerSecret('abc'); // too short to register: would mask any "abc"
    });
    after(() => [WEAK, STRONG, 'abc'].forEach(forgetSecret));

    it('a short or dictionary-like one is masked only as a whole value, never inside free text', () => {
      assert.strictEqual(redact('Salesforce sandbox (ops@example.com)'), 'Salesforce sandbox (ops@example.com)');
      assert.strictEqual(redact('503 injected by the sandbox'), '503 injected by the sandbox');
      assert.strictEqual(redact('sandboxes'), 'sandboxes');
      assert.strictEqual(redact('sandbox'), '***');
      assert.strictEqual(redact(' sandbox '), '***');
      assert.deepStrictEqual(redactValue({ account: 'sandbox', note: 'the sandbox is down', tags: ['sandbox', 'demo'] }), { account: '***', note: 'the sandbox is down', tags: ['***', 'demo'] });
    });

    it('a distinctive one is masked wherever it appears', () => {
      assert.strictEqual(redact(`login as ann with ${STRONG} failed`), 'login as ann with *** failed');
      assert.deepStrictEqual(redactValue({ note: `pw=${STRONG}!` }), { note: 'pw=***!' });
    });

    it('a value under 4 characters is not registered', () => {
      assert.strictEqual(redact('abc'), 'abc');
    });

    it('log lines: a field equal to the credential is masked, the word in the text is not', () => {
      const line = formatLine({ id: 'n1', z: 'f1' }, 'Snowflake sandbox: login failed', { account: 'sandbox', user: 'ops', password: 'x', url: 'https://ops:pw1@h/x', headers: { 'x-api-key': 'k' } });
      assert.strictEqual(line, 'Snowflake sandbox: login failed {node=n1, flow=f1, account=***, user=ops, password=***, url=https://ops:***@h/x, headers={"x-api-key":"***"}}');
    });

    it('names of nodes and flows keep the word and never become empty or only a mask', () => {
      assert.strictEqual(redactName('sandbox'), 'sandbox');
      assert.strictEqual(redactName('Salesforce sandbox'), 'Salesforce sandbox');
      assert.deepStrictEqual(redactValue({ origin: { name: 'sandbox', label: 'sandbox', flowName: 'sandbox' } }), { origin: { name: 'sandbox', label: 'sandbox', flowName: 'sandbox' } });
      assert.strictEqual(redactName(`charge ${STRONG}`), 'charge ***');
      assert.strictEqual(redactName('Billing sk_live_abcdefghijklmnop'), 'Billing ***');
      const hidden = redactName('sk_live_abcdefghijklmnop');
      assert.ok(hidden && hidden !== '***' && !hidden.includes('sk_live'), hidden);
      assert.strictEqual(redactName(''), '');
    });
  });
});
