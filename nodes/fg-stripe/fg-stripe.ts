import { loadStripe } from '../../lib/stripe/client';
import { describeSdk } from '../../lib/stripe/catalog';
import { idempotencyKeyFor, messageKey, runStripeCall } from '../../lib/stripe/call';
import { toStripeFlowError } from '../../lib/stripe/errors';
import { createLogger } from '../../lib/ops/log';
import { metrics, MetricNode } from '../../lib/ops/metrics';
import { ErrorRouting, Msg, onInput, onOutput, routeError, RuntimeNode, status } from '../shared/node-io';
import type { StripeConfigNode } from '../fg-stripe-config/config-node';

interface StripeNodeDef {
  id: string;
  name?: string;
  stripe: string;
  resource: string;
  method: string;
  idValue?: string;
  idType?: string;
  paramsValue?: string;
  paramsType?: string;
  /** msg: msg.idempotencyKey (else msg._msgid), per part; expression: keyValue/keyType; none: the SDK's random key per call. */
  keySource?: 'msg' | 'expression' | 'none';
  keyValue?: string;
  keyType?: string;
  /** node: key + ":" + node id (two Stripe nodes never share a key); raw: the key as is. */
  keyScope?: 'node' | 'raw';
  maxItems?: string | number;
  listOutput?: 'array' | 'split';
  errorRouting?: ErrorRouting;
}

const OUTPUTS = 2;

/** Admin apps that already serve the catalogue (one per runtime; the test helper makes a new one per flow). */
const servedOn = new WeakSet<object>();

export = function (RED: any) {
  if (!servedOn.has(RED.httpAdmin)) {
    servedOn.add(RED.httpAdmin);
    // The catalogue depends only on the installed SDK: built offline, for the editor dropdowns, when the editor first
    // asks (building it loads the SDK, which an unused pack must not do at start-up).
    let editorCatalog: unknown;
    RED.httpAdmin.get('/flowguard/stripe/catalog', RED.auth.needsPermission('flowguard.read'), (_req: any, res: any) => {
      if (!editorCatalog) {
        const StripeSdk = loadStripe();
        editorCatalog = describeSdk(new StripeSdk('sk_test_catalog', { telemetry: false }));
      }
      res.json(editorCatalog);
    });
  }

  const evaluate = (value: string | undefined, type: string | undefined, node: RuntimeNode, msg: Msg): Promise<unknown> => {
    if (!type || type === 'none') return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      RED.util.evaluateNodeProperty(value ?? '', type, node, msg, (err: Error | null, result: unknown) => (err ? reject(err) : resolve(result)));
    });
  };

  function FgStripe(this: RuntimeNode, def: StripeNodeDef) {
    RED.nodes.createNode(this, def);
    setup(this, def);
  }

  function setup(node: RuntimeNode, def: StripeNodeDef) {
    const log = createLogger(node);
    const config = RED.nodes.getNode(def.stripe) as StripeConfigNode | null;
    const maxItems = Math.min(10000, Math.max(1, Number(def.maxItems) || 100));
    const label = `${def.resource}.${def.method}`;

    if (!config) status.error(node, 'no Stripe config');
    else {
      try {
        config.connection();
        status.idle(node, label);
      } catch {
        status.error(node, 'invalid secret key');
      }
    }

    onInput(node, async (msg, send) => {
      try {
        if (!config) throw new Error('fg-stripe: select a Stripe config node');
        const connection = config.connection();
        const ids = ([] as unknown[]).concat((await evaluate(def.idValue, def.idType, node, msg)) ?? []);
        if (ids.some((id) => typeof id !== 'string')) throw new Error('fg-stripe: ids must be strings (one, or an array when the method needs two)');
        const params = (await evaluate(def.paramsValue, def.paramsType, node, msg)) ?? {};
        if (typeof params !== 'object' || Array.isArray(params)) throw new Error(`fg-stripe: params must be an object, got ${Array.isArray(params) ? 'an array' : typeof params}`);
        const baseKey = def.keySource === 'none' ? undefined
          : def.keySource === 'expression' ? await evaluate(def.keyValue, def.keyType, node, msg)
          : messageKey(msg);
        const idempotencyKey = idempotencyKeyFor(baseKey, def.keyScope === 'raw' ? undefined : node.id);
        status.busy(node, label);
        const out = await metrics.timeCall(node as RuntimeNode & MetricNode, runStripeCall(connection.stripe, config.catalog(), {
          resource: def.resource, method: def.method, ids: ids as string[],
          params: params as Record<string, unknown>, idempotencyKey, maxItems,
        })).finally(() => metrics.gauge(node as RuntimeNode & MetricNode, 'stripe_rate_headroom', connection.throttle.headroom()));
        msg.stripe = { resource: def.resource, method: def.method, requestId: out.requestId, replayed: !!out.replayed, truncated: out.truncated, idempotencyKey: out.idempotencyKey };
        if (out.kind === 'list' && def.listOutput === 'split') {
          const items = out.result as unknown[];
          const parts = { id: RED.util.generateId(), type: 'array', count: items.length, len: 1, ...(msg.parts ? { parts: msg.parts } : {}) };
          send(onOutput(0, OUTPUTS, items.map((item, index) => ({ ...msg, _msgid: RED.util.generateId(), payload: item, parts: { ...parts, index } }))));
          status.ok(node, `${items.length} item(s)`);
        } else {
          msg.payload = out.result;
          send(onOutput(0, OUTPUTS, msg));
          status.ok(node, out.replayed ? `${label} (replayed)` : label);
        }
      } catch (err) {
        const error = toStripeFlowError(err);
        status.error(node, error.code);
        log.warn(`${label} failed: ${error.message}`, { msg, code: error.code, status: error.status, requestId: error.requestId });
        const thrown = routeError(node, def.errorRouting, msg, send, error, 1, OUTPUTS);
        if (thrown) throw thrown;
      }
    });
  }

  RED.nodes.registerType('fg-stripe', FgStripe);
};
