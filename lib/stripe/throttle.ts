// Client-side request pacing: request starts spaced evenly, 1/perSecond apart, so a busy flow stays under Stripe's
// limits (25/s in test mode, 100/s live) instead of collecting 429s. Even spacing, not "perSecond per window": a burst
// of 25 at the end of one client window and 25 at the start of the next lands in one server window and draws 429s.

export class Throttle {
  private readonly intervalMs: number;
  private nextStartAt = 0;
  private starts: number[] = [];
  private queue: (() => void)[] = [];
  private timer?: NodeJS.Timeout;

  constructor(readonly perSecond: number, private readonly nowMs: () => number = Date.now) {
    this.intervalMs = perSecond > 0 ? 1000 / perSecond : 0;
  }

  /** Resolves when the caller may start a request (immediately when its slot has come or when unlimited). */
  acquire(): Promise<void> {
    if (this.perSecond <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.queue.push(resolve);
      this.drain();
    });
  }

  private drain(): void {
    const now = this.nowMs();
    this.starts = this.starts.filter((at) => now - at < 1000);
    while (this.queue.length && now >= this.nextStartAt) {
      this.nextStartAt = Math.max(now, this.nextStartAt) + this.intervalMs;
      this.starts.push(now);
      this.queue.shift()!();
    }
    if (this.queue.length && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.drain();
      }, Math.max(1, Math.ceil(this.nextStartAt - now)));
    }
  }

  /** Requests that may still start in the current one-second window without waiting (Infinity when unlimited). */
  headroom(): number {
    if (this.perSecond <= 0) return Infinity;
    const now = this.nowMs();
    return Math.max(0, this.perSecond - this.starts.filter((at) => now - at < 1000).length - this.queue.length);
  }

  /** Releases every waiter (on close, so no promise hangs forever). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const waiting = this.queue;
    this.queue = [];
    for (const resolve of waiting) resolve();
  }
}

/** Stripe's documented per-second limits: live keys 100, test (sandbox) keys 25. */
export function defaultRatePerSecond(secretKey: string): number {
  return /^(sk|rk)_live_/.test(secretKey) ? 100 : 25;
}
