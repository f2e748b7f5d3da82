import { createHash, randomUUID } from 'crypto';
import type * as Redis from 'redis';
import { checkName, checkTtl, decode, encode, newToken } from './codec';
import { ClaimRecord, ClaimResult, Json, KvRecord, QueueEntry, QueuePage, ScheduledItem, Store, StoreError } from './types';

/** PEM text of a CA bundle, a client certificate and its key (from the config node's credentials). */
export interface RedisTlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
}

export type RedisMode = 'single' | 'cluster' | 'sentinel';

export interface RedisStoreOptions {
  /**
   * One URL (`redis://host:6379`, `rediss://` for TLS), or several, comma-separated: the seed nodes of a cluster, or the
   * sentinels (with mode `sentinel`). An entry without a scheme takes the first entry's.
   */
  url: string;
  /** single (default for one URL, unless it is a cluster node), cluster (default for several), sentinel (needs `sentinelName`) */
  mode?: RedisMode;
  /** Sentinel: the monitored primary's name (`sentinel monitor <name> …`) */
  sentinelName?: string;
  /** ACL user (Redis 6+), or empty for the default user */
  username?: string;
  password?: string;
  /** Sentinel: the sentinels' own password (`requirepass` in sentinel.conf); without it, a password in their URLs */
  sentinelPassword?: string;
  /** true or PEM material: TLS to every node (also implied by `rediss://`) */
  tls?: boolean | RedisTlsOptions;
  /** prepended to every key, so several deployments (or test runs) can share one Redis */
  prefix?: string;
  connectTimeoutMs?: number;
  /**
   * A command not answered within this time fails with StoreError UNAVAILABLE (default 5000): a gate must fail closed,
   * not wait forever on a Redis that still holds the connection but stopped answering.
   */
  commandTimeoutMs?: number;
  /**
   * After each claim write (claim, update, release), `WAIT waitReplicas waitTimeoutMs`: the call fails with StoreError
   * NOT_REPLICATED unless that many replicas acknowledged it, so a claim that succeeded survives a fail-over. 0: off.
   */
  waitReplicas?: number;
  /** default 1000 */
  waitTimeoutMs?: number;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 5000;

interface InFlight { startedAt: number; fail(err: Error): void }

/** A claim waiting for the next flush (see flushClaims). */
interface PendingClaim {
  key: string;
  record: string;
  ttl: string;
  token: string;
  resolve(result: ClaimResult): void;
  reject(err: unknown): void;
}

// Each namespace's keys share one hash tag `{ns}`, so these multi-key scripts also run on Redis Cluster.
const SCRIPTS = {
  // A claim is one string `<token>:<value JSON>` with a native TTL. The fast path is a plain SET NX PX; this script
  // runs only when that failed, to read the holder atomically (or claim after all if it vanished meanwhile).
  claim: `local v = redis.call('GET', KEYS[1])
if v then return {0, v, redis.call('PTTL', KEYS[1])} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {1}`,
  update: `local v = redis.call('GET', KEYS[1])
if not v or string.sub(v, 1, #ARGV[1] + 1) ~= ARGV[1] .. ':' then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`,
  // Several claims of one namespace at once (see flushClaims): per key `{1}` when claimed, else `{0, holder, pttl}`.
  claimMany: `local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[2 * i - 1], 'PX', ARGV[2 * i], 'NX') then
    out[i] = {1}
  else
    out[i] = {0, redis.call('GET', key), redis.call('PTTL', key)}
  end
end
return out`,
  release: `local v = redis.call('GET', KEYS[1])
if not v or string.sub(v, 1, #ARGV[1] + 1) ~= ARGV[1] .. ':' then return 0 end
return redis.call('DEL', KEYS[1])`,
  schedule: `redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1`,
  // A lease is the item pushed into the future: if nobody acks it, it becomes due again.
  takeDue: `local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i, id in ipairs(ids) do
  local item = redis.call('HGET', KEYS[2], id)
  if item then
    local lease = ARGV[4] .. ':' .. i
    redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[3]), id)
    redis.call('HSET', KEYS[3], id, lease)
    out[#out + 1] = id
    out[#out + 1] = item
    out[#out + 1] = lease
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out`,
  ack: `if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1`,
  unschedule: `redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return redis.call('ZREM', KEYS[1], ARGV[1])`,
  enqueue: `local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], seq, ARGV[1])
redis.call('ZADD', KEYS[1], seq, seq)
return seq`,
  queueUpdate: `if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1`,
  queueRemove: `redis.call('HDEL', KEYS[2], ARGV[1])
return redis.call('ZREM', KEYS[1], ARGV[1])`,
  // A kv value is a hash {v = value JSON, n = version}. ARGV[2]: '' unconditional, '0' must not exist, else the version.
  kvPut: `local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= n then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'n', n + 1)
return n + 1`,
  // A windowed counter: the first increment sets the window's end; Redis deletes the key when it passes.
  incrWindow: `local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v`,
};
type ScriptName = keyof typeof SCRIPTS;
const SHAS = Object.fromEntries(Object.entries(SCRIPTS).map(([k, s]) => [k, createHash('sha1').update(s).digest('hex')])) as Record<ScriptName, string>;

// The generic client types vary with the options given; the store only uses plain commands.
type Client = any;

/** One client API over the three topologies: commands by name, plus a raw command routed by its key. */
interface Connection {
  client: Client;
  mode: RedisMode;
  raw(key: string, args: string[]): Promise<unknown>;
}

/** The shared backend: several Node-RED instances on one Redis share claims, schedules, queues, counters and kv values. */
export class RedisStore implements Store {
  readonly backend = 'redis' as const;
  private ready = false;
  private closed = false;
  /** Calls waiting for Redis, oldest first (a Set keeps insertion order). */
  private inFlight = new Set<InFlight>();
  private watchdog?: NodeJS.Timeout;
  private client: Client;
  /** Claims waiting for the next flush, by namespace hash tag. */
  private pendingClaims = new Map<string, PendingClaim[]>();
  private flushScheduled = false;

  private constructor(
    private conn: Connection,
    private prefix: string,
    private where: string,
    private commandTimeoutMs: number,
    private waitReplicas: number,
    private waitTimeoutMs: number,
  ) {
    this.client = conn.client;
  }

  /** Connects, or fails within the connect timeout with a message naming the server(s) and the cause. */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    // TLS switched on (the TLS box, or certificates) applies to redis:// URLs too; node-redis refuses a TLS socket for
    // a redis:// URL, so such URLs are given to it as rediss://.
    const given = splitUrls(options.url);
    const tlsOn = Boolean(options.tls) || /^rediss:/i.test(given[0]);
    const urls = tlsOn ? given.map((u) => u.replace(/^redis:\/\//i, 'rediss://')) : given;
    const where = urls.map(redactUrl).join(',');
    const mode = options.mode ?? (urls.length > 1 ? 'cluster' : 'single');
    if (mode === 'single' && urls.length > 1) {
      throw new StoreError('redis', 'BAD_CONFIG', `${urls.length} URLs given for a single Redis; choose the cluster or sentinel mode, or give one URL`);
    }
    if (mode === 'sentinel' && !options.sentinelName) {
      throw new StoreError('redis', 'BAD_CONFIG', 'sentinel mode needs the name of the primary the sentinels monitor (sentinel monitor <name> …)');
    }
    let everConnected = false;
    const socket = {
      ...(tlsOn ? tlsSocket(options.tls) : {}),
      connectTimeout: options.connectTimeoutMs ?? 5000,
      // Before the first connection, give up at once with the cause; afterwards reconnect with a capped backoff.
      reconnectStrategy: (retries: number, cause: Error) => (everConnected ? Math.min(100 * 2 ** retries, 5000) : cause),
    };
    const common = {
      username: options.username || undefined,
      password: options.password || undefined,
      // Fail fast instead of queueing commands while disconnected: a gate must fail closed, not hang.
      disableOfflineQueue: true,
    };
    // node-redis times each command with its own AbortSignal timer, which halved its throughput; one watchdog
    // timer over all calls (below) gives the same guarantee.
    const commandOptions = { timeout: 0 };
    // node-redis is loaded by the first Redis store, not when Node-RED loads the pack (issue 17).
    const { createClient, createCluster, createSentinel }: typeof Redis = require('redis');
    let conn: Connection;
    if (mode === 'cluster') {
      const client = createCluster({
        rootNodes: urls.map((url) => ({ url })),
        defaults: { ...common, socket } as any,
        commandOptions,
      } as any);
      conn = { client, mode, raw: (key, args) => client.sendCommand(key, false, args) };
    } else if (mode === 'sentinel') {
      const sentinels = urls.map((u) => new URL(u));
      const client = createSentinel({
        name: options.sentinelName!,
        sentinelRootNodes: sentinels.map((u) => ({ host: u.hostname, port: Number(u.port || 26379) })),
        nodeClientOptions: { ...common, socket } as any,
        // TLS follows the first URL's scheme.
        sentinelClientOptions: { ...sentinelAuth(sentinels[0], options.sentinelPassword), socket } as any,
        commandOptions,
        // Rediscovery rounds (a second apart) before a call or the first connect gives up: the default 16 kept a
        // store whose sentinels are all unreachable "connecting" for half a minute; a fail-over takes a few rounds.
        maxCommandRediscovers: 5,
      } as any);
      conn = { client, mode, raw: (_key, args) => client.sendCommand(false, args) };
    } else {
      const client = createClient({ url: urls[0], ...common, commandOptions, socket } as any);
      conn = { client, mode, raw: (_key, args) => client.sendCommand(args) };
    }
    const store = new RedisStore(conn, options.prefix ?? 'fg:', where, options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      options.waitReplicas ?? 0, options.waitTimeoutMs ?? 1000);
    const client = conn.client;
    // Without an 'error' listener a dropped connection would crash the whole Node-RED process.
    client.on('error', () => undefined);
    if (mode === 'single') {
      client.on('ready', () => { everConnected = true; store.ready = true; });
      client.on('end', () => { store.ready = false; });
      client.on('reconnecting', () => { store.ready = false; });
    }
    try {
      await client.connect();
      everConnected = true;
      store.ready = true;
    } catch (err) {
      try { await client.destroy?.(); } catch { /* already down */ }
      throw new StoreError('redis', 'CONNECT_FAILED', `cannot connect to ${mode === 'single' ? '' : `${mode} `}${where}: ${describe(err)}`, { cause: err });
    }
    // One URL of a cluster node (a managed cluster's endpoint): a single-server client would fail every key on the
    // other shards (MOVED), so automatic mode follows the cluster from it and an explicit "single" is refused.
    if (mode === 'single' && (await isClusterNode(client, options.connectTimeoutMs ?? 5000))) {
      try { await client.destroy?.(); } catch { /* already down */ }
      if (options.mode === 'single') {
        throw new StoreError('redis', 'BAD_CONFIG', `${where} is a Redis Cluster node; choose the mode Redis Cluster (or automatic)`);
      }
      return RedisStore.connect({ ...options, mode: 'cluster' });
    }
    store.watchdog = setInterval(() => store.failStuckCalls(), Math.min(1000, Math.max(10, store.commandTimeoutMs / 4)));
    store.watchdog.unref?.();
    return store;
  }

  async claim(ns: string, key: string, value: Json, ttlMs: number): Promise<ClaimResult> {
    checkName(this.backend, 'key', key);
    checkTtl(this.backend, ttlMs);
    const claim = { key: this.claimKey(ns, key), record: '', ttl: String(Math.ceil(ttlMs)), token: newToken() };
    claim.record = `${claim.token}:${encode(this.backend, value)}`;
    return new Promise((resolve, reject) => {
      const tag = this.tag(ns);
      const batch = this.pendingClaims.get(tag);
      if (batch) batch.push({ ...claim, resolve, reject });
      else this.pendingClaims.set(tag, [{ ...claim, resolve, reject }]);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flushClaims());
      }
    });
  }

  /**
   * Sends the claims queued since the last flush: Node-RED delivers each message in its own setImmediate callback, so
   * the claims of messages arriving together are queued in one turn of the event loop and go to Redis as one script
   * per namespace (its keys share the `{ns}` hash tag, so one slot on a Cluster) instead of one command each.
   */
  private flushClaims(): void {
    this.flushScheduled = false;
    const batches = this.pendingClaims;
    if (batches.size === 0) return;
    this.pendingClaims = new Map();
    for (const batch of batches.values()) {
      this.claimBatch(batch).then(
        (results) => batch.forEach((claim, i) => claim.resolve(results[i])),
        (err) => batch.forEach((claim) => claim.reject(err)),
      );
    }
  }

  private async claimBatch(batch: PendingClaim[]): Promise<ClaimResult[]> {
    if (batch.length === 1) return [await this.claimOne(batch[0])];
    const replies = (await this.run('claimMany', batch.map((c) => c.key), batch.flatMap((c) => [c.record, c.ttl]))) as any[][];
    // WAIT covers every write made so far on the connection: one for the whole batch.
    if (replies.some((r) => Number(r[0]) === 1)) await this.replicated(batch[0].key, 'claim');
    return replies.map((r, i) => (Number(r[0]) === 1 ? { claimed: true, token: batch[i].token } : this.holder(r)));
  }

  private async claimOne({ key, record, ttl, token }: PendingClaim): Promise<ClaimResult> {
    // One round trip, as cheap as a raw SET NX, for the common case: a key seen for the first time.
    // The raw command skips node-redis's option parsing of set(), a fifth of the client's cost per call.
    if ((await this.call(() => this.conn.raw(key, ['SET', key, record, 'PX', ttl, 'NX']))) === 'OK') {
      await this.replicated(key, 'claim');
      return { claimed: true, token };
    }
    const reply = (await this.run('claim', [key], [record, ttl])) as any[];
    if (Number(reply[0]) === 1) {
      await this.replicated(key, 'claim');
      return { claimed: true, token };
    }
    return this.holder(reply);
  }

  /** A script's `{0, record, pttl}` reply → the claim that holds the key. */
  private holder(reply: any[]): ClaimResult {
    return { claimed: false, existing: { ...splitClaim(String(reply[1])), expiresAt: Date.now() + Number(reply[2]) } };
  }

  async get(ns: string, key: string): Promise<ClaimRecord | undefined> {
    const k = this.claimKey(ns, key);
    const [text, pttl] = await this.call(() => Promise.all([this.client.get(k), this.client.pTTL(k)]));
    if (text == null || Number(pttl) < 0) return undefined;
    return { ...splitClaim(String(text)), expiresAt: Date.now() + Number(pttl) };
  }

  async update(ns: string, key: string, token: string, value: Json, ttlMs: number): Promise<boolean> {
    checkTtl(this.backend, ttlMs);
    const k = this.claimKey(ns, key);
    const updated = Number(await this.run('update', [k], [token, `${token}:${encode(this.backend, value)}`, String(Math.ceil(ttlMs))])) === 1;
    if (updated) await this.replicated(k, 'claim update');
    return updated;
  }

  async release(ns: string, key: string, token: string): Promise<boolean> {
    const k = this.claimKey(ns, key);
    const released = Number(await this.run('release', [k], [token])) === 1;
    if (released) await this.replicated(k, 'claim release');
    return released;
  }

  async schedule(ns: string, id: string, item: Json, dueAt: number): Promise<void> {
    checkName(this.backend, 'id', id);
    await this.run('schedule', this.scheduleKeys(ns), [id, encode(this.backend, item), String(dueAt)]);
  }

  async takeDue(ns: string, now: number, limit: number, leaseMs: number): Promise<ScheduledItem[]> {
    checkTtl(this.backend, leaseMs);
    const flat = (await this.run('takeDue', this.scheduleKeys(ns), [String(now), String(limit), String(leaseMs), randomUUID()])) as string[];
    const out: ScheduledItem[] = [];
    for (let i = 0; i < flat.length; i += 3) out.push({ id: String(flat[i]), item: decode(String(flat[i + 1])), lease: String(flat[i + 2]) });
    return out;
  }

  async ack(ns: string, id: string, lease: string): Promise<boolean> {
    return Number(await this.run('ack', this.scheduleKeys(ns), [id, lease])) === 1;
  }

  async unschedule(ns: string, id: string): Promise<boolean> {
    return Number(await this.run('unschedule', this.scheduleKeys(ns), [id])) === 1;
  }

  async scheduledCount(ns: string): Promise<number> {
    return Number(await this.call(() => this.client.zCard(this.scheduleKeys(ns)[0])));
  }

  async enqueue(ns: string, item: Json): Promise<string> {
    return String(await this.run('enqueue', this.queueKeys(ns), [encode(this.backend, item)]));
  }

  async queueGet(ns: string, id: string): Promise<QueueEntry | undefined> {
    const text = await this.call(() => this.client.hGet(this.queueKeys(ns)[1], id));
    return text == null ? undefined : { id, item: decode(String(text)) };
  }

  async queuePage(ns: string, opts: { after?: string; limit: number }): Promise<QueuePage> {
    const [zkey, hkey] = this.queueKeys(ns);
    const ids = (await this.call(() =>
      this.client.zRangeByScore(zkey, `(${Number(opts.after ?? 0)}`, '+inf', { LIMIT: { offset: 0, count: opts.limit + 1 } }),
    )) as string[];
    const pageIds = ids.slice(0, opts.limit);
    const texts = pageIds.length ? ((await this.call(() => this.client.hmGet(hkey, pageIds))) as (string | null)[]) : [];
    const entries = pageIds.flatMap((id, i) => (texts[i] == null ? [] : [{ id: String(id), item: decode(String(texts[i])) }]));
    return ids.length > opts.limit ? { entries, next: String(pageIds[pageIds.length - 1]) } : { entries };
  }

  async queueUpdate(ns: string, id: string, item: Json): Promise<boolean> {
    return Number(await this.run('queueUpdate', this.queueKeys(ns), [id, encode(this.backend, item)])) === 1;
  }

  async queueRemove(ns: string, id: string): Promise<boolean> {
    return Number(await this.run('queueRemove', this.queueKeys(ns), [id])) === 1;
  }

  async queueCount(ns: string): Promise<number> {
    return Number(await this.call(() => this.client.zCard(this.queueKeys(ns)[0])));
  }

  async incr(ns: string, key: string, by = 1, windowMs?: number): Promise<number> {
    if (windowMs === undefined) return Number(await this.call(() => this.client.incrBy(this.counterKey(ns, key), by)));
    checkTtl(this.backend, windowMs);
    return Number(await this.run('incrWindow', [this.counterKey(ns, key)], [String(by), String(Math.ceil(windowMs))]));
  }

  async counter(ns: string, key: string): Promise<number> {
    return Number((await this.call(() => this.client.get(this.counterKey(ns, key)))) ?? 0);
  }

  async kvGet(ns: string, key: string): Promise<KvRecord | undefined> {
    const [text, version] = (await this.call(() => this.client.hmGet(this.kvKey(ns, key), ['v', 'n']))) as (string | null)[];
    return text == null ? undefined : { value: decode(String(text)), version: Number(version) };
  }

  async kvPut(ns: string, key: string, value: Json, expectedVersion?: number | null): Promise<number | false> {
    checkName(this.backend, 'key', key);
    const text = encode(this.backend, value);
    // Versions start at 1: the script reads an absent key as version 0, so an expected 0 must not match it.
    if (expectedVersion === 0) return false;
    const expected = expectedVersion === undefined ? '' : String(expectedVersion ?? 0);
    const version = Number(await this.run('kvPut', [this.kvKey(ns, key)], [text, expected]));
    return version === 0 ? false : version;
  }

  async kvDelete(ns: string, key: string): Promise<boolean> {
    return Number(await this.call(() => this.client.del(this.kvKey(ns, key)))) === 1;
  }

  isReady(): boolean {
    if (this.closed) return false;
    // Cluster and sentinel clients track their nodes themselves; a single client reports through its events.
    return this.conn.mode === 'single' ? this.ready : Boolean(this.client.isReady);
  }

  /**
   * With `waitReplicas`, waits until that many replicas hold the writes made so far on the connection that wrote `key`
   * (WAIT is per connection: it is sent on the same one, to the key's primary). Fails with NOT_REPLICATED otherwise:
   * the write is on the primary but may be lost if it fails over now.
   */
  private async replicated(key: string, what: string): Promise<void> {
    if (this.waitReplicas <= 0) return;
    const acked = Number(await this.call(() => this.conn.raw(key, ['WAIT', String(this.waitReplicas), String(this.waitTimeoutMs)])));
    if (acked < this.waitReplicas) {
      throw new StoreError(this.backend, 'NOT_REPLICATED',
        `${this.where}: ${what} acknowledged by ${acked} of ${this.waitReplicas} replicas within ${this.waitTimeoutMs} ms; it may not survive a fail-over`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flushClaims();
    this.closed = true;
    this.ready = false;
    clearInterval(this.watchdog);
    try {
      await this.client.close();
    } catch {
      this.client.destroy();
    }
  }

  private tag(ns: string): string {
    return `${this.prefix}{${ns}}`;
  }
  private claimKey(ns: string, key: string): string {
    return `${this.tag(ns)}:claim:${key}`;
  }
  private counterKey(ns: string, key: string): string {
    return `${this.tag(ns)}:count:${key}`;
  }
  private kvKey(ns: string, key: string): string {
    return `${this.tag(ns)}:kv:${key}`;
  }
  private scheduleKeys(ns: string): string[] {
    const t = this.tag(ns);
    return [`${t}:due`, `${t}:items`, `${t}:leases`];
  }
  private queueKeys(ns: string): string[] {
    const t = this.tag(ns);
    return [`${t}:queue`, `${t}:entries`, `${t}:seq`];
  }

  /** EVALSHA, loading the script on the first NOSCRIPT. */
  private run(name: ScriptName, keys: string[], args: string[]): Promise<unknown> {
    return this.call(async () => {
      try {
        return await this.client.evalSha(SHAS[name], { keys, arguments: args });
      } catch (err) {
        if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
        return await this.client.eval(SCRIPTS[name], { keys, arguments: args });
      }
    });
  }

  private call<T>(work: () => Promise<T>): Promise<T> {
    // Any other command first sends the claims queued before it, so operations keep the order they were called in.
    if (this.pendingClaims.size > 0) this.flushClaims();
    if (this.closed) return Promise.reject(new StoreError(this.backend, 'CLOSED', `connection to ${this.where} is closed`));
    return new Promise<T>((resolve, reject) => {
      const call: InFlight = { startedAt: Date.now(), fail: reject };
      this.inFlight.add(call);
      let pending: Promise<T>;
      try {
        pending = work();
      } catch (err) {
        pending = Promise.reject(err);
      }
      pending.then(
        (value) => {
          this.inFlight.delete(call);
          resolve(value);
        },
        (err) => {
          this.inFlight.delete(call);
          reject(new StoreError(this.backend, 'UNAVAILABLE', `${this.where}: ${describe(err)}`, { cause: err }));
        },
      );
    });
  }

  /** Fails the calls older than the command timeout; a reply that comes later is ignored. */
  private failStuckCalls(): void {
    const now = Date.now();
    for (const call of this.inFlight) {
      if (now - call.startedAt < this.commandTimeoutMs) break;
      this.inFlight.delete(call);
      call.fail(new StoreError(this.backend, 'UNAVAILABLE', `${this.where} did not answer within ${this.commandTimeoutMs} ms`));
    }
  }
}

/** Whether the server runs with `cluster-enabled yes` (INFO cluster); a server that does not say counts as not. */
async function isClusterNode(client: Client, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<string>((resolve) => { timer = setTimeout(() => resolve(''), timeoutMs); });
  try {
    return /cluster_enabled:1/.test(String(await Promise.race([client.info('cluster'), gaveUp])));
  } catch {
    return false; // e.g. an ACL user without INFO
  } finally {
    clearTimeout(timer);
  }
}

/** `<token>:<value JSON>` → its parts (tokens are UUIDs, so the first colon ends the token). */
function splitClaim(text: string): { token: string; value: Json } {
  const at = text.indexOf(':');
  return { token: text.slice(0, at), value: decode(text.slice(at + 1)) };
}

/** 'redis://a:1, b:2' → ['redis://a:1', 'redis://b:2'] (an entry without a scheme takes the first entry's). */
export function splitUrls(list: string): string[] {
  const parts = String(list ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new StoreError('redis', 'BAD_CONFIG', 'no Redis URL given; enter redis://host:6379 (several, comma-separated, for a cluster or the sentinels)');
  const scheme = /^[a-z]+:\/\//i.exec(parts[0])?.[0] ?? 'redis://';
  const urls = parts.map((p) => (/^[a-z]+:\/\//i.test(p) ? p : `${scheme}${p}`));
  const wrong = urls.find((u) => !/^rediss?:\/\//i.test(u));
  if (wrong) throw new StoreError('redis', 'BAD_CONFIG', `"${redactUrl(wrong)}" is not a Redis URL; use redis://host:6379 or rediss://host:6380 (TLS)`);
  return urls;
}

function tlsSocket(tls: RedisStoreOptions['tls']): Record<string, unknown> {
  const pem = typeof tls === 'object' ? tls : {};
  return { tls: true, ...(pem.ca ? { ca: pem.ca } : {}), ...(pem.cert ? { cert: pem.cert } : {}), ...(pem.key ? { key: pem.key } : {}) };
}

/**
 * The sentinels' AUTH: the given sentinel password, else a password in their (first) URL; a user name only from the URL.
 * The sentinels' password is their own (`requirepass` in sentinel.conf), not the Redis servers'.
 */
export function sentinelAuth(firstSentinel: URL, sentinelPassword?: string): { username?: string; password?: string } {
  return {
    username: decodeURIComponent(firstSentinel.username) || undefined,
    password: sentinelPassword || decodeURIComponent(firstSentinel.password) || undefined,
  };
}

/** redis://user:secret@host:6379/2 → redis://host:6379/2, so a password in the URL never reaches a message. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return 'the configured Redis URL (unparseable)';
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { errors?: Error[] };
  if (e?.errors?.length) return e.errors.map((x) => x.message).join('; ');
  return e?.code && !String(e.message).includes(e.code) ? `${e.code} ${e.message}` : String(e?.message ?? err);
}
