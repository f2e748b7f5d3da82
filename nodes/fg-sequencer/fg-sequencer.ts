import { createLogger } from '../../lib/ops/log';
import { toStorableMsg } from '../../lib/reliability/canonical';
import { flowError, FlowGuardError, toFlowError } from '../../lib/reliability/errors';
import { DurableSequencer } from '../../lib/reliability/sequencer';
import { ErrorRouting, Msg, onInput, onOutput, routeError, status } from '../shared/node-io';
import { startPoller } from '../shared/poller';
import { useStore } from '../shared/store-node';

interface SequencerDef {
  id: string;
  name?: string;
  store?: string;
  key?: string;
  concurrency?: string | number;
  timeoutSeconds?: string | number;
  maxQueued?: string | number;
  pollMs?: string | number;
  errorRouting?: ErrorRouting;
}

const OUTPUTS = 2;
const GO = 0;
const ERROR_OUTPUT = 1;

export = function (RED: any) {
  function FgSequencer(this: any, def: SequencerDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const log = createLogger(node);
    const keyPath = def.key?.trim() || 'topic';
    const positive = (v: unknown, d: number) => (Number(v) > 0 ? Number(v) : d);
    const timeoutMs = positive(def.timeoutSeconds, 60) * 1000;
    const pollMs = positive(def.pollMs, 250);
    const opts = {
      concurrency: Math.floor(positive(def.concurrency, 25)),
      timeoutMs,
      maxQueued: Math.floor(positive(def.maxQueued, 10_000)),
      leaderTtlMs: Math.max(2000, pollMs * 10),
    };
    let shown = '';
    const cfg = useStore(RED, node, def.store, () => shown || 'connected');
    // One instance per node: it holds the leader claim's token.
    let seq: DurableSequencer | undefined;
    let seqOpening: Promise<DurableSequencer> | undefined;
    const getSeq = () => (seqOpening ??= cfg.getStore().then((store) => (seq = new DurableSequencer(store, `seq:${node.id}`, opts))));
    // Enqueues one at a time, so msgs of this instance keep their arrival order (sequence number and visibility agree).
    let enqueuing: Promise<unknown> = Promise.resolve();

    // The status is sent to the editor only when it changes (the loop runs every few hundred ms).
    let lastShown = '';
    const show = async () => {
      const s = await (await getSeq()).stats();
      shown = `${s.inFlight} in flight, ${s.queued} queued`;
      if (cfg.state !== 'connected' || shown === lastShown) return;
      lastShown = shown;
      (s.queued > 0 ? status.busy : status.ok)(node, shown);
    };

    // One loop per node: start what may start, time out what is stuck. Input and releases also run it at once.
    let lastError: string | undefined;
    const step = async () => {
      const s = await getSeq();
      for (const t of await s.timedOut()) {
        const message = `key "${t.key}" was not released within ${timeoutMs / 1000} s: it is free again for the next msg`;
        log.warn(message, { msg: t.msg, code: 'SEQUENCER_TIMEOUT' });
        const err = routeError(node, def.errorRouting, t.msg, (m) => node.send(m), flowError({ message, code: 'SEQUENCER_TIMEOUT' }), ERROR_OUTPUT, OUTPUTS);
        if (err) node.error(err, t.msg);
      }
      for (const started of await s.startDue()) {
        started.msg.sequencer = { node: node.id, key: started.key, token: started.token };
        node.send(onOutput(GO, OUTPUTS, started.msg));
      }
      await show();
    };
    // Requests while a step runs make one more step afterwards (the poller serialises them).
    const poller = startPoller(node, {
      everyMs: pollMs,
      maxBackoffMs: Math.max(pollMs, 5000),
      ready: () => cfg.state === 'connected',
      round: async () => {
        await step();
        lastError = undefined;
      },
      onError: (err) => {
        const text = (err as Error).message;
        if (text !== lastError) log.warn(`sequencer step failed: ${text}`, { code: (err as { code?: string }).code });
        lastError = text;
      },
    });
    const run = (): void => poller.trigger();

    onInput(node, async (msg: Msg) => {
      const storeDown = (err: unknown) => {
        const fe = toFlowError(err, 'store');
        return new FlowGuardError(flowError({ ...fe, message: `sequencer: ${fe.message}` }));
      };
      const s = await getSeq().catch((err: unknown) => { throw storeDown(err); });
      if (msg.sequencer && msg.sequencer.node === node.id) {
        // A msg that left this node and came back: it frees its key.
        const { key, token } = msg.sequencer;
        delete msg.sequencer;
        const freed = await s.release(String(key), String(token)).catch((err) => { throw storeDown(err); });
        if (!freed) log.debug('release of a key no longer held (timed out?)', { msg, key });
        run();
        return;
      }
      const raw = RED.util.getMessageProperty(msg, keyPath);
      if (raw === undefined || raw === null || raw === '') {
        throw new FlowGuardError(flowError({ message: `no sequencing key: msg.${keyPath} is missing`, code: 'SEQUENCER_KEY_MISSING' }));
      }
      const { msg: stored } = toStorableMsg(msg, [['idempotency', 'token']]);
      const enqueue = enqueuing.then(() => s.enqueue(String(raw), stored));
      enqueuing = enqueue.catch(() => undefined);
      const queued = await enqueue.catch((err) => { throw storeDown(err); });
      if (!queued) throw new FlowGuardError(flowError({ message: `sequencer queue is full (${opts.maxQueued}): msg not queued`, code: 'SEQUENCER_FULL', retryable: true }));
      run();
    });

    // After the last step, leadership is given up so another instance (or the next deploy) takes over at once.
    node.on('close', (_removed: boolean, done: () => void) => {
      const stopping = poller.stop().then(() => seq?.stop());
      cfg.holdOpen(stopping);
      stopping.then(() => done(), () => done());
    });
  }

  RED.nodes.registerType('fg-sequencer', FgSequencer);
};
