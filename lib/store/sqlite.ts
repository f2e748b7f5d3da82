import * as fs from 'fs';
import * as path from 'path';
import { checkName, checkTtl, decode, encode, newToken } from './codec';
import { openSqlite, SqlDatabase, SqliteDriverName, SqlStatement } from './sqlite-driver';
import { ClaimRecord, ClaimResult, Json, KvRecord, QueueEntry, QueuePage, ScheduledItem, Store, StoreError } from './types';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS fg_claim (ns TEXT NOT NULL, key TEXT NOT NULL, token TEXT NOT NULL, value TEXT NOT NULL,
  expires_at INTEGER NOT NULL, PRIMARY KEY (ns, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fg_schedule (ns TEXT NOT NULL, id TEXT NOT NULL, item TEXT NOT NULL, due_at INTEGER NOT NULL,
  lease TEXT, PRIMARY KEY (ns, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fg_schedule_due ON fg_schedule (ns, due_at);
CREATE TABLE IF NOT EXISTS fg_queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, ns TEXT NOT NULL, item TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS fg_queue_ns ON fg_queue (ns, seq);
CREATE TABLE IF NOT EXISTS fg_counter (ns TEXT NOT NULL, key TEXT NOT NULL, value INTEGER NOT NULL,
  expires_at INTEGER, PRIMARY KEY (ns, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fg_kv (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, version INTEGER NOT NULL,
  PRIMARY KEY (ns, key)) WITHOUT ROWID;
`;

/**
 * Columns added after the first release: a file written by an older version gets them when it is opened. Tables
 * added later (fg_kv) need nothing here: SCHEMA's CREATE TABLE IF NOT EXISTS adds them to an older file.
 */
/** A claim waiting for the next batch commit (see flushClaims). */
interface PendingClaim {
  ns: string;
  key: string;
  text: string;
  ttlMs: number;
  resolve(result: ClaimResult): void;
  reject(err: unknown): void;
}

const ADDED_COLUMNS = [{ table: 'fg_counter', column: 'expires_at', type: 'INTEGER' }];

/**
 * The embedded durable backend: one SQLite file (WAL mode) in the Node-RED user dir.
 * Every read-modify-write runs in a `BEGIN IMMEDIATE` transaction, so several handles on one file
 * (two runtimes on one machine, or worker threads) still see exactly one winner per claim. Claims made in the same
 * turn of the event loop share one transaction (flushClaims).
 */
export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  private db: SqlDatabase;
  private statements = new Map<string, SqlStatement>();
  private closed = false;
  private pendingClaims: PendingClaim[] = [];

  /** `driver` restricts the driver choice to one (see sqlite-driver.ts); by default the first that loads. */
  constructor(readonly file: string, driver?: SqliteDriverName) {
    try {
      if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      this.db = openSqlite(file, driver);
      this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
      this.db.exec(SCHEMA);
      for (const { table, column, type } of ADDED_COLUMNS) {
        const columns = this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
        if (!columns.some((c) => c.name === column)) this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
      }
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError('sqlite', 'OPEN_FAILED', `cannot open ${file}: ${(err as Error).message}`, { cause: err });
    }
  }

  async claim(ns: string, key: string, value: Json, ttlMs: number): Promise<ClaimResult> {
    checkName(this.backend, 'key', key);
    checkTtl(this.backend, ttlMs);
    const text = encode(this.backend, value);
    if (this.closed) throw this.closedError();
    return new Promise((resolve, reject) => {
      this.pendingClaims.push({ ns, key, text, ttlMs, resolve, reject });
      if (this.pendingClaims.length === 1) setImmediate(() => this.flushClaims());
    });
  }

  /**
   * Runs the claims queued since the last flush in one transaction. Node-RED delivers each message in its own
   * setImmediate callback, so the claims of messages arriving together are queued in one turn of the event loop and
   * share one commit (one WAL write) instead of one each. Each claim still gets its own answer, only after the commit.
   */
  private flushClaims(): void {
    const batch = this.pendingClaims;
    if (batch.length === 0) return;
    this.pendingClaims = [];
    let results: ClaimResult[];
    try {
      results = this.transaction(() => {
        const now = Date.now();
        return batch.map(({ ns, key, text, ttlMs }) => {
          const existing = this.liveClaim(ns, key, now);
          if (existing) return { claimed: false, existing };
          const token = newToken();
          this.sql('INSERT OR REPLACE INTO fg_claim (ns, key, token, value, expires_at) VALUES (?, ?, ?, ?, ?)').run(ns, key, token, text, now + ttlMs);
          return { claimed: true, token };
        });
      });
    } catch (err) {
      // Rolled back: none of these keys was claimed.
      for (const claim of batch) claim.reject(err);
      return;
    }
    batch.forEach((claim, i) => claim.resolve(results[i]));
  }

  async get(ns: string, key: string): Promise<ClaimRecord | undefined> {
    return this.liveClaim(ns, key, Date.now());
  }

  async update(ns: string, key: string, token: string, value: Json, ttlMs: number): Promise<boolean> {
    checkTtl(this.backend, ttlMs);
    const text = encode(this.backend, value);
    const now = Date.now();
    const r = this.sql('UPDATE fg_claim SET value = ?, expires_at = ? WHERE ns = ? AND key = ? AND token = ? AND expires_at > ?')
      .run(text, now + ttlMs, ns, key, token, now);
    return Number(r.changes) === 1;
  }

  async release(ns: string, key: string, token: string): Promise<boolean> {
    const r = this.sql('DELETE FROM fg_claim WHERE ns = ? AND key = ? AND token = ? AND expires_at > ?').run(ns, key, token, Date.now());
    return Number(r.changes) === 1;
  }

  async schedule(ns: string, id: string, item: Json, dueAt: number): Promise<void> {
    checkName(this.backend, 'id', id);
    const text = encode(this.backend, item);
    this.sql('INSERT OR REPLACE INTO fg_schedule (ns, id, item, due_at, lease) VALUES (?, ?, ?, ?, NULL)').run(ns, id, text, dueAt);
  }

  async takeDue(ns: string, now: number, limit: number, leaseMs: number): Promise<ScheduledItem[]> {
    checkTtl(this.backend, leaseMs);
    return this.transaction(() => {
      const rows = this.sql('SELECT id, item FROM fg_schedule WHERE ns = ? AND due_at <= ? ORDER BY due_at LIMIT ?')
        .all(ns, now, limit) as { id: string; item: string }[];
      const lease = this.sql('UPDATE fg_schedule SET due_at = ?, lease = ? WHERE ns = ? AND id = ?');
      return rows.map((row) => {
        const token = newToken();
        // A lease is the item pushed into the future: if nobody acks it, it becomes due again.
        lease.run(now + leaseMs, token, ns, row.id);
        return { id: row.id, item: decode(row.item), lease: token };
      });
    });
  }

  async ack(ns: string, id: string, lease: string): Promise<boolean> {
    return Number(this.sql('DELETE FROM fg_schedule WHERE ns = ? AND id = ? AND lease = ?').run(ns, id, lease).changes) === 1;
  }

  async unschedule(ns: string, id: string): Promise<boolean> {
    return Number(this.sql('DELETE FROM fg_schedule WHERE ns = ? AND id = ?').run(ns, id).changes) === 1;
  }

  async scheduledCount(ns: string): Promise<number> {
    return (this.sql('SELECT COUNT(*) AS n FROM fg_schedule WHERE ns = ?').get(ns) as { n: number }).n;
  }

  async enqueue(ns: string, item: Json): Promise<string> {
    const text = encode(this.backend, item);
    return String(this.sql('INSERT INTO fg_queue (ns, item) VALUES (?, ?)').run(ns, text).lastInsertRowid);
  }

  async queueGet(ns: string, id: string): Promise<QueueEntry | undefined> {
    const row = this.sql('SELECT item FROM fg_queue WHERE ns = ? AND seq = ?').get(ns, Number(id)) as { item: string } | undefined;
    return row ? { id, item: decode(row.item) } : undefined;
  }

  async queuePage(ns: string, opts: { after?: string; limit: number }): Promise<QueuePage> {
    const rows = this.sql('SELECT seq, item FROM fg_queue WHERE ns = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(ns, Number(opts.after ?? 0), opts.limit + 1) as { seq: number | bigint; item: string }[];
    const entries = rows.slice(0, opts.limit).map((r) => ({ id: String(r.seq), item: decode(r.item) }));
    return rows.length > opts.limit ? { entries, next: entries[entries.length - 1].id } : { entries };
  }

  async queueUpdate(ns: string, id: string, item: Json): Promise<boolean> {
    const text = encode(this.backend, item);
    return Number(this.sql('UPDATE fg_queue SET item = ? WHERE ns = ? AND seq = ?').run(text, ns, Number(id)).changes) === 1;
  }

  async queueRemove(ns: string, id: string): Promise<boolean> {
    return Number(this.sql('DELETE FROM fg_queue WHERE ns = ? AND seq = ?').run(ns, Number(id)).changes) === 1;
  }

  async queueCount(ns: string): Promise<number> {
    return (this.sql('SELECT COUNT(*) AS n FROM fg_queue WHERE ns = ?').get(ns) as { n: number }).n;
  }

  async incr(ns: string, key: string, by = 1, windowMs?: number): Promise<number> {
    if (windowMs !== undefined) checkTtl(this.backend, windowMs);
    const now = Date.now();
    return this.transaction(() => {
      // A counter whose window has passed starts again from this increment, with a new window.
      this.sql('DELETE FROM fg_counter WHERE ns = ? AND key = ? AND expires_at <= ?').run(ns, key, now);
      this.sql('INSERT INTO fg_counter (ns, key, value, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = value + excluded.value, expires_at = COALESCE(expires_at, excluded.expires_at)')
        .run(ns, key, by, windowMs === undefined ? null : now + windowMs);
      return (this.sql('SELECT value FROM fg_counter WHERE ns = ? AND key = ?').get(ns, key) as { value: number }).value;
    });
  }

  async counter(ns: string, key: string): Promise<number> {
    const row = this.sql('SELECT value FROM fg_counter WHERE ns = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)').get(ns, key, Date.now()) as { value: number } | undefined;
    return row ? Number(row.value) : 0;
  }

  async kvGet(ns: string, key: string): Promise<KvRecord | undefined> {
    const row = this.sql('SELECT value, version FROM fg_kv WHERE ns = ? AND key = ?').get(ns, key) as { value: string; version: number } | undefined;
    return row ? { value: decode(row.value), version: Number(row.version) } : undefined;
  }

  async kvPut(ns: string, key: string, value: Json, expectedVersion?: number | null): Promise<number | false> {
    checkName(this.backend, 'key', key);
    const text = encode(this.backend, value);
    return this.transaction(() => {
      const row = this.sql('SELECT version FROM fg_kv WHERE ns = ? AND key = ?').get(ns, key) as { version: number } | undefined;
      const current = row ? Number(row.version) : null;
      if (expectedVersion !== undefined && expectedVersion !== current) return false;
      const version = (current ?? 0) + 1;
      this.sql('INSERT OR REPLACE INTO fg_kv (ns, key, value, version) VALUES (?, ?, ?, ?)').run(ns, key, text, version);
      return version;
    });
  }

  async kvDelete(ns: string, key: string): Promise<boolean> {
    return Number(this.sql('DELETE FROM fg_kv WHERE ns = ? AND key = ?').run(ns, key).changes) === 1;
  }

  isReady(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flushClaims();
    this.closed = true;
    this.db.close();
  }

  private liveClaim(ns: string, key: string, now: number): ClaimRecord | undefined {
    const row = this.sql('SELECT token, value, expires_at FROM fg_claim WHERE ns = ? AND key = ? AND expires_at > ?').get(ns, key, now) as
      | { token: string; value: string; expires_at: number }
      | undefined;
    return row ? { value: decode(row.value), token: row.token, expiresAt: Number(row.expires_at) } : undefined;
  }

  private sql(text: string): SqlStatement {
    if (this.closed) throw this.closedError();
    // Any other statement first commits the claims queued before it, so operations keep the order they were called in.
    this.flushClaims();
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private closedError(): StoreError {
    return new StoreError(this.backend, 'CLOSED', `${this.file} is closed`);
  }

  private transaction<T>(work: () => T): T {
    this.sql('BEGIN IMMEDIATE').run();
    try {
      const result = work();
      this.sql('COMMIT').run();
      return result;
    } catch (err) {
      this.sql('ROLLBACK').run();
      throw err;
    }
  }
}
