// Helpers for tests and demos: an SDK client pointed at the sandbox and a local webhook receiver.
import * as http from 'http';
import type { AddressInfo } from 'net';
import Stripe from 'stripe';
import { SANDBOX_TEST_KEY, StripeSandbox } from './server';

export function sandboxClient(sandbox: StripeSandbox, key = SANDBOX_TEST_KEY, extra: Record<string, unknown> = {}): Stripe {
  return new Stripe(key, { ...sandbox.clientOptions, telemetry: false, maxNetworkRetries: 0, ...extra });
}

export interface Received { body: string; headers: http.IncomingHttpHeaders; event: any }

/** A local endpoint that records deliveries; `answer` picks the status for each one. */
export async function startReceiver(answer: (received: Received, index: number) => number = () => 200) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const item = { body, headers: req.headers, event: JSON.parse(body) };
      received.push(item);
      res.statusCode = answer(item, received.length - 1);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
