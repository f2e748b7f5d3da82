// Flow control and replay commits of one Pub/Sub subscription, kept apart from gRPC so they can be tested alone.
//
// The Pub/Sub API is pull based: the server sends at most as many events as the client asked for in FetchRequest
// num_requested. FlowWindow keeps "asked for but not received" plus "received but not finished by the flow" at or
// below the window size, so a slow flow never has more than `size` events in memory. ReplayCommits gives the replay
// id that is safe to store: the newest one with every event before it finished (events can finish out of order
// when several are in flight), so a restart replays what was not finished, never skips it.

/** Salesforce caps FetchRequest.num_requested at 100. */
export const MAX_FETCH = 100;

export class FlowWindow {
  /** asked for (FetchRequest) and not yet received */
  outstanding = 0;
  /** received and not yet finished by the flow */
  inFlight = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1 || size > MAX_FETCH) throw new RangeError(`window size must be 1 to ${MAX_FETCH}, not ${size}`);
  }

  /**
   * How many events to ask for now (0: none). Asks when half the window is free (or the server has nothing asked
   * for left), so a fast flow does not send one FetchRequest per event.
   */
  toRequest(): number {
    const free = this.size - this.inFlight - this.outstanding;
    if (free <= 0) return 0;
    return free >= Math.max(1, Math.floor(this.size / 2)) || this.outstanding === 0 ? free : 0;
  }

  requested(n: number): void {
    this.outstanding += n;
  }

  received(n: number): void {
    this.outstanding = Math.max(0, this.outstanding - n);
    this.inFlight += n;
  }

  finished(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /** A new stream: nothing is asked for on it yet (events still in flight stay counted until they finish). */
  restart(): void {
    this.outstanding = 0;
  }
}

export class ReplayCommits<R = string> {
  private readonly queue: Array<{ replayId: R; done: boolean }> = [];

  /** Events received, in stream order. Returns the event's slot for finish(). */
  add(replayId: R): { replayId: R; done: boolean } {
    const slot = { replayId, done: false };
    this.queue.push(slot);
    return slot;
  }

  /** Marks an event finished; returns the replay id to store when the committed position moved, else undefined. */
  finish(slot: { replayId: R; done: boolean }): R | undefined {
    slot.done = true;
    let committed: R | undefined;
    while (this.queue.length && this.queue[0].done) committed = this.queue.shift()!.replayId;
    return committed;
  }

  get pending(): number {
    return this.queue.length;
  }
}

/** Events finished per minute over the last minute (for the status). */
export class RateMeter {
  private readonly stamps: number[] = [];

  constructor(private readonly now: () => number = Date.now, private readonly windowMs = 60_000) {}

  tick(): void {
    this.stamps.push(this.now());
    this.trim();
  }

  perMinute(): number {
    this.trim();
    return Math.round((this.stamps.length * 60_000) / this.windowMs);
  }

  private trim(): void {
    const cutoff = this.now() - this.windowMs;
    while (this.stamps.length && this.stamps[0] <= cutoff) this.stamps.shift();
  }
}

/**
 * A replay id for people: Salesforce's are 8-byte big-endian numbers (shown as the number), anything else as hex.
 * Never used to compute another replay id (the API forbids it): only for status texts and logs.
 */
export function replayIdText(id: Buffer | Uint8Array | undefined): string {
  if (!id || id.length === 0) return '';
  const buf = Buffer.from(id);
  if (buf.length <= 8) return BigInt(`0x${buf.toString('hex')}`).toString();
  return buf.toString('hex');
}
