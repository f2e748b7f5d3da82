/**
 * Counts received / sent and handling time for every fg- node through Node-RED's messaging hooks, so no node has to
 * report them itself. Errors are not counted here: they are counted where they are routed (`routeError` in
 * nodes/shared/node-io.ts), which also sees errors that reach Catch through node.error(err, msg) and knows each
 * node's error output. Hooks run for every message of the runtime: they return at once for other nodes and never
 * return false (which would stop the message).
 */
import { FlowGuardMetrics, MetricNode } from '../../lib/ops/metrics';

/** In-flight handling start times, by node id + msg id; capped so messages that never complete cannot pile up. */
const MAX_IN_FLIGHT = 10_000;

const LABEL = 'flowguard';

export interface Hooks {
  add(id: string, fn: (event: any) => void): void;
  remove(id: string): void;
}

function isFlowGuard(node: any): node is MetricNode {
  return !!node && typeof node.type === 'string' && node.type.startsWith('fg-');
}

export function errorCode(error: any): string {
  const code = error?.flowError?.code ?? error?.code;
  return typeof code === 'string' && code ? code : 'ERROR';
}

/** Adds the hooks; returns a function that removes them. */
export function addMessageHooks(hooks: Hooks, metrics: FlowGuardMetrics, now: () => number = () => performance.now()): () => void {
  hooks.remove(`*.${LABEL}`); // a previous start (redeploy of the plugin, tests) must not double count
  const started = new Map<string, number>();

  hooks.add(`onReceive.${LABEL}`, (event: any) => {
    const node = event?.destination?.node;
    if (!isFlowGuard(node)) return;
    metrics.count(node, 'received');
    if (started.size >= MAX_IN_FLIGHT) started.delete(started.keys().next().value as string);
    started.set(`${node.id}:${event.msg?._msgid}`, now());
  });

  hooks.add(`onSend.${LABEL}`, (events: any[]) => {
    const seen = new Set<object>();
    for (const event of events) {
      const node = event?.source?.node;
      if (!isFlowGuard(node) || !event.msg || seen.has(event.msg)) continue;
      seen.add(event.msg);
      metrics.count(node, 'sent');
    }
  });

  hooks.add(`onComplete.${LABEL}`, (event: any) => {
    const node = event?.node?.node;
    if (!isFlowGuard(node)) return;
    const key = `${node.id}:${event.msg?._msgid}`;
    const at = started.get(key);
    if (at !== undefined) {
      started.delete(key);
      metrics.observe(node, 'handle_seconds', (now() - at) / 1000);
    }
  });

  return () => {
    hooks.remove(`*.${LABEL}`);
    started.clear();
  };
}
