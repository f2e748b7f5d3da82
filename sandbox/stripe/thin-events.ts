// Event destinations and thin events (API v2). An event destination (`POST /v2/core/event_destinations`, JSON body,
// `event_payload: thin`, `type: webhook_endpoint`) receives, for every v1 event whose `v1.<type>` it enabled, a thin
// notification: `{id, object: 'v2.core.event', type, created, livemode, context, related_object, reason}`, signed with
// the destination's secret exactly as snapshot webhooks are (`Stripe-Signature: t=…,v1=…`). The full event is
// `GET /v2/core/events/:id` (with `snapshot_event`, the v1 event it mirrors); `related_object.url` is the v1 object's
// own retrieve route. Connected accounts' events go to the platform's destinations with `events_from: other_accounts`,
// with `context` naming the account (the SDK sends it back as the `Stripe-Context` header).
// Not modelled: `snapshot` destinations, Amazon EventBridge / Azure Event Grid, v2 resources' own (`v2.*`) events,
// event destination update / enable / disable / ping, list pagination beyond one page.

import { randomBytes } from 'crypto';
import { Account, newId, StripeObject } from './account';
import { invalidRequest, missingParam, notFound } from './errors';
import type { Route, RouteContext } from './routes';
import type { WebhookDispatcher } from './webhooks';

const COLLECTION = 'event_destinations';
const EVENTS = 'v2_events';

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** v2 ids carry the mode: `evt_test_…`, `ed_test_…` in test mode. */
const v2Id = (prefix: string, livemode: boolean) => newId(livemode ? prefix : `${prefix}_test`, 44);

/** A v1 object's retrieve path from its `object` name: `invoice` → `/v1/invoices/<id>`, `checkout.session` → `/v1/checkout/sessions/<id>`. */
export function objectUrl(object: StripeObject): string {
  const parts = object.object.split('.');
  parts[parts.length - 1] += 's';
  return `/v1/${parts.join('/')}/${object.id}`;
}

type Json = Record<string, any>;

function stringArray(body: Json, name: string, required: boolean): string[] | undefined {
  const value = body[name];
  if (value === undefined) {
    if (required) throw missingParam(name);
    return undefined;
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw invalidRequest(`${name} must be an array of strings.`, 'invalid_array', name);
  return value;
}

function requiredString(body: Json, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw missingParam(name);
  return value;
}

function view(destination: StripeObject): StripeObject {
  const { secret: _secret, ...shown } = destination;
  return shown as StripeObject;
}

function createDestination(ctx: RouteContext): StripeObject {
  const body = ctx.params as unknown as Json;
  const allowed = ['enabled_events', 'event_payload', 'name', 'type', 'description', 'events_from', 'include', 'metadata', 'snapshot_api_version',
    'webhook_endpoint', 'amazon_eventbridge', 'azure_event_grid'];
  for (const key of Object.keys(body)) if (!allowed.includes(key)) throw invalidRequest(`Received unknown parameter: ${key}`, 'parameter_unknown', key);
  const enabledEvents = stringArray(body, 'enabled_events', true)!;
  const name = requiredString(body, 'name');
  const payload = requiredString(body, 'event_payload');
  const type = requiredString(body, 'type');
  if (payload !== 'thin') throw invalidRequest('The sandbox models thin event destinations only (event_payload: thin); use /v1/webhook_endpoints for snapshot events.', undefined, 'event_payload');
  if (type !== 'webhook_endpoint') throw invalidRequest('The sandbox delivers to webhook endpoints only (type: webhook_endpoint).', undefined, 'type');
  const bad = enabledEvents.find((event) => !/^v[12]\.[a-z0-9_.]+$/.test(event));
  if (bad) throw invalidRequest(`Invalid event type for a thin event destination: '${bad}' (thin event types start with v1. or v2.).`, undefined, 'enabled_events');
  const url = body.webhook_endpoint?.url;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw missingParam('webhook_endpoint.url');
  const eventsFrom = (stringArray(body, 'events_from', false) ?? ['self']).map((from) => from.replace(/^@/, ''));
  const unknownFrom = eventsFrom.find((from) => from !== 'self' && from !== 'other_accounts');
  if (unknownFrom) throw invalidRequest(`Invalid events_from: '${unknownFrom}'`, undefined, 'events_from');
  const include = stringArray(body, 'include', false) ?? [];
  const now = iso(ctx.account.now());
  const destination = {
    id: v2Id('ed', ctx.account.livemode), object: 'v2.core.event_destination', amazon_eventbridge: null, azure_event_grid: null, created: now,
    description: typeof body.description === 'string' ? body.description : '', enabled_events: enabledEvents, event_payload: 'thin',
    events_from: eventsFrom.map((from) => `@${from}`), livemode: ctx.account.livemode, metadata: body.metadata ?? {}, name, snapshot_api_version: null,
    status: 'enabled', status_details: null, type: 'webhook_endpoint', updated: now, webhook_endpoint: { signing_secret: null, url },
    secret: `whsec_${randomBytes(24).toString('hex')}`,
  } as StripeObject;
  ctx.account.insert(COLLECTION, destination);
  const shown = view(destination);
  // The signing secret is only ever shown on creation, and only when asked for.
  if (include.includes('webhook_endpoint.signing_secret')) shown.webhook_endpoint = { ...destination.webhook_endpoint, signing_secret: destination.secret };
  return shown;
}

export const thinEventRoutes: Route[] = [
  { method: 'POST', pattern: '/v2/core/event_destinations', handle: createDestination },
  { method: 'GET', pattern: '/v2/core/event_destinations/:id', handle: (ctx) => view(ctx.account.get(COLLECTION, ctx.ids[0], 'event destination')) },
  {
    method: 'GET', pattern: '/v2/core/event_destinations',
    handle: (ctx) => ({ data: ctx.account.newestFirst(COLLECTION).map(view), next_page_url: null, previous_page_url: null }) as unknown as StripeObject,
  },
  {
    method: 'DELETE', pattern: '/v2/core/event_destinations/:id',
    handle(ctx) {
      const destination = ctx.account.getLive(COLLECTION, ctx.ids[0], 'event destination');
      ctx.account.collection(COLLECTION).delete(destination.id);
      return { id: destination.id, object: destination.object, deleted: true };
    },
  },
  {
    method: 'GET', pattern: '/v2/core/events/:id',
    handle(ctx) {
      const event = ctx.account.collection(EVENTS).get(ctx.ids[0]);
      if (!event) throw notFound('event', ctx.ids[0]);
      return event;
    },
  },
  {
    method: 'GET', pattern: '/v2/core/events',
    handle(ctx) {
      const objectId = (ctx.params as Json).object_id;
      const events = ctx.account.newestFirst(EVENTS, (event) => objectId === undefined || event.related_object?.id === objectId);
      return { data: events.slice(0, 100), next_page_url: null, previous_page_url: null } as unknown as StripeObject;
    },
  },
];

/** The notification body: the full event without what must be fetched (`snapshot_event`). */
function notificationOf(event: StripeObject): Json {
  const { snapshot_event: _snapshot, ...notification } = event;
  return notification;
}

/** Turns each v1 event into a v2 thin event for the destinations that enabled `v1.<type>`, and sends it. */
export class ThinEventDispatcher {
  constructor(private readonly webhooks: WebhookDispatcher) {}

  dispatch(account: Account, event: StripeObject): void {
    const type = `v1.${event.type}`;
    const own = [...account.collection(COLLECTION).values()].filter((destination) => destination.events_from.includes('@self'));
    const platform = account.platform ? [...account.platform.collection(COLLECTION).values()].filter((destination) => destination.events_from.includes('@other_accounts')) : [];
    const destinations = [...own, ...platform].filter((destination) => destination.status === 'enabled' && destination.enabled_events.includes(type));
    if (destinations.length === 0) return;
    const object = event.data.object as StripeObject;
    const thin = {
      id: v2Id('evt', account.livemode), object: 'v2.core.event', context: account.platform ? account.id : null, created: iso(event.created),
      livemode: account.livemode, related_object: { id: object.id, type: object.object, url: objectUrl(object) }, snapshot_event: event.id, type,
    } as StripeObject;
    // Events a request caused say which request; those Stripe raises itself (renewals, retries) have no reason.
    if (event.request?.id) thin.reason = { type: 'request', request: { id: event.request.id, idempotency_key: event.request.idempotency_key ?? '' } };
    account.insert(EVENTS, thin);
    const body = JSON.stringify(notificationOf(thin), null, 2);
    for (const destination of destinations) {
      this.webhooks.deliverRaw(account, { id: destination.id, url: destination.webhook_endpoint.url, secret: destination.secret }, thin, body);
    }
  }
}
