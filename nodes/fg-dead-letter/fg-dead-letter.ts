import { metrics } from '../../lib/ops/metrics';
import { DeadLetterQueue, ReplayLease, parseSelection } from '../../lib/reliability/dead-letter';
import { flowError, FlowGuardError, toFlowError } from '../../lib/reliability/errors';
import { boolean, duration, list, positiveInt } from '../../lib/settings';
import { defineNode, Msg } from '../shared/kit';
import { Poller, startPoller } from '../shared/poller';
import { onStore, STORE } from '../shared/store-node';
import { dlqNodes, registerAdminApi } from './admin-api';

const REPLAY = 0;
const ALERT = 1;
const CONTROL_TOPICS = new Set(['replay', 'purge', 'stats']);

/** "15 min", "90 s": an interval for the status. */
const minutes = (ms: number): string => (ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`);

export = defineNode('fg-dead-letter', {
  settings: {
    alertOnPark: boolean(true),
    alertThreshold: positiveInt(100),
    alertIntervalMs: duration(60, 's', { property: 'alertIntervalSeconds', allowZero: true }),
    /** how long a replay may take before it counts as interrupted and is sent again */
    replayLeaseMs: duration(60, 's', { property: 'replayLeaseSeconds' }),
    /** scheduled replays (off by default), on one instance at a time among those sharing the store */
    autoReplay: boolean(false),
    autoReplayMs: duration(15, 'min', { property: 'autoReplayMinutes' }),
    /** only entries with one of these error codes (empty: any) */
    autoReplayCodes: list([], 'words'),
    /** entries already replayed this many times are left for a person */
    autoReplayMax: positiveInt(3),
  },
  configs: { store: STORE },
  outputs: 2,
  init: registerAdminApi,
  setup(kit) {
    const { node, settings: s, config, log, status, onInput, output, onClose } = kit;
    let depth: number | undefined;
    let above = false;
    let scheduled: Poller | undefined;
    const queue = onStore(kit, config.store, (store) => new DeadLetterQueue(store, `dlq:${node.id}`), () => `depth ${depth ?? '?'}`);

    const showDepth = async () => {
      const now = await (await queue()).depth();
      depth = now;
      metrics.gauge(node, 'dlq_depth', now);
      if (now < s.alertThreshold) above = false;
      if (config.store.state !== 'connected') return;
      // With scheduled replays, the status says which instance runs them.
      const role = !scheduled ? '' : scheduled.leading ? ` · replays every ${minutes(s.autoReplayMs)}` : ' · standby';
      (now >= s.alertThreshold ? status.warn : scheduled && !scheduled.leading ? status.idle : status.ok)(`depth ${now}${role}`);
    };

    // Alerts are rate-limited per kind; parked alerts count what they held back.
    const lastAlert = { parked: 0, depth: 0 };
    let suppressed = 0;
    const alert = (kind: 'parked' | 'depth', payload: Record<string, unknown>) => {
      const now = Date.now();
      if (now - lastAlert[kind] < s.alertIntervalMs) {
        if (kind === 'parked') suppressed++;
        return;
      }
      lastAlert[kind] = now;
      const extra = kind === 'parked' ? { suppressed } : {};
      if (kind === 'parked') suppressed = 0;
      node.send(output(ALERT, { topic: `dlq.${kind}`, payload: { node: node.id, name: node.name ?? '', ...payload, ...extra } }));
    };

    // At least once: each entry is sent, then acknowledged (removed). If the process dies in between, the entry
    // stays parked and its replay is sent again once the lease has ended (`recover`).
    const sendAll = async (q: DeadLetterQueue, leases: ReplayLease[]) => {
      for (const lease of leases) {
        node.send(output(REPLAY, lease.msg));
        await q.ack(lease);
      }
      metrics.count(node, 'replayed', leases.length);
      if (leases.length) log.info(`replayed ${leases.length} dead letter(s)`, { ids: leases.map((l) => l.id).join(',') });
      await showDepth().catch(() => undefined);
    };

    const replay = async (ids: string[]) => {
      const q = await queue();
      const { taken, missing } = await q.take(ids, s.replayLeaseMs);
      await sendAll(q, taken);
      return { replayed: taken.map((l) => l.id), missing };
    };

    const recover = async () => {
      const q = await queue();
      const leases = await q.takeInterrupted(s.replayLeaseMs);
      if (leases.length) log.warn(`replaying ${leases.length} dead letter(s) again: their replay was interrupted before it was acknowledged`, { ids: leases.map((l) => l.id).join(',') });
      await sendAll(q, leases);
    };

    const control = async (msg: Msg) => {
      const q = await queue();
      if (msg.topic === 'stats') {
        await showDepth();
        node.send(output(ALERT, { ...msg, topic: 'stats', payload: { node: node.id, depth } }));
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

    onInput(async (msg) => {
      if ((msg.error === undefined || msg.error === null) && CONTROL_TOPICS.has(msg.topic)) return control(msg);
      let parked;
      try {
        parked = await (await queue()).park(msg, { flow: node.z });
      } catch (err) {
        const fe = toFlowError(err, 'store');
        throw new FlowGuardError(flowError({ ...fe, message: `dead letter not parked (the msg is on this error): ${fe.message}` }));
      }
      metrics.count(node, 'parked');
      log.warn(`parked dead letter ${parked.id}`, { msg, code: parked.entry.error.code, attempts: parked.entry.attempts });
      await showDepth().catch(() => undefined);
      const { code, message, service } = parked.entry.error;
      if (s.alertOnPark) alert('parked', { id: parked.id, error: { code, message, service }, correlationId: parked.entry.correlationId, depth });
      if (depth !== undefined && depth >= s.alertThreshold && !above) {
        above = true;
        alert('depth', { depth, threshold: s.alertThreshold });
      }
    });

    dlqNodes.set(node.id, { id: node.id, name: node.name, flow: node.z, queue, replay, changed: () => void showDepth().catch(() => undefined) });
    queue().then(() => showDepth(), () => undefined).catch(() => undefined);
    startPoller(node, {
      everyMs: Math.max(1000, s.replayLeaseMs / 2),
      ready: () => config.store.state === 'connected',
      storeNode: config.store,
      round: recover,
      onError: (err) => log.warn(`interrupted replays not checked: ${(err as Error).message}`, { code: 'STORE_UNAVAILABLE' }),
    });
    if (s.autoReplay) {
      // Every interval, the entries that have waited at least that long (and match the codes, and have not been
      // replayed autoReplayMax times) are replayed like a manual replay: taken, sent, acknowledged. One instance
      // among those sharing the store runs this (leader lease); the others show standby and take over when it dies.
      const autoReplay = async () => {
        const q = await queue();
        const ids = await q.ids({ codes: s.autoReplayCodes, before: Date.now() - s.autoReplayMs, replayedFewerThan: s.autoReplayMax });
        if (!ids.length) return;
        const r = await replay(ids);
        if (r.replayed.length) log.info(`scheduled replay: ${r.replayed.length} dead letter(s)`, { ids: r.replayed.join(',') });
      };
      scheduled = startPoller(node, {
        everyMs: s.autoReplayMs,
        ready: () => config.store.state === 'connected',
        storeNode: config.store,
        round: autoReplay,
        onError: (err) => log.warn(`scheduled replay not done: ${(err as Error).message}`, { code: 'STORE_UNAVAILABLE' }),
        single: {
          store: () => config.store.getStore(),
          key: `fg-dead-letter:${node.id}:auto-replay`,
          onLead: () => void showDepth().catch(() => undefined),
          onStandby: () => void showDepth().catch(() => undefined),
        },
      });
    }
    onClose(() => {
      if (dlqNodes.get(node.id)?.queue === queue) dlqNodes.delete(node.id);
    });
  },
});
