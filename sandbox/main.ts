// Starts the Stripe, Salesforce and Snowflake sandboxes in one process (`node dist/sandbox/main.js`), on fixed ports
// (Stripe 4030, Salesforce 4010 with its Pub/Sub API (gRPC) on 4011, Snowflake 4020; env STRIPE_SANDBOX_PORT,
// SALESFORCE_SANDBOX_PORT, SALESFORCE_PUBSUB_PORT, SNOWFLAKE_SANDBOX_PORT, 0 = any free port) and prints ONE JSON line: each sandbox's URL and the credentials a config node needs.
// With NODE_RED_URL set (npm start sets it), a Stripe webhook endpoint is registered for <NODE_RED_URL>/stripe/webhook
// and its signing secret is part of the line. The Salesforce sandbox gets the Platform Event the examples publish.
import { startSalesforceSandbox } from './salesforce';
import { sandboxControl } from './salesforce/control-client';
import { startSnowflakeSandbox } from './snowflake';
import { SANDBOX_TEST_KEY, startStripeSandbox } from './stripe';

export interface SandboxesInfo {
  stripe: { url: string; host: string; port: number; testKey: string; webhookSecret?: string };
  /** pubsubUrl: the Pub/Sub API's gRPC endpoint, host:port, plaintext. */
  salesforce: { url: string; pubsubUrl: string; credentials: { clientId: string; clientSecret: string; username: string; password: string; securityToken: string } };
  snowflake: { url: string; account: string; username: string; password: string };
}

export interface RunningSandboxes {
  info: SandboxesInfo;
  close(): Promise<void>;
}

export interface SandboxPorts {
  stripe?: number;
  salesforce?: number;
  salesforcePubsub?: number;
  snowflake?: number;
  /** Register a Stripe webhook endpoint for this URL (all events) and return its signing secret. */
  webhookUrl?: string;
}

// The sandboxes' built-in test identities (docs/stripe.md, docs/salesforce.md, docs/snowflake.md); not real secrets.
const SALESFORCE_CREDENTIALS = { clientId: 'flowguard-client', clientSecret: 'flowguard-secret', username: 'integration@flowguard.test', password: 'password', securityToken: 'TOKEN' };
const SNOWFLAKE_LOGIN = { account: 'sandbox', username: 'SANDBOX', password: 'sandbox' };
export const ORDER_PAID_EVENT = {
  name: 'Order_Paid__e',
  fields: [
    { name: 'Order_Id__c', type: 'string' }, { name: 'Payment_Intent__c', type: 'string' }, { name: 'Amount__c', type: 'double' },
    { name: 'Currency__c', type: 'string' }, { name: 'Idempotency_Key__c', type: 'string' },
  ],
};

/** Creates a webhook endpoint on the Stripe sandbox and answers its signing secret (returned on create only). */
export async function registerStripeWebhook(stripeUrl: string, key: string, endpointUrl: string): Promise<string> {
  const body = new URLSearchParams({ url: endpointUrl, 'enabled_events[0]': '*' });
  const res = await fetch(`${stripeUrl}/v1/webhook_endpoints`, { method: 'POST', body, headers: { authorization: `Bearer ${key}` } });
  const json = (await res.json()) as { secret?: string; error?: { message?: string } };
  if (!res.ok || !json.secret) throw new Error(`could not register the Stripe webhook endpoint: ${json.error?.message ?? res.status}`);
  return json.secret;
}

export async function startSandboxes(ports: SandboxPorts = {}): Promise<RunningSandboxes> {
  const stripe = await startStripeSandbox({ port: ports.stripe ?? 0 });
  const salesforce = await startSalesforceSandbox({ port: ports.salesforce ?? 0, pubsubPort: ports.salesforcePubsub ?? 0 });
  const snowflake = await startSnowflakeSandbox({
    port: ports.snowflake ?? 0,
    programmaticTokens: { SANDBOX: ['sandbox-pat'] },
    oauthClients: { 'sandbox-client': { secret: 'sandbox-secret', user: 'SANDBOX' } },
  });
  const close = async () => {
    await Promise.allSettled([stripe.close(), salesforce.close(), snowflake.close()]);
  };
  try {
    // The Platform Event the example "Stripe payment to Order_Paid__e" publishes (a real org defines it in Setup).
    await sandboxControl(salesforce.url, 'POST', '/pubsub/platform-events', ORDER_PAID_EVENT);
    const webhookSecret = ports.webhookUrl ? await registerStripeWebhook(stripe.url, SANDBOX_TEST_KEY, ports.webhookUrl) : undefined;
    return {
      info: {
        stripe: { url: stripe.url, host: stripe.host, port: stripe.port, testKey: SANDBOX_TEST_KEY, ...(webhookSecret ? { webhookSecret } : {}) },
        salesforce: { url: salesforce.url, pubsubUrl: salesforce.pubsubUrl, credentials: { ...SALESFORCE_CREDENTIALS } },
        snowflake: { url: snowflake.url, ...SNOWFLAKE_LOGIN },
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

function portFromEnv(name: string, fallback: number): number {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : Number(value);
}

async function main(): Promise<void> {
  const nodeRedUrl = process.env.NODE_RED_URL;
  const running = await startSandboxes({
    stripe: portFromEnv('STRIPE_SANDBOX_PORT', 4030),
    salesforce: portFromEnv('SALESFORCE_SANDBOX_PORT', 4010),
    salesforcePubsub: portFromEnv('SALESFORCE_PUBSUB_PORT', 4011),
    snowflake: portFromEnv('SNOWFLAKE_SANDBOX_PORT', 4020),
    webhookUrl: nodeRedUrl ? `${nodeRedUrl.replace(/\/$/, '')}/stripe/webhook` : undefined,
  });
  process.stdout.write(`${JSON.stringify(running.info)}\n`);
  const stop = (): void => { running.close().finally(() => process.exit(0)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`sandboxes failed to start: ${err?.message ?? err}\n`);
    process.exit(1);
  });
}
