// Server-side idempotency as Stripe documents it: the first response for a key (status + body, 500s included)
// is replayed with `Idempotent-Replayed: true`; the same key with other params or another endpoint → 400
// idempotency_error; a key still in flight → 409; keys expire after 24 h. 401/429 and validation failures
// are not stored.

import type { Clock } from './account';
import { SandboxStripeError } from './errors';

export const KEY_TTL_MS = 24 * 60 * 60 * 1000;
const MAX_KEY_LENGTH = 255;

interface Entry {
  fingerprint: string;
  createdMs: number;
  requestId: string;
  response?: { status: number; body: string };
}

export type IdempotencyDecision =
  | { kind: 'execute'; finish(status: number, body: string, store: boolean): void }
  | { kind: 'replay'; status: number; body: string; originalRequest: string };

export class IdempotencyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  /** `fingerprint` covers method, path and canonical params; `scope` separates accounts. */
  begin(scope: string, key: string, fingerprint: string, requestId: string): IdempotencyDecision {
    if (key.length > MAX_KEY_LENGTH) {
      throw new SandboxStripeError(400, 'invalid_request_error', `Invalid idempotency key: must be at most ${MAX_KEY_LENGTH} characters.`, 'idempotency_key_too_long', undefined, {}, true);
    }
    const id = `${scope}\u0000${key}`;
    const now = this.clock.nowMs();
    let entry = this.entries.get(id);
    if (entry && now - entry.createdMs >= KEY_TTL_MS) {
      this.entries.delete(id);
      entry = undefined;
    }
    if (entry) {
      if (entry.fingerprint !== fingerprint) {
        throw new SandboxStripeError(400, 'idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`, undefined, undefined, {}, true);
      }
      if (!entry.response) {
        throw new SandboxStripeError(409, 'idempotency_error', 'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ' + key + '. Please try again later.', undefined, undefined, {}, true);
      }
      return { kind: 'replay', status: entry.response.status, body: entry.response.body, originalRequest: entry.requestId };
    }
    const fresh: Entry = { fingerprint, createdMs: now, requestId };
    this.entries.set(id, fresh);
    return {
      kind: 'execute',
      finish: (status, body, store) => {
        if (store) fresh.response = { status, body };
        else this.entries.delete(id);
      },
    };
  }

  clear(): void {
    this.entries.clear();
  }
}
