// The shipped Snowflake example flows run against the sandbox (debug nodes swapped for helper nodes).
import assert from 'node:assert/strict';
import { startSnowflakeSandbox, SnowflakeSandbox } from '../../sandbox/snowflake';
import { eventually, getNode, loadExample, receive, unload } from '../harness';

async function loadSnowflakeExample(name: string, sandbox: SnowflakeSandbox): Promise<void> {
  await loadExample(`Snowflake/${name}.json`, {
    configure: (node) => (node.type === 'fg-snowflake-config' ? { ...node, accessUrl: sandbox.url } : node),
    credentials: (node) => (node.type === 'fg-snowflake-config' ? { password: 'sandbox' } : undefined),
  });
}

describe('Snowflake examples', function () {
  this.timeout(60000);
  let sandbox: SnowflakeSandbox;
  before(async () => { sandbox = await startSnowflakeSandbox(); });
  after(() => sandbox.close());
  afterEach(() => unload());

  it('Upsert and query orders: creates the table, upserts with one MERGE (last duplicate wins), queries with a bind', async () => {
    await loadSnowflakeExample('Upsert and query orders', sandbox);
    const created = receive('sfk-ex1-ddl-ok');
    getNode('sfk-ex1-create').receive({});
    await created;
    const upserted = receive('sfk-ex1-upserted');
    getNode('sfk-ex1-orders').receive({});
    const [up] = await upserted;
    assert.equal(up.snowflake.rowsInserted, 2);
    assert.equal(up.snowflake.duplicatesDropped, 1);
    const again = receive('sfk-ex1-upserted');
    getNode('sfk-ex1-orders').receive({});
    assert.equal((await again)[0].snowflake.rowsUpdated, 2);
    const rows = receive('sfk-ex1-rows');
    getNode('sfk-ex1-query-in').receive({});
    assert.deepEqual((await rows)[0].payload, [{ ID: 1, CUSTOMER: 'acme', AMOUNT: 150, META: { channel: 'web', note: 'corrected' } }]);
  });

  it('Stream a large result with back-pressure: every batch is acknowledged by a tick and the join sees all rows', async () => {
    await loadSnowflakeExample('Stream a large result with back-pressure', sandbox);
    let batchesOut = 0;
    getNode('sfk-ex2-work').on('input', () => { batchesOut++; });
    const result = receive('sfk-ex2-result', 1, 50000);
    getNode('sfk-ex2-start').receive({});
    const [msg] = await result;
    assert.equal(msg.payload, (999999 * 1000000) / 2);
    await eventually(() => batchesOut === 100, '100 batches');
  });
});
