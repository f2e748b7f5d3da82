// lib/snowflake operations against the sandbox with the unmodified driver: bulk insert / upsert statement counts,
// streaming with bounded memory, async execution, deadlines.
import assert from 'node:assert/strict';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { startSnowflakeSandbox, SnowflakeSandbox } from '../../sandbox/snowflake';
import { closePool, createPool, SnowflakePool, withConnection, SnowflakeSettings } from '../../lib/snowflake/client';
import { execute, fetchResults, stream, submitAndWait } from '../../lib/snowflake/execute';
import { insertRows, upsertRows } from '../../lib/snowflake/operations';
import { toSnowflakeError } from '../../lib/snowflake/errors';

// A full GC before each heap sample, so the bound measures what is retained, not garbage waiting for collection.
v8.setFlagsFromString('--expose-gc');
const gc: () => void = vm.runInNewContext('gc');
const retainedHeap = (): number => { gc(); return process.memoryUsage().heapUsed; };

describe('lib/snowflake operations against the sandbox', function () {
  this.timeout(60000);
  let sandbox: SnowflakeSandbox;
  let pool: SnowflakePool;
  let settings: SnowflakeSettings;

  before(async () => {
    sandbox = await startSnowflakeSandbox({ asyncThresholdMs: 200 });
    settings = { account: 'sandbox', username: 'sandbox', auth: 'password', password: 'sandbox', accessUrl: sandbox.url, database: 'OPS_DB', schema: 'PUBLIC', warehouse: 'WH' };
    pool = createPool(settings, { min: 0, max: 2 });
    await withConnection(pool, (c) => execute(c, { sqlText: 'create or replace table facts (id int, name string, amount number(12,2), meta variant)' }));
  });

  after(async () => {
    if (pool) await closePool(pool);
    await sandbox?.close();
  });

  const statements = (): number => sandbox.stats.statements;

  // The node tests (test/nodes/fg-snowflake.test.ts) run the 100,000-row and 1,000,000-row versions.
  it('inserts rows with array binds in ceil(rows / chunk) statements', async () => {
    const rows = Array.from({ length: 20000 }, (_, i) => ({ id: i, name: `n${i}`, amount: i / 4, meta: { i } }));
    const before = statements();
    const result = await insertRows(pool, 'facts', rows, { limits: { maxRows: 5000, maxBytes: 64 * 1024 * 1024 } });
    assert.equal(result.rowsInserted, 20000);
    assert.equal(result.chunks, 4);
    assert.equal(statements() - before, 4);
    const check = await withConnection(pool, (c) => execute(c, { sqlText: 'select count(*) as n, sum(amount) as s from facts' }));
    assert.equal(check.rows[0].N, 20000);
    assert.equal(check.rows[0].S, (19999 * 20000) / 2 / 4);
  });

  it('upserts rows with staging + one MERGE in ≤ 3 + chunks statements', async () => {
    // Half the keys exist (updates), half are new (inserts).
    const rows = Array.from({ length: 20000 }, (_, i) => ({ id: i + 10000, name: `u${i + 10000}`, amount: 1 }));
    const before = statements();
    const result = await upsertRows(pool, 'facts', rows, ['id'], { limits: { maxRows: 10000, maxBytes: 64 * 1024 * 1024 } });
    const used = statements() - before;
    assert.equal(result.chunks, 2);
    assert.ok(used <= 3 + result.chunks, `used ${used} statements`);
    assert.equal(result.rowsUpdated, 10000);
    assert.equal(result.rowsInserted, 10000);
    const merges = sandbox.queryLog.filter((q) => q.kind === 'MERGE');
    assert.equal(merges.length, 1);
    const check = await withConnection(pool, (c) => execute(c, { sqlText: "select count(*) as n, count_if(name like 'u%') as u from facts" }));
    assert.equal(check.rows[0].N, 30000);
    assert.equal(check.rows[0].U, 20000);
  });

  it('streams 300,000 rows in batches with bounded heap', async () => {
    const baseline = retainedHeap();
    let peak = 0;
    let seen = 0;
    let lastN = -1;
    let ordered = true;
    const result = await withConnection(pool, (c) => stream(c, {
      sqlText: "select seq4() as n, 'row-payload-padding-' || seq4() as s from table(generator(rowcount => 300000))",
      batchSize: 5000,
      onBatch: async (rows) => {
        for (const row of rows) { if ((row.N as number) !== lastN + 1) ordered = false; lastN = row.N as number; }
        seen += rows.length;
        if (seen % 50000 === 25000) peak = Math.max(peak, retainedHeap() - baseline);
        await new Promise((resolve) => setImmediate(resolve));
      },
    }));
    assert.equal(result.rows, 300000);
    assert.equal(seen, 300000);
    assert.equal(result.batches, 60);
    assert.ok(ordered, 'rows arrive in order');
    // Holding 300,000 such rows takes ~80 MB of heap (1,000,000 measured ~275 MB with execute()); streaming stays
    // at a few batches.
    assert.ok(peak < 24 * 1024 * 1024, `heap grew by ${Math.round(peak / 1048576)} MB`);
  });

  it('runs a long statement asynchronously with progress, then fetches its rows', async () => {
    sandbox.faults.latencyMs = 500;
    try {
      const progress: string[] = [];
      const rows = await withConnection(pool, async (c) => {
        const queryId = await submitAndWait(c, { sqlText: 'select 41 + 1 as answer', pollMs: 100, onProgress: (status) => progress.push(status) });
        return fetchResults(c, queryId);
      });
      assert.deepEqual(rows, [{ ANSWER: 42 }]);
      assert.ok(progress.includes('RUNNING'));
    } finally {
      sandbox.faults.latencyMs = 0;
    }
  });

  it('surfaces a failed async statement as a SQL error', async () => {
    await assert.rejects(withConnection(pool, (c) => submitAndWait(c, { sqlText: 'select * from missing_table', pollMs: 50 })),
      (err: any) => toSnowflakeError(err).code === '002003');
  });

  it('gives up at the deadline instead of retrying for hours', async () => {
    sandbox.faults.latencyMs = 1500;
    try {
      await assert.rejects(withConnection(pool, (c) => execute(c, { sqlText: 'select 1 as late', deadlineMs: 300 })), (err: any) => {
        const e = toSnowflakeError(err);
        return e.code === 'TIMEOUT' && e.retryable;
      });
    } finally {
      sandbox.faults.latencyMs = 0;
    }
    sandbox.faults.latencyMs = 1500;
    try {
      await assert.rejects(withConnection(pool, (c) => stream(c, { sqlText: 'select 2 as late', deadlineMs: 300, batchSize: 10, onBatch: async () => undefined })),
        (err: any) => toSnowflakeError(err).code === 'TIMEOUT');
    } finally {
      sandbox.faults.latencyMs = 0;
    }
    // The pool destroyed the timed-out connections. The driver still resends each abandoned request once; wait until
    // the sandbox has refused them (deleted sessions), so no driver retry loop outlives the sandbox.
    while (sandbox.stats.invalidTokenRejections < 2) await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it('reports an unreachable endpoint as a retryable network error (login retries are bounded)', async () => {
    const dead = createPool({ ...settings, accessUrl: 'http://127.0.0.1:9' }, { max: 1 });
    try {
      await assert.rejects(withConnection(dead, (c) => execute(c, { sqlText: 'select 1' })), (err: any) => {
        const e = toSnowflakeError(err);
        return e.code === 'ECONNREFUSED' && e.retryable;
      });
    } finally {
      await closePool(dead);
    }
  });

  it('fails fast on wrong credentials with 390100', async () => {
    const bad = createPool({ ...settings, password: 'nope' }, { max: 1, acquireTimeoutMs: 5000 });
    try {
      await assert.rejects(withConnection(bad, (c) => execute(c, { sqlText: 'select 1' })), (err: any) => toSnowflakeError(err).code === '390100');
    } finally {
      await closePool(bad);
    }
  });
});
