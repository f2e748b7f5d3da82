/**
 * The FlowGuard metrics registry: per node instance counters, histograms and gauges in a prom-client Registry of
 * our own (never the global one, so other packs cannot clash with us), plus plain-object totals the dashboard
 * reads without parsing Prometheus text, and per-minute buckets for the last hour's charts.
 *
 * Nodes call `metrics.count(node, 'duplicates')`, `metrics.gauge(node, 'dlq_depth', n)`,
 * `metrics.observe(node, 'call_seconds', s)`; received / sent / errors come from the ops plugin's message hooks.
 */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the registry needs of a node: Node-RED runtime nodes have all of it. */
export interface MetricNode {
  id: string;
  type: string;
  name?: string;
  z?: string;
}

export const COUNTERS = ['received', 'sent', 'errors', 'retries_scheduled', 'duplicates', 'conflicts', 'parked', 'replayed'] as const;
export type CounterName = (typeof COUNTERS)[number];

/** circuit_state: 0 closed, 1 half-open, 2 open (see CIRCUIT_STATES). */
export const GAUGES = ['dlq_depth', 'pending_retries', 'circuit_state', 'salesforce_api_usage_percent', 'stripe_rate_headroom', 'events_in_flight', 'events_per_minute'] as const;
export type GaugeName = (typeof GAUGES)[number];

export const HISTOGRAMS = ['call_seconds', 'handle_seconds'] as const;
export type HistogramName = (typeof HISTOGRAMS)[number];

export const CIRCUIT_STATES = ['closed', 'half-open', 'open'] as const;

const HELP: Record<CounterName | GaugeName | HistogramName, string> = {
  received: 'Messages received by the node',
  sent: 'Messages sent by the node',
  errors: 'Errors reported by the node (Catch or error output), by error code',
  retries_scheduled: 'Retries scheduled by the node',
  duplicates: 'Duplicate messages stopped by the node',
  conflicts: 'Conflicts (in-flight claims held elsewhere) seen by the node',
  parked: 'Messages parked in the dead-letter queue',
  replayed: 'Dead letters replayed',
  dlq_depth: 'Entries in the dead-letter queue',
  pending_retries: 'Retries scheduled and not yet due or done',
  circuit_state: 'Circuit breaker state: 0 closed, 1 half-open, 2 open',
  salesforce_api_usage_percent: 'Salesforce daily API requests used, percent of the allocation',
  stripe_rate_headroom: 'Stripe requests that may still start in the current second (client-side throttle)',
  events_in_flight: 'Salesforce Pub/Sub events received and not yet finished by the flow',
  events_per_minute: 'Salesforce Pub/Sub events finished by the flow in the last minute',
  call_seconds: 'Service call latency in seconds',
  handle_seconds: 'Time from a message entering the node to its done(), in seconds',
};

const LABELS = ['node', 'type', 'name', 'flow'] as const;
type Labels = Record<(typeof LABELS)[number], string>;

export interface NodeMetrics {
  id: string;
  type: string;
  name: string;
  flow: string;
  counters: Record<CounterName, number>;
  errorsByCode: Record<string, number>;
  gauges: Partial<Record<GaugeName, number>>;
  /** count and sum of each histogram, for averages */
  timings: Partial<Record<HistogramName, { count: number; sum: number }>>;
  lastError?: { code: string; at: number };
  updatedAt: number;
}

export interface MinuteBucket {
  /** epoch ms of the minute's start */
  at: number;
  received: number;
  sent: number;
  errors: number;
}

const MINUTE = 60_000;
const HISTORY_MINUTES = 60;

export function zeroCounters(): Record<CounterName, number> {
  return Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<CounterName, number>;
}

/** The Prometheus side of the registry: prom-client and its metric objects, made when the first number is recorded. */
interface PromMetrics {
  registry: Registry;
  counters: Map<CounterName, Counter<string>>;
  gauges: Map<GaugeName, Gauge<string>>;
  histograms: Map<HistogramName, Histogram<string>>;
}

function createPromMetrics(): PromMetrics {
  // Loaded on first use: a Node-RED whose flows pass no message through FlowGuard nodes never loads prom-client
  // (and the OpenTelemetry API it pulls in).
  const prom = require('prom-client') as typeof import('prom-client');
  const registry = new prom.Registry();
  const counters = new Map<CounterName, Counter<string>>();
  const gauges = new Map<GaugeName, Gauge<string>>();
  const histograms = new Map<HistogramName, Histogram<string>>();
  for (const c of COUNTERS) {
    const labelNames = c === 'errors' ? [...LABELS, 'code'] : [...LABELS];
    counters.set(c, new prom.Counter({ name: `flowguard_${c}_total`, help: HELP[c], labelNames, registers: [registry] }));
  }
  for (const g of GAUGES) gauges.set(g, new prom.Gauge({ name: `flowguard_${g}`, help: HELP[g], labelNames: [...LABELS], registers: [registry] }));
  const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  for (const h of HISTOGRAMS) {
    histograms.set(h, new prom.Histogram({ name: `flowguard_${h.replace(/_seconds$/, '_duration_seconds')}`, help: HELP[h], labelNames: [...LABELS], buckets, registers: [registry] }));
  }
  return { registry, counters, gauges, histograms };
}

export class FlowGuardMetrics {
  private promMetrics?: PromMetrics;
  private readonly nodes = new Map<string, NodeMetrics>();
  private readonly labelsOf = new Map<string, Labels>();
  private readonly codesOf = new Map<string, Set<string>>();
  private readonly buckets: MinuteBucket[] = [];
  /** increases with every change, so the plugin publishes only when something moved */
  version = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** prom-client's registry of FlowGuard's metrics (created on first use). */
  get registry(): Registry {
    return this.prom().registry;
  }

  private prom(): PromMetrics {
    return (this.promMetrics ??= createPromMetrics());
  }

  /** Adds `by` (default 1) to a counter; `errors` takes the error code. */
  count(node: MetricNode, name: CounterName, by = 1, code?: string): void {
    if (!(by > 0)) return;
    const entry = this.entry(node);
    const labels = this.labels(node);
    if (name === 'errors') {
      const c = code || 'UNKNOWN';
      this.prom().counters.get('errors')!.inc({ ...labels, code: c }, by);
      this.codesOf.get(node.id)!.add(c);
      entry.errorsByCode[c] = (entry.errorsByCode[c] ?? 0) + by;
      entry.lastError = { code: c, at: this.now() };
    } else {
      this.prom().counters.get(name)!.inc(labels, by);
    }
    entry.counters[name] += by;
    if (name === 'received' || name === 'sent' || name === 'errors') this.bucket()[name] += by;
    this.touch(entry);
  }

  gauge(node: MetricNode, name: GaugeName, value: number): void {
    if (!Number.isFinite(value)) return;
    const entry = this.entry(node);
    this.prom().gauges.get(name)!.set(this.labels(node), value);
    if (entry.gauges[name] === value) return;
    entry.gauges[name] = value;
    this.touch(entry);
  }

  observe(node: MetricNode, name: HistogramName, seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    const entry = this.entry(node);
    this.prom().histograms.get(name)!.observe(this.labels(node), seconds);
    const t = (entry.timings[name] ??= { count: 0, sum: 0 });
    t.count++;
    t.sum += seconds;
    this.touch(entry);
  }

  /** Observes how long `call` takes as the node's call_seconds (failures too) and passes its result on. */
  async timeCall<T>(node: MetricNode, call: Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await call;
    } finally {
      this.observe(node, 'call_seconds', (performance.now() - started) / 1000);
    }
  }

  /** Drops a node's series (it was removed from the flows). */
  forget(nodeId: string): void {
    const labels = this.labelsOf.get(nodeId);
    if (!labels) return;
    const prom = this.promMetrics;
    if (prom) {
      for (const [name, counter] of prom.counters) {
        if (name === 'errors') for (const code of this.codesOf.get(nodeId) ?? []) counter.remove({ ...labels, code });
        else counter.remove(labels);
      }
      for (const g of prom.gauges.values()) g.remove(labels);
      for (const h of prom.histograms.values()) h.remove(labels);
    }
    this.labelsOf.delete(nodeId);
    this.codesOf.delete(nodeId);
    this.nodes.delete(nodeId);
    this.version++;
  }

  /** Node ids the registry holds. */
  nodeIds(): string[] {
    return [...this.nodes.keys()];
  }

  /** A deep copy of every node's numbers, for the dashboard. */
  snapshot(): NodeMetrics[] {
    return [...this.nodes.values()].map((n) => structuredClone(n));
  }

  /** One bucket per minute of the last hour, oldest first, minutes without traffic included as zeros. */
  history(): MinuteBucket[] {
    const current = Math.floor(this.now() / MINUTE) * MINUTE;
    const byMinute = new Map(this.buckets.map((b) => [b.at, b]));
    const out: MinuteBucket[] = [];
    for (let i = HISTORY_MINUTES - 1; i >= 0; i--) {
      const at = current - i * MINUTE;
      const b = byMinute.get(at);
      out.push(b ? { ...b } : { at, received: 0, sent: 0, errors: 0 });
    }
    return out;
  }

  /** Prometheus text exposition of every FlowGuard metric. */
  metrics(): Promise<string> {
    return this.prom().registry.metrics();
  }

  /** Forgets everything (tests). */
  reset(): void {
    for (const id of [...this.labelsOf.keys()]) this.forget(id);
    this.promMetrics?.registry.resetMetrics();
    this.buckets.length = 0;
  }

  private entry(node: MetricNode): NodeMetrics {
    let entry = this.nodes.get(node.id);
    const name = node.name ?? '';
    const flow = node.z ?? '';
    if (entry && (entry.name !== name || entry.flow !== flow || entry.type !== node.type)) {
      // Renamed or moved: its series are labelled by the old values, so start them again.
      this.forget(node.id);
      entry = undefined;
    }
    if (!entry) {
      entry = { id: node.id, type: node.type, name, flow, counters: zeroCounters(), errorsByCode: {}, gauges: {}, timings: {}, updatedAt: this.now() };
      this.nodes.set(node.id, entry);
      this.labelsOf.set(node.id, { node: node.id, type: node.type, name, flow });
      this.codesOf.set(node.id, new Set());
    }
    return entry;
  }

  private labels(node: MetricNode): Labels {
    return this.labelsOf.get(node.id)!;
  }

  private touch(entry: NodeMetrics): void {
    entry.updatedAt = this.now();
    this.version++;
  }

  private bucket(): MinuteBucket {
    const at = Math.floor(this.now() / MINUTE) * MINUTE;
    let last = this.buckets[this.buckets.length - 1];
    if (!last || last.at !== at) {
      last = { at, received: 0, sent: 0, errors: 0 };
      this.buckets.push(last);
      while (this.buckets.length && this.buckets[0].at <= at - HISTORY_MINUTES * MINUTE) this.buckets.shift();
    }
    return last;
  }
}

/** The one registry of the runtime: every node and the ops plugin load this module from the same dist/. */
export const metrics = new FlowGuardMetrics();
