import { createLogger } from '../../lib/ops/log';
import { toStorableMsg } from '../../lib/reliability/canonical';
import { flowError, FlowGuardError } from '../../lib/reliability/errors';
import { Json } from '../../lib/store';
import { onInput, RuntimeNode, status } from '../shared/node-io';
import { GateNode } from '../fg-idempotency-gate/gate-node';

interface CompleteDef {
  id: string;
  name?: string;
  gate?: string;
  action?: 'complete' | 'release' | 'topic';
  resultProperty?: string;
}

/**
 * Ends a claim taken by an fg-idempotency-gate: `complete` keeps the result for duplicates, `release` frees the key
 * so a retry can claim it again. Passes the msg on once the store confirmed, so the flow can answer afterwards.
 */
export = function (RED: any) {
  function FgIdempotencyComplete(this: RuntimeNode, def: CompleteDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const log = createLogger(node);
    const resultProperty = def.resultProperty?.trim() || 'payload';
    let completed = 0;
    let released = 0;

    onInput(node, async (msg, send) => {
      const gateNode = def.gate ? (RED.nodes.getNode(def.gate) as GateNode | null) : null;
      if (!gateNode || typeof gateNode.getGate !== 'function') {
        throw new FlowGuardError(flowError({ message: 'no fg-idempotency-gate selected (or it is not deployed): open the node and pick the gate', code: 'BAD_CONFIG' }));
      }
      const claim = msg.idempotency as { key?: unknown; token?: unknown; namespace?: unknown } | undefined;
      if (!claim || typeof claim.key !== 'string' || typeof claim.token !== 'string') {
        throw new FlowGuardError(flowError({ message: 'msg.idempotency.key / token missing: only a msg that left the gate\'s "new" output can complete or release a claim', code: 'IDEMPOTENCY_CLAIM_MISSING' }));
      }
      if (claim.namespace !== undefined && claim.namespace !== gateNode.namespace) {
        throw new FlowGuardError(flowError({ message: `msg.idempotency belongs to namespace "${String(claim.namespace)}", not to the selected gate's "${gateNode.namespace}"`, code: 'IDEMPOTENCY_CLAIM_MISSING' }));
      }
      const action = def.action === 'topic' ? msg.topic : def.action || 'complete';
      if (action !== 'complete' && action !== 'release') {
        throw new FlowGuardError(flowError({ message: `msg.topic must be "complete" or "release", got "${String(action)}"`, code: 'BAD_REQUEST' }));
      }
      const gate = await gateNode.getGate();
      if (action === 'complete') {
        const { msg: stored } = toStorableMsg({ result: RED.util.getMessageProperty(msg, resultProperty) ?? null });
        await gate.complete(claim.key, claim.token, (stored.result ?? null) as Json);
        msg.idempotency = { ...msg.idempotency, status: 'completed' };
        completed++;
      } else {
        await gate.release(claim.key, claim.token);
        msg.idempotency = { ...msg.idempotency, status: 'released' };
        released++;
      }
      delete msg.idempotency.token;
      log.debug(`claim ${action}d`, { msg, key: claim.key });
      status.ok(node, `${completed} completed, ${released} released`);
      send(msg);
    });
  }

  RED.nodes.registerType('fg-idempotency-complete', FgIdempotencyComplete);
};
