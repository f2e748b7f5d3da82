import { STRIPE_EVENT_TYPES } from '../../lib/stripe/event-types';
import { toStripeFlowError } from '../../lib/stripe/errors';
import { parseCodeList } from '../../lib/reliability/classify';
import { createWebhookVerifier, enabledEventsFor, listEventsSince, parseSince, RawBodyError, readRawBody, registerEndpoint, removeEndpoints } from '../../lib/stripe/webhook';
import { registerSecret } from '../../lib/ops/redact';
import { DEFAULT_TOLERANCE_SECONDS } from '../../lib/stripe/signature';
import { createLogger } from '../../lib/ops/log';
import { FlowGuardError } from '../../lib/reliability/errors';
import { Msg, onInput, RuntimeNode, status } from '../shared/node-io';
import type { StripeConfigNode } from '../fg-stripe-config/config-node';
import { RawBodyCapture } from './raw-capture';

interface WebhookDef {
  id: string;
  name?: string;
  stripe: string;
  path: string;
  eventTypes?: string;
  toleranceSeconds?: string | number;
  maxBodyKb?: string | number;
  backfillMax?: string | number;
  /** Register `publicUrl` as a Stripe webhook endpoint on deploy (its secret is then kept in memory). */
  register?: boolean;
  publicUrl?: string;
}

/** Admin apps that already serve the event types (one per runtime; the test helper makes a new one per flow). */
const servedOn = new WeakSet<object>();

export = function (RED: any) {
  // Endpoint registration and removal run one after another per node id, so a quick redeploy cannot have an
  // older registration delete the newer endpoint.
  const endpointTasks = new Map<string, Promise<unknown>>();
  const queueEndpointTask = <T>(owner: string, task: () => Promise<T>): Promise<T> => {
    const next = (endpointTasks.get(owner) ?? Promise.resolve()).catch(() => undefined).then(task);
    endpointTasks.set(owner, next);
    return next;
  };

  const rawBodies = new RawBodyCapture();

  if (!servedOn.has(RED.httpAdmin)) {
    servedOn.add(RED.httpAdmin);
    RED.httpAdmin.get('/flowguard/stripe/event-types', RED.auth.needsPermission('flowguard.read'), (_req: any, res: any) => res.json(STRIPE_EVENT_TYPES));
  }

  function FgStripeWebhook(this: RuntimeNode, def: WebhookDef) {
    RED.nodes.createNode(this, def);
    setup(this, def);
  }

  function setup(node: RuntimeNode, def: WebhookDef) {
    const log = createLogger(node);
    const config = RED.nodes.getNode(def.stripe) as StripeConfigNode | null;
    const path = '/' + String(def.path || '/stripe/webhook').replace(/^\/+/, '');
    const eventTypes = parseCodeList(def.eventTypes || '*');
    // Mutable: a secret from endpoint registration is added once Stripe returns it.
    const secrets = config?.webhookSecrets() ?? [];
    const registering = !!(def.register && def.publicUrl && config);
    const tolerance = def.toleranceSeconds === undefined || def.toleranceSeconds === '' ? DEFAULT_TOLERANCE_SECONDS : Number(def.toleranceSeconds);
    const limitBytes = Math.max(1, Number(def.maxBodyKb) || 512) * 1024;
    const verify = createWebhookVerifier({ secrets, toleranceSeconds: tolerance, eventTypes });
    const counts = { accepted: 0, rejected: 0 };

    const showCounts = () => {
      const text = `${counts.accepted} ok · ${counts.rejected} rejected`;
      if (counts.rejected > 0) status.warn(node, text);
      else status.ok(node, text);
    };

    const emit = (event: any, extra: Record<string, unknown> = {}) =>
      node.send({ _msgid: RED.util.generateId(), payload: event, idempotencyKey: event.id, correlationId: event.id, topic: event.type, stripe: { eventId: event.id, type: event.type, livemode: !!event.livemode, ...extra } });

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

    const duplicate = RED.httpNode._router?.stack?.some((layer: any) => layer.route?.path === path && layer.route.methods?.post);
    if (duplicate) log.warn(`another node already listens on POST ${path}; this one will not receive requests`, { path });
    const captureKey = rawBodies.add(RED.httpNode, path, limitBytes);
    RED.httpNode.post(path, handler);

    if (!config) status.error(node, 'no Stripe config');
    else if (secrets.length === 0 && !registering) status.error(node, 'no signing secret');
    else status.idle(node, `POST ${path}`);

    if (registering) {
      status.busy(node, 'registering');
      queueEndpointTask(node.id, () => registerEndpoint(config!.connection().stripe, def.publicUrl!, enabledEventsFor(eventTypes, STRIPE_EVENT_TYPES), node.id))
        .then(({ id, secret }) => {
          registerSecret(secret);
          secrets.push(secret);
          log.info(`registered Stripe webhook endpoint ${id}`, { url: def.publicUrl });
          status.idle(node, `POST ${path}`);
        })
        .catch((err) => {
          const error = toStripeFlowError(err);
          log.error(`Stripe webhook endpoint not registered: ${error.message}`, { code: error.code });
          status.error(node, 'registration failed');
        });
    }

    // Backfill: list the events created since msg.payload.since (or msg.since) and emit them, oldest first.
    onInput(node, async (msg: Msg) => {
      try {
        const since = parseSince(msg.payload?.since ?? msg.since);
        if (since === undefined) throw new Error('backfill needs msg.payload.since (unix seconds, ISO date or Date)');
        if (!config) throw new Error('fg-stripe-webhook: select a Stripe config node');
        status.busy(node, 'backfill');
        const events = await listEventsSince(config.connection().stripe, since, eventTypes, Math.max(1, Number(def.backfillMax) || 1000));
        for (const event of events) emit(event, { backfill: true });
        status.ok(node, `backfill: ${events.length} event(s)`);
      } catch (err) {
        const error = toStripeFlowError(err);
        msg.error = error;
        status.error(node, 'backfill failed');
        throw new FlowGuardError(error);
      }
    });

    node.on('close', (removed: boolean, done: () => void) => {
      rawBodies.remove(captureKey);
      const stack: any[] = RED.httpNode._router?.stack ?? [];
      for (let i = stack.length - 1; i >= 0; i--) {
        if (stack[i].route?.stack?.some((layer: any) => layer.handle === handler)) stack.splice(i, 1);
      }
      // A redeploy registers a new endpoint and deletes this one; only a deleted node removes it here.
      if (!registering || !removed) return done();
      queueEndpointTask(node.id, () => removeEndpoints(config!.connection().stripe, node.id)).catch((err) => log.warn(`Stripe webhook endpoint not removed: ${toStripeFlowError(err).message}`)).then(() => done());
    });
  }

  RED.nodes.registerType('fg-stripe-webhook', FgStripeWebhook);
};
