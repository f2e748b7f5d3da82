// What the pack costs a Node-RED that does not use it (issue 17): two real Node-RED processes (red.js, as a user runs
// it; Node-RED 5 under `npm run test:nr5`) on an empty flow, one without the pack and one with it installed in the
// user dir. With the pack, no service SDK, store driver, JSONata or ajv is loaded, RSS grows by at most 15 MiB and
// the log has no warning the run without the pack does not have.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const boot = require('../../../scripts/node-red-boot.js');
const root = path.join(__dirname, '..', '..', '..');
const PACK = '@flowguard/node-red-integrations';


describe('start-up: a Node-RED with the pack and an empty flow', function () {
  this.timeout(180000);
  let without: any;
  let withPack: any;
  let tmp: string;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-startup-'));
    const bare = path.join(tmp, 'without');
    const user = path.join(tmp, 'with');
    boot.prepareUserDir(bare);
    boot.prepareUserDir(user, { [PACK]: '*' });
    fs.mkdirSync(path.join(user, 'node_modules', '@flowguard'), { recursive: true });
    fs.symlinkSync(root, path.join(user, 'node_modules', ...PACK.split('/')), 'dir');
    without = await boot.boot(bare);
    withPack = await boot.boot(user);
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('registers every node type the pack declares', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    for (const set of Object.keys(pkg['node-red'].nodes)) assert.ok(withPack.types.includes(set), `${set} registered`);
  });

  it('loads no service SDK, store driver, JSONata or ajv', () => {
    const before = new Set(without.files);
    const lazy = withPack.files.filter((f: string) => !before.has(f) && boot.LAZY.test(f));
    assert.deepStrictEqual([...boot.loadedPackages(lazy)], [], 'loaded at start-up');
    const builtins = withPack.builtins.filter((b: string) => !without.builtins.includes(b) && /sqlite/.test(b));
    assert.deepStrictEqual(builtins, [], 'node:sqlite loaded at start-up');
  });

  it('grows RSS by at most 15 MiB', () => {
    const growth = (withPack.rss - without.rss) / 2 ** 20;
    assert.ok(growth <= 15, `RSS grew by ${growth.toFixed(1)} MiB`);
  });

  it('adds no warning to the log', () => {
    const known = new Set(without.problems);
    assert.deepStrictEqual(withPack.problems.filter((line: string) => !known.has(line)), []);
    assert.deepStrictEqual(withPack.warnings, []);
  });
});
