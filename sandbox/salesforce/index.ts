// Entry point: `node sandbox/salesforce/index.js [port]` starts the sandbox and prints its URL.
export { startSalesforceSandbox } from './server';
export type { SalesforceSandbox, SandboxOptions } from './server';
export type { QueryLogEntry } from './state';

if (require.main === module) {
  const port = Number(process.argv[2] ?? process.env.SF_SANDBOX_PORT ?? 0);
  import('./server').then(async ({ startSalesforceSandbox }) => {
    const sandbox = await startSalesforceSandbox({ port });
    console.log(`Salesforce sandbox listening on ${sandbox.url} (user integration@flowguard.test / password + TOKEN, client flowguard-client)`);
  });
}
