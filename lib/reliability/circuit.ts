/**
 * Circuit breaker whose state lives in the store, so every instance sharing a Redis store sees the same circuit.
 *
 * - closed: consecutive failures are counted (an atomic counter); reaching `threshold` opens the circuit;
 * - open: a claim `open:<key>` with a TTL of `cooldownMs`; while it exists nothing is let through;
 * - half-open: once the open claim expired, one probe is let through (claim `probe:<key>`, only one instance
 *   wins it); the others wait `probeWindowMs`. A failure re-opens the circuit; a reported success closes it,
 *   and so does a probe window that passed without a new failure.
 */
import { Store } from '../store';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitOptions {
  threshold: number;
  cooldownMs: number;
  probeWindowMs: number;
}

export const DEFAULT_CIRCUIT: CircuitOptions = { threshold: 5, cooldownMs: 30_000, probeWindowMs: 10_000 };

export interface CircuitDecision {
  state: CircuitState;
  /** false: do not call the service before `retryAt` */
  allow: boolean;
  retryAt?: number;
}

interface ProbeValue { failures: number; at: number }

export class CircuitBreaker {
  constructor(private readonly store: Store, private readonly ns: string, private readonly opts: CircuitOptions) {}

  /** May a message for `key` go to the service now? Takes the probe slot when half-open. */
  async decide(key: string, now = Date.now()): Promise<CircuitDecision> {
    const open = await this.store.get(this.ns, `open:${key}`);
    if (open) return { state: 'open', allow: false, retryAt: open.expiresAt };
    const failures = await this.store.counter(this.ns, `fail:${key}`);
    if (failures < this.opts.threshold) return { state: 'closed', allow: true };
    const probe = await this.store.get(this.ns, `probe:${key}`);
    if (probe) {
      const value = probe.value as unknown as ProbeValue;
      if (now < value.at + this.opts.probeWindowMs) return { state: 'half-open', allow: false, retryAt: value.at + this.opts.probeWindowMs };
      // The probe went out a window ago and no failure came back: the service recovered.
      if (failures <= value.failures) {
        await this.reset(key);
        return { state: 'closed', allow: true };
      }
    }
    const claimed = await this.store.claim(this.ns, `probe:${key}`, { failures, at: now }, this.opts.probeWindowMs * 2);
    if (claimed.claimed) return { state: 'half-open', allow: true };
    const holder = claimed.existing.value as unknown as ProbeValue;
    return { state: 'half-open', allow: false, retryAt: holder.at + this.opts.probeWindowMs };
  }

  /** Counts a failure; returns the state afterwards. */
  async onFailure(key: string): Promise<CircuitState> {
    const failures = await this.store.incr(this.ns, `fail:${key}`);
    if (failures < this.opts.threshold) return 'closed';
    await this.store.claim(this.ns, `open:${key}`, { at: Date.now() }, this.opts.cooldownMs);
    await this.dropProbe(key);
    return 'open';
  }

  async onSuccess(key: string): Promise<void> {
    if ((await this.store.counter(this.ns, `fail:${key}`)) === 0) return;
    await this.reset(key);
  }

  /** The state without taking a probe slot (for status and stats). */
  async state(key: string): Promise<CircuitState> {
    if (await this.store.get(this.ns, `open:${key}`)) return 'open';
    return (await this.store.counter(this.ns, `fail:${key}`)) >= this.opts.threshold ? 'half-open' : 'closed';
  }

  private async reset(key: string): Promise<void> {
    const failures = await this.store.counter(this.ns, `fail:${key}`);
    if (failures !== 0) await this.store.incr(this.ns, `fail:${key}`, -failures);
    await this.dropProbe(key);
  }

  private async dropProbe(key: string): Promise<void> {
    const probe = await this.store.get(this.ns, `probe:${key}`);
    if (probe) await this.store.release(this.ns, `probe:${key}`, probe.token);
  }
}
