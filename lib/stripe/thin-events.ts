// Thin events (event destinations, API v2): what the webhook route decides for one request, verified and parsed by
// the official client's `parseEventNotification` (the same `Stripe-Signature` HMAC as snapshot webhooks, then a
// body that must be a `v2.core.event`, not a v1 `event`). The notification names the event and its related object;
// `fetchEvent` / `fetchRelatedObject` (the SDK's own, bound to the config's client) get the rest when the node is
// asked to.

import type Stripe from 'stripe';
import { compileEventFilter } from './event-filter';
import type { VerifyFailure } from './signature';

export interface ThinNotification {
  id: string;
  object: 'v2.core.event';
  type: string;
  created: string;
  livemode: boolean;
  /** The connected account the event belongs to (Connect), sent back as `Stripe-Context` when fetching. */
  context?: string | null;
  related_object?: { id: string; type: string; url: string } | null;
  reason?: unknown;
}

/**
 * What the node puts on msg.payload: the notification as it came (`none`), the full v2 event (`event`), the related
 * object's current state (`related_object`), or the v1 event the thin event mirrors (`snapshot`: the same payload a
 * snapshot webhook endpoint receives, through `GET /v1/events/<snapshot_event>`).
 */
export type ThinFetch = 'none' | 'event' | 'related_object' | 'snapshot';
export const THIN_FETCHES: readonly ThinFetch[] = ['none', 'event', 'related_object', 'snapshot'];

export type ThinDecision =
  | { status: 400; reason: VerifyFailure | 'invalid_json' | 'not_a_thin_event' }
  | { status: 200; notification: ThinNotification; accepted: boolean; secretIndex: number; fetch(what: ThinFetch): Promise<unknown> };

/** What the SDK's parser returns, as far as this module uses it (every notification type has these two). */
interface ParsedNotification {
  fetchEvent(): Promise<unknown>;
  fetchRelatedObject(): Promise<unknown>;
}

export interface ThinSettings {
  secrets: readonly string[];
  /** Maximum age of the signature's timestamp in seconds; 0 turns the check off. */
  toleranceSeconds: number;
  /** Filter on the thin type (`v1.invoice.paid`) or the v1 type it carries (`invoice.paid`, `invoice.*`). */
  eventTypes: readonly string[];
}

/** The SDK's verification message → the reason the node logs and answers (the same words as snapshot webhooks). */
function reasonOf(message: string): VerifyFailure | 'invalid_json' | 'not_a_thin_event' {
  if (/No webhook payload/.test(message)) return 'empty_body';
  if (/No stripe-signature header/.test(message)) return 'missing_header';
  if (/Unable to extract timestamp|No signatures found with expected scheme/.test(message)) return 'malformed_header';
  if (/Timestamp outside the tolerance zone/.test(message)) return 'timestamp_outside_tolerance';
  if (/No signatures found matching/.test(message)) return 'no_matching_signature';
  if (/JSON/.test(message)) return 'invalid_json';
  return 'not_a_thin_event';
}

/**
 * `client` is the config node's SDK instance: it verifies (it owns the parser) and later fetches with the account's
 * key. Secrets are tried in order (several during rotation); a body that no secret signed is refused before it is parsed.
 */
export function createThinEventVerifier(client: () => Stripe, settings: ThinSettings, nowSeconds: () => number = () => Math.floor(Date.now() / 1000)) {
  const wanted = compileEventFilter(settings.eventTypes);
  // The SDK reads a tolerance of 0 as "use the default"; a tolerance off is a very long one.
  const tolerance = settings.toleranceSeconds > 0 ? settings.toleranceSeconds : Number.MAX_SAFE_INTEGER;
  return (rawBody: Buffer, signatureHeader: string | undefined): ThinDecision => {
    const secrets = settings.secrets.filter((secret) => typeof secret === 'string' && secret.length > 0);
    if (secrets.length === 0) return { status: 400, reason: 'no_secret' };
    if (!signatureHeader) return { status: 400, reason: 'missing_header' };
    const stripe = client();
    let reason: ReturnType<typeof reasonOf> = 'no_matching_signature';
    for (let index = 0; index < secrets.length; index++) {
      let parsed: ParsedNotification;
      try {
        parsed = stripe.parseEventNotification(rawBody, signatureHeader, secrets[index], tolerance, undefined, nowSeconds() * 1000) as unknown as ParsedNotification;
      } catch (err) {
        reason = reasonOf(err instanceof Error ? err.message : String(err));
        // Another secret may still match; any other failure is the body's own.
        if (reason === 'no_matching_signature') continue;
        return { status: 400, reason };
      }
      // The parser checked the signature and the `object`; a notification also needs an id and a type.
      const notification = JSON.parse(rawBody.toString('utf8')) as ThinNotification;
      if (typeof notification.id !== 'string' || typeof notification.type !== 'string') return { status: 400, reason: 'not_a_thin_event' };
      const v1Type = notification.type.replace(/^v1\./, '');
      return {
        status: 200, notification, secretIndex: settings.secrets.indexOf(secrets[index]),
        accepted: wanted(notification.type) || wanted(v1Type),
        fetch: async (what) => {
          if (what === 'event') return plainJson(await parsed.fetchEvent());
          if (what === 'related_object') return plainJson(await parsed.fetchRelatedObject());
          if (what === 'snapshot') {
            const event = (await parsed.fetchEvent()) as { snapshot_event?: string };
            if (!event.snapshot_event) throw new Error(`Thin event ${notification.id} (${notification.type}) has no snapshot event; choose another "Fetch" for this type`);
            return plainJson(await stripe.events.retrieve(event.snapshot_event, {}, notification.context ? { stripeAccount: notification.context } : {}));
          }
          return notification;
        },
      };
    }
    return { status: 400, reason };
  };
}

/** A fetched SDK object as plain JSON for msg.payload (the SDK adds methods such as `fetchRelatedObject` and `lastResponse`). */
export function plainJson(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

const MARKER_KEY = 'flowguard_node';

/**
 * Registers `url` as a thin event destination owned by `owner` (kept in its metadata) and returns its signing secret,
 * which Stripe shows only on creation and only when included. As with webhook endpoints, each deploy creates a new
 * destination first and then deletes the ones this owner created before. `enabledEvents` are v1 types
 * (`invoice.paid`); the destination takes them as thin types (`v1.invoice.paid`). `connect`: events of the
 * connected accounts (`events_from: other_accounts`) instead of the platform's own.
 */
export async function registerEventDestination(stripe: Stripe, url: string, enabledEvents: string[], owner: string, connect = false): Promise<{ id: string; secret: string }> {
  const thinTypes = enabledEvents.map((type) => (/^v[12]\./.test(type) ? type : `v1.${type}`));
  const created = await stripe.v2.core.eventDestinations.create({
    name: `FlowGuard ${owner}`, description: 'Created by FlowGuard fg-stripe-webhook', type: 'webhook_endpoint', event_payload: 'thin',
    enabled_events: thinTypes, webhook_endpoint: { url }, metadata: { [MARKER_KEY]: owner }, events_from: [connect ? 'other_accounts' : 'self'],
    include: ['webhook_endpoint.signing_secret'],
  });
  const secret = created.webhook_endpoint?.signing_secret;
  if (!secret) throw new Error(`Stripe returned event destination ${created.id} without its signing secret`);
  await removeEventDestinations(stripe, owner, created.id);
  return { id: created.id, secret };
}

/** Deletes the event destinations `owner` registered, except `keepId`. */
export async function removeEventDestinations(stripe: Stripe, owner: string, keepId?: string): Promise<void> {
  const stale: string[] = [];
  for await (const destination of stripe.v2.core.eventDestinations.list()) {
    if (destination.metadata?.[MARKER_KEY] === owner && destination.id !== keepId) stale.push(destination.id);
  }
  for (const id of stale) await stripe.v2.core.eventDestinations.del(id);
}
