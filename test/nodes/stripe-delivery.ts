// A Stripe sandbox that delivers webhooks and thin events to the Node-RED app under test: a server on a free port
// forwards each request to `app` (RED.httpNode once a test has loaded its flow; 503 before), and `url` is where a
// webhook node at `path` is reached. Call it inside a describe: it adds that describe's hooks.
import * as http from 'http';
import type { AddressInfo } from 'net';
import { startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { unload } from '../harness';

export interface StripeDelivery {
  sandbox: StripeSandbox;
  url: string;
  app?: (req: http.IncomingMessage, res: http.ServerResponse) => void;
}

export function stripeDelivery(path: string): StripeDelivery {
  const delivery = {} as StripeDelivery;
  let server: http.Server;
  before(async () => {
    delivery.sandbox = await startStripeSandbox({ rateLimitPerSecond: 0, delivery: { retryDelaysMs: [20] } });
    server = http.createServer((req, res) => (delivery.app ? delivery.app(req, res) : res.writeHead(503).end()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    delivery.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await delivery.sandbox.close();
  });
  beforeEach(() => delivery.sandbox.reset());
  afterEach(async () => {
    delivery.app = undefined;
    await unload();
  });
  return delivery;
}
