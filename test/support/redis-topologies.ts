/**
 * Production Redis shapes for tests, each made of real redis-server processes on free ports in a temp dir, killed after:
 * - a Redis Cluster (3 masters, slots spread by `redis-cli --cluster create`);
 * - a Sentinel set (one primary, one replica, three sentinels);
 * - a TLS Redis (certificates made with openssl) with an ACL user and the default user off.
 * When redis-server is missing the suites are skipped with one loud line; under CI=true they fail.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort } from './net';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let warned = false;

function installed(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Call in a `before(function () {...})`: skips (locally) or fails (CI) when redis-server / redis-cli / openssl are missing. */
export function requireRedisServer(ctx: Mocha.Context): void {
  const missing = ['redis-server', 'redis-cli', 'openssl'].filter((c) => !installed(c));
  if (!missing.length) return;
  if (process.env.CI === 'true') throw new Error(`${missing.join(', ')} required in CI for the cluster / sentinel / TLS suites: apt-get install redis-server openssl`);
  if (!warned) {
    warned = true;
    console.warn(`\n!!! REDIS CLUSTER / SENTINEL / TLS SUITES SKIPPED: ${missing.join(', ')} not installed (apt-get install redis-server openssl). !!!\n`);
  }
  ctx.skip();
}

/** Runs redis-cli with `args`; resolves with its stdout. */
export function redisCli(args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout!.on('data', (d) => (out += d));
    p.stderr!.on('data', (d) => (err += d));
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`redis-cli ${args.join(' ')} exited ${code}: ${err || out}`));
    });
  });
}

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A base of processes in one temp dir; `stop()` kills every one still running and removes the dir. */
class Topology {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-redis-topo-'));
  private procs = new Set<ChildProcess>();

  spawnServer(args: string[], name: string): ChildProcess {
    const log = fs.openSync(path.join(this.dir, `${name}.log`), 'a');
    const child = spawn('redis-server', args, { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.procs.add(child);
    child.once('exit', () => this.procs.delete(child));
    return child;
  }

  async kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.procs].map((p) => this.kill(p)));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Waits for the server to answer PING; if it never does, the error ends with its log (`name` as given to spawnServer). */
  async ping(port: number, name: string, extra: string[] = [], hint = ''): Promise<void> {
    try {
      await until(`redis on port ${port}`, async () => (await redisCli(['-p', String(port), ...extra, 'ping'], 2000)).includes('PONG'));
    } catch (err) {
      const log = fs.readFileSync(path.join(this.dir, `${name}.log`), 'utf8').trim().split('\n').slice(-5).join('\n');
      throw new Error(`${(err as Error).message}${hint}; its log ends:\n${log}`);
    }
  }
}

export interface RedisCluster {
  /** the seed-node URL list, comma-separated, as a user enters it */
  url: string;
  ports: number[];
  /** port of the master serving `key` (or a slot number), as the node on `askPort` sees it */
  masterFor(keyOrSlot: string | number, askPort?: number): Promise<number>;
  /**
   * Kills one master (SIGKILL), runs `whileDown`, starts it again on the same port and files; resolves once the
   * cluster is ok again.
   */
  restartMaster(port: number, whileDown?: () => Promise<void>): Promise<void>;
  /**
   * Moves `slot` (with its keys) to the master on `toPort` the way a resharding does: IMPORTING / MIGRATING, then
   * `midway` (the slot is half moved: new keys are answered with ASK), then MIGRATE of the keys and SETSLOT NODE
   * (clients' slot maps are stale: MOVED).
   */
  moveSlot(slot: number, toPort: number, midway?: () => Promise<void>): Promise<void>;
  slotOf(key: string): Promise<number>;
  stop(): Promise<void>;
}

/** A 3-master cluster with no replicas; every master keeps an append-only file fsynced per write. */
export async function startCluster(masters = 3): Promise<RedisCluster> {
  const topo = new Topology();
  const ports: number[] = [];
  const busPorts: number[] = [];
  for (let i = 0; i < masters; i++) {
    ports.push(await freePort());
    busPorts.push(await freePort());
  }
  const procs = new Map<number, ChildProcess>();
  const start = (i: number) => {
    const dir = path.join(topo.dir, `n${ports[i]}`);
    fs.mkdirSync(dir, { recursive: true });
    procs.set(ports[i], topo.spawnServer([
      '--port', String(ports[i]), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-port', String(busPorts[i]),
      '--cluster-config-file', path.join(dir, 'nodes.conf'), '--cluster-node-timeout', '2000', '--dir', dir,
      '--save', '', '--appendonly', 'yes', '--appendfsync', 'always',
    ], `n${ports[i]}`));
  };
  try {
    ports.forEach((_, i) => start(i));
    await Promise.all(ports.map((p) => topo.ping(p, `n${p}`)));
    await redisCli(['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], 30_000);
    const clusterOk = () => until('cluster_state:ok', async () => {
      const states = await Promise.all(ports.map((p) => redisCli(['-p', String(p), 'cluster', 'info'], 2000)));
      return states.every((s) => s.includes('cluster_state:ok'));
    });
    await clusterOk();
    const cluster: RedisCluster = {
      url: ports.map((p) => `redis://127.0.0.1:${p}`).join(','),
      ports,
      async masterFor(keyOrSlot: string | number, askPort = ports[0]) {
        const slot = typeof keyOrSlot === 'number' ? keyOrSlot : Number((await redisCli(['-p', String(askPort), 'cluster', 'keyslot', keyOrSlot])).trim());
        // CLUSTER NODES: <id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges…>
        for (const line of (await redisCli(['-p', String(askPort), 'cluster', 'nodes'])).trim().split('\n')) {
          const f = line.trim().split(' ');
          if (f.length < 9 || !f[2].includes('master')) continue;
          const port = Number(f[1].split('@')[0].split(':')[1]);
          for (const range of f.slice(8)) {
            const [from, to = from] = range.split('-').map(Number);
            if (slot >= from && slot <= to) return port;
          }
        }
        throw new Error(`no master found for slot ${slot}`);
      },
      async restartMaster(port: number, whileDown?: () => Promise<void>) {
        await topo.kill(procs.get(port)!);
        await whileDown?.();
        start(ports.indexOf(port));
        await topo.ping(port, `n${port}`);
        await clusterOk();
      },
      slotOf: async (key: string) => Number((await redisCli(['-p', String(ports[0]), 'cluster', 'keyslot', key])).trim()),
      async moveSlot(slot: number, toPort: number, midway?: () => Promise<void>) {
        const cli = (port: number, ...args: string[]) => redisCli(['-p', String(port), ...args]);
        const idOf = async (port: number) => (await cli(port, 'cluster', 'myid')).trim();
        const fromPort = await cluster.masterFor(slot);
        const [fromId, toId] = [await idOf(fromPort), await idOf(toPort)];
        await cli(toPort, 'cluster', 'setslot', String(slot), 'importing', fromId);
        await cli(fromPort, 'cluster', 'setslot', String(slot), 'migrating', toId);
        await midway?.();
        for (;;) {
          const keys = (await cli(fromPort, 'cluster', 'getkeysinslot', String(slot), '100')).split('\n').filter(Boolean);
          if (!keys.length) break;
          await cli(fromPort, 'migrate', '127.0.0.1', String(toPort), '', '0', '5000', 'keys', ...keys);
        }
        for (const p of ports) await cli(p, 'cluster', 'setslot', String(slot), 'node', toId);
        await until('every node agreeing on the slot owner', async () => {
          for (const p of ports) if ((await cluster.masterFor(slot, p)) !== toPort) return false;
          return true;
        });
      },
      stop: () => topo.stop(),
    };
    return cluster;
  } catch (err) {
    await topo.stop();
    throw err;
  }
}

export interface SentinelSet {
  /** the sentinels' URLs, comma-separated (without a password) */
  url: string;
  name: string;
  /** the sentinels' own password (requirepass in sentinel.conf): a client must send it to ask them anything */
  sentinelPassword: string;
  primaryPort(): Promise<number>;
  /** asks the sentinels for a fail-over (the replica becomes primary); resolves once they report the new primary */
  failover(): Promise<number>;
  stop(): Promise<void>;
}

/** One primary, one replica, three sentinels (quorum 2, each with a password) watching a primary named `fgprimary`. */
export async function startSentinelSet(): Promise<SentinelSet> {
  const topo = new Topology();
  const name = 'fgprimary';
  const sentinelPassword = 'fg-sentinel-secret';
  const auth = ['-a', sentinelPassword, '--no-auth-warning'];
  try {
    const [primary, replica] = [await freePort(), await freePort()];
    for (const [port, extra] of [[primary, []], [replica, ['--replicaof', '127.0.0.1', String(primary)]]] as [number, string[]][]) {
      topo.spawnServer(['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', topo.dir, ...extra], `r${port}`);
    }
    await topo.ping(primary, `r${primary}`);
    await topo.ping(replica, `r${replica}`);
    await until('the replica in sync', async () => (await redisCli(['-p', String(replica), 'info', 'replication'])).includes('master_link_status:up'));
    const sentinels: number[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      sentinels.push(port);
      const conf = path.join(topo.dir, `sentinel-${port}.conf`);
      fs.writeFileSync(conf, [
        `port ${port}`, 'bind 127.0.0.1', `dir ${topo.dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${primary} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        `sentinel parallel-syncs ${name} 1`,
        // The sentinels' own password, which they also use with each other.
        `requirepass ${sentinelPassword}`,
        `sentinel sentinel-pass ${sentinelPassword}`,
      ].join('\n') + '\n');
      topo.spawnServer([conf, '--sentinel'], `sentinel-${port}`);
    }
    await Promise.all(sentinels.map((p) => topo.ping(p, `sentinel-${p}`, auth)));
    const primaryPort = async () => Number((await redisCli(['-p', String(sentinels[0]), ...auth, 'sentinel', 'get-master-addr-by-name', name])).trim().split('\n')[1]);
    // Every sentinel knows the replica and the other sentinels before a fail-over is asked for.
    await until('sentinels discovering each other and the replica', async () => {
      const infos = await Promise.all(sentinels.map((p) => redisCli(['-p', String(p), ...auth, 'info', 'sentinel'])));
      return infos.every((i) => /slaves=1,sentinels=3/.test(i));
    });
    return {
      url: sentinels.map((p) => `redis://127.0.0.1:${p}`).join(','),
      name,
      sentinelPassword,
      primaryPort,
      async failover() {
        const before = await primaryPort();
        await until('a fail-over accepted', async () => (await redisCli(['-p', String(sentinels[0]), ...auth, 'sentinel', 'failover', name])).includes('OK'));
        let after = before;
        await until('the sentinels naming the new primary', async () => (after = await primaryPort()) !== before);
        // The old primary is turned into the new one's replica by the sentinels a little later; WAIT needs it online.
        await until('the new primary taking writes, with its replica online', async () => {
          const info = await redisCli(['-p', String(after), 'info', 'replication']);
          return /role:master/.test(info) && /slave0:.*state=online/.test(info);
        }, 40_000);
        return after;
      },
      stop: () => topo.stop(),
    };
  } catch (err) {
    await topo.stop();
    throw err;
  }
}

export interface TlsRedis {
  url: string;
  username: string;
  password: string;
  ca: string;
  cert: string;
  key: string;
  stop(): Promise<void>;
}

/** A redis-server on TLS only (client certificates required), with the ACL user `fguser` and the default user off. */
export async function startTlsRedis(): Promise<TlsRedis> {
  const topo = new Topology();
  try {
    const d = (f: string) => path.join(topo.dir, f);
    const openssl = (args: string[]) => {
      const r = spawnSync('openssl', args, { cwd: topo.dir, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
    };
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl(['req', '-x509', ...ec, '-keyout', d('ca.key'), '-out', d('ca.crt'), '-days', '2', '-subj', '/CN=FlowGuard test CA']);
    for (const who of ['server', 'client']) {
      openssl(['req', ...ec, '-keyout', d(`${who}.key`), '-out', d(`${who}.csr`), '-subj', `/CN=${who === 'server' ? 'localhost' : 'fguser'}`]);
      fs.writeFileSync(d(`${who}.ext`), who === 'server' ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' : 'extendedKeyUsage=clientAuth\n');
      openssl(['x509', '-req', '-in', d(`${who}.csr`), '-CA', d('ca.crt'), '-CAkey', d('ca.key'), '-CAcreateserial', '-out', d(`${who}.crt`), '-days', '2', '-extfile', d(`${who}.ext`)]);
    }
    const port = await freePort();
    const password = `pw-${Math.random().toString(36).slice(2)}`;
    // ACL users in a config file: on the command line Redis takes "default off" as one (invalid) user name.
    fs.writeFileSync(d('redis.conf'), [
      'port 0', `tls-port ${port}`, 'bind 127.0.0.1', 'save ""', 'appendonly no', `dir ${topo.dir}`,
      `tls-cert-file ${d('server.crt')}`, `tls-key-file ${d('server.key')}`, `tls-ca-cert-file ${d('ca.crt')}`, 'tls-auth-clients yes',
      'user default off', `user fguser on >${password} ~* &* +@all`,
    ].join('\n') + '\n');
    topo.spawnServer([d('redis.conf')], 'tls');
    await topo.ping(port, 'tls', ['--tls', '--cacert', d('ca.crt'), '--cert', d('client.crt'), '--key', d('client.key'), '--user', 'fguser', '--pass', password, '--no-auth-warning'],
      ' (is this redis-server built with TLS? Debian\'s is)');
    return {
      url: `rediss://127.0.0.1:${port}`,
      username: 'fguser',
      password,
      ca: fs.readFileSync(d('ca.crt'), 'utf8'),
      cert: fs.readFileSync(d('client.crt'), 'utf8'),
      key: fs.readFileSync(d('client.key'), 'utf8'),
      stop: () => topo.stop(),
    };
  } catch (err) {
    await topo.stop();
    throw err;
  }
}
