/**
 * Redis for tests: REDIS_URL (default redis://127.0.0.1:6379), a unique key prefix per run, cleanup by prefix.
 * When no Redis answers: with CI=true the suite fails with a clear message; otherwise the Redis suites are skipped
 * with one loud line saying how to run them.
 */
import { ChildProcess, spawn } from 'child_process';
import { randomUUID } from 'crypto';
import { createClient } from 'redis';

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
export const RUN_PREFIX = `fgtest:${process.pid}:${randomUUID().slice(0, 8)}:`;

let available: Promise<boolean> | undefined;
let warned = false;

export function redisAvailable(): Promise<boolean> {
  available ??= (async () => {
    const client = createClient({ url: REDIS_URL, socket: { connectTimeout: 1000, reconnectStrategy: false } });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      await client.close();
      return true;
    } catch {
      return false;
    }
  })();
  return available;
}

/** Call in a `before(function () {...})`: skips (locally) or fails (CI) the suite when Redis is down. */
export async function requireRedis(ctx: Mocha.Context): Promise<void> {
  if (await redisAvailable()) return;
  if (process.env.CI === 'true') {
    throw new Error(`Redis is required in CI but nothing answers at ${REDIS_URL}. Start it (redis-server --daemonize yes) or set REDIS_URL.`);
  }
  if (!warned) {
    warned = true;
    console.warn(`\n!!! REDIS SUITES SKIPPED: no Redis at ${REDIS_URL}. Start one (redis-server) or set REDIS_URL, then run npm test again. !!!\n`);
  }
  ctx.skip();
}

/** Deletes every key this test run created. */
export async function cleanRedis(prefix = RUN_PREFIX): Promise<void> {
  if (!(await redisAvailable())) return;
  const client = createClient({ url: REDIS_URL });
  client.on('error', () => undefined);
  await client.connect();
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
    const batch = ([] as string[]).concat(keys as any);
    if (batch.length) await client.del(batch);
  }
  await client.close();
}

/**
 * A redis-server of the test's own on `port` (never the shared one: tests stop, pause and kill it), keeping an
 * append-only file in `dir`; resolves once it answers PING.
 */
export async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir], { stdio: 'ignore' });
  const end = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const probe = spawn('redis-cli', ['-p', String(port), 'ping'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      probe.stdout!.on('data', (d) => (out += d));
      probe.on('exit', () => resolve(out.includes('PONG')));
    });
    if (ok) return child;
    if (child.exitCode !== null || Date.now() > end) throw new Error('could not start redis-server (is it installed?)');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stopRedis(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  await exited;
}
