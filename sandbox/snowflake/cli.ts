// Runs the Snowflake sandbox as its own process: `node sandbox/snowflake/cli.js [port]`.
// Prints one JSON line {"url": …} on stdout when listening, so a parent process can connect.
import { startSnowflakeSandbox } from './server';

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? process.env.SNOWFLAKE_SANDBOX_PORT ?? 0);
  const sandbox = await startSnowflakeSandbox({ port });
  process.stdout.write(`${JSON.stringify({ url: sandbox.url })}\n`);
  const stop = (): void => { sandbox.close().finally(() => process.exit(0)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
}

main().catch((err) => {
  process.stderr.write(`snowflake sandbox failed to start: ${err?.message ?? err}\n`);
  process.exit(1);
});
