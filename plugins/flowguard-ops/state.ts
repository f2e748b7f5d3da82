/**
 * The dashboard's view of the runtime: every deployed fg- node (config nodes left out) with its flow's name, its
 * last status and its metrics; circuits and Salesforce API usage pulled out; totals and the last hour per minute.
 * Built from deployed flow configs, never from credentials, and redacted before it leaves the runtime.
 */
import { CIRCUIT_STATES, FlowGuardMetrics, MinuteBucket, NodeMetrics, zeroCounters } from '../../lib/ops/metrics';
import { redactValue } from '../../lib/ops/redact';

export interface NodeStatus {
  fill?: string;
  shape?: string;
  text?: string;
}

export interface OpsNode extends Omit<NodeMetrics, 'updatedAt'> {
  flowName: string;
  status?: NodeStatus;
}

export interface OpsState {
  at: number;
  nodes: OpsNode[];
  circuits: { id: string; name: string; flowName: string; state: string }[];
  salesforce: { id: string; name: string; flowName: string; percent: number }[];
  totals: { received: number; sent: number; errors: number; dlqDepth: number };
}

interface Deployed {
  type: string;
  name: string;
  z: string;
}

const nameOf = (n: { name?: string; type: string; id: string }) => n.name || `${n.type} ${n.id}`;

/** Tracks deployed fg- nodes, flow names and node statuses from the runtime's events. */
export class OpsTracker {
  private deployed = new Map<string, Deployed>();
  /** fg- config nodes: not in the node table, but a Salesforce config reports its org's API usage */
  private configs = new Map<string, Deployed>();
  private flowNames = new Map<string, string>();
  private statuses = new Map<string, NodeStatus>();
  /** bumps with deploys and status changes (the metrics have their own version) */
  version = 0;
  private readonly onStatus = (e: { id?: string; status?: NodeStatus }) => {
    if (!e?.id || !this.deployed.has(e.id)) return;
    const { fill, shape, text } = e.status ?? {};
    this.statuses.set(e.id, { fill, shape, text: text === undefined ? undefined : String(text) });
    this.version++;
  };
  private readonly onStarted = () => this.refresh();

  constructor(private readonly RED: any, private readonly metrics: FlowGuardMetrics) {
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
    for (const id of this.metrics.nodeIds()) if (!deployed.has(id) && !configs.has(id)) this.metrics.forget(id);
    this.version++;
  }

  state(now = Date.now()): OpsState {
    const byId = new Map(this.metrics.snapshot().map((m) => [m.id, m]));
    const nodes: OpsNode[] = [];
    for (const [id, d] of this.deployed) {
      const m = byId.get(id);
      const { updatedAt: _u, ...numbers } = m ?? { id, type: d.type, name: d.name, flow: d.z, counters: zeroCounters(), errorsByCode: {}, gauges: {}, timings: {}, updatedAt: 0 };
      nodes.push({ ...numbers, type: d.type, name: d.name, flow: d.z, flowName: this.flowNames.get(d.z) ?? d.z, status: this.statuses.get(id) });
    }
    nodes.sort((a, b) => a.flowName.localeCompare(b.flowName) || nameOf(a).localeCompare(nameOf(b)));
    const circuits = nodes
      .filter((n) => n.gauges.circuit_state !== undefined)
      .map((n) => ({ id: n.id, name: nameOf(n), flowName: n.flowName, state: CIRCUIT_STATES[n.gauges.circuit_state!] ?? String(n.gauges.circuit_state) }));
    // Usage is per org: reported by fg-salesforce-config nodes (or by a node, for a connection of its own).
    const salesforce = [...byId.values()]
      .filter((m) => m.gauges.salesforce_api_usage_percent !== undefined && (this.deployed.has(m.id) || this.configs.has(m.id)))
      .map((m) => {
        const d = this.deployed.get(m.id) ?? this.configs.get(m.id)!;
        return { id: m.id, name: nameOf({ ...d, id: m.id }), flowName: this.flowNames.get(d.z) ?? '', percent: m.gauges.salesforce_api_usage_percent! };
      });
    const totals = { received: 0, sent: 0, errors: 0, dlqDepth: 0 };
    for (const n of nodes) {
      totals.received += n.counters.received;
      totals.sent += n.counters.sent;
      totals.errors += n.counters.errors;
      totals.dlqDepth += n.gauges.dlq_depth ?? 0;
    }
    return redactValue({ at: now, nodes, circuits, salesforce, totals });
  }

  history(): MinuteBucket[] {
    return this.metrics.history();
  }
}
