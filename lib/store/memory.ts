import { checkName, checkTtl, decode, encode, newToken } from './codec';
import { ExpiryHeap } from './expiry-heap';
import { ClaimRecord, ClaimResult, Json, KvRecord, QueueEntry, QueuePage, ScheduledItem, Store } from './types';

interface Claim { text: string; token: string; expiresAt: number }
interface Scheduled { text: string; dueAt: number; lease?: string }

/**
 * Per-process store for tests and throw-away flows. Values are kept as JSON text so a caller that
 * mutates an object after storing it does not change what was stored (the same as the durable backends).
 */
export class MemoryStore implements Store {
  readonly backend = 'memory' as const;
  private claims = new Map<string, Claim>();
  private scheduled = new Map<string, Map<string, Scheduled>>();
  private queues = new Map<string, Map<string, string>>();
  private queueSeq = 0;
  private counters = new Map<string, { value: number; expiresAt?: number }>();
  private kv = new Map<string, { text: string; version: number }>();
  private closed = false;
  private claimExpiry = new ExpiryHeap();
  // Owner tokens only have to differ between claims of this one process, so a counter will do: a random UUID kept
  // for every claim was a third of the cost of a claim (allocation and GC of the retained string).
  private tokenSeq = 0;

  async claim(ns: string, key: string, value: Json, ttlMs: number): Promise<ClaimResult> {
    checkName(this.backend, 'key', key);
    checkTtl(this.backend, ttlMs);
    const text = encode(this.backend, value);
    this.dropExpired();
    const existing = this.liveClaim(ns, key);
    if (existing) return { claimed: false, existing };
    const token = `t${(++this.tokenSeq).toString(36)}`;
    this.setClaim(claimKey(ns, key), { text, token, expiresAt: Date.now() + ttlMs });
    return { claimed: true, token };
  }

  async get(ns: string, key: string): Promise<ClaimRecord | undefined> {
    return this.liveClaim(ns, key);
  }

  async update(ns: string, key: string, token: string, value: Json, ttlMs: number): Promise<boolean> {
    checkTtl(this.backend, ttlMs);
    const text = encode(this.backend, value);
    const current = this.liveClaim(ns, key);
    if (!current || current.token !== token) return false;
    this.setClaim(claimKey(ns, key), { text, token, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async release(ns: string, key: string, token: string): Promise<boolean> {
    const current = this.liveClaim(ns, key);
    if (!current || current.token !== token) return false;
    return this.claims.delete(claimKey(ns, key));
  }

  async schedule(ns: string, id: string, item: Json, dueAt: number): Promise<void> {
    checkName(this.backend, 'id', id);
    const text = encode(this.backend, item);
    this.bucket(this.scheduled, ns).set(id, { text, dueAt });
  }

  async takeDue(ns: string, now: number, limit: number, leaseMs: number): Promise<ScheduledItem[]> {
    checkTtl(this.backend, leaseMs);
    const due = [...this.bucket(this.scheduled, ns).entries()]
      .filter(([, s]) => s.dueAt <= now)
      .sort((a, b) => a[1].dueAt - b[1].dueAt)
      .slice(0, limit);
    return due.map(([id, s]) => {
      // A lease is the item pushed into the future: if nobody acks it, it becomes due again.
      s.dueAt = now + leaseMs;
      s.lease = newToken();
      return { id, item: decode(s.text), lease: s.lease };
    });
  }

  async ack(ns: string, id: string, lease: string): Promise<boolean> {
    const items = this.bucket(this.scheduled, ns);
    const s = items.get(id);
    if (!s || s.lease !== lease) return false;
    return items.delete(id);
  }

  async unschedule(ns: string, id: string): Promise<boolean> {
    return this.bucket(this.scheduled, ns).delete(id);
  }

  async scheduledCount(ns: string): Promise<number> {
    return this.bucket(this.scheduled, ns).size;
  }

  async enqueue(ns: string, item: Json): Promise<string> {
    const text = encode(this.backend, item);
    const id = String(++this.queueSeq);
    this.bucket(this.queues, ns).set(id, text);
    return id;
  }

  async queueGet(ns: string, id: string): Promise<QueueEntry | undefined> {
    const text = this.bucket(this.queues, ns).get(id);
    return text === undefined ? undefined : { id, item: decode(text) };
  }

  async queuePage(ns: string, opts: { after?: string; limit: number }): Promise<QueuePage> {
    const after = opts.after === undefined ? 0 : Number(opts.after);
    // Map iteration order is insertion order, which is id order.
    const rest = [...this.bucket(this.queues, ns).entries()].filter(([id]) => Number(id) > after);
    const entries = rest.slice(0, opts.limit).map(([id, text]) => ({ id, item: decode(text) }));
    return rest.length > opts.limit ? { entries, next: entries[entries.length - 1].id } : { entries };
  }

  async queueUpdate(ns: string, id: string, item: Json): Promise<boolean> {
    const text = encode(this.backend, item);
    const queue = this.bucket(this.queues, ns);
    if (!queue.has(id)) return false;
    queue.set(id, text);
    return true;
  }

  async queueRemove(ns: string, id: string): Promise<boolean> {
    return this.bucket(this.queues, ns).delete(id);
  }

  async queueCount(ns: string): Promise<number> {
    return this.bucket(this.queues, ns).size;
  }

  async incr(ns: string, key: string, by = 1, windowMs?: number): Promise<number> {
    if (windowMs !== undefined) checkTtl(this.backend, windowMs);
    const k = claimKey(ns, key);
    const now = Date.now();
    const current = this.liveCounter(k, now);
    const next = { value: (current?.value ?? 0) + by, expiresAt: current?.expiresAt ?? (windowMs === undefined ? undefined : now + windowMs) };
    this.counters.set(k, next);
    return next.value;
  }

  async counter(ns: string, key: string): Promise<number> {
    return this.liveCounter(claimKey(ns, key), Date.now())?.value ?? 0;
  }

  async kvGet(ns: string, key: string): Promise<KvRecord | undefined> {
    const r = this.kv.get(claimKey(ns, key));
    return r && { value: decode(r.text), version: r.version };
  }

  async kvPut(ns: string, key: string, value: Json, expectedVersion?: number | null): Promise<number | false> {
    checkName(this.backend, 'key', key);
    const text = encode(this.backend, value);
    const k = claimKey(ns, key);
    const current = this.kv.get(k)?.version ?? null;
    if (expectedVersion !== undefined && expectedVersion !== current) return false;
    const version = (current ?? 0) + 1;
    this.kv.set(k, { text, version });
    return version;
  }

  async kvDelete(ns: string, key: string): Promise<boolean> {
    return this.kv.delete(claimKey(ns, key));
  }

  private liveCounter(k: string, now: number): { value: number; expiresAt?: number } | undefined {
    const c = this.counters.get(k);
    if (c?.expiresAt !== undefined && c.expiresAt <= now) {
      this.counters.delete(k);
      return undefined;
    }
    return c;
  }

  isReady(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private setClaim(k: string, claim: Claim): void {
    this.claims.set(k, claim);
    this.claimExpiry.push(k, claim.expiresAt);
  }

  /**
   * Expired claims would otherwise only be dropped when read; keep a long-running process from growing. Earliest
   * first from a heap: scanning every claim (a day of keys with the default result TTL) cost more than the claim.
   */
  private dropExpired(): void {
    this.claimExpiry.popExpired(Date.now(), (k, expiresAt) => {
      // A popped time that no longer matches was superseded by an update or a new claim of the key.
      if (this.claims.get(k)?.expiresAt === expiresAt) this.claims.delete(k);
    });
  }

  private liveClaim(ns: string, key: string): ClaimRecord | undefined {
    const k = claimKey(ns, key);
    const c = this.claims.get(k);
    if (!c) return undefined;
    if (c.expiresAt <= Date.now()) {
      this.claims.delete(k);
      return undefined;
    }
    return { value: decode(c.text), token: c.token, expiresAt: c.expiresAt };
  }

  private bucket<V>(map: Map<string, Map<string, V>>, ns: string): Map<string, V> {
    let b = map.get(ns);
    if (!b) map.set(ns, (b = new Map()));
    return b;
  }
}

function claimKey(ns: string, key: string): string {
  return `${ns}\u0000${key}`;
}
