// Every shipped example imports into a real Node-RED process through the admin API and starts cleanly (no unknown
// node types, no errors while starting), with its config nodes pointed at the sandboxes; and every non-config node
// of the pack appears in at least one example.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunningSandboxes } from '../../sandbox/main';
import { pointAtSandboxes, startAllSandboxes } from './sandboxes';
import { fetchExample, FlowNode, NodeRedProcess, ROOT, startNodeRed } from './runtime';

const EXAMPLES = path.join(ROOT, 'examples');
const examples = fs.readdirSync(EXAMPLES).flatMap((dir) =>
  fs.readdirSync(path.join(EXAMPLES, dir)).filter((f) => f.endsWith('.json')).map((f) => `${dir}/${f.replace(/\.json$/, '')}`)).sort();

describe('e2e: every example deploys', function () {
  this.timeout(60000);
  let sandboxes: RunningSandboxes;
  let red: NodeRedProcess;

  before(async () => {
    sandboxes = await startAllSandboxes();
    red = await startNodeRed();
  });
  after(async () => {
    await red?.close();
    await sandboxes?.close();
  });

  it('covers every non-config node of the pack', () => {
    const used = new Set(examples.flatMap((name) => (JSON.parse(fs.readFileSync(path.join(EXAMPLES, `${name}.json`), 'utf8')) as FlowNode[]).map((n) => n.type)));
    const nodes = fs.readdirSync(path.join(ROOT, 'nodes')).filter((t) => t.startsWith('fg-') && !t.endsWith('-config'));
    assert.deepEqual(nodes.filter((t) => !used.has(t)), []);
  });

  for (const name of examples) {
    it(name, async () => {
      const flow = await fetchExample(red, name);
      const before = red.output().length;
      await red.deploy(pointAtSandboxes(flow, sandboxes.info, red));
      await new Promise((r) => setTimeout(r, 300));
      const log = red.output().slice(before);
      assert.doesNotMatch(log, /\[error\]|Waiting for missing types|unknown type/i, log);
    });
  }
});
