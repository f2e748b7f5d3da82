// Each node's editor defaults (the `defaults` of its .html) against its runtime settings (lib/settings parsers
// declared in the node's definition): a flow saved before a property existed has no value for it, so the runtime
// reads the parser's default, while the editor shows (and saves on the next deploy) its own default. They must be
// the same value, or opening and saving a flow changes what it does.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import type { NodeModule } from '../../nodes/shared/kit';

const NODES_DIR = path.join(__dirname, '..', '..', 'nodes');

/** Something every editor global can be: any property, any call, gives another one. */
function anything(): any {
  const fn = function () { return anything(); };
  return new Proxy(fn, { get: (_t, prop) => (prop === Symbol.toPrimitive ? () => '' : anything()) });
}

/** Runs a node's editor script with RED.nodes.registerType recording the definitions. */
function editorDefinitions(html: string): Map<string, any> {
  const defs = new Map<string, any>();
  const RED = new Proxy({}, {
    get: (_t, prop) => (prop === 'nodes' ? { registerType: (type: string, def: any) => defs.set(type, def) } : anything()),
  });
  for (const [, code] of html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)) {
    vm.runInNewContext(code, { RED, $: anything(), window: anything(), document: anything(), FlowGuardEditor: anything(), console });
  }
  return defs;
}

describe('editor defaults equal runtime defaults', () => {
  for (const dir of fs.readdirSync(NODES_DIR).filter((d) => d.startsWith('fg-'))) {
    const modFile = path.join(NODES_DIR, dir, `${dir}.js`);
    if (!fs.existsSync(modFile)) continue;
    it(dir, () => {
      const mod: NodeModule = require(modFile);
      assert.ok(mod.settings, `${dir} is defined with the node kit (defineNode / defineConfigNode)`);
      const html = fs.readFileSync(path.join(NODES_DIR, dir, `${dir}.html`), 'utf8');
      const editor = editorDefinitions(html).get(mod.type);
      assert.ok(editor, `${dir}.html registers ${mod.type}`);
      const defaults: Record<string, { value: unknown }> = editor.defaults;
      const byProperty = new Map(Object.entries(mod.settings).map(([name, s]) => [s.property ?? name, s]));
      for (const [property, d] of Object.entries(defaults)) {
        if (property === 'name' || property in mod.configs) continue;
        const setting = byProperty.get(property);
        assert.ok(setting, `${mod.type}: the editor has "${property}", the runtime reads no such setting`);
        // (through JSON: values made in the script's own context have other prototypes)
        assert.deepStrictEqual(setting.parse(JSON.parse(JSON.stringify(d.value ?? null))), setting.parse(undefined), `${mod.type}.${property}: editor default ${JSON.stringify(d.value)} reads differently from a flow without it`);
      }
      for (const property of byProperty.keys()) assert.ok(property in defaults, `${mod.type}: the runtime reads "${property}", the editor has no default for it`);
      for (const property of Object.keys(mod.configs)) assert.ok(property in defaults, `${mod.type}: config "${property}" is in the editor`);
    });
  }
});
