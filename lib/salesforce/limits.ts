// Tracks the daily API allocation reported in Sforce-Limit-Info and decides when to warn or pause.

export type LimitLevel = 'ok' | 'warn' | 'pause';

export interface LimitSnapshot { used: number; limit: number; percent: number; level: LimitLevel }

export class LimitTracker {
  private last: LimitSnapshot | undefined;
  private updatedAt = 0;

  /** pausePercent 0 disables pausing; recheckMs lets one call through now and then to learn the new usage. */
  constructor(private readonly warnPercent = 80, private readonly pausePercent = 95, private readonly recheckMs = 60_000) {}

  /** Feeds jsforce's `conn.limitInfo`; returns the snapshot when the level changed. */
  update(info: { apiUsage?: { used: number; limit: number } } | undefined): { snapshot: LimitSnapshot; changed: boolean } | undefined {
    const usage = info?.apiUsage;
    if (!usage || !usage.limit) return undefined;
    const percent = (usage.used / usage.limit) * 100;
    const level: LimitLevel = this.pausePercent > 0 && percent >= this.pausePercent ? 'pause' : percent >= this.warnPercent ? 'warn' : 'ok';
    const changed = this.last?.level !== level;
    this.last = { used: usage.used, limit: usage.limit, percent, level };
    this.updatedAt = Date.now();
    return { snapshot: this.last, changed };
  }

  get snapshot(): LimitSnapshot | undefined {
    return this.last;
  }

  /** Calls are refused (without reaching Salesforce) while usage is above the pause threshold. */
  isPaused(now = Date.now()): boolean {
    return this.last?.level === 'pause' && now - this.updatedAt < this.recheckMs;
  }
}
