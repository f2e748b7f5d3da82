/**
 * The dashboard's view of the runtime: every deployed fg- node (config nodes left out) with its label, its flow's
 * name, its last status and its metrics; circuits and Salesforce API usage pulled out; totals, the last hour per
 * minute, and what became of recent dead-letter replays.
 * Built from deployed flow configs, never from credentials, and redacted before it leaves the runtime.
 */
import { CIRCUIT_STATES, FlowGuardMetrics, MinuteBucket, NodeMetrics, zeroCounters } from '../../lib/ops/metrics';
import { redactName, redactValue } from '../../lib/ops/redact';
import { ReplayOutcome } from './replay-watch';

export interface NodeStatus {
  fill?: string;
  shape?: string;
  text?: string;
}

export interface OpsNode extends Omit<NodeMetrics, 'updatedAt'> {
  /** the editor's label for the node (sent by an editor that has the flows open), else its name, else its kind */
  label: string;
  flowName: string;
  status?: NodeStatus;
}

export interface OpsState {
  at: number;
  nodes: OpsNode[];
  /** flow (tab / subflow) names by id */
  flows: Record<string, string>;
  replays: ReplayOutcome[];
  circuits: { id: string; name: string; flowName: string; state: string }[];
  salesforce: { id: string; name: string; flowName: string; percent: number }[];
  totals: { received: number; sent: number; errors: number; dlqDepth: number };
}

interface Deployed {
  type: string;
  name: string;
  z: string;
}

/** Without the editor's label: the node's name, else its kind ("fg-dead-letter" → "dead letter"). */
export const fallbackLabel = (n: { name?: string; type: string }) => n.name || n.type.replace(/^fg-/, '').replace(/-/g, ' ');
const MAX_LABEL = 200;

/** Status texts in Node-RED's message-catalog form ("node-red:common.status.connected", "fg-x.status.ready"). */
const NAMESPACED_KEY = /^[@\w][\w@/.-]*:[\w.-]+$/;
const PLAIN_KEY = /^[a-zA-Z][\w-]*(\.[\w-]+)+$/;

export interface TrackerOptions {
  /** the npm package of the fg- nodes, for their message catalogs */
  module?: string;
  /** recent replay outcomes */
  replays?: () => ReplayOutcome[];
}

/** Tracks deployed fg- nodes, flow names and node statuses from the runtime's events. */
export class OpsTracker {
  private deployed = new Map<string, Deployed>();
  /** fg- config nodes: not in the node table, but a Salesforce config reports its org's API usage */
  private configs = new Map<string, Deployed>();
  private flowNames = new Map<string, string>();
  private statuses = new Map<string, NodeStatus>();
  /** the editor's labels of deployed nodes and flows, by id */
  private labels = new Map<string, string>();
  /** bumps with deploys and status changes (the metrics have their own version) */
  version = 0;
  private readonly onStatus = (e: { id?: string; status?: NodeStatus }) => {
    if (!e?.id) return;
    // Nodes set their status while flows start, before flows:started tells us what is deployed: keep every status
    // until the next refresh prunes what is not ours (bounded by the number of deployed nodes).
    if (!e.status || Object.keys(e.status).length === 0) this.statuses.delete(e.id);
    else {
      const { fill, shape, text } = e.status;
      this.statuses.set(e.id, { fill, shape, text: text === undefined || text === null ? undefined : String(text) });
    }
    if (this.deployed.has(e.id)) this.version++;
  };
  private readonly onStarted = () => this.refresh();

  constructor(private readonly RED: any, private readonly metrics: FlowGuardMetrics, private readonly opts: TrackerOptions = {}) {
    RED.events?.on('node-status', this.onStatus);
    RED.events?.on('flows:started', this.onStarted);
    this.refresh();
  }

  stop(): void {
    this.RED.events?.removeListener('node-status', this.onStatus);
    this.RED.events?.removeListener('flows:started', this.onStarted);
  }

  /** Re-reads the deployed flows; forgets metrics and statuses of nodes that are gone. */
  refresh(): void {
    const deployed = new Map<string, Deployed>();
    const configs = new Map<string, Deployed>();
    const flowNames = new Map<string, string>();
    try {
      this.RED.nodes.eachNode((n: any) => {
        if (n.type === 'tab' || n.type === 'subflow') flowNames.set(n.id, n.label || n.name || n.id);
        else if (typeof n.type === 'string' && n.type.startsWith('fg-')) {
          (n.type.endsWith('-config') ? configs : deployed).set(n.id, { type: n.type, name: n.name || '', z: n.z || '' });
        }
      });
    } catch {
      // The runtime loads plugins before any flow: nothing is deployed yet, flows:started calls this again.
      return;
    }
    this.deployed = deployed;
    this.configs = configs;
    this.flowNames = flowNames;
    for (const id of this.statuses.keys()) if (!deployed.has(id)) this.statuses.delete(id);
    for (const id of this.labels.keys()) if (!deployed.has(id) && !configs.has(id) && !flowNames.has(id)) this.labels.delete(id);
    for (const id of this.metrics.nodeIds()) if (!deployed.has(id) && !configs.has(id)) this.metrics.forget(id);
    this.version++;
  }

  /**
   * Takes the labels an editor computed for deployed nodes and flows (RED.utils.getNodeLabel), so the ops page shows
   * the same names as the editor. Ids that are not deployed are ignored; returns how many were taken.
   */
  setLabels(labels: Record<string, unknown>): number {
    let taken = 0;
    for (const [id, label] of Object.entries(labels ?? {})) {
      if (typeof label !== 'string' || !label.trim() || (!this.deployed.has(id) && !this.configs.has(id) && !this.flowNames.has(id))) continue;
      const text = label.trim().slice(0, MAX_LABEL);
      if (this.labels.get(id) !== text) {
        this.labels.set(id, text);
        this.version++;
      }
      taken++;
    }
    return taken;
  }

  /** A status text the way the editor shows it: message-catalog keys translated, anything else as it is. */
  private statusText(text: string | undefined, type: string): string | undefined {
    if (!text || typeof this.RED._ !== 'function') return text;
    try {
      if (NAMESPACED_KEY.test(text)) return this.RED._(text, { defaultValue: text });
      if (PLAIN_KEY.test(text) && this.opts.module) return this.RED._(`${this.opts.module}/${type}:${text}`, { defaultValue: text });
    } catch {
      // no catalog: show the key
    }
    return text;
  }

  state(now = Date.now()): OpsState {
    const byId = new Map(this.metrics.snapshot().map((m) => [m.id, m]));
    const nodes: OpsNode[] = [];
    for (const [id, d] of this.deployed) {
      const m = byId.get(id);
      const { updatedAt: _u, ...numbers } = m ?? { id, type: d.type, name: d.name, flow: d.z, counters: zeroCounters(), errorsByCode: {}, gauges: {}, timings: {}, updatedAt: 0 };
      const status = this.statuses.get(id);
      nodes.push({
        ...numbers, type: d.type, name: d.name, flow: d.z,
        label: this.labels.get(id) ?? fallbackLabel(d),
        flowName: this.flowName(d.z),
        status: status && { ...status, text: this.statusText(status.text, d.type) },
      });
    }
    nodes.sort((a, b) => a.flowName.localeCompare(b.flowName) || a.label.localeCompare(b.label));
    const circuits = nodes
      .filter((n) => n.gauges.circuit_state !== undefined)
      .map((n) => ({ id: n.id, name: n.label, flowName: n.flowName, state: CIRCUIT_STATES[n.gauges.circuit_state!] ?? String(n.gauges.circuit_state) }));
    // Usage is per org: reported by fg-salesforce-config nodes (or by a node, for a connection of its own).
    const salesforce = [...byId.values()]
      .filter((m) => m.gauges.salesforce_api_usage_percent !== undefined && (this.deployed.has(m.id) || this.configs.has(m.id)))
      .map((m) => {
        const d = this.deployed.get(m.id) ?? this.configs.get(m.id)!;
        return { id: m.id, name: this.labels.get(m.id) ?? fallbackLabel(d), flowName: d.z ? this.flowName(d.z) : '', percent: m.gauges.salesforce_api_usage_percent! };
      });
    const totals = { received: 0, sent: 0, errors: 0, dlqDepth: 0 };
    for (const n of nodes) {
      totals.received += n.counters.received;
      totals.sent += n.counters.sent;
      totals.errors += n.counters.errors;
      totals.dlqDepth += n.gauges.dlq_depth ?? 0;
    }
    // flow names are keyed by id, so redactValue would not know them for names: the name rules are applied here
    const flows: Record<string, string> = {};
    for (const id of this.flowNames.keys()) flows[id] = redactName(this.flowName(id));
    return { ...redactValue({ at: now, nodes, circuits, salesforce, totals, replays: this.opts.replays?.() ?? [] }), flows };
  }

  private flowName(id: string): string {
    return this.labels.get(id) ?? this.flowNames.get(id) ?? id;
  }

  history(): MinuteBucket[] {
    return this.metrics.history();
  }
}
