/**
 * A leader lease in a FlowGuard store: one instance at a time holds it, so work that must happen once (a change
 * feed, a subscription, scheduled replays) runs on exactly one of several Node-RED instances sharing the store.
 *
 * The lease is a claim with a TTL: `acquire()` claims it or renews the one held (call it well within the TTL,
 * e.g. every third of it), `release()` hands it over at once on a clean stop. When the holder dies, its claim
 * expires and the next `acquire()` elsewhere takes over: fail-over within the TTL.
 *
 * `isLeader` is this instance's own view: true until `ttlMs` after the last successful claim / renewal was
 * *sent*, so it always ends before the store's expiry (which starts later, when the store applied it). A leader
 * that cannot renew (store down, process paused) stops considering itself leader before anyone else can take over.
 */
import { hostname } from 'os';
import type { ClaimRecord, Json, Store } from '../store/types';

export interface LeaderOptions {
  ns: string;
  key: string;
  /** how long the lease lives without renewal: the longest fail-over after the holder dies */
  ttlMs: number;
  /** stored as the claim's value so the others can show who leads; default `host:pid` */
  owner?: Json;
  now?: () => number;
}

export const DEFAULT_LEASE_MS = 15_000;

export class Leader {
  private token?: string;
  private validUntil = 0;
  /** when the other holder's lease ends, as the store said at the last failed claim (a standby tries again then) */
  heldByOtherUntil?: number;
  private readonly now: () => number;
  readonly owner: Json;

  constructor(private readonly store: Store, readonly opts: LeaderOptions) {
    if (!(opts.ttlMs > 0)) throw new RangeError(`leader lease: ttlMs must be > 0 (got ${opts.ttlMs})`);
    this.now = opts.now ?? Date.now;
    this.owner = opts.owner ?? `${hostname()}:${process.pid}`;
  }

  /** Claims the lease, or renews it while held. Resolves true while this instance leads; store errors reject. */
  async acquire(): Promise<boolean> {
    const { ns, key, ttlMs } = this.opts;
    const sentAt = this.now();
    if (this.token) {
      if (await this.store.update(ns, key, this.token, this.owner, ttlMs)) {
        this.validUntil = sentAt + ttlMs;
        return true;
      }
      // Expired and perhaps taken by another: ours no longer.
      this.lose();
    }
    const res = await this.store.claim(ns, key, this.owner, ttlMs);
    if (!res.claimed) {
      this.heldByOtherUntil = res.existing.expiresAt;
      return false;
    }
    this.heldByOtherUntil = undefined;
    this.token = res.token;
    this.validUntil = sentAt + ttlMs;
    return true;
  }

  get isLeader(): boolean {
    return this.token !== undefined && this.now() < this.validUntil;
  }

  /** Gives the lease up so a standby takes over at once (a clean stop or a redeploy). */
  async release(): Promise<void> {
    const token = this.token;
    this.lose();
    if (token) await this.store.release(this.opts.ns, this.opts.key, token);
  }

  /** Who holds the lease now (its owner value and expiry), if anyone. */
  holder(): Promise<ClaimRecord | undefined> {
    return this.store.get(this.opts.ns, this.opts.key);
  }

  private lose(): void {
    this.token = undefined;
    this.validUntil = 0;
  }
}
