/**
 * Idempotency gate: claim a key atomically; a second message with the same key is a duplicate (same fingerprint)
 * or a conflict (different fingerprint). The claim is "in-progress" for a lease; completion keeps the result for
 * a TTL; release deletes it so a retry can claim again. Store failures propagate (the node fails closed).
 */
import { Json, Store } from '../store';
import { flowError, FlowGuardError } from './errors';

export interface GateOptions {
  leaseMs: number;
  resultTtlMs: number;
}

export const DEFAULT_GATE: GateOptions = { leaseMs: 60_000, resultTtlMs: 24 * 3600_000 };

export interface ClaimValue {
  status: 'in-progress' | 'completed';
  fingerprint: string;
  claimedAt: number;
  completedAt?: number;
  result?: Json;
}

export type GateOutcome =
  | { kind: 'new'; token: string }
  | { kind: 'duplicate'; status: 'in-progress' | 'completed'; result?: Json; completedAt?: number; expiresAt: number }
  | { kind: 'conflict'; storedFingerprint: string };

/** Idempotency keys are ids, not documents: bound them so a payload cannot be used as a key by mistake. */
const MAX_KEY_LENGTH = 512;

export function checkKey(key: unknown, where: string): string {
  if (typeof key === 'number' && Number.isFinite(key)) return String(key);
  if (typeof key !== 'string' || key.length === 0) {
    throw new FlowGuardError(flowError({ message: `no idempotency key: ${where} is ${key === '' ? 'empty' : typeof key === 'undefined' ? 'missing' : `a ${typeof key}`}`, code: 'IDEMPOTENCY_KEY_MISSING' }));
  }
  if (key.length > MAX_KEY_LENGTH) {
    throw new FlowGuardError(flowError({ message: `idempotency key at ${where} is longer than ${MAX_KEY_LENGTH} characters`, code: 'IDEMPOTENCY_KEY_INVALID' }));
  }
  return key;
}

export class IdempotencyGate {
  constructor(private readonly store: Store, readonly namespace: string, private readonly opts: GateOptions = DEFAULT_GATE) {}

  private get ns(): string {
    return `idem:${this.namespace}`;
  }

  async check(key: string, fingerprint: string, now = Date.now()): Promise<GateOutcome> {
    const value: ClaimValue = { status: 'in-progress', fingerprint, claimedAt: now };
    const res = await this.store.claim(this.ns, key, value as unknown as Json, this.opts.leaseMs);
    if (res.claimed) return { kind: 'new', token: res.token };
    const existing = res.existing.value as unknown as ClaimValue;
    if (existing.fingerprint !== fingerprint) return { kind: 'conflict', storedFingerprint: existing.fingerprint };
    return { kind: 'duplicate', status: existing.status, result: existing.result, completedAt: existing.completedAt, expiresAt: res.existing.expiresAt };
  }

  /** Marks the claim completed with its result. Fails when the claim was lost (lease expired and re-claimed). */
  async complete(key: string, token: string, result: Json, now = Date.now()): Promise<void> {
    const current = await this.store.get(this.ns, key);
    const value = current?.value as unknown as ClaimValue | undefined;
    if (!current || current.token !== token || !value) throw claimLost(key, 'complete');
    const done: ClaimValue = { ...value, status: 'completed', completedAt: now, result };
    if (!(await this.store.update(this.ns, key, token, done as unknown as Json, this.opts.resultTtlMs))) throw claimLost(key, 'complete');
  }

  /** Deletes the claim so the key can be claimed again (after a failure). */
  async release(key: string, token: string): Promise<void> {
    if (!(await this.store.release(this.ns, key, token))) throw claimLost(key, 'release');
  }
}

function claimLost(key: string, what: string): FlowGuardError {
  return new FlowGuardError(flowError({
    message: `cannot ${what} idempotency key "${key}": the claim is no longer held (its lease expired, or it was completed or released already)`,
    code: 'IDEMPOTENCY_CLAIM_LOST',
  }));
}
