// The three sandboxes for end-to-end tests (one process with the test, any free ports), their control APIs,
// and the rewrite that points an imported example's config nodes at them, as a user edits the config nodes.
import { RunningSandboxes, SandboxesInfo, startSandboxes } from '../../sandbox/main';
import { eventually, FlowNode, NodeRedProcess } from './runtime';

export type { SandboxesInfo };

export async function startAllSandboxes(): Promise<RunningSandboxes> {
  return startSandboxes({ stripe: 0, salesforce: 0, snowflake: 0 });
}

/** A JSON call on a sandbox's control API (`/_sandbox/...`). */
export async function control(baseUrl: string, method: string, route: string, body?: unknown): Promise<any> {
  const res = await fetch(baseUrl + route, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route} → ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * Runs SQL on the Snowflake sandbox directly (seeding and assertions, not through the pack). The control API answers
 * rows as arrays of text; they come back as objects keyed by `columns`, in the order selected.
 */
export async function snowflakeSql(sandboxes: SandboxesInfo, sql: string, columns: string[] = []): Promise<Record<string, string | null>[]> {
  const result = await control(sandboxes.snowflake.url, 'POST', '/_sandbox/sql', { sql, database: 'FLOWGUARD_DEMO', schema: 'PUBLIC' });
  return (result.rows as (string | null)[][]).map((row) => Object.fromEntries(columns.map((name, i) => [name, row[i]])));
}

/**
 * Points the config nodes of an imported flow at the sandboxes and fills their credentials (sent with the deploy,
 * as the editor does), keeps the store in the runtime's user dir, and registers webhook nodes at the runtime's URL.
 */
export function pointAtSandboxes(flow: FlowNode[], sandboxes: SandboxesInfo, red: NodeRedProcess): FlowNode[] {
  return flow.map((node) => {
    switch (node.type) {
      case 'fg-stripe-config':
        return { ...node, useCustomHost: true, host: sandboxes.stripe.host, port: String(sandboxes.stripe.port), protocol: 'http', credentials: { secretKey: sandboxes.stripe.testKey, webhookSecrets: '' } };
      case 'fg-salesforce-config':
        return { ...node, loginTarget: 'custom', loginUrl: sandboxes.salesforce.url, pubsubEndpoint: `http://${sandboxes.salesforce.pubsubUrl}`, credentials: { ...sandboxes.salesforce.credentials } };
      case 'fg-snowflake-config':
        return { ...node, accessUrl: sandboxes.snowflake.url, credentials: { password: sandboxes.snowflake.password } };
      case 'fg-stripe-webhook':
        return { ...node, register: true, publicUrl: `${red.url}/${String(node.path).replace(/^\//, '')}` };
      default:
        return node;
    }
  });
}

/**
 * Resolves once the Stripe sandbox holds an endpoint for every registering webhook node of `flow`. Registration runs
 * after the deploy answers, and Stripe delivers an event only to endpoints that existed when it was created, so a test
 * that pays before this would wait for a delivery that never comes.
 */
export async function webhooksRegistered(sandboxes: SandboxesInfo, flow: FlowNode[]): Promise<void> {
  const wanted = flow.filter((n) => n.type === 'fg-stripe-webhook' && n.register).map((n) => String(n.publicUrl));
  const stripe = sandboxes.stripe;
  await eventually('the webhook endpoints registered', async () => {
    const res = await fetch(`${stripe.url}/v1/webhook_endpoints?limit=100`, { headers: { authorization: `Bearer ${stripe.testKey}` } });
    const urls = (((await res.json()) as { data?: { url: string }[] }).data ?? []).map((e) => e.url);
    return wanted.every((url) => urls.includes(url)) || undefined;
  });
}
