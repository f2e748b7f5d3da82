// P3: fg-stripe-webhook (signature check + idempotency gate on the memory store, 200 before the flow runs) vs a bare
// http in -> http response, both in one Node-RED test runtime in a child process, at 50 connections. Every request is
// a new event, signed with the endpoint's secret. Goal: >= 0.8x req/s, p99 <= 20 ms.
// The load comes from wrk when it is installed (apt-get install wrk): written in C and replaying requests signed
// beforehand, it leaves the runtime its own core (both are pinned with taskset when there are two cores or more);
// autocannon (JavaScript, signing every request) is the fallback. A plain Node.js http server in the same child is
// measured too: it is the floor of what the machine gives at 50 connections, so a p99 above 20 ms that the plain
// server shares is the machine's, not the flow's. Three rounds, sides alternating; medians reported.
import { execFileSync, fork, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import { AddressInfo } from 'net';
import { signatureHeader } from '../lib/stripe/signature';
import { SANDBOX_TEST_KEY } from '../sandbox/stripe';
import { getNode, red } from '../test/harness';
import { SMALL, loadForBench, median, ratio, report, runMain } from './lib';

// autocannon ships no typings; only its promise API is used.
const autocannon: (options: Record<string, unknown>) => Promise<any> = require('autocannon');

const SECRET = 'whsec_bench_secret_for_p3_only';
const CONNECTIONS = 50;
const LIGHT_CONNECTIONS = 10;
const DURATION_S = SMALL ? 3 : 5;
const ROUNDS = SMALL ? 1 : 3;

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
  // Event-loop delay inside the runtime: tells a slow server (a blocked loop) from a queue behind a busy one.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const plain = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
  });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const server = http.createServer(red().httpNode).listen(0, '127.0.0.1', () =>
    process.send!({ port: (server.address() as AddressInfo).port, plainPort: (plain.address() as AddressInfo).port }));
  process.on('message', (m: any) => {
    if (m === 'stats') process.send!({ handled, loopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 } });
    // A clean exit, so that node --cpu-prof / --heap-prof can write their files when profiling the runtime.
    if (m === 'exit') process.exit(0);
  });
}

function event(n: number | string): string {
  return JSON.stringify({ id: `evt_bench_${process.pid}_${n}`, object: 'event', type: 'payment_intent.succeeded', created: Math.floor(Date.now() / 1000), livemode: false, data: { object: { id: `pi_${n}`, object: 'payment_intent', amount: 1000 } } });
}

interface Load { requests: number; reqPerSec: number; p50: number; p99: number; non2xx: number; errors: number }

async function cannon(url: string, signed: boolean, connections = CONNECTIONS): Promise<Load> {
  let n = 0;
  const r = await autocannon({
    url,
    connections,
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
  return { requests: r.requests.total, reqPerSec: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

// wrk --version exits with 1 after printing its version; only a missing binary is ENOENT.
const wrkInstalled = (): boolean => commandExists('wrk', ['--version']);

/** Requests built before the run: one line per request, `<signature or empty>\t<body>`, all new events. */
function requestFile(dir: string, name: string, count: number, signed: boolean): string {
  const file = path.join(dir, name);
  const now = Math.floor(Date.now() / 1000);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const body = event(`${name}_${i}`);
    lines.push(`${signed ? signatureHeader(body, SECRET, now) : ''}\t${body}`);
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function wrk(url: string, file: string, pin: boolean, connections = CONNECTIONS): Promise<Load> {
  const script = path.resolve(__dirname, '..', '..', 'bench', 'wrk', 'replay.lua');
  const args = ['-t1', `-c${connections}`, `-d${DURATION_S}s`, '--timeout', '10s', '-s', script, url, '--', file];
  const out = await new Promise<string>((resolve, reject) => {
    const child = pin ? spawn('taskset', ['-c', '1', 'wrk', ...args]) : spawn('wrk', args);
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}: ${text}`))));
  });
  const line = out.split('\n').find((l) => l.startsWith('WRKJSON '));
  if (!line) throw new Error(`no figures in the output of wrk: ${out}`);
  const r = JSON.parse(line.slice('WRKJSON '.length));
  return { requests: r.requests, reqPerSec: r.requests / (r.durationUs / 1e6), p50: r.p50Us / 1000, p99: r.p99Us / 1000, non2xx: r.non2xx, errors: r.socketErrors };
}

const pinned = (): boolean => os.cpus().length >= 2 && commandExists('taskset', ['-V']);

function commandExists(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

function medianLoad(loads: Load[]): Load {
  const pick = (k: keyof Load) => median(loads.map((l) => l[k]));
  return { requests: pick('requests'), reqPerSec: pick('reqPerSec'), p50: pick('p50'), p99: pick('p99'), non2xx: loads.reduce((n, l) => n + l.non2xx, 0), errors: loads.reduce((n, l) => n + l.errors, 0) };
}

export async function run(): Promise<Record<string, unknown>> {
  const tool = wrkInstalled() ? 'wrk' : 'autocannon';
  const pin = tool === 'wrk' && pinned();
  // The runtime on CPU 0, wrk on CPU 1: neither steals the other's core.
  const child = pin
    ? spawn('taskset', ['-c', '0', process.execPath, __filename, '--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    : fork(__filename, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-p3-'));
  try {
    const ports = await new Promise<{ port: number; plainPort: number }>((resolve, reject) => {
      child.once('message', (m: any) => resolve(m));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const base = `http://127.0.0.1:${ports.port}`;
    const plainUrl = `http://127.0.0.1:${ports.plainPort}/`;
    // More requests than the runtime can take in a round (they are replayed in a loop: a repeat would be a duplicate).
    const count = 15_000 * DURATION_S;
    let round = 0;
    const signed = () => requestFile(dir, `signed${++round}`, count, true);
    const unsigned = tool === 'wrk' ? requestFile(dir, 'unsigned', count, false) : '';
    const load = (url: string, file: () => string, isSigned: boolean, connections = CONNECTIONS): Promise<Load> =>
      (tool === 'wrk' ? wrk(url, file(), pin, connections) : cannon(url, isSigned, connections));
    // Warm-up (JIT, connection pools), then alternating rounds.
    await autocannon({ url: `${base}/bare`, method: 'POST', body: '{}', connections: 10, duration: 1 });
    const sides = { candidate: [] as Load[], baseline: [] as Load[], plain: [] as Load[] };
    for (let i = 0; i < ROUNDS; i++) {
      sides.candidate.push(await load(`${base}/stripe/webhook`, signed, true));
      sides.baseline.push(await load(`${base}/bare`, () => unsigned, false));
      sides.plain.push(await load(plainUrl, () => unsigned, false));
    }
    // Below saturation: what a sender sees when the runtime is not the bottleneck (Stripe sends far fewer at once).
    const light = { candidate: await load(`${base}/stripe/webhook`, signed, true, LIGHT_CONNECTIONS), baseline: await load(`${base}/bare`, () => unsigned, false, LIGHT_CONNECTIONS) };
    child.send!('stats');
    const stats = await new Promise<any>((resolve) => child.once('message', resolve));
    const candidate = medianLoad(sides.candidate);
    const baseline = medianLoad(sides.baseline);
    const plain = medianLoad(sides.plain);
    const r = ratio(candidate.reqPerSec, baseline.reqPerSec);
    const latency = (loads: Load[]) => loads.map((l) => ({ reqPerSec: Math.round(l.reqPerSec), p50: l.p50, p99: l.p99 }));
    return report({
      name: 'p3-webhook',
      title: `P3 fg-stripe-webhook (verify + gate + 200) vs http in -> http response, ${CONNECTIONS} connections, ${ROUNDS} x ${DURATION_S} s (${tool}${pin ? ', pinned' : ''})`,
      unit: 'req/s',
      candidate: Math.round(candidate.reqPerSec),
      baseline: Math.round(baseline.reqPerSec),
      better: 'higher',
      goal: 'ratio >= 0.8 and p99 <= 20 ms',
      met: r >= 0.8 && candidate.p99 <= 20,
      details: {
        loadGenerator: tool,
        pinnedCpus: pin,
        candidateLatencyMs: { p50: candidate.p50, p99: candidate.p99 },
        baselineLatencyMs: { p50: baseline.p50, p99: baseline.p99 },
        plainNodeHttpServer: { reqPerSec: Math.round(plain.reqPerSec), p50: plain.p50, p99: plain.p99 },
        rounds: { candidate: latency(sides.candidate), baseline: latency(sides.baseline), plain: latency(sides.plain) },
        [`at${LIGHT_CONNECTIONS}Connections`]: { candidate: latency([light.candidate])[0], baseline: latency([light.baseline])[0] },
        non2xx: candidate.non2xx + baseline.non2xx + plain.non2xx, errors: candidate.errors + baseline.errors + plain.errors,
        candidateRequests: sides.candidate.reduce((n, l) => n + l.requests, light.candidate.requests), eventsThroughGate: stats.handled, serverEventLoopDelayMs: stats.loopDelayMs,
      },
    });
  } finally {
    child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  if (process.argv.includes('--serve')) serve().catch((err) => { console.error(err); process.exit(1); });
  else runMain(run);
}
