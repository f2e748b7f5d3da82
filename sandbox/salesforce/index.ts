// Entry point: `node sandbox/salesforce/index.js [port] [pubsubPort]` starts the sandbox and prints its URLs.
export { startSalesforceSandbox } from './server';
export type { SalesforceSandbox, SandboxOptions } from './server';
export type { QueryLogEntry } from './state';

if (require.main === module) {
  const port = Number(process.argv[2] ?? process.env.SF_SANDBOX_PORT ?? 0);
  import('./server').then(async ({ startSalesforceSandbox }) => {
    const pubsubPort = Number(process.argv[3] ?? process.env.SF_PUBSUB_PORT ?? 0);
    const sandbox = await startSalesforceSandbox({ port, pubsubPort });
    console.log(`Salesforce sandbox listening on ${sandbox.url}, Pub/Sub API (gRPC, plaintext) on ${sandbox.pubsubUrl} (user integration@flowguard.test / password + TOKEN, client flowguard-client)`);
  });
}
