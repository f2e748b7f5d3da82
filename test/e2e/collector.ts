// Observes messages inside a Node-RED process from the test: `tap()` adds nodes that POST a copy of each msg leaving a
// node's output to a small HTTP server in the test process, where `next()` / `all()` read them.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FlowNode } from './runtime';

export class Collector {
  private readonly received = new Map<string, any[]>();
  private readonly waiters: (() => void)[] = [];
  private server?: http.Server;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const name = decodeURIComponent((req.url ?? '/').slice(1));
        let msg: unknown;
        try { msg = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { msg = Buffer.concat(chunks).toString('utf8'); }
        if (!this.received.has(name)) this.received.set(name, []);
        this.received.get(name)!.push(msg);
        res.end('ok');
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  all(name: string): any[] {
    return this.received.get(name) ?? [];
  }

  clear(): void {
    this.received.clear();
  }

  /** Waits until `count` msgs arrived at tap `name`; rejects after `ms` naming how many did. */
  async wait(name: string, count = 1, ms = 15000): Promise<any[]> {
    const end = Date.now() + ms;
    while (this.all(name).length < count) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`expected ${count} msg(s) at tap "${name}", got ${this.all(name).length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
    return this.all(name).slice(0, count);
  }

  /**
   * Adds to `flow` a tap on output `output` of node `nodeId`: a change node copying the msg (without req/res) into
   * the payload and an http request node posting it here.
   */
  tap(flow: FlowNode[], nodeId: string, output: number, name: string): FlowNode[] {
    const source = flow.find((node) => node.id === nodeId);
    if (!source) throw new Error(`no node ${nodeId} to tap`);
    if (!Array.isArray(source.wires) || output >= source.wires.length) throw new Error(`node ${nodeId} has no output ${output}`);
    const copyId = `tap-${name}-copy`;
    const postId = `tap-${name}-post`;
    const wires = source.wires.map((w: string[], i: number) => (i === output ? [...w, copyId] : w));
    return [
      ...flow.map((node) => (node.id === nodeId ? { ...node, wires } : node)),
      { id: copyId, type: 'change', z: source.z, name: `tap ${name}`, rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '$sift($$, function($v, $k) { $not($k in ["req", "res"]) })', tot: 'jsonata' }], action: '', property: '', from: '', to: '', reg: false, x: 0, y: 0, wires: [[postId]] },
      { id: postId, type: 'http request', z: source.z, name: '', method: 'POST', ret: 'txt', paytoqs: 'ignore', url: `${this.url}/${encodeURIComponent(name)}`, tls: '', persist: false, proxy: '', insecureHTTPParser: false, authType: '', senderr: false, headers: [], x: 0, y: 0, wires: [[]] },
    ];
  }
}
