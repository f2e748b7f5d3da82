import { createLogger } from '../../lib/ops/log';
import { metrics, MetricNode } from '../../lib/ops/metrics';
import { DeadLetterQueue, parseSelection } from '../../lib/reliability/dead-letter';
import { flowError, FlowGuardError, toFlowError } from '../../lib/reliability/errors';
import { Msg, onInput, onOutput, RuntimeNode, status } from '../shared/node-io';
import { useStore } from '../shared/store-node';
import { dlqNodes, registerAdminApi } from './admin-api';

interface DeadLetterDef {
  id: string;
  name?: string;
  store?: string;
  alertOnPark?: boolean;
  alertThreshold?: string | number;
  alertIntervalSeconds?: string | number;
}

const OUTPUTS = 2;
const REPLAY = 0;
const ALERT = 1;
const CONTROL_TOPICS = new Set(['replay', 'purge', 'stats']);

export = function (RED: any) {
  registerAdminApi(RED);

  function FgDeadLetter(this: RuntimeNode & { name?: string }, def: DeadLetterDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const log = createLogger(node);
    const threshold = Number(def.alertThreshold) > 0 ? Number(def.alertThreshold) : 100;
    const intervalMs = (Number(def.alertIntervalSeconds) >= 0 && def.alertIntervalSeconds !== '' && def.alertIntervalSeconds !== undefined ? Number(def.alertIntervalSeconds) : 60) * 1000;
    const alertOnPark = def.alertOnPark !== false;
    let depth: number | undefined;
    let above = false;
    const cfg = useStore(RED, node, def.store, () => `depth ${depth ?? '?'}`);
    let opening: Promise<DeadLetterQueue> | undefined;
    const queue = () => (opening ??= cfg.getStore().then((store) => new DeadLetterQueue(store, `dlq:${node.id}`)));

    const showDepth = async () => {
      depth = await (await queue()).depth();
      metrics.gauge(node as RuntimeNode & MetricNode, 'dlq_depth', depth);
      if (depth < threshold) above = false;
      if (cfg.state === 'connected') (depth >= threshold ? status.warn : status.ok)(node, `depth ${depth}`);
    };

    // Alerts are rate-limited per kind; parked alerts count what they held back.
    const lastAlert = { parked: 0, depth: 0 };
    let suppressed = 0;
    const alert = (kind: 'parked' | 'depth', payload: Record<string, unknown>) => {
      const now = Date.now();
      if (now - lastAlert[kind] < intervalMs) {
        if (kind === 'parked') suppressed++;
        return;
      }
      lastAlert[kind] = now;
      const extra = kind === 'parked' ? { suppressed } : {};
      if (kind === 'parked') suppressed = 0;
      node.send(onOutput(ALERT, OUTPUTS, { topic: `dlq.${kind}`, payload: { node: node.id, name: node.name ?? '', ...payload, ...extra } }));
    };

    const replay = async (ids: string[]) => {
      const result = await (await queue()).replay(ids);
      for (const m of result.replayed) node.send(onOutput(REPLAY, OUTPUTS, m));
      metrics.count(node as RuntimeNode & MetricNode, 'replayed', result.replayed.length);
      if (result.replayed.length) log.info(`replayed ${result.replayed.length} dead letter(s)`, { ids: result.replayed.map((m) => m.replay.id).join(',') });
      await showDepth().catch(() => undefined);
      return { replayed: result.replayed.map((m) => String(m.replay.id)), missing: result.missing };
    };

    const control = async (msg: Msg) => {
      const q = await queue();
      if (msg.topic === 'stats') {
        await showDepth();
        node.send(onOutput(ALERT, OUTPUTS, { ...msg, topic: 'stats', payload: { node: node.id, depth } }));
        return;
      }
      const sel = parseSelection(msg.payload);
      const ids = 'ids' in sel ? sel.ids : await q.ids(sel.filter);
      if (msg.topic === 'replay') {
        const r = await replay(ids);
        if (r.missing.length) log.warn(`replay: ${r.missing.length} id(s) not found`, { msg, ids: r.missing.join(',') });
        return;
      }
      let removed = 0;
      for (const id of ids) if (await q.discard(id)) removed++;
      log.info(`purged ${removed} dead letter(s)`, { msg });
      await showDepth();
    };

    onInput(node, async (msg) => {
      if ((msg.error === undefined || msg.error === null) && CONTROL_TOPICS.has(msg.topic)) return control(msg);
      let parked;
      try {
        parked = await (await queue()).park(msg, { flow: node.z });
      } catch (err) {
        const fe = toFlowError(err, 'store');
        throw new FlowGuardError(flowError({ ...fe, message: `dead letter not parked (the msg is on this error): ${fe.message}` }));
      }
      metrics.count(node as RuntimeNode & MetricNode, 'parked');
      log.warn(`parked dead letter ${parked.id}`, { msg, code: parked.entry.error.code, attempts: parked.entry.attempts });
      await showDepth().catch(() => undefined);
      const { code, message, service } = parked.entry.error;
      if (alertOnPark) alert('parked', { id: parked.id, error: { code, message, service }, correlationId: parked.entry.correlationId, depth });
      if (depth !== undefined && depth >= threshold && !above) {
        above = true;
        alert('depth', { depth, threshold });
      }
    });

    dlqNodes.set(node.id, { id: node.id, name: node.name, flow: node.z, queue, replay, changed: () => void showDepth().catch(() => undefined) });
    cfg.getStore().then(() => showDepth(), () => undefined).catch(() => undefined);
    node.on('close', (_removed, done) => {
      if (dlqNodes.get(node.id)?.queue === queue) dlqNodes.delete(node.id);
      done();
    });
  }

  RED.nodes.registerType('fg-dead-letter', FgDeadLetter);
};
