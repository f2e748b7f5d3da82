import { metrics } from '../../lib/ops/metrics';
import { fingerprint } from '../../lib/reliability/canonical';
import { flowError, FlowGuardError, toFlowError } from '../../lib/reliability/errors';
import { checkKey, DEFAULT_GATE, IdempotencyGate } from '../../lib/reliability/idempotency';
import { duration, list, oneOf, text } from '../../lib/settings';
import { defineNode, Msg } from '../shared/kit';
import { errorSource } from '../shared/node-io';
import { onStore, STORE } from '../shared/store-node';
import { GateNode } from './gate-node';

const NEW = 0;
const DUPLICATE = 1;
const CONFLICT = 2;

export = defineNode('fg-idempotency-gate', {
  settings: {
    namespace: text(),
    keyType: oneOf(['msg', 'jsonata'], 'msg'),
    key: text('idempotencyKey'),
    fingerprintProps: list(['payload']),
    leaseMs: duration(DEFAULT_GATE.leaseMs / 1000, 's', { property: 'leaseSeconds' }),
    resultTtlMs: duration(DEFAULT_GATE.resultTtlMs / 3600_000, 'h', { property: 'resultTtlHours' }),
  },
  configs: { store: STORE },
  outputs: 3,
  setup(kit) {
    const { RED, node, settings: s, config, log, status, onInput, output } = kit;
    const namespace = s.namespace || node.id;
    const keyWhere = s.keyType === 'msg' ? `msg.${s.key}` : `the key expression ${s.key}`;
    // Throws on a bad expression: the kit then shows it and fails each message with it.
    const jsonataExpr = s.keyType === 'jsonata' ? RED.util.prepareJSONataExpression(s.key, node) : undefined;

    const gate = onStore(kit, config.store, (store) => new IdempotencyGate(store, namespace, { leaseMs: s.leaseMs, resultTtlMs: s.resultTtlMs }));
    // What fg-idempotency-complete uses of this gate.
    const face: Omit<GateNode, keyof typeof node> = { namespace, getGate: gate };
    Object.assign(node, face);

    // A msg property is read synchronously: an await per message is measurable at gate rates.
    const readKey = (msg: Msg): unknown => {
      if (!jsonataExpr) return RED.util.getMessageProperty(msg, s.key);
      return new Promise((resolve, reject) =>
        RED.util.evaluateJSONataExpression(jsonataExpr, msg, (err: Error | null, value: unknown) => (err ? reject(err) : resolve(value))));
    };

    onInput(async (msg, send) => {
      const rawKey = readKey(msg);
      const key = checkKey(rawKey instanceof Promise ? await rawKey : rawKey, keyWhere);
      const fp = fingerprint(s.fingerprintProps.map((p) => RED.util.getMessageProperty(msg, p)));
      let outcome;
      try {
        outcome = await (gate.ready() ?? (await gate())).check(key, fp);
      } catch (err) {
        // Fail closed: without the store we cannot know whether this is a duplicate, so nothing passes.
        status.error('store unavailable');
        const fe = toFlowError(err, 'store');
        throw new FlowGuardError({ ...fe, code: fe.code === 'ERROR' ? 'STORE_UNAVAILABLE' : fe.code, message: `idempotency gate closed, message not passed: ${fe.message}` });
      }
      if (outcome.kind === 'new') {
        msg.idempotency = { key, token: outcome.token, namespace, fingerprint: fp };
        send(output(NEW, msg));
        return;
      }
      if (outcome.kind === 'duplicate') {
        msg.idempotency = { key, namespace, fingerprint: fp, status: outcome.status, duplicate: true };
        // For an in-progress claim: when its lease ends (a client can be told to come back then).
        if (outcome.status === 'in-progress') msg.idempotency.leaseExpiresAt = outcome.expiresAt;
        if (outcome.status === 'completed') {
          msg.idempotency.result = outcome.result;
          msg.idempotency.completedAt = outcome.completedAt;
          msg.payload = outcome.result;
        }
        log.debug('duplicate', { msg, key, status: outcome.status });
        metrics.count(node, 'duplicates');
        send(output(DUPLICATE, msg));
        return;
      }
      const message = `idempotency key "${key}" was already used with different content: fingerprint ${outcome.storedFingerprint} stored, ${fp} received`;
      msg.idempotency = { key, namespace, fingerprint: fp, storedFingerprint: outcome.storedFingerprint, conflict: true };
      // Named as a Catch node names it: a conflict parked in a dead-letter queue shows where it came from.
      msg.error = { ...flowError({ message, code: 'IDEMPOTENCY_CONFLICT', status: 422 }), source: errorSource(node) };
      log.error(message, { msg, code: 'IDEMPOTENCY_CONFLICT' });
      metrics.count(node, 'conflicts');
      send(output(CONFLICT, msg));
    });
  },
});
