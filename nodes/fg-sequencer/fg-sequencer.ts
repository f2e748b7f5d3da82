import { toStorableMsg } from '../../lib/reliability/canonical';
import { flowError, FlowGuardError, toFlowError } from '../../lib/reliability/errors';
import { DurableSequencer } from '../../lib/reliability/sequencer';
import { duration, oneOf, positiveInt, text } from '../../lib/settings';
import { defineNode } from '../shared/kit';
import { ERROR_ROUTINGS } from '../shared/node-io';
import { startPoller } from '../shared/poller';
import { onStore, STORE } from '../shared/store-node';

const GO = 0;

export = defineNode('fg-sequencer', {
  settings: {
    key: text('topic'),
    concurrency: positiveInt(25),
    timeoutMs: duration(60, 's', { property: 'timeoutSeconds' }),
    maxQueued: positiveInt(10_000),
    pollMs: duration(250, 'ms'),
    errorRouting: oneOf(ERROR_ROUTINGS, 'auto'),
  },
  configs: { store: STORE },
  outputs: 2,
  errorOutput: 1,
  setup(kit) {
    const { RED, node, settings: s, config, log, status, onInput, report, output, onClose } = kit;
    const opts = { concurrency: s.concurrency, timeoutMs: s.timeoutMs, maxQueued: s.maxQueued, leaderTtlMs: Math.max(2000, s.pollMs * 10) };
    let shown = '';
    // One instance per node: it holds the leader claim's token.
    const sequencer = onStore(kit, config.store, (store) => new DurableSequencer(store, `seq:${node.id}`, opts), () => shown || 'connected');
    // Enqueues one at a time, so msgs of this instance keep their arrival order (sequence number and visibility agree).
    let enqueuing: Promise<unknown> = Promise.resolve();

    // The status is sent to the editor only when it changes (the loop runs every few hundred ms).
    let lastShown = '';
    const show = async () => {
      const stats = await (await sequencer()).stats();
      shown = `${stats.inFlight} in flight, ${stats.queued} queued`;
      if (config.store.state !== 'connected' || shown === lastShown) return;
      lastShown = shown;
      (stats.queued > 0 ? status.busy : status.ok)(shown);
    };

    // One loop per node: start what may start, time out what is stuck. Input and releases also run it at once.
    let lastError: string | undefined;
    const step = async () => {
      const seq = await sequencer();
      for (const t of await seq.timedOut()) {
        const message = `key "${t.key}" was not released within ${s.timeoutMs / 1000} s: it is free again for the next msg`;
        log.warn(message, { msg: t.msg, code: 'SEQUENCER_TIMEOUT' });
        report(t.msg, flowError({ message, code: 'SEQUENCER_TIMEOUT' }));
      }
      for (const started of await seq.startDue()) {
        started.msg.sequencer = { node: node.id, key: started.key, token: started.token };
        node.send(output(GO, started.msg));
      }
      await show();
    };
    // Requests while a step runs make one more step afterwards (the poller serialises them).
    const poller = startPoller(node, {
      everyMs: s.pollMs,
      maxBackoffMs: Math.max(s.pollMs, 5000),
      ready: () => config.store.state === 'connected',
      round: async () => {
        await step();
        lastError = undefined;
      },
      onError: (err) => {
        const message = (err as Error).message;
        if (message !== lastError) log.warn(`sequencer step failed: ${message}`, { code: (err as { code?: string }).code });
        lastError = message;
      },
    });
    const run = (): void => poller.trigger();

    const storeDown = (err: unknown) => {
      const fe = toFlowError(err, 'store');
      return new FlowGuardError(flowError({ ...fe, message: `sequencer: ${fe.message}` }));
    };

    onInput(async (msg) => {
      const seq = await sequencer().catch((err: unknown) => { throw storeDown(err); });
      if (msg.sequencer && msg.sequencer.node === node.id) {
        // A msg that left this node and came back: it frees its key.
        const { key, token } = msg.sequencer;
        delete msg.sequencer;
        const freed = await seq.release(String(key), String(token)).catch((err: unknown) => { throw storeDown(err); });
        if (!freed) log.debug('release of a key no longer held (timed out?)', { msg, key });
        run();
        return;
      }
      const raw = RED.util.getMessageProperty(msg, s.key);
      if (raw === undefined || raw === null || raw === '') {
        throw new FlowGuardError(flowError({ message: `no sequencing key: msg.${s.key} is missing`, code: 'SEQUENCER_KEY_MISSING' }));
      }
      const { msg: stored } = toStorableMsg(msg, [['idempotency', 'token']]);
      const enqueue = enqueuing.then(() => seq.enqueue(String(raw), stored));
      enqueuing = enqueue.catch(() => undefined);
      const queued = await enqueue.catch((err: unknown) => { throw storeDown(err); });
      if (!queued) throw new FlowGuardError(flowError({ message: `sequencer queue is full (${s.maxQueued}): msg not queued`, code: 'SEQUENCER_FULL', retryable: true }));
      run();
    });

    // After the last step, leadership is given up so another instance (or the next deploy) takes over at once.
    onClose(() => {
      const stopping = poller.stop().then(() => sequencer.ready()?.stop());
      config.store.holdOpen(stopping);
      return stopping;
    });
  },
});
