// Shared pieces of the reliability suite: size selection, a seeded random source, RED.httpNode on a real port,
// and bounded-concurrency request loops.
import * as http from 'http';
import { AddressInfo } from 'net';
import { red } from '../harness';

/** FG_RELIABILITY_SCALE=ci selects the reduced sizes that fit the CI time budget. */
export const CI_SCALE = process.env.FG_RELIABILITY_SCALE === 'ci';
export const size = (full: number, ci: number): number => (CI_SCALE ? ci : full);

/** mulberry32: small, fast, seeded, so a failing fuzz run can be repeated with FG_FUZZ_SEED. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SEED = Number(process.env.FG_FUZZ_SEED ?? Date.now() % 1_000_000);

/** Serves the loaded runtime's RED.httpNode on 127.0.0.1:<random port>; close it in after(). */
export async function serveHttpNode(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(red().httpNode);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export interface Reply { status: number; body: string }

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One raw HTTP request (bytes and headers exactly as given; no client-side normalisation beyond Node's). */
export function request(url: string, method: string, headers: Record<string, string>, body?: Buffer | string, retried = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed as idle just as it was reused (a busy machine stalls long enough):
      // the server never saw this request, so sending it once more on a new socket is safe (Node's documented pattern).
      if (!retried && req.reusedSocket && err.code === 'ECONNRESET') resolve(request(url, method, headers, body, true));
      else reject(err);
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Runs work(0..count-1) with at most `concurrency` at a time. */
export async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await work(next++);
  }));
}

/** Records uncaught exceptions and unhandled rejections while a suite runs (a crash is a failure, not noise). */
export function watchCrashes(): { crashes: string[]; stop: () => void } {
  const crashes: string[] = [];
  const onError = (err: unknown) => crashes.push(String((err as Error)?.stack ?? err));
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return {
    crashes,
    stop: () => {
      process.removeListener('uncaughtException', onError);
      process.removeListener('unhandledRejection', onError);
    },
  };
}
