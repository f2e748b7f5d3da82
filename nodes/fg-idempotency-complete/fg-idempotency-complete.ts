import { toStorableMsg } from '../../lib/reliability/canonical';
import { flowError, FlowGuardError } from '../../lib/reliability/errors';
import { oneOf, text } from '../../lib/settings';
import { Json } from '../../lib/store';
import { defineNode } from '../shared/kit';
import { GateNode } from '../fg-idempotency-gate/gate-node';

/**
 * Ends a claim taken by an fg-idempotency-gate: `complete` keeps the result for duplicates, `release` frees the key
 * so a retry can claim it again. Passes the msg on once the store confirmed, so the flow can answer afterwards.
 */
export = defineNode('fg-idempotency-complete', {
  settings: {
    gate: text(),
    action: oneOf(['complete', 'release', 'topic'], 'complete'),
    resultProperty: text('payload'),
  },
  setup({ RED, settings: s, log, status, onInput }) {
    let completed = 0;
    let released = 0;
    if (!s.gate) status.error('no gate');

    onInput(async (msg, send) => {
      // The gate is a flow node, not a config node: it may start after this one, so it is looked up per message.
      const gateNode = s.gate ? (RED.nodes.getNode(s.gate) as GateNode | null) : null;
      if (!gateNode || typeof gateNode.getGate !== 'function') {
        throw new FlowGuardError(flowError({ message: 'no fg-idempotency-gate selected (or it is not deployed): open the node and pick the gate', code: 'CONFIG_MISSING' }));
      }
      const claim = msg.idempotency as { key?: unknown; token?: unknown; namespace?: unknown } | undefined;
      if (!claim || typeof claim.key !== 'string' || typeof claim.token !== 'string') {
        throw new FlowGuardError(flowError({ message: 'msg.idempotency.key / token missing: only a msg that left the gate\'s "new" output can complete or release a claim', code: 'IDEMPOTENCY_CLAIM_MISSING' }));
      }
      if (claim.namespace !== undefined && claim.namespace !== gateNode.namespace) {
        throw new FlowGuardError(flowError({ message: `msg.idempotency belongs to namespace "${String(claim.namespace)}", not to the selected gate's "${gateNode.namespace}"`, code: 'IDEMPOTENCY_CLAIM_MISSING' }));
      }
      const action = s.action === 'topic' ? msg.topic : s.action;
      if (action !== 'complete' && action !== 'release') {
        throw new FlowGuardError(flowError({ message: `msg.topic must be "complete" or "release", got "${String(action)}"`, code: 'BAD_REQUEST' }));
      }
      const gate = await gateNode.getGate();
      if (action === 'complete') {
        const { msg: stored } = toStorableMsg({ result: RED.util.getMessageProperty(msg, s.resultProperty) ?? null });
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
      status.ok(`${completed} completed, ${released} released`);
      send(msg);
    });
  },
});
