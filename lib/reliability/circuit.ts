/**
 * Circuit breaker whose state lives in the store, so every instance sharing a Redis store sees the same circuit.
 *
 * - closed: failures are counted in a fixed window (`failureWindowMs`, a store counter that expires); `threshold`
 *   failures within one window trip the circuit. Failures further apart than the window never add up, so a few
 *   errors a day do not open it;
 * - open: a claim `open:<key>` with a TTL of `cooldownMs`; while it exists nothing is let through;
 * - half-open: the circuit has tripped (counter `trips:<key>` > 0) and the open claim expired: one probe is let
 *   through (claim `probe:<key>`, only one instance wins it); the others wait `probeWindowMs`. A failure re-opens
 *   the circuit; a reported success closes it, and so does a probe window that passed without a new trip.
 */
import { Store } from '../store';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitOptions {
  threshold: number;
  cooldownMs: number;
  probeWindowMs: number;
  /** Failures count towards the threshold only within this window (ms), starting at the first failure. */
  failureWindowMs?: number;
}

export const DEFAULT_CIRCUIT: Required<CircuitOptions> = { threshold: 5, cooldownMs: 30_000, probeWindowMs: 10_000, failureWindowMs: 60_000 };

export interface CircuitDecision {
  state: CircuitState;
  /** false: do not call the service before `retryAt` */
  allow: boolean;
  retryAt?: number;
}

interface ProbeValue { trips: number; at: number }

export class CircuitBreaker {
  private readonly failureWindowMs: number;

  constructor(private readonly store: Store, private readonly ns: string, private readonly opts: CircuitOptions) {
    this.failureWindowMs = opts.failureWindowMs ?? DEFAULT_CIRCUIT.failureWindowMs;
  }

  /** May a message for `key` go to the service now? Takes the probe slot when half-open. */
  async decide(key: string, now = Date.now()): Promise<CircuitDecision> {
    const open = await this.store.get(this.ns, `open:${key}`);
    if (open) return { state: 'open', allow: false, retryAt: open.expiresAt };
    const trips = await this.store.counter(this.ns, `trips:${key}`);
    if (trips === 0) return { state: 'closed', allow: true };
    const probe = await this.store.get(this.ns, `probe:${key}`);
    if (probe) {
      const value = probe.value as unknown as ProbeValue;
      if (now < value.at + this.opts.probeWindowMs) return { state: 'half-open', allow: false, retryAt: value.at + this.opts.probeWindowMs };
      // The probe went out a window ago and the circuit did not trip again: the service recovered.
      if (trips <= value.trips) {
        await this.reset(key);
        return { state: 'closed', allow: true };
      }
    }
    const claimed = await this.store.claim(this.ns, `probe:${key}`, { trips, at: now }, this.opts.probeWindowMs * 2);
    if (claimed.claimed) return { state: 'half-open', allow: true };
    const holder = claimed.existing.value as unknown as ProbeValue;
    return { state: 'half-open', allow: false, retryAt: holder.at + this.opts.probeWindowMs };
  }

  /** Counts a failure; returns the state afterwards. */
  async onFailure(key: string): Promise<CircuitState> {
    // Once tripped, any failure (the probe's, or a call that started before the trip) opens the circuit again.
    if ((await this.store.counter(this.ns, `trips:${key}`)) > 0) return this.trip(key);
    const failures = await this.store.incr(this.ns, `fail:${key}`, 1, this.failureWindowMs);
    return failures < this.opts.threshold ? 'closed' : this.trip(key);
  }

  async onSuccess(key: string): Promise<void> {
    const [trips, failures] = await Promise.all([this.store.counter(this.ns, `trips:${key}`), this.store.counter(this.ns, `fail:${key}`)]);
    if (trips !== 0 || failures !== 0) await this.reset(key);
  }

  /** The state without taking a probe slot (for status and stats). */
  async state(key: string): Promise<CircuitState> {
    if (await this.store.get(this.ns, `open:${key}`)) return 'open';
    return (await this.store.counter(this.ns, `trips:${key}`)) > 0 ? 'half-open' : 'closed';
  }

  private async trip(key: string): Promise<CircuitState> {
    await this.store.incr(this.ns, `trips:${key}`);
    await this.store.claim(this.ns, `open:${key}`, { at: Date.now() }, this.opts.cooldownMs);
    await this.zero(`fail:${key}`);
    await this.dropProbe(key);
    return 'open';
  }

  private async reset(key: string): Promise<void> {
    await this.zero(`trips:${key}`);
    await this.zero(`fail:${key}`);
    await this.dropProbe(key);
  }

  private async zero(counter: string): Promise<void> {
    const value = await this.store.counter(this.ns, counter);
    if (value !== 0) await this.store.incr(this.ns, counter, -value);
  }

  private async dropProbe(key: string): Promise<void> {
    const probe = await this.store.get(this.ns, `probe:${key}`);
    if (probe) await this.store.release(this.ns, `probe:${key}`, probe.token);
  }
}
