/**
 * Per-key FIFO with at most one msg in flight per key and a global in-flight limit, kept in the store so queued
 * and in-flight msgs survive a restart and several instances on one Redis share one sequencer.
 *
 * - queue: schedule items due at their global sequence number (always due, oldest first);
 * - one instance at a time takes items (a leader claim renewed on every poll), so order cannot be broken by two
 *   instances racing; an item whose key is busy, or that finds the limit reached, is put back at its old position;
 * - in flight: a claim per key (its token is the release token) and a counter; the release and the timeout both
 *   release the claim by token, so only one of them frees the key;
 * - timeouts: schedule items due at start + timeout, handled by any instance.
 */
import { randomUUID } from 'crypto';
import { Json, Store } from '../store';
import { Leader } from './leader';

export interface SequencerOptions {
  concurrency: number;
  timeoutMs: number;
  maxQueued: number;
  /** how long a leader claim lives without renewal */
  leaderTtlMs: number;
}

interface Queued { key: string; p: number; msg: Record<string, any> }
interface Timeout { key: string; msg: Record<string, any> }

/** In-flight claims outlive any timeout: only a release or the timeout handler ends them. */
const LOCK_TTL_MS = 30 * 24 * 3600_000;
const LEASE_MS = 30_000;
const BATCH = 100;

export interface Started { msg: Record<string, any>; key: string; token: string }

export class DurableSequencer {
  private readonly q: string;
  private readonly t: string;
  private readonly leader: Leader;

  constructor(private readonly store: Store, private readonly ns: string, private readonly opts: SequencerOptions) {
    this.q = `${ns}:q`;
    this.t = `${ns}:t`;
    this.leader = new Leader(store, { ns, key: 'leader', ttlMs: opts.leaderTtlMs, owner: randomUUID() });
  }

  /** false when the queue is full. */
  async enqueue(key: string, msg: Record<string, any>): Promise<boolean> {
    if ((await this.store.scheduledCount(this.q)) >= this.opts.maxQueued) return false;
    const p = await this.store.incr(this.ns, 'p');
    await this.store.schedule(this.q, randomUUID(), { key, p, msg } as unknown as Json, p);
    return true;
  }

  /** Starts what may start now (only on the leader). */
  async startDue(now = Date.now()): Promise<Started[]> {
    if (!(await this.leader.acquire())) return [];
    const items = await this.store.takeDue(this.q, now, BATCH, LEASE_MS);
    const started: Started[] = [];
    let inFlight = await this.store.counter(this.ns, 'inflight');
    // Keys with an item put back in this batch: their later items wait too, even if the key is released meanwhile
    // (a release may come in while this loop runs), or a later msg would overtake an earlier one.
    const waiting = new Set<string>();
    for (const item of items) {
      const q = item.item as unknown as Queued;
      const putBack = () => {
        waiting.add(q.key);
        return this.store.schedule(this.q, item.id, item.item, q.p);
      };
      if (inFlight >= this.opts.concurrency || waiting.has(q.key)) {
        await putBack();
        continue;
      }
      const lock = await this.store.claim(this.ns, `key:${q.key}`, { item: item.id }, LOCK_TTL_MS);
      // A crash between claiming the key and acking leaves our own claim behind: it is still ours.
      const token = lock.claimed ? lock.token : (lock.existing.value as { item?: string }).item === item.id ? lock.existing.token : undefined;
      if (!token) {
        await putBack();
        continue;
      }
      if (lock.claimed) inFlight = await this.store.incr(this.ns, 'inflight');
      await this.store.schedule(this.t, token, { key: q.key, msg: q.msg } as unknown as Json, now + this.opts.timeoutMs);
      if (!(await this.store.ack(this.q, item.id, item.lease))) continue;
      started.push({ msg: q.msg, key: q.key, token });
    }
    return started;
  }

  /** Frees the key of a msg that came back; false when it was no longer in flight (timed out, released). */
  async release(key: string, token: string): Promise<boolean> {
    if (!(await this.store.release(this.ns, `key:${key}`, token))) return false;
    await this.store.incr(this.ns, 'inflight', -1);
    await this.store.unschedule(this.t, token);
    return true;
  }

  /** Msgs whose key was not released in time; their keys are freed. Any instance may run it. */
  async timedOut(now = Date.now()): Promise<{ msg: Record<string, any>; key: string }[]> {
    const due = await this.store.takeDue(this.t, now, BATCH, LEASE_MS);
    const out: { msg: Record<string, any>; key: string }[] = [];
    for (const item of due) {
      const t = item.item as unknown as Timeout;
      const freed = await this.store.release(this.ns, `key:${t.key}`, item.id);
      if (freed) await this.store.incr(this.ns, 'inflight', -1);
      if ((await this.store.ack(this.t, item.id, item.lease)) && freed) out.push(t);
    }
    return out;
  }

  async stats(): Promise<{ inFlight: number; queued: number }> {
    return { inFlight: await this.store.counter(this.ns, 'inflight'), queued: await this.store.scheduledCount(this.q) };
  }

  /** Gives up leadership so another instance (or the next deploy) takes over at once. */
  async stop(): Promise<void> {
    await this.leader.release().catch(() => undefined);
  }
}
