import { STRIPE_EVENT_TYPES } from '../../lib/stripe/event-types';
import { toStripeFlowError } from '../../lib/stripe/errors';
import { createWebhookVerifier, enabledEventsFor, listEventsSince, parseSince, RawBodyError, readRawBody, registerEndpoint, removeEndpoints } from '../../lib/stripe/webhook';
import { registerSecret } from '../../lib/ops/redact';
import { DEFAULT_TOLERANCE_SECONDS } from '../../lib/stripe/signature';
import { FlowGuardError } from '../../lib/reliability/errors';
import { boolean, list, nonNegativeNumber, oneOf, positiveInt, positiveNumber, text } from '../../lib/settings';
import { createThinEventVerifier, registerEventDestination, removeEventDestinations, THIN_FETCHES } from '../../lib/stripe/thin-events';
import { defineNode } from '../shared/kit';
import { errorSource } from '../shared/node-io';
import { STRIPE } from '../fg-stripe-config/config-node';
import { RawBodyCapture } from './raw-capture';

/** Admin apps that already serve the event types (one per runtime; the test helper makes a new one per flow). */
const servedOn = new WeakSet<object>();

// Endpoint registration and removal run one after another per node id, so a quick redeploy cannot have an
// older registration delete the newer endpoint.
const endpointTasks = new Map<string, Promise<unknown>>();
const queueEndpointTask = <T>(owner: string, task: () => Promise<T>): Promise<T> => {
  const next = (endpointTasks.get(owner) ?? Promise.resolve()).catch(() => undefined).then(task);
  endpointTasks.set(owner, next);
  return next;
};

const rawBodies = new RawBodyCapture();

export = defineNode('fg-stripe-webhook', {
  settings: {
    path: text('/stripe/webhook'),
    eventTypes: list(['*'], 'words'),
    toleranceSeconds: nonNegativeNumber(DEFAULT_TOLERANCE_SECONDS),
    maxBodyKb: positiveNumber(512),
    backfillMax: positiveInt(1000),
    /** Register `publicUrl` as a Stripe webhook endpoint on deploy (its secret is then kept in memory). */
    register: boolean(false),
    publicUrl: text(),
    /** Register a Connect endpoint: it receives the connected accounts' events (each naming its `account`). */
    connect: boolean(false),
    /** The endpoint is an event destination with thin payloads (API v2 event notifications), not a webhook endpoint. */
    thinEvents: boolean(false),
    /** With thin events: what msg.payload holds (the notification, the full event, the related object or the v1 snapshot event). */
    thinFetch: oneOf(THIN_FETCHES, 'none'),
  },
  configs: { stripe: STRIPE },
  init(RED) {
    if (servedOn.has(RED.httpAdmin)) return;
    servedOn.add(RED.httpAdmin);
    RED.httpAdmin.get('/flowguard/stripe/event-types', RED.auth.needsPermission('flowguard.read'), (_req, res) => res.json(STRIPE_EVENT_TYPES));
  },
  setup({ RED, node, config: { stripe: config }, settings: def, log, status, onInput, onClose, report }) {
    const path = '/' + def.path.replace(/^\/+/, '');
    const eventTypes = def.eventTypes;
    // Mutable: a secret from endpoint registration is added once Stripe returns it.
    const secrets = config.webhookSecrets();
    const registering = def.register && !!def.publicUrl;
    const limitBytes = def.maxBodyKb * 1024;
    const verify = createWebhookVerifier({ secrets, toleranceSeconds: def.toleranceSeconds, eventTypes });
    const verifyThin = createThinEventVerifier(() => config.connection().stripe, { secrets, toleranceSeconds: def.toleranceSeconds, eventTypes });
    const counts = { accepted: 0, rejected: 0 };

    const showCounts = () => {
      const text = `${counts.accepted} ok · ${counts.rejected} rejected`;
      if (counts.rejected > 0) status.warn(text);
      else status.ok(text);
    };

    const emit = (event: any, extra: Record<string, unknown> = {}) => {
      // Connect events name their connected account: it goes into the dedup key (an id seen on two accounts is two
      // events) and onto msg.stripeAccount, which fg-stripe reads to act on that account.
      const account = typeof event.account === 'string' && event.account ? event.account : undefined;
      node.send({
        _msgid: RED.util.generateId(), payload: event, idempotencyKey: account ? `${account}/${event.id}` : event.id, correlationId: event.id, topic: event.type,
        ...(account ? { stripeAccount: account } : {}),
        stripe: { eventId: event.id, type: event.type, livemode: !!event.livemode, ...(account ? { account } : {}), ...extra },
      });
    };

    const reject = (res: any, statusCode: number, reason: string, req: any) => {
      counts.rejected++;
      // Never the payload or the header: only why, and where from.
      log.warn(`Stripe webhook rejected: ${reason}`, { code: reason, path, from: req.ip ?? req.socket?.remoteAddress });
      res.status(statusCode).json({ error: reason });
      showCounts();
    };

    const handler = async (req: any, res: any) => {
      let raw: Buffer;
      try {
        if (req.fgStripeBodyError) throw req.fgStripeBodyError;
        raw = await readRawBody(req, limitBytes);
      } catch (err) {
        if (err instanceof RawBodyError && err.reason === 'body_already_parsed') {
          log.error('Another middleware parsed the request body before this node, so the Stripe signature cannot be checked. See the help of fg-stripe-webhook (httpNodeMiddleware).');
        }
        return reject(res, err instanceof RawBodyError ? err.status : 400, err instanceof RawBodyError ? err.reason : 'unreadable_body', req);
      }
      if (def.thinEvents) return handleThin(raw, req, res);
      const decision = verify(raw, req.headers['stripe-signature']);
      if (decision.status === 400) return reject(res, 400, decision.reason, req);
      // Acknowledge first: Stripe only needs to know the event arrived; the flow works after.
      res.status(200).json({ received: true });
      // Types outside the filter are acknowledged (so Stripe stops sending them) and dropped.
      if (!decision.accepted) return;
      counts.accepted++;
      emit(decision.event, { secretIndex: decision.secretIndex });
      showCounts();
    };

    // A thin event names what happened; the payload is fetched (if asked) after the answer, and a failed fetch goes to
    // Catch with the notification on the msg, so nothing is lost and Stripe is not made to resend.
    const handleThin = (raw: Buffer, req: any, res: any) => {
      const decision = verifyThin(raw, req.headers['stripe-signature']);
      if (decision.status === 400) return reject(res, 400, decision.reason, req);
      res.status(200).json({ received: true });
      if (!decision.accepted) return;
      counts.accepted++;
      showCounts();
      const { notification } = decision;
      const account = notification.context || undefined;
      const msg: any = {
        _msgid: RED.util.generateId(), payload: notification, idempotencyKey: account ? `${account}/${notification.id}` : notification.id,
        correlationId: notification.id, topic: notification.type, ...(account ? { stripeAccount: account } : {}),
        stripe: {
          eventId: notification.id, type: notification.type, livemode: !!notification.livemode, thin: true, secretIndex: decision.secretIndex,
          ...(notification.related_object ? { relatedObject: notification.related_object } : {}), ...(account ? { account } : {}),
        },
      };
      if (def.thinFetch === 'none') return node.send(msg);
      decision.fetch(def.thinFetch).then((payload: any) => {
        msg.payload = payload;
        // The v1 event keeps the topic a snapshot endpoint would give, so the same Switch rules apply.
        if (def.thinFetch === 'snapshot') msg.topic = payload.type;
        node.send(msg);
      }).catch((err) => {
        const error = { ...toStripeFlowError(err), source: errorSource(node) };
        msg.error = error;
        status.warn(`fetch failed: ${error.code}`);
        report(msg, new FlowGuardError(error));
      });
    };

    const duplicate = RED.httpNode._router?.stack?.some((layer: any) => layer.route?.path === path && layer.route.methods?.post);
    if (duplicate) log.warn(`another node already listens on POST ${path}; this one will not receive requests`, { path });
    const captureKey = rawBodies.add(RED.httpNode, path, limitBytes);
    RED.httpNode.post(path, handler);

    if (secrets.length === 0 && !registering) status.error('no signing secret');
    else status.idle(`POST ${path}`);

    if (registering) {
      status.busy('registering');
      // Thin events: an event destination with exact types (Stripe takes no wildcards there, and no `*`).
      const thinTypes = () => {
        const exact = enabledEventsFor(eventTypes.map((type) => type.replace(/^v1\./, '')), STRIPE_EVENT_TYPES);
        return exact.includes('*') ? [...STRIPE_EVENT_TYPES] : exact;
      };
      const register = def.thinEvents
        ? () => registerEventDestination(config.connection().stripe, def.publicUrl!, thinTypes(), node.id, def.connect)
        : () => registerEndpoint(config.connection().stripe, def.publicUrl!, enabledEventsFor(eventTypes, STRIPE_EVENT_TYPES), node.id, def.connect);
      queueEndpointTask(node.id, register)
        .then(({ id, secret }) => {
          registerSecret(secret);
          secrets.push(secret);
          log.info(`registered Stripe ${def.thinEvents ? 'event destination' : 'webhook endpoint'} ${id}`, { url: def.publicUrl });
          status.idle(`POST ${path}`);
        })
        .catch((err) => {
          const error = toStripeFlowError(err);
          log.error(`Stripe webhook endpoint not registered: ${error.message}`, { code: error.code });
          status.error('registration failed');
        });
    }

    // Backfill: list the events created since msg.payload.since (or msg.since) and emit them, oldest first.
    onInput(async (msg) => {
      try {
        const since = parseSince(msg.payload?.since ?? msg.since);
        if (since === undefined) throw new Error('backfill needs msg.payload.since (unix seconds, ISO date or Date)');
        status.busy('backfill');
        const events = await listEventsSince(config.connection().stripe, since, eventTypes, def.backfillMax);
        for (const event of events) emit(event, { backfill: true });
        status.ok(`backfill: ${events.length} event(s)`);
      } catch (err) {
        const error = toStripeFlowError(err);
        msg.error = error;
        status.error('backfill failed');
        throw new FlowGuardError(error);
      }
    });

    onClose((removed) => {
      rawBodies.remove(captureKey);
      const stack: any[] = RED.httpNode._router?.stack ?? [];
      for (let i = stack.length - 1; i >= 0; i--) {
        if (stack[i].route?.stack?.some((layer: any) => layer.handle === handler)) stack.splice(i, 1);
      }
      // A redeploy registers a new endpoint and deletes this one; only a deleted node removes it here.
      if (!registering || !removed) return;
      const remove = def.thinEvents ? removeEventDestinations : removeEndpoints;
      return queueEndpointTask(node.id, () => remove(config.connection().stripe, node.id)).catch((err) => log.warn(`Stripe webhook endpoint not removed: ${toStripeFlowError(err).message}`));
    });
  },
});
