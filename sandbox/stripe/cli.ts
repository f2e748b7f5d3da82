// Runs the Stripe sandbox as its own process: `node sandbox/stripe/cli.js [port]`.
// Prints one JSON line {"url", "host", "port", "testKey"} on stdout when listening, so a parent process can connect.
import { SANDBOX_TEST_KEY, startStripeSandbox } from './server';

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? process.env.STRIPE_SANDBOX_PORT ?? 0);
  const rate = process.env.STRIPE_SANDBOX_RATE_LIMIT;
  const sandbox = await startStripeSandbox({ port, rateLimitPerSecond: rate === undefined ? undefined : Number(rate) });
  process.stdout.write(`${JSON.stringify({ url: sandbox.url, host: sandbox.host, port: sandbox.port, testKey: SANDBOX_TEST_KEY })}\n`);
  const stop = (): void => { sandbox.close().finally(() => process.exit(0)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
}

main().catch((err) => {
  process.stderr.write(`stripe sandbox failed to start: ${err?.message ?? err}\n`);
  process.exit(1);
});
