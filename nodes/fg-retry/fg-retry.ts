import { CIRCUIT_STATES, metrics } from '../../lib/ops/metrics';
import { DEFAULT_BACKOFF } from '../../lib/reliability/backoff';
import { DEFAULT_CIRCUIT } from '../../lib/reliability/circuit';
import { errorOf } from '../../lib/reliability/classify';
import { flowError, FlowGuardError, toFlowError } from '../../lib/reliability/errors';
import { RetryScheduler } from '../../lib/reliability/retry';
import { boolean, duration, list, oneOf, positiveInt, positiveNumber, text, wholeNumber } from '../../lib/settings';
import { defineNode, Msg } from '../shared/kit';
import { startPoller } from '../shared/poller';
import { onStore, STORE } from '../shared/store-node';

const RETRY = 0;
const EXHAUSTED = 1;
/** How many due retries one poll emits at most; the rest follow on the next poll. */
const BATCH = 50;
const STATUS_EVERY_MS = 1000;

export = defineNode('fg-retry', {
  settings: {
    maxAttempts: wholeNumber(5),
    baseMs: duration(DEFAULT_BACKOFF.baseMs, 'ms'),
    factor: positiveNumber(DEFAULT_BACKOFF.factor),
    capMs: duration(DEFAULT_BACKOFF.capMs, 'ms'),
    jitter: oneOf(['full', 'equal', 'none'], DEFAULT_BACKOFF.jitter),
    retryableCodes: list([], 'words'),
    permanentCodes: list([], 'words'),
    circuit: boolean(true),
    circuitKeyType: oneOf(['service', 'msg', 'fixed'], 'service'),
    circuitKey: text(),
    threshold: positiveInt(DEFAULT_CIRCUIT.threshold),
    cooldownMs: duration(DEFAULT_CIRCUIT.cooldownMs / 1000, 's', { property: 'cooldownSeconds' }),
    failureWindowMs: duration(DEFAULT_CIRCUIT.failureWindowMs / 1000, 's', { property: 'failureWindowSeconds' }),
    pollMs: duration(250, 'ms'),
    leaseMs: duration(30, 's', { property: 'leaseSeconds' }),
  },
  configs: { store: STORE },
  outputs: 2,
  setup(kit) {
    const { RED, node, settings: s, config, log, status, onInput, output } = kit;
    const opts = {
      maxAttempts: s.maxAttempts,
      backoff: { baseMs: s.baseMs, factor: s.factor, capMs: s.capMs, jitter: s.jitter },
      classify: { retryableCodes: s.retryableCodes, permanentCodes: s.permanentCodes },
      circuit: s.circuit ? { threshold: s.threshold, cooldownMs: s.cooldownMs, probeWindowMs: s.cooldownMs, failureWindowMs: s.failureWindowMs } : undefined,
      leaseMs: s.leaseMs,
    };
    let pending = 0;
    let lastCircuit: { key: string; state: string } | undefined;
    let lastStatus = '';
    const render = () => `${pending} pending${lastCircuit && lastCircuit.state !== 'closed' ? `, circuit ${lastCircuit.key} ${lastCircuit.state}` : ''}`;
    const scheduler = onStore(kit, config.store, (store) => new RetryScheduler(store, `retry:${node.id}`, opts), render);

    const circuitKeyOf = (msg: Msg): string | undefined => {
      if (!s.circuit) return undefined;
      if (s.circuitKeyType === 'fixed') return s.circuitKey || undefined;
      if (s.circuitKeyType === 'msg') {
        const v = RED.util.getMessageProperty(msg, s.circuitKey || 'topic');
        return v === undefined || v === null || v === '' ? undefined : String(v);
      }
      return errorOf(msg).service;
    };

    const showStatus = async () => {
      try {
        const sch = await scheduler();
        pending = await sch.pending();
        if (lastCircuit && sch.breaker) lastCircuit.state = await sch.breaker.state(lastCircuit.key);
        metrics.gauge(node, 'pending_retries', pending);
        if (lastCircuit) metrics.gauge(node, 'circuit_state', (CIRCUIT_STATES as readonly string[]).indexOf(lastCircuit.state));
        const shown = render();
        // Sent to the editor only when it changes: the poller calls this every few hundred ms while retries wait.
        if (config.store.state === 'connected' && shown !== lastStatus) (lastCircuit?.state === 'open' ? status.warn : status.ok)(shown);
        lastStatus = shown;
      } catch {
        // the store-config status already says what is wrong
      }
    };

    onInput(async (msg, send) => {
      const hasError = msg.error !== undefined && msg.error !== null;
      const sch = await scheduler().catch((err) => {
        throw new FlowGuardError({ ...toFlowError(err, 'store'), message: `retry not scheduled, store unavailable: ${(err as Error).message}` });
      });
      if (!hasError) {
        // A msg without an error is a success report for its circuit (wire the operation's success path here too).
        const key = (msg.retry?.circuit as string | undefined) ?? (s.circuitKeyType === 'fixed' ? s.circuitKey || undefined : undefined);
        if (key) await sch.onSuccess(key);
        else log.debug('msg without msg.error and without a circuit: nothing to do', { msg });
        return;
      }
      let outcome;
      try {
        outcome = await sch.onFailure(msg, circuitKeyOf(msg));
      } catch (err) {
        const fe = toFlowError(err, 'store');
        throw new FlowGuardError(flowError({ ...fe, message: `retry not scheduled: ${fe.message}` }));
      }
      if (outcome.kind === 'scheduled') {
        metrics.count(node, 'retries_scheduled');
        if (msg.retry.circuit) lastCircuit = { key: msg.retry.circuit, state: outcome.circuit };
        log.debug(`retry ${outcome.attempt} scheduled`, { msg, dueAt: new Date(outcome.dueAt).toISOString(), circuit: outcome.circuit });
      } else {
        log.warn(`retry ${outcome.kind}: ${msg.retry.history[msg.retry.history.length - 1]?.code}`, { msg, attempts: msg.retry.attempt });
        send(output(EXHAUSTED, outcome.msg));
      }
      // Counting the schedule costs a store query; the poller refreshes the status at most once a second instead.
      statusStale = true;
    });

    // One poller per node: takes due retries with a lease, acks, then emits. Close waits for a round in progress,
    // so a retry that was acked is always emitted. Instances sharing the store share the schedule: each due retry
    // is taken by one of them, so no leader is needed.
    let lastPollError: string | undefined;
    let statusStale = false;
    let nextStatusAt = 0;
    startPoller(node, {
      everyMs: s.pollMs,
      maxBackoffMs: Math.max(s.pollMs, 5000),
      ready: () => config.store.state === 'connected',
      storeNode: config.store,
      round: async () => {
        const due = await (await scheduler()).takeDue(BATCH);
        for (const msg of due) node.send(output(RETRY, msg));
        if ((due.length || pending || statusStale) && Date.now() >= nextStatusAt) {
          statusStale = false;
          nextStatusAt = Date.now() + STATUS_EVERY_MS;
          await showStatus();
        }
        lastPollError = undefined;
      },
      onError: (err) => {
        // Once per distinct error, not every poll: a store outage would otherwise flood the log.
        const message = (err as Error).message;
        if (message !== lastPollError) log.warn(`retry poll failed: ${message}`, { code: (err as { code?: string }).code });
        lastPollError = message;
      },
    });
    scheduler().then(() => void showStatus(), () => undefined);
  },
});
