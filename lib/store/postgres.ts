import { randomUUID } from 'crypto';
import type { Pool, PoolClient, PoolConfig } from 'pg';
import { checkName, checkTtl, decode, encode, newToken } from './codec';
import { ClaimRecord, ClaimResult, Json, KvRecord, QueueEntry, QueuePage, ScheduledItem, Store, StoreError } from './types';

export interface PostgresStoreOptions {
  /** postgres://host:5432/db (a password is better kept in `password`, from the config node's credentials) */
  url: string;
  username?: string;
  password?: string;
  /** the schema holding the store's tables, created when missing (default `flowguard`) */
  schema?: string;
  /** true or PEM material: TLS to the server (also `?sslmode=require` in the URL) */
  tls?: boolean | { ca?: string; cert?: string; key?: string };
  /** a query not answered within this time fails with StoreError UNAVAILABLE (default 5000) */
  commandTimeoutMs?: number;
  /** opening a connection, or waiting for a free one from the pool (default 10000) */
  connectTimeoutMs?: number;
  /** connections in the pool (default 10) */
  poolSize?: number;
}

/**
 * Schema versions, applied in order inside one transaction under an advisory lock, so instances starting together
 * migrate once. Add a new entry for a change; never edit a released one.
 */
const MIGRATIONS: ((s: string) => string)[] = [
  (s) => `
CREATE TABLE ${s}.claim (ns TEXT NOT NULL, key TEXT NOT NULL, token TEXT NOT NULL, value TEXT NOT NULL,
  expires_at BIGINT NOT NULL, PRIMARY KEY (ns, key));
CREATE INDEX claim_expiry ON ${s}.claim (expires_at);
CREATE TABLE ${s}.schedule (ns TEXT NOT NULL, id TEXT NOT NULL, item TEXT NOT NULL, due_at BIGINT NOT NULL, lease TEXT,
  PRIMARY KEY (ns, id));
CREATE INDEX schedule_due ON ${s}.schedule (ns, due_at);
CREATE TABLE ${s}.queue (seq BIGSERIAL PRIMARY KEY, ns TEXT NOT NULL, item TEXT NOT NULL);
CREATE INDEX queue_ns ON ${s}.queue (ns, seq);
CREATE TABLE ${s}.counter (ns TEXT NOT NULL, key TEXT NOT NULL, value BIGINT NOT NULL, expires_at BIGINT,
  PRIMARY KEY (ns, key));
CREATE TABLE ${s}.kv (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, version BIGINT NOT NULL,
  PRIMARY KEY (ns, key));`,
];

/** The database's clock in epoch ms: every instance measures TTLs and windows against the same clock. */
const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';
const DEFAULT_COMMAND_TIMEOUT_MS = 5000;
const SWEEP_MS = 60_000;

/**
 * The hosted backend: one PostgreSQL database shared by several Node-RED instances, where there is no Redis and no
 * persistent disk. Claims are `INSERT … ON CONFLICT DO UPDATE … WHERE expired` (the row lock gives one winner), leases
 * are `FOR UPDATE SKIP LOCKED`, kv compare-and-set is a conditional UPDATE.
 */
export class PostgresStore implements Store {
  readonly backend = 'postgres' as const;
  private closed = false;
  private ready = true;
  private sweeper?: NodeJS.Timeout;

  private constructor(private pool: Pool, private s: string, private where: string) {}

  static async connect(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema || 'flowguard';
    if (!/^[a-z_][a-z0-9_]{0,62}$/i.test(schema)) {
      throw new StoreError('postgres', 'BAD_CONFIG', `schema "${schema}" is not a plain name; use letters, digits and _`);
    }
    const where = redactPgUrl(options.url);
    let pg: typeof import('pg');
    try {
      pg = require('pg');
    } catch (err) {
      throw new StoreError('postgres', 'NO_DRIVER', `the pg package is not installed: npm install pg in the Node-RED user directory (${(err as Error).message.split('\n')[0]})`, { cause: err });
    }
    const timeout = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    const config: PoolConfig = {
      connectionString: options.url,
      ...(options.username ? { user: options.username } : {}),
      ...(options.password ? { password: options.password } : {}),
      max: options.poolSize ?? 10,
      // Waiting for a pooled connection counts too; a new server connection (a process fork) is slow on a busy host.
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      // Keep connections through the pauses of a bursty flow instead of opening new ones for each burst.
      idleTimeoutMillis: 60_000,
      // Client-side: a server that holds the connection but stops answering fails the call (the gate fails closed).
      query_timeout: timeout,
      application_name: 'flowguard',
    };
    if (options.tls) config.ssl = typeof options.tls === 'object' ? { ...options.tls } : true;
    const pool = new pg.Pool(config);
    const store = new PostgresStore(pool, `"${schema}"`, where);
    // An idle connection that drops emits 'error' on the pool; without a listener it would crash Node-RED.
    pool.on('error', () => { store.ready = false; });
    try {
      await store.migrate();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new StoreError('postgres', 'CONNECT_FAILED', `cannot open ${where}: ${describe(err)}`, { cause: err });
    }
    store.sweeper = setInterval(() => void store.sweep(), SWEEP_MS);
    store.sweeper.unref?.();
    return store;
  }

  async claim(ns: string, key: string, value: Json, ttlMs: number): Promise<ClaimResult> {
    checkName(this.backend, 'key', key);
    checkTtl(this.backend, ttlMs);
    const text = encode(this.backend, value);
    const token = newToken();
    // Taken when absent or expired; a live holder's row is left alone (its row lock orders concurrent claims).
    // If the holder vanishes between the insert and the read, claim again.
    for (;;) {
      const won = await this.query(
        `INSERT INTO ${this.s}.claim (ns, key, token, value, expires_at) VALUES ($1, $2, $3, $4, ${NOW_MS} + $5::bigint)
         ON CONFLICT (ns, key) DO UPDATE SET token = excluded.token, value = excluded.value, expires_at = excluded.expires_at
         WHERE claim.expires_at <= ${NOW_MS} RETURNING token`,
        [ns, key, token, text, Math.ceil(ttlMs)],
      );
      if (won.rowCount === 1) return { claimed: true, token };
      const existing = await this.get(ns, key);
      if (existing) return { claimed: false, existing };
    }
  }

  async get(ns: string, key: string): Promise<ClaimRecord | undefined> {
    const r = await this.query(`SELECT token, value, expires_at FROM ${this.s}.claim WHERE ns = $1 AND key = $2 AND expires_at > ${NOW_MS}`, [ns, key]);
    const row = r.rows[0];
    return row ? { token: row.token, value: decode(row.value), expiresAt: Number(row.expires_at) } : undefined;
  }

  async update(ns: string, key: string, token: string, value: Json, ttlMs: number): Promise<boolean> {
    checkTtl(this.backend, ttlMs);
    const text = encode(this.backend, value);
    const r = await this.query(
      `UPDATE ${this.s}.claim SET value = $4, expires_at = ${NOW_MS} + $5::bigint WHERE ns = $1 AND key = $2 AND token = $3 AND expires_at > ${NOW_MS}`,
      [ns, key, token, text, Math.ceil(ttlMs)],
    );
    return r.rowCount === 1;
  }

  async release(ns: string, key: string, token: string): Promise<boolean> {
    const r = await this.query(`DELETE FROM ${this.s}.claim WHERE ns = $1 AND key = $2 AND token = $3 AND expires_at > ${NOW_MS}`, [ns, key, token]);
    return r.rowCount === 1;
  }

  async schedule(ns: string, id: string, item: Json, dueAt: number): Promise<void> {
    checkName(this.backend, 'id', id);
    const text = encode(this.backend, item);
    await this.query(
      `INSERT INTO ${this.s}.schedule (ns, id, item, due_at, lease) VALUES ($1, $2, $3, $4, NULL)
       ON CONFLICT (ns, id) DO UPDATE SET item = excluded.item, due_at = excluded.due_at, lease = NULL`,
      [ns, id, text, Math.floor(dueAt)],
    );
  }

  async takeDue(ns: string, now: number, limit: number, leaseMs: number): Promise<ScheduledItem[]> {
    checkTtl(this.backend, leaseMs);
    // SKIP LOCKED: two instances taking at once lease different items instead of waiting for each other.
    // A lease is the item pushed into the future: if nobody acks it, it becomes due again.
    const r = await this.query(
      `WITH due AS (SELECT id, due_at FROM ${this.s}.schedule WHERE ns = $1 AND due_at <= $2 ORDER BY due_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
       UPDATE ${this.s}.schedule s SET due_at = $2::bigint + $4::bigint, lease = $5::text || ':' || s.id FROM due
       WHERE s.ns = $1 AND s.id = due.id RETURNING s.id, s.item, s.lease, due.due_at AS was_due`,
      [ns, Math.floor(now), limit, Math.ceil(leaseMs), randomUUID()],
    );
    return r.rows
      .sort((a, b) => Number(a.was_due) - Number(b.was_due) || (a.id < b.id ? -1 : 1))
      .map((row) => ({ id: row.id, item: decode(row.item), lease: row.lease }));
  }

  async ack(ns: string, id: string, lease: string): Promise<boolean> {
    return (await this.query(`DELETE FROM ${this.s}.schedule WHERE ns = $1 AND id = $2 AND lease = $3`, [ns, id, lease])).rowCount === 1;
  }

  async unschedule(ns: string, id: string): Promise<boolean> {
    return (await this.query(`DELETE FROM ${this.s}.schedule WHERE ns = $1 AND id = $2`, [ns, id])).rowCount === 1;
  }

  async scheduledCount(ns: string): Promise<number> {
    return Number((await this.query(`SELECT count(*) AS n FROM ${this.s}.schedule WHERE ns = $1`, [ns])).rows[0].n);
  }

  async enqueue(ns: string, item: Json): Promise<string> {
    const text = encode(this.backend, item);
    return String((await this.query(`INSERT INTO ${this.s}.queue (ns, item) VALUES ($1, $2) RETURNING seq`, [ns, text])).rows[0].seq);
  }

  async queueGet(ns: string, id: string): Promise<QueueEntry | undefined> {
    if (!isSeq(id)) return undefined;
    const row = (await this.query(`SELECT item FROM ${this.s}.queue WHERE ns = $1 AND seq = $2`, [ns, id])).rows[0];
    return row ? { id, item: decode(row.item) } : undefined;
  }

  async queuePage(ns: string, opts: { after?: string; limit: number }): Promise<QueuePage> {
    const after = opts.after !== undefined && isSeq(opts.after) ? opts.after : '0';
    const rows = (await this.query(`SELECT seq, item FROM ${this.s}.queue WHERE ns = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [ns, after, opts.limit + 1])).rows;
    const entries = rows.slice(0, opts.limit).map((r) => ({ id: String(r.seq), item: decode(r.item) }));
    return rows.length > opts.limit ? { entries, next: entries[entries.length - 1].id } : { entries };
  }

  async queueUpdate(ns: string, id: string, item: Json): Promise<boolean> {
    const text = encode(this.backend, item);
    if (!isSeq(id)) return false;
    return (await this.query(`UPDATE ${this.s}.queue SET item = $3 WHERE ns = $1 AND seq = $2`, [ns, id, text])).rowCount === 1;
  }

  async queueRemove(ns: string, id: string): Promise<boolean> {
    if (!isSeq(id)) return false;
    return (await this.query(`DELETE FROM ${this.s}.queue WHERE ns = $1 AND seq = $2`, [ns, id])).rowCount === 1;
  }

  async queueCount(ns: string): Promise<number> {
    return Number((await this.query(`SELECT count(*) AS n FROM ${this.s}.queue WHERE ns = $1`, [ns])).rows[0].n);
  }

  async incr(ns: string, key: string, by = 1, windowMs?: number): Promise<number> {
    if (windowMs !== undefined) checkTtl(this.backend, windowMs);
    // A counter whose window has passed starts again from this increment (with this call's window, if any);
    // a live one keeps its window, and a counter without one gets this call's.
    const passed = `(counter.expires_at IS NOT NULL AND counter.expires_at <= ${NOW_MS})`;
    const r = await this.query(
      `INSERT INTO ${this.s}.counter (ns, key, value, expires_at)
       VALUES ($1, $2, $3, CASE WHEN $4::bigint IS NULL THEN NULL ELSE ${NOW_MS} + $4::bigint END)
       ON CONFLICT (ns, key) DO UPDATE SET
         value = CASE WHEN ${passed} THEN excluded.value ELSE counter.value + excluded.value END,
         expires_at = CASE WHEN ${passed} THEN excluded.expires_at ELSE COALESCE(counter.expires_at, excluded.expires_at) END
       RETURNING value`,
      [ns, key, by, windowMs === undefined ? null : Math.ceil(windowMs)],
    );
    return Number(r.rows[0].value);
  }

  async counter(ns: string, key: string): Promise<number> {
    const row = (await this.query(`SELECT value FROM ${this.s}.counter WHERE ns = $1 AND key = $2 AND (expires_at IS NULL OR expires_at > ${NOW_MS})`, [ns, key])).rows[0];
    return row ? Number(row.value) : 0;
  }

  async kvGet(ns: string, key: string): Promise<KvRecord | undefined> {
    const row = (await this.query(`SELECT value, version FROM ${this.s}.kv WHERE ns = $1 AND key = $2`, [ns, key])).rows[0];
    return row ? { value: decode(row.value), version: Number(row.version) } : undefined;
  }

  async kvPut(ns: string, key: string, value: Json, expectedVersion?: number | null): Promise<number | false> {
    checkName(this.backend, 'key', key);
    const text = encode(this.backend, value);
    let r;
    if (expectedVersion === undefined) {
      r = await this.query(
        `INSERT INTO ${this.s}.kv (ns, key, value, version) VALUES ($1, $2, $3, 1)
         ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, version = kv.version + 1 RETURNING version`,
        [ns, key, text],
      );
    } else if (expectedVersion === null) {
      r = await this.query(`INSERT INTO ${this.s}.kv (ns, key, value, version) VALUES ($1, $2, $3, 1) ON CONFLICT (ns, key) DO NOTHING RETURNING version`, [ns, key, text]);
    } else {
      r = await this.query(`UPDATE ${this.s}.kv SET value = $3, version = version + 1 WHERE ns = $1 AND key = $2 AND version = $4 RETURNING version`, [ns, key, text, expectedVersion]);
    }
    return r.rowCount === 1 ? Number(r.rows[0].version) : false;
  }

  async kvDelete(ns: string, key: string): Promise<boolean> {
    return (await this.query(`DELETE FROM ${this.s}.kv WHERE ns = $1 AND key = $2`, [ns, key])).rowCount === 1;
  }

  isReady(): boolean {
    return this.ready && !this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    await this.pool.end().catch(() => undefined);
  }

  /** Creates the schema and applies the migrations this version knows and the database does not have yet. */
  private async migrate(): Promise<void> {
    const client: PoolClient = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // One instance migrates at a time; the lock ends with the transaction.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`flowguard:${this.s}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.s}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.s}.schema_version (version INT NOT NULL)`);
      const current = Number((await client.query(`SELECT max(version) AS v FROM ${this.s}.schema_version`)).rows[0].v ?? 0);
      for (let v = current; v < MIGRATIONS.length; v++) {
        await client.query(MIGRATIONS[v](this.s));
        await client.query(`INSERT INTO ${this.s}.schema_version (version) VALUES ($1)`, [v + 1]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Expired claims and counters are invisible already; this keeps the tables from growing. */
  private async sweep(): Promise<void> {
    if (this.closed) return;
    try {
      await this.pool.query(`DELETE FROM ${this.s}.claim WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${this.s}.claim WHERE expires_at <= ${NOW_MS} LIMIT 5000))`);
      await this.pool.query(`DELETE FROM ${this.s}.counter WHERE expires_at <= ${NOW_MS}`);
    } catch {
      // the next sweep tries again; callers see their own errors
    }
  }

  private async query(text: string, params: unknown[]): Promise<{ rowCount: number | null; rows: any[] }> {
    if (this.closed) throw new StoreError(this.backend, 'CLOSED', `connection to ${this.where} is closed`);
    try {
      const r = await this.pool.query(text, params);
      this.ready = true;
      return r;
    } catch (err) {
      if (isConnectionError(err)) this.ready = false;
      throw new StoreError(this.backend, 'UNAVAILABLE', `${this.where}: ${describe(err)}`, { cause: err });
    }
  }
}

function isSeq(id: string): boolean {
  return /^[0-9]{1,18}$/.test(id);
}

function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return !e?.code || /^(08|57P)/.test(e.code) || /ECONN|timeout|terminated|Connection/i.test(String(e.message));
}

/** postgres://user:secret@host:5432/db → postgres://host:5432/db */
export function redactPgUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return 'the configured Postgres URL (unparseable)';
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { errors?: Error[] };
  if (e?.errors?.length) return e.errors.map((x) => x.message).join('; ');
  return e?.code && !String(e.message).includes(e.code) ? `${e.code} ${e.message}` : String(e?.message ?? err);
}
