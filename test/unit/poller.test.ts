// nodes/shared/poller.ts: rounds, back-off, trigger, close waiting for a round in progress, and the single runner
// (leader lease) across two nodes sharing a store. The node is a minimal stand-in for a runtime node: the poller
// only calls on('close'), status() and warn().
import * as assert from 'assert';
import { MemoryStore } from '../../lib/store';
import { startPoller } from '../../nodes/shared/poller';
import { eventually } from '../harness';

function fakeNode(id: string) {
  const closers: ((removed: boolean, done: () => void) => void)[] = [];
  const node = {
    id,
    statuses: [] as { fill?: string; shape?: string; text?: string }[],
    warnings: [] as string[],
    on: (event: string, cb: any) => { if (event === 'close') closers.push(cb); },
    status: (s: any) => node.statuses.push(s),
    warn: (t: string) => node.warnings.push(t),
    send: () => undefined, log: () => undefined, error: () => undefined, debug: () => undefined,
    /** what Node-RED does on a stop / redeploy: calls each close handler and waits for its done */
    close: () => Promise.all(closers.map((cb) => new Promise<void>((r) => cb(false, r)))),
  };
  return node;
}

describe('poller (nodes/shared/poller.ts)', () => {
  it('runs rounds, backs off after failures, and recovers', async () => {
    const node = fakeNode('p1');
    let calls = 0;
    const failures: number[] = [];
    startPoller(node, {
      everyMs: 5,
      round: async () => { calls++; if (calls <= 3) throw new Error(`down ${calls}`); },
      onError: (_err, n) => failures.push(n),
    });
    await eventually(() => calls >= 5, 'rounds go on after failures');
    await node.close();
    assert.deepStrictEqual(failures, [1, 2, 3], 'failures counted in a row, reset by a success');
  });

  it('waits on close for the round in progress, and runs no round after', async () => {
    const node = fakeNode('p2');
    let release!: () => void;
    let finished = false;
    let started = 0;
    startPoller(node, {
      everyMs: 1,
      round: async () => {
        started++;
        await new Promise<void>((r) => (release = r));
        finished = true;
      },
    });
    await eventually(() => started === 1, 'a round started');
    let closed = false;
    const closing = node.close().then(() => (closed = true));
    await new Promise((r) => setImmediate(r));
    assert.strictEqual(closed, false, 'close waits for the round');
    release();
    await closing;
    assert.strictEqual(finished, true);
    await new Promise((r) => setTimeout(r, 20));
    assert.strictEqual(started, 1, 'no round after close');
  });

  it('trigger() runs a round now; skipped rounds while not ready', async () => {
    const node = fakeNode('p3');
    let ready = false;
    let calls = 0;
    const poller = startPoller(node, { everyMs: 3_600_000, ready: () => ready, round: async () => { calls++; } });
    await new Promise((r) => setTimeout(r, 20));
    assert.strictEqual(calls, 0, 'not ready: no round');
    ready = true;
    poller.trigger();
    await eventually(() => calls === 1, 'the triggered round');
    await node.close();
  });

  it('single runner: one of two nodes runs rounds, the other shows standby and takes over when the leader closes', async () => {
    const store = new MemoryStore();
    const nodes = [fakeNode('same-id'), fakeNode('same-id')];
    const rounds = [0, 0];
    const led: number[] = [];
    const pollers = nodes.map((node, i) => startPoller(node, {
      everyMs: 5,
      round: async () => { rounds[i]++; },
      single: { store: async () => store, key: 'job', ttlMs: 300, onLead: () => { led.push(i); } },
    }));
    await eventually(() => rounds[0] + rounds[1] >= 10, 'rounds run');
    const leader = rounds[0] > 0 ? 0 : 1;
    const standby = 1 - leader;
    assert.strictEqual(rounds[standby], 0, 'the standby runs no round');
    assert.deepStrictEqual(nodes[standby].statuses.at(-1), { fill: 'grey', shape: 'ring', text: 'standby' });
    assert.strictEqual(pollers[leader].leading, true);
    assert.strictEqual(pollers[standby].leading, false);
    // A clean stop releases the lease: the standby claims it at its next renewal, without waiting for an expiry.
    await nodes[leader].close();
    assert.strictEqual(await store.get('fg-leader', 'job'), undefined, 'released on close');
    const stopped = rounds[leader];
    await eventually(() => rounds[standby] > 0, 'the standby runs rounds');
    assert.strictEqual(rounds[leader], stopped, 'the closed node runs none');
    assert.deepStrictEqual(led, [leader, standby]);
    await nodes[standby].close();
    await store.close();
  });

  it('single runner: the standby takes over after the leader stops renewing (lease expired), calling onStandby on the loser', async () => {
    const store = new MemoryStore();
    const nodes = [fakeNode('n'), fakeNode('n')];
    const rounds = [0, 0];
    const standbys = [0, 0];
    const pollers = nodes.map((node, i) => startPoller(node, {
      everyMs: 5,
      round: async () => { rounds[i]++; },
      single: { store: async () => store, key: 'job', ttlMs: 150, onStandby: () => { standbys[i]++; } },
    }));
    await eventually(() => rounds[0] + rounds[1] > 0, 'a leader runs');
    const leader = rounds[0] > 0 ? 0 : 1;
    // The leader's lease is taken from it (as when its process paused past the TTL and another took over).
    const held = (await store.get('fg-leader', 'job'))!;
    await store.release('fg-leader', 'job', held.token);
    await store.claim('fg-leader', 'job', 'someone else', 150);
    await eventually(() => !pollers[leader].leading, 'the old leader notices at its next renewal');
    assert.strictEqual(standbys[leader], 1, 'onStandby called once on the loser');
    await eventually(() => pollers[0].leading || pollers[1].leading, 'one of the two leads again once that lease expired', 3000);
    const after = [...rounds];
    await eventually(() => rounds[0] + rounds[1] > after[0] + after[1], 'rounds go on');
    await Promise.all(nodes.map((n) => n.close()));
    await store.close();
  });
});
