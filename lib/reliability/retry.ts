/**
 * Durable retry: a failed msg is classified, given a delay (backoff, Retry-After, open circuit) and put in the
 * store's schedule. A poller takes due items with a lease, acks them and only then emits them, so with several
 * instances on one Redis each retry leaves exactly one of them, and a restart re-emits whatever was pending.
 */
import { randomUUID } from 'crypto';
import { Json, Store } from '../store';
import { backoffDelay, BackoffOptions } from './backoff';
import { toStorableMsg } from './canonical';
import { CircuitBreaker, CircuitOptions, CircuitState } from './circuit';
import { classifyError, ClassifyOptions, errorOf, ErrorClass } from './classify';
import { FlowError } from './errors';

export interface RetryHistoryEntry {
  attempt: number;
  at: number;
  code: string;
  message: string;
  status?: number;
  delayMs?: number;
}

export interface RetryInfo {
  attempt: number;
  maxAttempts: number;
  nextAt?: number;
  history: RetryHistoryEntry[];
  /** the circuit this msg counts against */
  circuit?: string;
  /** why the msg left on the exhausted output */
  reason?: 'exhausted' | 'permanent';
  removed?: string[];
}

export interface RetryOptions {
  maxAttempts: number;
  backoff: BackoffOptions;
  classify: ClassifyOptions;
  /** undefined: no circuit breaker */
  circuit?: CircuitOptions;
  leaseMs: number;
}

export type FailureOutcome =
  | { kind: 'scheduled'; id: string; dueAt: number; attempt: number; circuit: CircuitState }
  | { kind: 'exhausted' | 'permanent'; msg: Record<string, any> };

/** Keeps the history bounded: a msg retried for days must not grow without end. */
const MAX_HISTORY = 20;

export class RetryScheduler {
  readonly breaker?: CircuitBreaker;

  constructor(private readonly store: Store, readonly ns: string, private readonly opts: RetryOptions) {
    if (opts.circuit) this.breaker = new CircuitBreaker(store, `${ns}:circuit`, opts.circuit);
  }

  /** Handles a failed msg: schedules the next attempt, or returns the msg for the exhausted output. */
  async onFailure(msg: Record<string, any>, circuitKey: string | undefined, now = Date.now()): Promise<FailureOutcome> {
    const error: FlowError = errorOf(msg);
    const previous = msg.retry as Partial<RetryInfo> | undefined;
    const done = Number.isInteger(previous?.attempt) ? (previous!.attempt as number) : 0;
    const history = Array.isArray(previous?.history) ? [...previous!.history] : [];
    const cls: ErrorClass = classifyError(error, this.opts.classify);
    const entry: RetryHistoryEntry = { attempt: done, at: now, code: error.code, message: error.message, status: error.status };
    const circuit = circuitKey ?? previous?.circuit;
    // Only retryable failures say something about the service's health.
    let state: CircuitState = 'closed';
    if (this.breaker && circuit && cls === 'retryable') state = await this.breaker.onFailure(circuit);

    if (cls === 'permanent' || done >= this.opts.maxAttempts) {
      const reason = cls === 'permanent' ? 'permanent' : 'exhausted';
      msg.retry = { attempt: done, maxAttempts: this.opts.maxAttempts, history: trim([...history, entry]), circuit, reason } satisfies RetryInfo;
      return { kind: reason, msg };
    }

    const attempt = done + 1;
    let delay = backoffDelay(this.opts.backoff, attempt, error.retryAfterMs);
    if (this.breaker && circuit && state === 'open') delay = Math.max(delay, this.opts.circuit!.cooldownMs);
    entry.delayMs = delay;
    const dueAt = now + delay;
    msg.retry = { attempt, maxAttempts: this.opts.maxAttempts, nextAt: dueAt, history: trim([...history, entry]), circuit } satisfies RetryInfo;
    // The idempotency owner token must survive the wait so the flow can still complete or release its claim.
    const stored = toStorableMsg(msg, [['idempotency', 'token']]);
    if (stored.removed.length) stored.msg.retry.removed = stored.removed;
    const id = randomUUID();
    await this.store.schedule(this.ns, id, stored.msg as Json, dueAt);
    return { kind: 'scheduled', id, dueAt, attempt, circuit: state };
  }

  /** A success for a circuit (the operation worked): closes it. */
  async onSuccess(circuitKey: string): Promise<void> {
    await this.breaker?.onSuccess(circuitKey);
  }

  /**
   * Takes due items and returns the msgs to emit now. Items whose circuit is open go back into the schedule for
   * when it may be probed; items whose lease was lost (another instance took them) are skipped.
   */
  async takeDue(limit: number, now = Date.now()): Promise<Record<string, any>[]> {
    const items = await this.store.takeDue(this.ns, now, limit, this.opts.leaseMs);
    const out: Record<string, any>[] = [];
    for (const item of items) {
      const msg = item.item as Record<string, any>;
      const circuit = msg.retry?.circuit as string | undefined;
      if (this.breaker && circuit) {
        const decision = await this.breaker.decide(circuit, now);
        if (!decision.allow) {
          msg.retry.nextAt = decision.retryAt ?? now + this.opts.circuit!.cooldownMs;
          await this.store.schedule(this.ns, item.id, msg as Json, msg.retry.nextAt);
          continue;
        }
      }
      if (!(await this.store.ack(this.ns, item.id, item.lease))) continue;
      // The failure is in msg.retry.history; a stale msg.error would make the next success look like a failure.
      delete msg.error;
      delete msg._error;
      out.push(msg);
    }
    return out;
  }

  pending(): Promise<number> {
    return this.store.scheduledCount(this.ns);
  }
}

function trim(history: RetryHistoryEntry[]): RetryHistoryEntry[] {
  return history.length > MAX_HISTORY ? [history[0], ...history.slice(-(MAX_HISTORY - 1))] : history;
}
