// Fault injection per route, the request rate limit and call counts: the knobs tests turn through /_sandbox.

export type FaultKind = '429' | '500' | '503' | 'timeout' | 'latency';

export interface FaultRule {
  /** `POST /v1/customers`, `GET /v1/customers/:id`, or `*` for every API route. */
  route: string;
  kind: FaultKind;
  /** Probability 0–1 per matching request (default 1). */
  rate?: number;
  /** Stop after this many injections (default: unlimited). */
  times?: number;
  /** For 429 / 503: value of the Retry-After header in seconds. */
  retryAfterSeconds?: number;
  /** For `latency`: added delay before the request runs. */
  latencyMs?: number;
}

const withoutCount = ({ used: _used, ...rule }: FaultRule & { used: number }): FaultRule => rule;

export class FaultInjector {
  private rules: (FaultRule & { used: number })[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(rule: FaultRule): void {
    if (!['429', '500', '503', 'timeout', 'latency'].includes(rule.kind)) throw new Error(`unknown fault kind: ${rule.kind}`);
    if (typeof rule.route !== 'string' || !rule.route) throw new Error('fault route is required');
    this.rules.push({ ...rule, used: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map(withoutCount);
  }

  /** Latency rules all apply (summed); the first failing rule that fires wins. */
  pick(routeKey: string): { latencyMs: number; failure?: FaultRule } {
    let latencyMs = 0;
    let failure: FaultRule | undefined;
    for (const rule of this.rules) {
      if (rule.route !== '*' && rule.route !== routeKey) continue;
      if (rule.times !== undefined && rule.used >= rule.times) continue;
      if (rule.kind !== 'latency' && failure) continue;
      if (rule.rate !== undefined && rule.rate < 1 && this.random() >= rule.rate) continue;
      rule.used++;
      if (rule.kind === 'latency') latencyMs += rule.latencyMs ?? 0;
      else failure = withoutCount(rule);
    }
    return { latencyMs, failure };
  }
}

/** Sliding one-second window per API key, like Stripe's per-second limits (test mode: 25/s). */
export class RateLimiter {
  private readonly recent = new Map<string, number[]>();

  constructor(public perSecond: number, private readonly nowMs: () => number) {}

  /** True when the request may proceed; 0 or less turns the limit off. */
  allow(key: string): boolean {
    if (this.perSecond <= 0) return true;
    const now = this.nowMs();
    const window = (this.recent.get(key) ?? []).filter((at) => now - at < 1000);
    const allowed = window.length < this.perSecond;
    if (allowed) window.push(now);
    this.recent.set(key, window);
    return allowed;
  }

  clear(): void {
    this.recent.clear();
  }
}

export class CallCounter {
  private counts = new Map<string, number>();

  increment(routeKey: string): void {
    this.counts.set(routeKey, (this.counts.get(routeKey) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  clear(): void {
    this.counts.clear();
  }
}
