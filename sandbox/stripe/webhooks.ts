// Webhook delivery: every event goes, signed, to each enabled endpoint whose enabled_events match. Non-2xx
// answers and network errors are retried with (shortened) exponential backoff. Switches deliver every event
// twice (duplicates) or hold deliveries briefly and send them newest first (out of order).

import * as http from 'http';
import * as https from 'https';
import { signatureHeader } from '../../lib/stripe/signature';
import type { Account, Clock, StripeObject } from './account';

export interface DeliverySettings {
  /** Delay before retry n (ms); its length is the number of retries. */
  retryDelaysMs: number[];
  timeoutMs: number;
  duplicate: boolean;
  outOfOrder: boolean;
  /** How long out-of-order mode collects deliveries before sending them reversed. */
  holdMs: number;
}

export const DEFAULT_DELIVERY: DeliverySettings = { retryDelaysMs: [100, 400, 1600], timeoutMs: 5000, duplicate: false, outOfOrder: false, holdMs: 100 };

export interface DeliveryAttempt {
  eventId: string;
  eventType: string;
  endpointId: string;
  attempt: number;
  status: number | null;
  error?: string;
  at: number;
}

interface Delivery { account: Account; endpoint: StripeObject; event: StripeObject; body: string; track: boolean }

function endpointWants(endpoint: StripeObject, type: string): boolean {
  return endpoint.status === 'enabled' && (endpoint.enabled_events as string[]).some((pattern) => pattern === '*' || pattern === type);
}

export class WebhookDispatcher {
  settings: DeliverySettings = { ...DEFAULT_DELIVERY };
  readonly attempts: DeliveryAttempt[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private held: Delivery[] = [];
  private holdTimer?: NodeJS.Timeout;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly clock: Clock) {}

  dispatch(account: Account, event: StripeObject): void {
    // An account's own endpoints get its events; a platform's Connect endpoints (`connect: true`) get its connected
    // accounts' events, and only those.
    const own = [...account.collection('webhook_endpoints').values()].filter((endpoint) => !endpoint.connect);
    const connect = account.platform ? [...account.platform.collection('webhook_endpoints').values()].filter((endpoint) => endpoint.connect) : [];
    const endpoints = [...own, ...connect].filter((endpoint) => endpointWants(endpoint, event.type));
    if (endpoints.length === 0) return;
    event.pending_webhooks = endpoints.length;
    account.delivery.set(event.id, { pending: endpoints.length, failed: false });
    // The body is fixed when the event is created: later state changes do not alter what was signed.
    const body = JSON.stringify(event, null, 2);
    for (const endpoint of endpoints) {
      const copies = this.settings.duplicate ? 2 : 1;
      for (let copy = 0; copy < copies; copy++) this.enqueue({ account, endpoint, event, body, track: copy === 0 });
    }
  }

  /**
   * Sends a prepared body signed with `target.secret` (event destinations' thin events), with the same retries,
   * duplicate and out-of-order switches as webhook endpoints.
   */
  deliverRaw(account: Account, target: { id: string; url: string; secret: string }, event: StripeObject, body: string): void {
    const endpoint = { ...target, object: 'v2.core.event_destination' } as StripeObject;
    const copies = this.settings.duplicate ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) this.enqueue({ account, endpoint, event, body, track: false });
  }

  private enqueue(delivery: Delivery): void {
    if (!this.settings.outOfOrder) {
      this.attempt(delivery, 1);
      return;
    }
    this.held.push(delivery);
    if (this.held.length === 1) this.holdTimer = setTimeout(() => this.flush(), this.settings.holdMs);
  }

  /** Sends held deliveries, newest first. */
  flush(): void {
    clearTimeout(this.holdTimer);
    const batch = this.held.reverse();
    this.held = [];
    for (const delivery of batch) this.attempt(delivery, 1);
  }

  private later(ms: number, fn: () => void): void {
    this.inFlight++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.inFlight--;
      fn();
      this.checkIdle();
    }, ms);
    this.timers.add(timer);
  }

  private attempt(delivery: Delivery, attempt: number): void {
    const { endpoint, event, body } = delivery;
    const timestamp = Math.floor(this.clock.nowMs() / 1000);
    const url = new URL(endpoint.url);
    const transport = url.protocol === 'https:' ? https : http;
    this.inFlight++;
    let finished = false;
    const finish = (status: number | null, error?: string) => {
      if (finished) return;
      finished = true;
      this.attempts.push({ eventId: event.id, eventType: event.type, endpointId: endpoint.id, attempt, status, error, at: this.clock.nowMs() });
      const ok = status !== null && status >= 200 && status < 300;
      if (ok) this.settle(delivery, true);
      else if (attempt <= this.settings.retryDelaysMs.length) this.later(this.settings.retryDelaysMs[attempt - 1], () => this.attempt(delivery, attempt + 1));
      else this.settle(delivery, false);
      this.inFlight--;
      this.checkIdle();
    };
    const request = transport.request(url, {
      method: 'POST',
      timeout: this.settings.timeoutMs,
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        'Stripe-Signature': signatureHeader(body, endpoint.secret, timestamp),
        'Content-Length': Buffer.byteLength(body),
      },
    }, (response) => {
      response.resume();
      response.on('end', () => finish(response.statusCode ?? null));
      response.on('error', (err) => finish(response.statusCode ?? null, err.message));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (err) => finish(null, err.message));
    request.end(body);
  }

  private settle(delivery: Delivery, delivered: boolean): void {
    if (!delivery.track) return;
    const state = delivery.account.delivery.get(delivery.event.id);
    if (!state) return;
    state.pending--;
    if (!delivered) state.failed = true;
    const stored = delivery.account.collection('events').get(delivery.event.id);
    if (stored) stored.pending_webhooks = state.pending;
  }

  private checkIdle(): void {
    if (this.inFlight > 0 || this.held.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves once no delivery or retry is pending (tests wait on this instead of sleeping). */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.held.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  reset(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.inFlight -= this.timers.size;
    this.timers.clear();
    clearTimeout(this.holdTimer);
    this.held = [];
    this.attempts.length = 0;
    this.settings = { ...DEFAULT_DELIVERY };
    this.checkIdle();
  }
}
