import * as assert from 'assert';
import { MicroBatcher, Outcome } from '../../lib/batching/micro-batcher';

const ok = <R>(value: R): Outcome<R> => ({ ok: true, value });

describe('micro-batcher', () => {
  it('writes items that arrive together in batches of at most maxSize, answering each with its own result', async () => {
    const batches: number[][] = [];
    const b = new MicroBatcher<number, string>({ windowMs: 5, maxSize: 200, write: async (items) => { batches.push(items); return items.map((n) => ok(`r${n}`)); } });
    const results = await Promise.all(Array.from({ length: 450 }, (_, n) => b.add(n)));
    assert.deepStrictEqual(batches.map((x) => x.length), [200, 200, 50]);
    assert.deepStrictEqual(results, Array.from({ length: 450 }, (_, n) => `r${n}`));
    assert.deepStrictEqual(b.totals, { batches: 3, items: 450, largest: 200 });
  });

  it('fails only the item whose outcome is an error', async () => {
    const b = new MicroBatcher<number, number>({ windowMs: 5, maxSize: 10, write: async (items) => items.map((n) => (n === 3 ? { ok: false, error: new Error('bad 3') } : ok(n * 10))) });
    const settled = await Promise.allSettled([1, 2, 3, 4].map((n) => b.add(n)));
    assert.deepStrictEqual(settled.map((s) => s.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((settled[2] as PromiseRejectedResult).reason), /bad 3/);
    assert.strictEqual((settled[3] as PromiseFulfilledResult<number>).value, 40);
  });

  it('fails every item of a batch whose write throws, and goes on with the next batch', async () => {
    let call = 0;
    const b = new MicroBatcher<number, number>({ windowMs: 5, maxSize: 2, write: async (items) => { if (call++ === 0) throw new Error('connection reset'); return items.map(ok); } });
    const settled = await Promise.allSettled([1, 2, 3].map((n) => b.add(n)));
    assert.deepStrictEqual(settled.map((s) => s.status), ['rejected', 'rejected', 'fulfilled']);
    assert.match(String((settled[0] as PromiseRejectedResult).reason), /connection reset/);
  });

  it('fails the batch when the writer answers a different number of outcomes', async () => {
    const b = new MicroBatcher<number, number>({ windowMs: 5, maxSize: 5, write: async () => [ok(1)] });
    await assert.rejects(Promise.all([b.add(1), b.add(2)]), /answered 1 outcomes for 2 items/);
  });

  it('never puts one key twice in a batch, so writes of a key keep their order', async () => {
    const batches: string[][] = [];
    const b = new MicroBatcher<{ id: string; v: number }, number>({
      windowMs: 5, maxSize: 100, keyOf: (item) => item.id,
      write: async (items) => { batches.push(items.map((i) => `${i.id}${i.v}`)); return items.map((i) => ok(i.v)); },
    });
    await Promise.all([{ id: 'a', v: 1 }, { id: 'b', v: 1 }, { id: 'a', v: 2 }, { id: 'c', v: 1 }, { id: 'a', v: 3 }].map((i) => b.add(i)));
    assert.deepStrictEqual(batches, [['a1', 'b1'], ['a2', 'c1'], ['a3']]);
  });

  it('writes one batch at a time; items arriving meanwhile fill the next batch', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    const b = new MicroBatcher<number, number>({
      windowMs: 0, maxSize: 100,
      write: async (items) => { batches.push(items); if (batches.length === 1) await first; return items.map(ok); },
    });
    const one = b.add(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepStrictEqual(batches, [[1]], 'the first batch is being written');
    const more = [2, 3, 4].map((n) => b.add(n));
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.strictEqual(batches.length, 1, 'nothing else is written while the first batch is');
    release();
    await Promise.all([one, ...more]);
    assert.deepStrictEqual(batches, [[1], [2, 3, 4]]);
  });

  it('flush() sends what waits without waiting for the window', async () => {
    const batches: number[][] = [];
    const b = new MicroBatcher<number, number>({ windowMs: 60_000, maxSize: 100, write: async (items) => { batches.push(items); return items.map(ok); } });
    const pending = [b.add(1), b.add(2)];
    await b.flush();
    assert.deepStrictEqual(await Promise.all(pending), [1, 2]);
    assert.deepStrictEqual(batches, [[1, 2]]);
  });

  it('refuses settings that cannot work', () => {
    const write = async () => [];
    assert.throws(() => new MicroBatcher({ windowMs: 5, maxSize: 0, write }), /maxSize must be 1 or more/);
    assert.throws(() => new MicroBatcher({ windowMs: -1, maxSize: 5, write }), /windowMs must be 0 or more/);
  });
});
