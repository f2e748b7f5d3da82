/**
 * Dead-letter queue: parks failed msgs durably (JSON only, secrets masked), lists / edits / replays / discards
 * them. A replay is at least once: `take` claims each entry (one replayer at a time, even with several instances on
 * one store) and leaves a marker in the store's schedule, due when the lease ends; the caller sends the msg and then
 * `ack`s, which removes the entry and the marker. A crash between the two loses nothing: the entry is still parked,
 * its marker falls due, and `takeInterrupted` hands it out again. Exactly-once effects come from the idempotency
 * gate downstream, which drops the second delivery of a replay that did get through before the crash.
 */
import { Json, Store } from '../store';
import { redactValue } from '../ops/redact';
import { toStorableMsg } from './canonical';
import { errorOf } from './classify';
import { flowError, FlowError, FlowGuardError } from './errors';

export interface DeadLetter {
  msg: Record<string, any>;
  error: FlowError;
  attempts: number;
  history: unknown[];
  origin: { node?: string; type?: string; name?: string; flow?: string };
  correlationId?: string;
  firstFailureAt: number;
  lastFailureAt: number;
  parkedAt: number;
  /** msg paths that could not be stored */
  removed: string[];
}

export interface DeadLetterFilter {
  node?: string;
  code?: string;
  /** epoch ms: parked at or after */
  since?: number;
  /** any of these error codes (empty or absent: any code) */
  codes?: string[];
  /** epoch ms: parked before (scheduled replays take entries that have waited an interval) */
  before?: number;
  /** replayed fewer times than this before (`msg.replay.count`): a msg that keeps failing is left for a person */
  replayedFewerThan?: number;
}

export interface ParkContext {
  /** the DLQ node's flow, when the msg names no origin */
  flow?: string;
  now?: number;
}

export function toDeadLetter(msg: Record<string, any>, ctx: ParkContext = {}): DeadLetter {
  const now = ctx.now ?? Date.now();
  const error = redactValue(errorOf(msg));
  const history = Array.isArray(msg.retry?.history) ? msg.retry.history : [];
  const firstAt = Number(history[0]?.at);
  // A Catch node names the failing node in msg.error.source.
  const source = (error.source ?? {}) as { id?: string; type?: string; name?: string; z?: string };
  const { msg: stored, removed } = toStorableMsg(msg);
  return {
    msg: stored,
    error: { message: error.message, code: error.code, service: error.service, status: error.status, retryable: error.retryable },
    attempts: Number.isInteger(msg.retry?.attempt) ? msg.retry.attempt : 0,
    history: redactValue(toStorableMsg({ h: history }).msg.h ?? []),
    origin: { node: source.id, type: source.type, name: source.name, flow: source.z ?? ctx.flow },
    correlationId: msg.correlationId !== undefined ? String(msg.correlationId) : undefined,
    firstFailureAt: Number.isFinite(firstAt) ? firstAt : now,
    lastFailureAt: now,
    parkedAt: now,
    removed,
  };
}

export function matches(entry: DeadLetter, filter: DeadLetterFilter): boolean {
  if (filter.node && entry.origin?.node !== filter.node) return false;
  if (filter.code && entry.error?.code !== filter.code) return false;
  if (filter.since !== undefined && entry.parkedAt < filter.since) return false;
  if (filter.codes?.length && !filter.codes.includes(String(entry.error?.code))) return false;
  if (filter.before !== undefined && !(entry.parkedAt < filter.before)) return false;
  if (filter.replayedFewerThan !== undefined && (Number(entry.msg?.replay?.count) || 0) >= filter.replayedFewerThan) return false;
  return true;
}

export class DeadLetterQueue {
  constructor(private readonly store: Store, readonly ns: string) {}

  async park(msg: Record<string, any>, ctx: ParkContext = {}): Promise<{ id: string; entry: DeadLetter }> {
    const entry = toDeadLetter(msg, ctx);
    const id = await this.store.enqueue(this.ns, entry as unknown as Json);
    return { id, entry };
  }

  depth(): Promise<number> {
    return this.store.queueCount(this.ns);
  }

  async get(id: string): Promise<{ id: string; item: DeadLetter } | undefined> {
    return (await this.store.queueGet(this.ns, id)) as unknown as { id: string; item: DeadLetter } | undefined;
  }

  /** A page of entries matching `filter`; reads store pages until `limit` matches or the end. */
  async list(opts: { after?: string; limit: number; filter?: DeadLetterFilter }): Promise<{ entries: { id: string; item: DeadLetter }[]; next?: string }> {
    const entries: { id: string; item: DeadLetter }[] = [];
    let after = opts.after;
    for (;;) {
      const page = await this.store.queuePage(this.ns, { after, limit: Math.max(opts.limit, 50) });
      for (const e of page.entries) {
        after = e.id;
        if (!matches(e.item as unknown as DeadLetter, opts.filter ?? {})) continue;
        entries.push(e as unknown as { id: string; item: DeadLetter });
        if (entries.length === opts.limit) {
          const more = e !== page.entries[page.entries.length - 1] || page.next !== undefined;
          return more ? { entries, next: e.id } : { entries };
        }
      }
      if (page.next === undefined) return { entries };
    }
  }

  /** Every id matching `filter` (for replay-all / purge-all). */
  async ids(filter: DeadLetterFilter = {}): Promise<string[]> {
    const ids: string[] = [];
    let after: string | undefined;
    do {
      const page = await this.list({ after, limit: 500, filter });
      ids.push(...page.entries.map((e) => e.id));
      after = page.next;
    } while (after !== undefined);
    return ids;
  }

  async editPayload(id: string, payload: unknown): Promise<boolean> {
    const current = await this.get(id);
    if (!current) return false;
    const { msg: stored } = toStorableMsg({ payload });
    const item = { ...current.item, msg: { ...current.item.msg, payload: stored.payload ?? null }, editedAt: Date.now() };
    return this.store.queueUpdate(this.ns, id, item as unknown as Json);
  }

  async discard(id: string): Promise<boolean> {
    return this.store.queueRemove(this.ns, id);
  }

  /** Where replays in progress are claimed and marked. */
  private get replayNs(): string {
    return `${this.ns}:replaying`;
  }

  /**
   * Takes the entries for replay, each leased for `leaseMs`: its msg ready to send, with `msg.replay = {count, at, id}`
   * and no old error / retry state. Send it, then `ack` the lease. An id that is gone (replayed or discarded) or being
   * replayed by another caller right now is in `missing`.
   */
  async take(ids: string[], leaseMs: number, now = Date.now()): Promise<{ taken: ReplayLease[]; missing: string[] }> {
    const taken: ReplayLease[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const lease = await this.lease(id, leaseMs, now);
      if (lease) taken.push(lease);
      else missing.push(id);
    }
    return { taken, missing };
  }

  /**
   * Replays that were taken and never acknowledged (the process died in between) whose lease has ended: taken
   * again, to be sent and acknowledged like any replay.
   */
  async takeInterrupted(leaseMs: number, now = Date.now(), limit = 100): Promise<ReplayLease[]> {
    const taken: ReplayLease[] = [];
    // takeDue pushes each marker another lease into the future, so it stays a marker while this replay runs.
    for (const due of await this.store.takeDue(this.replayNs, now, limit, leaseMs)) {
      const lease = await this.lease(due.id, leaseMs, now, true);
      if (lease) taken.push(lease);
    }
    return taken;
  }

  /** The msg was sent: the entry, its marker and its claim go. False when the entry was already gone (discarded). */
  async ack(lease: ReplayLease): Promise<boolean> {
    // Entry first: a crash before the marker goes leaves a marker for an entry that is gone, which is then dropped.
    const removed = await this.store.queueRemove(this.ns, lease.id);
    await this.store.unschedule(this.replayNs, lease.id);
    await this.store.release(this.replayNs, lease.id, lease.token);
    return removed;
  }

  private async lease(id: string, leaseMs: number, now: number, interrupted = false): Promise<ReplayLease | undefined> {
    const claim = await this.store.claim(this.replayNs, id, 'replaying', leaseMs);
    if (!claim.claimed) return undefined; // another caller is replaying it now
    const entry = await this.get(id);
    if (!entry) {
      // Gone (discarded, or acknowledged just before a crash): nothing to replay, nor to mark.
      await this.store.unschedule(this.replayNs, id);
      await this.store.release(this.replayNs, id, claim.token);
      return undefined;
    }
    if (!interrupted) await this.store.schedule(this.replayNs, id, null, now + leaseMs);
    const msg = { ...entry.item.msg };
    const count = Number(msg.replay?.count) || 0;
    delete msg.error;
    delete msg.retry;
    msg.replay = { count: count + 1, at: now, id };
    return { id, token: claim.token, msg };
  }

  /** Replays still marked in the store (taken, not yet acknowledged). */
  inFlight(): Promise<number> {
    return this.store.scheduledCount(this.replayNs);
  }
}

/** One entry taken for replay: send `msg`, then pass this to `DeadLetterQueue.ack`. */
export interface ReplayLease {
  id: string;
  token: string;
  msg: Record<string, any>;
}

/** Validates a replay / purge request: `{ids: [..]}` or `{all: true, filter?}`. */
export function parseSelection(body: unknown): { ids: string[] } | { all: true; filter: DeadLetterFilter } {
  const b = body as { ids?: unknown; all?: unknown; filter?: unknown } | null;
  if (b && Array.isArray(b.ids) && b.ids.length > 0 && b.ids.every((x) => typeof x === 'string' || typeof x === 'number')) {
    return { ids: b.ids.map(String) };
  }
  if (b && b.all === true) return { all: true, filter: parseFilter((b.filter ?? {}) as Record<string, unknown>) };
  throw new FlowGuardError(flowError({ message: 'malformed request: send {"ids": ["<id>", …]} or {"all": true, "filter": {"node", "code", "since"}}', code: 'DLQ_BAD_REQUEST' }));
}

export function parseFilter(q: Record<string, unknown>): DeadLetterFilter {
  const filter: DeadLetterFilter = {};
  if (typeof q.node === 'string' && q.node) filter.node = q.node;
  if (typeof q.code === 'string' && q.code) filter.code = q.code;
  if (q.since !== undefined && q.since !== '') {
    const since = typeof q.since === 'number' ? q.since : /^\d+$/.test(String(q.since)) ? Number(q.since) : Date.parse(String(q.since));
    if (!Number.isFinite(since)) throw new FlowGuardError(flowError({ message: `malformed filter: since must be epoch ms or an ISO date, got "${String(q.since)}"`, code: 'DLQ_BAD_REQUEST' }));
    filter.since = since;
  }
  return filter;
}
