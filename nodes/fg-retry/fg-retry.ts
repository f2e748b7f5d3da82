import { createLogger } from '../../lib/ops/log';
import { CIRCUIT_STATES, metrics, MetricNode } from '../../lib/ops/metrics';
import { DEFAULT_BACKOFF, Jitter } from '../../lib/reliability/backoff';
import { DEFAULT_CIRCUIT } from '../../lib/reliability/circuit';
import { errorOf, parseCodeList } from '../../lib/reliability/classify';
import { flowError, FlowGuardError, toFlowError } from '../../lib/reliability/errors';
import { RetryScheduler } from '../../lib/reliability/retry';
import { Msg, onInput, onOutput, RuntimeNode, status } from '../shared/node-io';
import { startPoller } from '../shared/poller';
import { useStore } from '../shared/store-node';

interface RetryDef {
  id: string;
  name?: string;
  store?: string;
  maxAttempts?: string | number;
  baseMs?: string | number;
  factor?: string | number;
  capMs?: string | number;
  jitter?: Jitter;
  retryableCodes?: string;
  permanentCodes?: string;
  circuit?: boolean;
  circuitKeyType?: 'service' | 'msg' | 'fixed';
  circuitKey?: string;
  threshold?: string | number;
  cooldownSeconds?: string | number;
  failureWindowSeconds?: string | number;
  pollMs?: string | number;
  leaseSeconds?: string | number;
}

const OUTPUTS = 2;
const RETRY = 0;
const EXHAUSTED = 1;
/** How many due retries one poll emits at most; the rest follow on the next poll. */
const BATCH = 50;

export = function (RED: any) {
  function FgRetry(this: RuntimeNode, def: RetryDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const log = createLogger(node);
    const circuitOn = def.circuit !== false;
    const cooldownMs = num(def.cooldownSeconds, DEFAULT_CIRCUIT.cooldownMs / 1000) * 1000;
    const opts = {
      maxAttempts: Math.floor(num(def.maxAttempts, 5, true)),
      backoff: { baseMs: num(def.baseMs, DEFAULT_BACKOFF.baseMs), factor: num(def.factor, DEFAULT_BACKOFF.factor), capMs: num(def.capMs, DEFAULT_BACKOFF.capMs), jitter: def.jitter ?? DEFAULT_BACKOFF.jitter },
      classify: { retryableCodes: parseCodeList(def.retryableCodes), permanentCodes: parseCodeList(def.permanentCodes) },
      circuit: circuitOn ? {
        threshold: Math.floor(num(def.threshold, DEFAULT_CIRCUIT.threshold)),
        cooldownMs,
        probeWindowMs: cooldownMs,
        failureWindowMs: num(def.failureWindowSeconds, DEFAULT_CIRCUIT.failureWindowMs / 1000) * 1000,
      } : undefined,
      leaseMs: num(def.leaseSeconds, 30) * 1000,
    };
    const pollMs = num(def.pollMs, 250);
    const STATUS_EVERY_MS = 1000;
    let pending = 0;
    let lastCircuit: { key: string; state: string } | undefined;
    let lastStatus = '';
    const render = () => `${pending} pending${lastCircuit && lastCircuit.state !== 'closed' ? `, circuit ${lastCircuit.key} ${lastCircuit.state}` : ''}`;
    const cfg = useStore(RED, node, def.store, render);
    let opening: Promise<RetryScheduler> | undefined;
    const getScheduler = () => (opening ??= cfg.getStore().then((store) => new RetryScheduler(store, `retry:${node.id}`, opts)));

    const circuitKeyOf = (msg: Msg): string | undefined => {
      if (!circuitOn) return undefined;
      if (def.circuitKeyType === 'fixed') return def.circuitKey || undefined;
      if (def.circuitKeyType === 'msg') {
        const v = RED.util.getMessageProperty(msg, def.circuitKey || 'topic');
        return v === undefined || v === null || v === '' ? undefined : String(v);
      }
      return errorOf(msg).service;
    };

    const showStatus = async () => {
      try {
        const s = await getScheduler();
        pending = await s.pending();
        if (lastCircuit && s.breaker) lastCircuit.state = await s.breaker.state(lastCircuit.key);
        metrics.gauge(node as RuntimeNode & MetricNode, 'pending_retries', pending);
        if (lastCircuit) metrics.gauge(node as RuntimeNode & MetricNode, 'circuit_state', (CIRCUIT_STATES as readonly string[]).indexOf(lastCircuit.state));
        const text = render();
        // Sent to the editor only when it changes: the poller calls this every few hundred ms while retries wait.
        if (cfg.state === 'connected' && text !== lastStatus) (lastCircuit?.state === 'open' ? status.warn : status.ok)(node, text);
        lastStatus = text;
      } catch {
        // the store-config status already says what is wrong
      }
    };

    onInput(node, async (msg, send) => {
      const hasError = msg.error !== undefined && msg.error !== null;
      const s = await getScheduler().catch((err) => {
        throw new FlowGuardError({ ...toFlowError(err, 'store'), message: `retry not scheduled, store unavailable: ${(err as Error).message}` });
      });
      if (!hasError) {
        // A msg without an error is a success report for its circuit (wire the operation's success path here too).
        const key = (msg.retry?.circuit as string | undefined) ?? (def.circuitKeyType === 'fixed' ? def.circuitKey : undefined);
        if (key) await s.onSuccess(key);
        else log.debug('msg without msg.error and without a circuit: nothing to do', { msg });
        return;
      }
      let outcome;
      try {
        outcome = await s.onFailure(msg, circuitKeyOf(msg));
      } catch (err) {
        const fe = toFlowError(err, 'store');
        throw new FlowGuardError(flowError({ ...fe, message: `retry not scheduled: ${fe.message}` }));
      }
      if (outcome.kind === 'scheduled') {
        metrics.count(node as RuntimeNode & MetricNode, 'retries_scheduled');
        if (msg.retry.circuit) lastCircuit = { key: msg.retry.circuit, state: outcome.circuit };
        log.debug(`retry ${outcome.attempt} scheduled`, { msg, dueAt: new Date(outcome.dueAt).toISOString(), circuit: outcome.circuit });
      } else {
        log.warn(`retry ${outcome.kind}: ${msg.retry.history[msg.retry.history.length - 1]?.code}`, { msg, attempts: msg.retry.attempt });
        send(onOutput(EXHAUSTED, OUTPUTS, outcome.msg));
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
      everyMs: pollMs,
      maxBackoffMs: Math.max(pollMs, 5000),
      ready: () => cfg.state === 'connected',
      storeNode: cfg,
      round: async () => {
        const s = await getScheduler();
        const due = await s.takeDue(BATCH);
        for (const msg of due) node.send(onOutput(RETRY, OUTPUTS, msg));
        if ((due.length || pending || statusStale) && Date.now() >= nextStatusAt) {
          statusStale = false;
          nextStatusAt = Date.now() + STATUS_EVERY_MS;
          await showStatus();
        }
        lastPollError = undefined;
      },
      onError: (err) => {
        // Once per distinct error, not every poll: a store outage would otherwise flood the log.
        const text = (err as Error).message;
        if (text !== lastPollError) log.warn(`retry poll failed: ${text}`, { code: (err as { code?: string }).code });
        lastPollError = text;
      },
    });
    cfg.getStore().then(() => void showStatus(), () => undefined);
  }

  RED.nodes.registerType('fg-retry', FgRetry);
};

function num(value: unknown, fallback: number, allowZero = false): number {
  if (value === '' || value === undefined || value === null) return fallback;
  const n = Number(value);
  return Number.isFinite(n) && (n > 0 || (allowZero && n === 0)) ? n : fallback;
}
