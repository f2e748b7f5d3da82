import { loadStripe } from '../../lib/stripe/client';
import { describeSdk } from '../../lib/stripe/catalog';
import { connectedAccountFor, idempotencyKeyFor, messageKey, runStripeCall } from '../../lib/stripe/call';
import { toStripeFlowError } from '../../lib/stripe/errors';
import { metrics } from '../../lib/ops/metrics';
import { FlowGuardError } from '../../lib/reliability/errors';
import { oneOf, positiveInt, text } from '../../lib/settings';
import { defineNode, Msg, RED } from '../shared/kit';
import { ERROR_ROUTINGS } from '../shared/node-io';
import { STRIPE } from '../fg-stripe-config/config-node';

/** Admin apps that already serve the catalogue (one per runtime; the test helper makes a new one per flow). */
const servedOn = new WeakSet<object>();

function serveCatalog(RED: RED): void {
  if (!servedOn.has(RED.httpAdmin)) {
    servedOn.add(RED.httpAdmin);
    // The catalogue depends only on the installed SDK: built offline, for the editor dropdowns, when the editor first
    // asks (building it loads the SDK, which an unused pack must not do at start-up).
    let editorCatalog: unknown;
    RED.httpAdmin.get('/flowguard/stripe/catalog', RED.auth.needsPermission('flowguard.read'), (_req, res) => {
      if (!editorCatalog) {
        const StripeSdk = loadStripe();
        editorCatalog = describeSdk(new StripeSdk('sk_test_catalog', { telemetry: false }));
      }
      res.json(editorCatalog);
    });
  }
}

export = defineNode('fg-stripe', {
  settings: {
    resource: text('customers'),
    method: text('create'),
    idValue: text('stripeId'),
    idType: text('msg'),
    paramsValue: text('payload'),
    paramsType: text('msg'),
    /** msg: msg.idempotencyKey (else msg._msgid), per part; expression: keyValue/keyType; none: the SDK's random key per call. */
    keySource: oneOf(['msg', 'expression', 'none'], 'msg'),
    keyValue: text(),
    keyType: text('jsonata'),
    /** node: key + ":" + node id (two Stripe nodes never share a key); raw: the key as is. */
    keyScope: oneOf(['node', 'raw'], 'node'),
    /** Connect: the connected account (acct_…) to act on; empty → msg.stripeAccount, else the platform account. */
    stripeAccount: text(),
    maxItems: positiveInt(100, 10_000),
    listOutput: oneOf(['array', 'split'], 'array'),
    errorRouting: oneOf(ERROR_ROUTINGS, 'auto'),
  },
  configs: { stripe: STRIPE },
  outputs: 2,
  errorOutput: 1,
  init: serveCatalog,
  setup({ RED, node, config, settings: s, log, status, onInput, output }) {
    const label = `${s.resource}.${s.method}`;
    const evaluate = (value: string, type: string, msg: Msg): Promise<unknown> => {
      if (!type || type === 'none') return Promise.resolve(undefined);
      return new Promise((resolve, reject) => {
        RED.util.evaluateNodeProperty(value, type, node, msg, (err: Error | null, result: unknown) => (err ? reject(err) : resolve(result)));
      });
    };
    status.idle(label);

    onInput(async (msg, send) => {
      try {
        const connection = config.stripe.connection();
        const ids = ([] as unknown[]).concat((await evaluate(s.idValue, s.idType, msg)) ?? []);
        if (ids.some((id) => typeof id !== 'string')) throw new Error('fg-stripe: ids must be strings (one, or an array when the method needs two)');
        const params = (await evaluate(s.paramsValue, s.paramsType, msg)) ?? {};
        if (typeof params !== 'object' || Array.isArray(params)) throw new Error(`fg-stripe: params must be an object, got ${Array.isArray(params) ? 'an array' : typeof params}`);
        const stripeAccount = connectedAccountFor(s.stripeAccount, msg.stripeAccount);
        const baseKey = s.keySource === 'none' ? undefined
          : s.keySource === 'expression' ? await evaluate(s.keyValue, s.keyType, msg)
          : messageKey(msg);
        const idempotencyKey = idempotencyKeyFor(baseKey, s.keyScope === 'raw' ? undefined : node.id, stripeAccount);
        status.busy(label);
        const out = await metrics.timeCall(node, runStripeCall(connection.stripe, config.stripe.catalog(), {
          resource: s.resource, method: s.method, ids: ids as string[],
          params: params as Record<string, unknown>, idempotencyKey, stripeAccount, maxItems: s.maxItems,
        })).finally(() => metrics.gauge(node, 'stripe_rate_headroom', connection.throttle.headroom()));
        msg.stripe = { resource: s.resource, method: s.method, requestId: out.requestId, replayed: !!out.replayed, truncated: out.truncated, idempotencyKey: out.idempotencyKey, ...(stripeAccount ? { account: stripeAccount } : {}) };
        if (out.kind === 'list' && s.listOutput === 'split') {
          const items = out.result as unknown[];
          const parts = { id: RED.util.generateId(), type: 'array', count: items.length, len: 1, ...(msg.parts ? { parts: msg.parts } : {}) };
          send(output(0, items.map((item, index) => ({ ...msg, _msgid: RED.util.generateId(), payload: item, parts: { ...parts, index } }))));
          status.ok(`${items.length} item(s)`);
        } else {
          msg.payload = out.result;
          send(output(0, msg));
          status.ok(out.replayed ? `${label} (replayed)` : label);
        }
      } catch (err) {
        const error = toStripeFlowError(err);
        status.error(error.code);
        log.warn(`${label} failed: ${error.message}`, { msg, code: error.code, status: error.status, requestId: error.requestId });
        throw new FlowGuardError(error);
      }
    });
  },
});
