// P3: fg-stripe-webhook (signature check + idempotency gate on the memory store, 200 before the flow runs) vs a bare
// http in -> http response, both in one Node-RED test runtime in a child process, driven by autocannon at 50 connections
// from this process. Every request is a new event, signed with the endpoint's secret. Goal: >= 0.8x req/s, p99 <= 20 ms.
import { fork } from 'child_process';
import * as http from 'http';
import { AddressInfo } from 'net';
import { signatureHeader } from '../lib/stripe/signature';
import { SANDBOX_TEST_KEY } from '../sandbox/stripe';
import { getNode, red } from '../test/harness';
import { SMALL, loadForBench, ratio, report, runMain } from './lib';

// autocannon ships no typings; only its promise API is used.
const autocannon: (options: Record<string, unknown>) => Promise<any> = require('autocannon');

const SECRET = 'whsec_bench_secret_for_p3_only';
const CONNECTIONS = 50;
const DURATION_S = SMALL ? 3 : 10;

function flow(): any[] {
  return [
    { id: 'tab', type: 'tab', label: 'p3' },
    { id: 'cfg', type: 'fg-stripe-config' },
    { id: 'store', type: 'fg-store-config', backend: 'memory' },
    { id: 'hook', z: 'tab', type: 'fg-stripe-webhook', stripe: 'cfg', path: '/stripe/webhook', eventTypes: '*', toleranceSeconds: 300, wires: [['gate']] },
    { id: 'gate', z: 'tab', type: 'fg-idempotency-gate', store: 'store', wires: [['handled'], ['handled'], ['handled']] },
    { id: 'handled', z: 'tab', type: 'helper' },
    { id: 'bareIn', z: 'tab', type: 'http in', url: '/bare', method: 'post', wires: [['bareOut']] },
    { id: 'bareOut', z: 'tab', type: 'http response', statusCode: '200', wires: [] },
  ];
}

/** Child process: the Node-RED runtime under load, served on a random port. */
async function serve(): Promise<void> {
  await loadForBench(['fg-stripe-config', 'fg-stripe-webhook', 'fg-store-config', 'fg-idempotency-gate', 'http in'], flow(), { cfg: { secretKey: SANDBOX_TEST_KEY, webhookSecrets: SECRET } });
  let handled = 0;
  getNode('handled').on('input', () => handled++);
  const server = http.createServer(red().httpNode).listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
  process.on('message', (m: any) => {
    if (m === 'stats') process.send!({ handled });
  });
}

function event(n: number): string {
  return JSON.stringify({ id: `evt_bench_${process.pid}_${n}`, object: 'event', type: 'payment_intent.succeeded', created: Math.floor(Date.now() / 1000), livemode: false, data: { object: { id: `pi_${n}`, object: 'payment_intent', amount: 1000 } } });
}

async function cannon(url: string, signed: boolean): Promise<any> {
  let n = 0;
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [{
      method: 'POST',
      setupRequest: (req: any) => {
        const body = event(n++);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (signed) headers['stripe-signature'] = signatureHeader(body, SECRET, Math.floor(Date.now() / 1000));
        return { ...req, body, headers };
      },
    }],
  });
}

export async function run(): Promise<Record<string, unknown>> {
  const child = fork(__filename, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: any) => resolve(m.port));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    // Warm-up, then candidate and baseline.
    await autocannon({ url: `${base}/bare`, method: 'POST', body: '{}', connections: 10, duration: 1 });
    const candidate = await cannon(`${base}/stripe/webhook`, true);
    const baseline = await cannon(`${base}/bare`, false);
    child.send('stats');
    const stats = await new Promise<any>((resolve) => child.once('message', resolve));
    const r = ratio(candidate.requests.average, baseline.requests.average);
    return report({
      name: 'p3-webhook',
      title: `P3 fg-stripe-webhook (verify + gate + 200) vs http in -> http response, ${CONNECTIONS} connections, ${DURATION_S} s each`,
      unit: 'req/s',
      candidate: Math.round(candidate.requests.average),
      baseline: Math.round(baseline.requests.average),
      better: 'higher',
      goal: 'ratio >= 0.8 and p99 <= 20 ms',
      met: r >= 0.8 && candidate.latency.p99 <= 20,
      details: {
        candidateLatencyMs: { p50: candidate.latency.p50, p99: candidate.latency.p99 },
        baselineLatencyMs: { p50: baseline.latency.p50, p99: baseline.latency.p99 },
        candidateNon2xx: candidate.non2xx, baselineNon2xx: baseline.non2xx, errors: candidate.errors + baseline.errors,
        candidateRequests: candidate.requests.total, eventsThroughGate: stats.handled,
      },
    });
  } finally {
    child.kill();
  }
}

if (require.main === module) {
  if (process.argv.includes('--serve')) serve().catch((err) => { console.error(err); process.exit(1); });
  else runMain(run);
}
