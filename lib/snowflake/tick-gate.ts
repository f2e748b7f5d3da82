/**
 * Back-pressure for streamed results in a flow: after each batch the sender waits for a "tick" (a message with
 * msg.tick = true, e.g. from a Complete node on the consumer) before reading more rows. Ticks that arrive before
 * anyone waits are kept, so a fast consumer never stalls the stream.
 */
export class TickGate {
  private credits = 0;
  private waiters: { resolve: () => void; reject: (err: Error) => void; timer?: NodeJS.Timeout }[] = [];
  private closed = false;

  /** Resolves on the next tick; rejects after timeoutMs (0 = wait forever) or when the gate closes. */
  wait(timeoutMs = 0): Promise<void> {
    if (this.closed) return Promise.reject(new Error('stream stopped: node closed'));
    if (this.credits > 0) {
      this.credits--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: (typeof this.waiters)[number] = { resolve, reject };
      if (timeoutMs > 0) {
        waiter.timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`no tick within ${timeoutMs} ms: the consumer stopped acknowledging batches`));
        }, timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  /** Forgets ticks left over from an earlier stream. */
  reset(): void {
    this.credits = 0;
  }

  tick(): void {
    const waiter = this.waiters.shift();
    if (!waiter) {
      this.credits++;
      return;
    }
    clearTimeout(waiter.timer);
    waiter.resolve();
  }

  close(): void {
    this.closed = true;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('stream stopped: node closed'));
    }
    this.waiters = [];
  }
}
