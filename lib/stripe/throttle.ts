// Client-side request pacing: at most `perSecond` request starts in any one-second window, so a busy flow
// stays under Stripe's limits (25/s in test mode, 100/s live) instead of collecting 429s.

export class Throttle {
  private starts: number[] = [];
  private queue: (() => void)[] = [];
  private timer?: NodeJS.Timeout;

  constructor(readonly perSecond: number, private readonly nowMs: () => number = Date.now) {}

  /** Resolves when the caller may start a request (immediately when under the limit or unlimited). */
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
    while (this.queue.length && this.starts.length < this.perSecond) {
      this.starts.push(now);
      this.queue.shift()!();
    }
    if (this.queue.length && !this.timer) {
      const wait = Math.max(1, 1000 - (now - this.starts[0]));
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.drain();
      }, wait);
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
