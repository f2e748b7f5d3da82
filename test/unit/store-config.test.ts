import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildStoreConfig, describeStoreConfig, passwordInUrlWarning } from '../../lib/store/config';
import { sentinelAuth, splitUrls } from '../../lib/store/redis';
import { StoreError } from '../../lib/store/types';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('store config from the fg-store-config settings', () => {
  it('Redis: seed nodes, mode, sentinel name, ACL user, WAIT', () => {
    assert.deepStrictEqual(
      buildStoreConfig({ backend: 'redis', redisUrl: 'redis://10.0.0.1:6379,redis://10.0.0.2:6379', redisPrefix: 'p:' }, { username: 'fg', password: 'pw' }),
      { backend: 'redis', url: 'redis://10.0.0.1:6379,redis://10.0.0.2:6379', username: 'fg', password: 'pw', tls: false, prefix: 'p:' },
    );
    const sentinel = buildStoreConfig({ backend: 'redis', redisUrl: 'redis://s1:26379,s2:26379', redisMode: 'sentinel', redisSentinelName: ' mymaster ', redisWaitReplicas: '1', redisWaitTimeout: '500' }, {});
    assert.deepStrictEqual(sentinel, { backend: 'redis', url: 'redis://s1:26379,s2:26379', mode: 'sentinel', sentinelName: 'mymaster', username: undefined, password: undefined, tls: false, prefix: 'fg:', waitReplicas: 1, waitTimeoutMs: 500 });
    assert.deepStrictEqual(splitUrls('redis://s1:26379, s2:26379'), ['redis://s1:26379', 'redis://s2:26379']);
    assert.deepStrictEqual(splitUrls('rediss://a:1,b:2'), ['rediss://a:1', 'rediss://b:2'], 'an entry without a scheme takes the first one\'s');
  });

  it('TLS: PEM text from the credentials as given, or read from a file relative to the user dir', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-cfg-'));
    try {
      fs.writeFileSync(path.join(dir, 'ca.pem'), PEM);
      const c = buildStoreConfig({ backend: 'redis', redisUrl: 'rediss://h:6380' }, { tlsCa: 'ca.pem', tlsCert: PEM, tlsKey: PEM }, { userDir: dir });
      assert.deepStrictEqual(c.backend === 'redis' && c.tls, { ca: PEM, cert: PEM, key: PEM });
      assert.throws(() => buildStoreConfig({ backend: 'redis' }, { tlsCa: 'missing.pem' }, { userDir: dir }), (err: StoreError) => {
        assert.strictEqual(err.code, 'BAD_CONFIG');
        assert.match(err.message, /^redis store: cannot read the TLS CA certificate file .*missing\.pem: ENOENT; paste the PEM text or fix the path$/);
        return true;
      });
      const pg = buildStoreConfig({ backend: 'postgres', postgresUrl: 'postgres://db:5432/app', postgresTls: true }, { username: 'u', password: 'p' });
      assert.deepStrictEqual(pg, { backend: 'postgres', url: 'postgres://db:5432/app', username: 'u', password: 'p', schema: 'flowguard', tls: true });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('settings that cannot work are a BAD_CONFIG StoreError naming the setting', () => {
    assert.throws(() => buildStoreConfig({ backend: 'redis', redisMode: 'ring' }, {}), /redis store: unknown Redis mode "ring"; use single, cluster, sentinel/);
    assert.throws(() => buildStoreConfig({ backend: 'redis', redisWaitReplicas: '-1' }, {}), /replicas to wait for must be a whole number of 0 or more, got "-1"/);
    assert.throws(() => buildStoreConfig({ backend: 'mongo' }, {}), /unknown store backend "mongo"; use memory, sqlite, redis or postgres/);
    assert.throws(() => splitUrls('redis://a:1,http://u:secret@b:2'), (err: StoreError) => {
      assert.strictEqual(err.code, 'BAD_CONFIG');
      assert.strictEqual(err.message, 'redis store: "http://b:2" is not a Redis URL; use redis://host:6379 or rediss://host:6380 (TLS)');
      return true;
    });
  });

  it('Sentinel password: from the credentials to the sentinel client\'s AUTH, kept apart from the servers\' password', () => {
    const c = buildStoreConfig({ backend: 'redis', redisUrl: 'redis://s1:26379,s2:26379', redisMode: 'sentinel', redisSentinelName: 'm' }, { password: 'server-pw', sentinelPassword: 'sentinel-pw' });
    assert.ok(c.backend === 'redis');
    assert.strictEqual(c.password, 'server-pw');
    assert.strictEqual(c.sentinelPassword, 'sentinel-pw');
    assert.deepStrictEqual(sentinelAuth(new URL('redis://s1:26379'), c.sentinelPassword), { username: undefined, password: 'sentinel-pw' });
    // Only a sentinel store uses it.
    assert.ok(!('sentinelPassword' in buildStoreConfig({ backend: 'redis', redisUrl: 'redis://h:6379' }, { sentinelPassword: 'x' })));
  });

  it('a password written in a URL is named with the field to move it to (it would be saved in flows.json), the store still opens', () => {
    const named = (def: Parameters<typeof buildStoreConfig>[0], field: string) => {
      const warning = passwordInUrlWarning(def);
      assert.match(String(warning), new RegExp(`password is written in the store URL.*enter it in the ${field} field`));
      assert.doesNotMatch(String(warning), /secret/);
      // Not refused: the URL may come from an environment variable, which Node-RED has already put in.
      assert.strictEqual(buildStoreConfig(def, {}).backend, def.backend);
    };
    named({ backend: 'redis', redisUrl: 'redis://:secret@h:6379' }, 'Password');
    named({ backend: 'redis', redisUrl: 'redis://a:1,b:2,redis://u:secret@c:3' }, 'Password');
    named({ backend: 'redis', redisUrl: 'redis://s1:26379,:secret@s2:26379', redisMode: 'sentinel', redisSentinelName: 'm' }, 'Sentinel password');
    named({ backend: 'postgres', postgresUrl: 'postgres://app:secret@db:5432/shop' }, 'Password');
    named({ backend: 'postgres', postgresUrl: 'postgres://db:5432/shop?sslmode=require&password=secret' }, 'Password');
    // A user name alone is no secret.
    assert.strictEqual(passwordInUrlWarning({ backend: 'postgres', postgresUrl: 'postgres://app@db:5432/shop' }), undefined);
    assert.strictEqual(passwordInUrlWarning({ backend: 'redis', redisUrl: 'redis://127.0.0.1:6379' }), undefined);
  });

  it('describes where the store lives without any password', () => {
    assert.strictEqual(describeStoreConfig({ backend: 'redis', url: 'redis://u:secret@a:1,redis://u:secret@b:2', mode: 'cluster' }), 'cluster redis://a:1,redis://b:2');
    assert.strictEqual(describeStoreConfig({ backend: 'postgres', url: 'postgres://u:secret@db:5432/app?sslmode=require', schema: 'fg' }), 'postgres://db:5432/app schema fg');
  });
});
