// Salesforce API usage as Prometheus gauges in prom-client's default registry (what the ops endpoint exposes).
import { Gauge, register } from 'prom-client';
import type { LimitSnapshot } from './limits';

function gauge(name: string, help: string): Gauge<'connection'> {
  return (register.getSingleMetric(name) as Gauge<'connection'> | undefined) ?? new Gauge({ name, help, labelNames: ['connection'] });
}

/** Records one Sforce-Limit-Info reading for a config node (label = its name or id). */
export function recordApiUsage(connection: string, s: LimitSnapshot): void {
  gauge('flowguard_salesforce_api_usage', 'Salesforce daily API requests used (Sforce-Limit-Info)').set({ connection }, s.used);
  gauge('flowguard_salesforce_api_limit', 'Salesforce daily API request allocation (Sforce-Limit-Info)').set({ connection }, s.limit);
}
