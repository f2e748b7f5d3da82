/**
 * The one storage contract behind every reliability node. Four backends implement it (memory, SQLite, Redis in its
 * single / cluster / sentinel forms, Postgres) and one contract suite (test/unit/store-contract.test.ts) runs against all.
 *
 * Four families of operations, each scoped by a namespace (`ns`) so nodes never see each other's data:
 * - claims: claim-if-absent with a TTL and an owner token; guarded update (complete) and release;
 * - schedule: items due at a time; `takeDue` leases them atomically, `ack` removes them; an expired
 *   lease makes an item due again, so a crash between take and ack never loses it;
 * - queue: an insertion-ordered list with page / get / update / remove / count (the dead-letter queue);
 * - counters;
 * - kv: durable values without a TTL, written with an optional version compare-and-set (watermarks, replay ids).
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type BackendName = 'memory' | 'sqlite' | 'redis' | 'postgres';

export interface ClaimRecord {
  value: Json;
  token: string;
  /** epoch ms when the record expires */
  expiresAt: number;
}

export type ClaimResult = { claimed: true; token: string } | { claimed: false; existing: ClaimRecord };

export interface ScheduledItem {
  id: string;
  item: Json;
  /** the lease token to pass to `ack` */
  lease: string;
}

/** A durable value and its version: 1 when first written, +1 per write. */
export interface KvRecord { value: Json; version: number }

export interface QueueEntry {
  id: string;
  item: Json;
}

export interface QueuePage {
  entries: QueueEntry[];
  /** pass as `after` to read the next page; absent on the last page */
  next?: string;
}

export interface Store {
  readonly backend: BackendName;

  claim(ns: string, key: string, value: Json, ttlMs: number): Promise<ClaimResult>;
  get(ns: string, key: string): Promise<ClaimRecord | undefined>;
  /** Replace the value and TTL only while `token` still owns the key. */
  update(ns: string, key: string, token: string, value: Json, ttlMs: number): Promise<boolean>;
  /** Delete the key only while `token` still owns it. */
  release(ns: string, key: string, token: string): Promise<boolean>;

  /** Add or replace an item due at `dueAt` (epoch ms). */
  schedule(ns: string, id: string, item: Json, dueAt: number): Promise<void>;
  /** Atomically lease up to `limit` items due at or before `now` for `leaseMs`. */
  takeDue(ns: string, now: number, limit: number, leaseMs: number): Promise<ScheduledItem[]>;
  /** Remove a leased item; false when the lease was lost (expired and taken by another). */
  ack(ns: string, id: string, lease: string): Promise<boolean>;
  /** Remove an item whatever its lease state. */
  unschedule(ns: string, id: string): Promise<boolean>;
  scheduledCount(ns: string): Promise<number>;

  enqueue(ns: string, item: Json): Promise<string>;
  queueGet(ns: string, id: string): Promise<QueueEntry | undefined>;
  queuePage(ns: string, opts: { after?: string; limit: number }): Promise<QueuePage>;
  queueUpdate(ns: string, id: string, item: Json): Promise<boolean>;
  queueRemove(ns: string, id: string): Promise<boolean>;
  queueCount(ns: string): Promise<number>;

  /**
   * Adds `by` (default 1) and returns the new value. With `windowMs`, the counter counts within a fixed window: a
   * counter that does not exist (or whose window has passed) starts from 0 and disappears `windowMs` after that
   * first increment; later increments inside the window keep its end (a counter that had no window gets one).
   * Without `windowMs` a new counter is kept until it is reset.
   */
  incr(ns: string, key: string, by?: number, windowMs?: number): Promise<number>;
  /** The current value; 0 for a counter never incremented or whose window has passed. */
  counter(ns: string, key: string): Promise<number>;

  /** A durable value (no TTL); undefined when absent. */
  kvGet(ns: string, key: string): Promise<KvRecord | undefined>;
  /** Writes when the stored version equals `expectedVersion` (null: the key must not exist; undefined: unconditional).
   *  Returns the new version (1 for a new key, +1 per write) or false when the compare failed. */
  kvPut(ns: string, key: string, value: Json, expectedVersion?: number | null): Promise<number | false>;
  /** Removes the key; false when absent. */
  kvDelete(ns: string, key: string): Promise<boolean>;

  /** true while the backend answers (Redis may be reconnecting). */
  isReady(): boolean;
  close(): Promise<void>;
}

/** Raised for every store failure; the message names the backend and the cause. */
export class StoreError extends Error {
  readonly code: string;
  readonly backend: BackendName;
  constructor(backend: BackendName, code: string, message: string, options?: { cause?: unknown }) {
    super(`${backend} store: ${message}`, options);
    this.name = 'StoreError';
    this.backend = backend;
    this.code = code;
  }
}
