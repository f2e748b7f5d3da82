// The shipped Snowflake example flows run against the sandbox (debug nodes swapped for helper nodes).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startSnowflakeSandbox, SnowflakeSandbox } from '../../sandbox/snowflake';
import { eventually, FlowNode, getNode, helper, nodeModule, receive, unload } from '../harness';

// Examples live in the source tree; this file runs from the build folder two levels below the repo root.
const EXAMPLES = [path.join(__dirname, '..', '..', '..', 'examples', 'Snowflake'), path.join(__dirname, '..', '..', 'examples', 'Snowflake')].find((dir) => fs.existsSync(dir))!;
const core = (file: string) => require(require.resolve(`@node-red/nodes/core/${file}`));

async function loadExample(name: string, sandbox: SnowflakeSandbox): Promise<void> {
  const flow: FlowNode[] = JSON.parse(fs.readFileSync(path.join(EXAMPLES, `${name}.json`), 'utf8'))
    .filter((node: FlowNode) => node.type !== 'comment')
    .map((node: FlowNode) => {
      if (node.type === 'debug') return { id: node.id, type: 'helper', z: node.z };
      if (node.type === 'fg-snowflake-config') return { ...node, accessUrl: sandbox.url };
      return node;
    });
  const tab = flow.find((node) => node.z)!.z;
  const configId = flow.find((node) => node.type === 'fg-snowflake-config')!.id;
  const modules = [require(nodeModule('fg-snowflake-config')), require(nodeModule('fg-snowflake')),
    core('common/20-inject.js'), core('common/24-complete.js'), core('function/15-change.js'), core('sequence/17-split.js')];
  await helper.load(modules, [{ id: tab, type: 'tab', label: name }, ...flow], { [configId]: { password: 'sandbox' } });
}

describe('Snowflake examples', function () {
  this.timeout(60000);
  let sandbox: SnowflakeSandbox;
  before(async () => { sandbox = await startSnowflakeSandbox(); });
  after(() => sandbox.close());
  afterEach(() => unload());

  it('Upsert and query orders: creates the table, upserts with one MERGE (last duplicate wins), queries with a bind', async () => {
    await loadExample('Upsert and query orders', sandbox);
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
    await loadExample('Stream a large result with back-pressure', sandbox);
    let batchesOut = 0;
    getNode('sfk-ex2-work').on('input', () => { batchesOut++; });
    const result = receive('sfk-ex2-result', 1, 50000);
    getNode('sfk-ex2-start').receive({});
    const [msg] = await result;
    assert.equal(msg.payload, (999999 * 1000000) / 2);
    await eventually(() => batchesOut === 100, '100 batches');
  });
});
