import { createLogger } from '../../lib/ops/log';
import { metrics, MetricNode } from '../../lib/ops/metrics';
import { fingerprint } from '../../lib/reliability/canonical';
import { flowError, FlowGuardError, toFlowError } from '../../lib/reliability/errors';
import { checkKey, DEFAULT_GATE, IdempotencyGate } from '../../lib/reliability/idempotency';
import { Msg, onInput, onOutput, status } from '../shared/node-io';
import { useStore } from '../shared/store-node';
import { GateNode } from './gate-node';

interface GateDef {
  id: string;
  name?: string;
  store?: string;
  namespace?: string;
  keyType?: 'msg' | 'jsonata';
  key?: string;
  fingerprintProps?: string;
  leaseSeconds?: string | number;
  resultTtlHours?: string | number;
}

const OUTPUTS = 3;
const NEW = 0;
const DUPLICATE = 1;
const CONFLICT = 2;

export = function (RED: any) {
  function FgIdempotencyGate(this: GateNode, def: GateDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const log = createLogger(node);
    const namespace = def.namespace?.trim() || node.id;
    const leaseMs = positive(def.leaseSeconds, DEFAULT_GATE.leaseMs / 1000) * 1000;
    const resultTtlMs = positive(def.resultTtlHours, DEFAULT_GATE.resultTtlMs / 3600_000) * 3600_000;
    const keyType = def.keyType === 'jsonata' ? 'jsonata' : 'msg';
    const keyExpr = def.key?.trim() || 'idempotencyKey';
    const props = (def.fingerprintProps ?? 'payload').split(',').map((p) => p.trim()).filter(Boolean);
    const keyWhere = keyType === 'msg' ? `msg.${keyExpr}` : `the key expression ${keyExpr}`;

    let jsonataExpr: any;
    if (keyType === 'jsonata') {
      try {
        jsonataExpr = RED.util.prepareJSONataExpression(keyExpr, node);
      } catch (err) {
        log.error(`invalid key expression: ${(err as Error).message}`, { code: 'BAD_CONFIG' });
        status.error(node, 'invalid key expression');
      }
    }

    const cfg = useStore(RED, node, def.store);
    node.namespace = namespace;
    // One gate per deploy, not per message (the store promise settles once either way); once it is open, messages
    // use it directly instead of awaiting the settled promise again.
    let gateOpening: Promise<IdempotencyGate> | undefined;
    let openGate: IdempotencyGate | undefined;
    node.getGate = () => (gateOpening ??= cfg.getStore().then((store) => (openGate = new IdempotencyGate(store, namespace, { leaseMs, resultTtlMs }))));

    // A msg property is read synchronously: an await per message is measurable at gate rates.
    const readKey = (msg: Msg): unknown => {
      if (keyType === 'msg') return RED.util.getMessageProperty(msg, keyExpr);
      if (!jsonataExpr) throw new FlowGuardError(flowError({ message: `invalid key expression ${keyExpr}`, code: 'BAD_CONFIG' }));
      return new Promise((resolve, reject) =>
        RED.util.evaluateJSONataExpression(jsonataExpr, msg, (err: Error | null, value: unknown) => (err ? reject(err) : resolve(value))));
    };

    onInput(node, async (msg, send) => {
      const rawKey = readKey(msg);
      const key = checkKey(rawKey instanceof Promise ? await rawKey : rawKey, keyWhere);
      const fp = fingerprint(props.map((p) => RED.util.getMessageProperty(msg, p)));
      let outcome;
      try {
        const gate = openGate ?? (await node.getGate());
        outcome = await gate.check(key, fp);
      } catch (err) {
        // Fail closed: without the store we cannot know whether this is a duplicate, so nothing passes.
        status.error(node, 'store unavailable');
        const fe = toFlowError(err, 'store');
        throw new FlowGuardError({ ...fe, code: fe.code === 'ERROR' ? 'STORE_UNAVAILABLE' : fe.code, message: `idempotency gate closed, message not passed: ${fe.message}` });
      }
      if (outcome.kind === 'new') {
        msg.idempotency = { key, token: outcome.token, namespace, fingerprint: fp };
        send(onOutput(NEW, OUTPUTS, msg));
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
        metrics.count(node as unknown as MetricNode, 'duplicates');
        send(onOutput(DUPLICATE, OUTPUTS, msg));
        return;
      }
      const message = `idempotency key "${key}" was already used with different content: fingerprint ${outcome.storedFingerprint} stored, ${fp} received`;
      msg.idempotency = { key, namespace, fingerprint: fp, storedFingerprint: outcome.storedFingerprint, conflict: true };
      msg.error = flowError({ message, code: 'IDEMPOTENCY_CONFLICT', status: 422 });
      log.error(message, { msg, code: 'IDEMPOTENCY_CONFLICT' });
      metrics.count(node as unknown as MetricNode, 'conflicts');
      send(onOutput(CONFLICT, OUTPUTS, msg));
    });
  }

  RED.nodes.registerType('fg-idempotency-gate', FgIdempotencyGate);
};

function positive(value: unknown, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}
