// What the webhook route decides for one request, without Node-RED: verify the signature over the raw bytes,
// parse, filter by type. Forged or unparsable requests get 400 (Stripe does not retry 4xx forever, and the
// forger learns nothing); filtered-out events are acknowledged with 200 so Stripe stops resending them.

import type Stripe from 'stripe';
import { compileEventFilter } from './event-filter';
import { verifySignature, VerifyFailure } from './signature';

export interface WebhookSettings {
  /** Read on every request, so a secret added later (endpoint registration) takes effect at once. */
  secrets: readonly string[];
  toleranceSeconds: number;
  eventTypes: readonly string[];
}

export type WebhookDecision =
  | { status: 400; reason: VerifyFailure | 'invalid_json' | 'not_an_event' }
  | { status: 200; event: Stripe.Event; accepted: boolean; secretIndex: number };

export function createWebhookVerifier(settings: WebhookSettings, nowSeconds: () => number = () => Math.floor(Date.now() / 1000)) {
  const wanted = compileEventFilter(settings.eventTypes);
  return (rawBody: Buffer, signatureHeader: string | undefined): WebhookDecision => {
    const verdict = verifySignature(rawBody, signatureHeader, settings.secrets, { toleranceSeconds: settings.toleranceSeconds, nowSeconds: nowSeconds() });
    if (!verdict.ok) return { status: 400, reason: verdict.reason };
    let event: any;
    try {
      event = JSON.parse(rawBody.toString('utf8'));
    } catch {
      return { status: 400, reason: 'invalid_json' };
    }
    if (!event || typeof event.id !== 'string' || typeof event.type !== 'string' || event.object !== 'event') return { status: 400, reason: 'not_an_event' };
    return { status: 200, event, accepted: wanted(event.type), secretIndex: verdict.secretIndex };
  };
}

/**
 * Events created since `sinceSeconds` (newest-first from Stripe), returned oldest first so a flow sees them in
 * creation order. Duplicates of events already handled are expected: an idempotency gate removes them.
 */
export async function listEventsSince(stripe: Stripe, sinceSeconds: number, eventTypes: readonly string[], maxItems = 1000): Promise<Stripe.Event[]> {
  const wanted = compileEventFilter(eventTypes);
  const events: Stripe.Event[] = [];
  for await (const event of stripe.events.list({ created: { gte: sinceSeconds }, limit: 100 })) {
    if (!wanted(event.type)) continue;
    // Stripe lists newest first: stopping early would silently drop the oldest events, so refuse instead.
    if (events.length >= maxItems) throw new Error(`More than ${maxItems} events since ${new Date(sinceSeconds * 1000).toISOString()}; narrow the time or raise the limit`);
    events.push(event);
  }
  return events.reverse();
}

/** A backfill start: unix seconds, milliseconds, an ISO date or a Date → unix seconds (undefined if none of these). */
export function parseSince(value: unknown): number | undefined {
  if (value instanceof Date) return Math.floor(value.getTime() / 1000);
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) {
    const n = Number(value);
    return n > 1e12 ? Math.floor(n / 1000) : n;
  }
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Math.floor(Date.parse(value) / 1000);
  return undefined;
}

export class RawBodyError extends Error {
  constructor(readonly status: 400 | 413, readonly reason: string) {
    super(reason);
  }
}

interface RawRequest extends NodeJS.ReadableStream {
  body?: unknown;
  _body?: boolean;
}

/**
 * The exact request bytes, which the signature covers. Uses a Buffer that Node-RED's raw-body capture already
 * read; refuses a body some middleware parsed (re-serialising it would not give the signed bytes).
 */
export function readRawBody(req: RawRequest, limitBytes: number): Promise<Buffer> {
  if (Buffer.isBuffer(req.body)) {
    return req.body.length > limitBytes ? Promise.reject(new RawBodyError(413, 'body_too_large')) : Promise.resolve(req.body);
  }
  if (req._body || (req.body !== undefined && !(typeof req.body === 'object' && req.body !== null && Object.keys(req.body).length === 0))) {
    return Promise.reject(new RawBodyError(400, 'body_already_parsed'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limitBytes) {
        failed = true;
        reject(new RawBodyError(413, 'body_too_large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => failed || resolve(Buffer.concat(chunks)));
    req.on('error', (err) => failed || reject(err));
  });
}

/** Stripe's enabled_events accept `*` or exact types only: wildcards are expanded with the known type list. */
export function enabledEventsFor(eventTypes: readonly string[], knownTypes: readonly string[]): string[] {
  if (eventTypes.length === 0 || eventTypes.includes('*')) return ['*'];
  const wanted = compileEventFilter(eventTypes);
  const exact = eventTypes.filter((type) => !type.includes('*'));
  return [...new Set([...knownTypes.filter(wanted), ...exact])];
}

const MARKER_KEY = 'flowguard_node';

/**
 * Registers `url` as a webhook endpoint owned by `owner` (a node id, kept in the endpoint's metadata) and returns
 * its signing secret. Stripe shows a secret only on creation, so every deploy creates a fresh endpoint first and
 * then deletes the ones this owner created before: events in the overlap arrive twice (the gate drops them)
 * rather than not at all. Endpoints without the marker are never touched. `connect`: a Connect endpoint, which gets
 * the connected accounts' events instead of the platform's own.
 */
export async function registerEndpoint(stripe: Stripe, url: string, enabledEvents: string[], owner: string, connect = false): Promise<{ id: string; secret: string }> {
  const created = await stripe.webhookEndpoints.create({
    url, enabled_events: enabledEvents as Stripe.WebhookEndpointCreateParams.EnabledEvent[], metadata: { [MARKER_KEY]: owner },
    ...(connect ? { connect: true } : {}),
    description: 'Created by FlowGuard fg-stripe-webhook',
  });
  await removeEndpoints(stripe, owner, created.id);
  return { id: created.id, secret: created.secret! };
}

/** Deletes the endpoints `owner` registered, except `keepId`. */
export async function removeEndpoints(stripe: Stripe, owner: string, keepId?: string): Promise<void> {
  const stale: string[] = [];
  for await (const endpoint of stripe.webhookEndpoints.list({ limit: 100 })) {
    if (endpoint.metadata?.[MARKER_KEY] === owner && endpoint.id !== keepId) stale.push(endpoint.id);
  }
  for (const id of stale) await stripe.webhookEndpoints.del(id);
}
