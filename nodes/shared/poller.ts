/**
 * The one timer loop for nodes that do work on their own (poll a feed, take due retries, keep a subscription):
 * rounds every `everyMs`, a failed round backs off, `trigger()` runs a round now, and the node's close waits for a
 * round in progress (so work that was taken from the store is always finished).
 *
 * With `single`, the rounds run on one instance only among those sharing the store: a leader lease
 * (lib/reliability/leader.ts) is claimed and renewed every third of its TTL; the others show a grey "standby" status
 * and take over when the holder's lease expires (it died) or is released (it closed).
 */
import { hostname } from 'os';
import { backoffDelay } from '../../lib/reliability/backoff';
import { DEFAULT_LEASE_MS, Leader } from '../../lib/reliability/leader';
import type { Store } from '../../lib/store/types';
import { RuntimeNode, status } from './node-io';
import type { StoreConfigNode } from './store-node';

/** the shortest wait between two claims of a standby */
const MIN_RETRY_MS = 20;

export interface SingleRunner {
  store: () => Promise<Store>;
  /** the lease's key, unique per job (e.g. the node id and what it watches) */
  key: string;
  /** lease TTL: how long a standby waits after the leader died; default 15 s */
  ttlMs?: number;
  /** called when this instance becomes the leader (before its first round) */
  onLead?: () => void | Promise<void>;
  /** called when it stops being the leader (lease lost, or the node closing): stop what onLead / rounds started */
  onStandby?: () => void | Promise<void>;
}

export interface PollerOptions {
  everyMs: number;
  /** one round of work; a rejection is passed to onError and the next round waits the back-off */
  round: () => Promise<void>;
  onError?: (err: unknown, failuresInARow: number) => void;
  /** the longest back-off after failures; default max(everyMs, 60 s) */
  maxBackoffMs?: number;
  /** rounds are skipped (not failed) while this says no, e.g. the store is disconnected */
  ready?: () => boolean;
  /** the config node of the store the rounds use: it keeps the store open until a round in progress and the
   *  lease release are done when both close together (a stop or redeploy) */
  storeNode?: Pick<StoreConfigNode, 'holdOpen'>;
  /** a first round at once (default) or after `everyMs` */
  startNow?: boolean;
  single?: SingleRunner;
}

export interface Poller {
  /** a round now (or right after the one in progress) */
  trigger(): void;
  /** true while this instance may run rounds (always without `single`) */
  readonly leading: boolean;
  /** stops the loop, waits for a round in progress, gives up the lease; also done on the node's close (the same
   *  promise each call, so a node's own close handler can wait for it too) */
  stop(): Promise<void>;
}

/** A chain of timeouts running `step` one at a time; `step` returns the delay to the next. */
class Loop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(private readonly step: () => Promise<number>) {}

  runIn(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), ms);
  }

  get idle(): boolean {
    return !this.running;
  }

  now(): void {
    if (this.running) this.again = true;
    else this.runIn(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private run(): void {
    this.timer = undefined;
    if (this.stopped || this.running) return;
    this.again = false;
    this.running = this.step().then((delay) => {
      this.running = undefined;
      this.runIn(this.again ? 0 : delay);
    });
  }
}

/** What the poller uses of its node. */
export type PollerNode = Pick<RuntimeNode, 'id' | 'status' | 'warn'> & { on(event: 'close', cb: (removed: boolean, done: () => void) => void): unknown };

export function startPoller(node: PollerNode, opts: PollerOptions): Poller {
  const maxBackoffMs = opts.maxBackoffMs ?? Math.max(opts.everyMs, 60_000);
  let failures = 0;
  let closed = false;

  const rounds = new Loop(async () => {
    if (closed || (leader && !leader.isLeader) || (opts.ready && !opts.ready())) return opts.everyMs;
    try {
      await opts.round();
      failures = 0;
      return opts.everyMs;
    } catch (err) {
      failures++;
      opts.onError?.(err, failures);
      return backoffDelay({ baseMs: opts.everyMs, factor: 2, capMs: maxBackoffMs, jitter: 'equal' }, failures);
    }
  });

  let leader: Leader | undefined;
  let keeper: Loop | undefined;
  let leading = !opts.single;
  const single = opts.single;
  if (single) {
    const ttlMs = single.ttlMs ?? DEFAULT_LEASE_MS;
    const renewMs = Math.max(1, Math.floor(ttlMs / 3));
    let lastError: string | undefined;
    let standbyShown = false;
    keeper = new Loop(async () => {
      if (closed) return renewMs;
      try {
        leader ??= new Leader(await single.store(), { ns: 'fg-leader', key: single.key, ttlMs, owner: `${hostname()}:${process.pid}:${node.id}` });
        await leader.acquire();
        lastError = undefined;
      } catch (err) {
        // Keeps leading until its own view of the lease ends; one log line per distinct error.
        const text = (err as Error).message;
        if (text !== lastError) node.warn(`leader lease: ${text}`);
        lastError = text;
      }
      const leads = leader?.isLeader ?? false;
      if (leads && !leading) {
        leading = true;
        standbyShown = false;
        await hook(single.onLead);
        rounds.now();
      } else if (!leads && (leading || !standbyShown)) {
        const was = leading;
        leading = false;
        standbyShown = true;
        status.idle(node, 'standby');
        if (was) await hook(single.onStandby);
      }
      // A standby tries again when the holder's lease ends (if the holder died, that is the takeover), at the latest
      // after a renewal interval (the holder may release it early; the store's clock may differ from ours).
      const until = leads ? undefined : leader?.heldByOtherUntil;
      return until === undefined ? renewMs : Math.min(renewMs, Math.max(MIN_RETRY_MS, until - Date.now() + MIN_RETRY_MS));
    });
    keeper.runIn(0);
  } else {
    rounds.runIn(opts.startNow === false ? opts.everyMs : 0);
  }

  /** onLead / onStandby failures are reported like a failed round. */
  async function hook(fn?: () => void | Promise<void>): Promise<void> {
    try {
      await fn?.();
    } catch (err) {
      opts.onError?.(err, ++failures);
    }
  }

  let stopping: Promise<void> | undefined;
  async function stopNow(): Promise<void> {
    closed = true;
    const wasLeading = single !== undefined && leading;
    leading = false;
    // The store's config node closes alongside this node, so what can be sent now is sent now (before any await):
    // stop the leader's work (onStandby), then hand the lease over unless a round still runs on it.
    const standingDown = wasLeading ? hook(single?.onStandby) : undefined;
    const releasing = rounds.idle ? leader?.release().catch(() => undefined) : undefined;
    await Promise.all([keeper?.stop(), rounds.stop(), standingDown, releasing]);
    // A round (or a renewal) that was in flight: release after it, if the store is still open.
    if (leader?.isLeader) await leader.release().catch(() => undefined);
  }

  const poller: Poller = {
    trigger: () => rounds.now(),
    get leading() {
      return leading && (!leader || leader.isLeader);
    },
    stop() {
      stopping ??= stopNow();
      return stopping;
    },
  };
  node.on('close', (_removed, done) => {
    const work = poller.stop();
    opts.storeNode?.holdOpen?.(work);
    work.then(() => done(), () => done());
  });
  return poller;
}
