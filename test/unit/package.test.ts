// The Flow Library scorecard needs the network (it asks catalogue.nodered.org), so its local rules are checked here,
// plus our own: every node set has an editor file with a template and help, an icon, and appears in an example.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

function exampleFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? exampleFiles(path.join(dir, e.name)) : e.name.endsWith('.json') ? [path.join(dir, e.name)] : []));
}

describe('package: Flow Library rules and node completeness', () => {
  it('has a licence, repository, bugs, the node-red keyword, a scoped name and version floors', () => {
    assert.ok(pkg.license);
    assert.ok(pkg.repository?.url && pkg.bugs?.url);
    assert.ok(pkg.keywords.includes('node-red'));
    assert.match(pkg.name, /^@[^/]+\//);
    assert.strictEqual(pkg.engines.node, '>=20');
    assert.strictEqual(pkg['node-red'].version, '>=4.1.0');
    for (const f of ['dist/nodes', 'examples', 'README.md', 'LICENSE']) assert.ok(pkg.files.includes(f), `files lists ${f}`);
  });

  const nodeSets = Object.entries(pkg['node-red'].nodes as Record<string, string>);
  const examples = exampleFiles(path.join(root, 'examples')).map((f) => ({ file: f, flow: JSON.parse(fs.readFileSync(f, 'utf8')) as any[] }));

  for (const [name, file] of nodeSets) {
    describe(name, () => {
      const html = fs.readFileSync(path.join(root, file.replace(/\.js$/, '.html')), 'utf8');
      const types = [...html.matchAll(/RED\.nodes\.registerType\(\s*'([^']+)'/g)].map((m) => m[1]);
      const isConfig = /category:\s*'config'/.test(html);

      it('is built, with an editor template and help for every type it registers', () => {
        assert.ok(fs.existsSync(path.join(root, file)), `${file} exists (run npm run build)`);
        assert.ok(types.length > 0, 'registers at least one type');
        for (const type of types) {
          assert.match(html, new RegExp(`data-template-name="${type}"`), `${type} has an edit template`);
          assert.match(html, new RegExp(`data-help-name="${type}"`), `${type} has help text`);
        }
      });

      it('writes its help as core does: HTML with Inputs / Outputs / Details (docs/CONVENTIONS.md)', () => {
        for (const type of types) {
          const help = new RegExp(`<script type="([^"]+)" data-help-name="${type}">([\\s\\S]*?)</script>`).exec(html);
          assert.ok(help, `${type} has help text`);
          const [, mime, body] = help;
          // markdown help's property lists break on colons, backticks and braces in the descriptions (issue 14)
          assert.strictEqual(mime, 'text/html', `${type}: help is <script type="text/html">`);
          assert.match(body, /^\s*<p>/, `${type}: help opens with a paragraph (the palette tooltip)`);
          assert.match(body, /<h3>Details<\/h3>/, `${type}: a Details section`);
          assert.doesNotMatch(body, /`|\*\*|^\s*: /m, `${type}: no markdown (backticks, **, ': name (type) :' lists) in HTML help`);
          const inputs = Number(/\binputs:\s*(\d+)/.exec(html)?.[1] ?? 0);
          const outputs = Number(/\boutputs:\s*(\d+)/.exec(html)?.[1] ?? 0);
          if (inputs > 0) assert.match(body, /<h3>Inputs<\/h3>\s*<dl class="message-properties">/, `${type}: Inputs as a dl.message-properties`);
          if (outputs === 1) assert.match(body, /<h3>Outputs<\/h3>\s*<dl class="message-properties">/, `${type}: Outputs as a dl.message-properties`);
          if (outputs > 1) {
            const ports = /<h3>Outputs<\/h3>\s*<ol class="node-ports">([\s\S]*?)<\/ol>/.exec(body);
            assert.ok(ports, `${type}: several outputs as an ol.node-ports`);
            assert.strictEqual((ports[1].match(/<li>/g) ?? []).length, outputs, `${type}: one port item per output`);
          }
        }
      });

      it('ships message catalogs only if the node reads them (RED._ / this._ / data-i18n)', () => {
        // issue 16: sixteen locale files nobody read, while the docs said they held the labels
        const source = path.join(root, 'nodes', path.basename(path.dirname(file)));
        if (!fs.existsSync(path.join(source, 'locales'))) return;
        const ts = fs.readdirSync(source).filter((f) => f.endsWith('.ts')).map((f) => fs.readFileSync(path.join(source, f), 'utf8')).join('\n');
        assert.match(html + ts, /\bRED\._\(|\bthis\._\(|\bnode\._\(|data-i18n=/, `${name} has locales/ but never looks a text up in them`);
      });

      if (!isConfig) {
        it('has an icon beside it and appears in an example with a Comment node', () => {
          const icons = fs.readdirSync(path.join(root, path.dirname(file), 'icons')).filter((f) => f.endsWith('.svg') || f.endsWith('.png'));
          assert.ok(icons.length > 0, 'an icon file');
          for (const type of types) {
            const using = examples.filter((e) => e.flow.some((n) => n.type === type));
            assert.ok(using.length > 0, `an example uses ${type}`);
            assert.ok(using.some((e) => e.flow.some((n) => n.type === 'comment')), `an example using ${type} explains itself in a Comment node`);
          }
        });
      }
    });
  }

  it('ships no credentials in any example', () => {
    for (const { file, flow } of examples) {
      // The local sandbox's published test key may be named in a Comment; nothing else that looks like a secret.
      const text = JSON.stringify(flow).split('sk_test_flowguard_sandbox').join('');
      assert.ok(!/sk_(live|test)_[A-Za-z0-9]{8,}|whsec_[A-Za-z0-9]{8,}/.test(text), `${path.basename(file)} holds no Stripe secret`);
      assert.ok(flow.every((n) => !n.credentials || Object.values(n.credentials).every((v) => v === '' || v == null)), `${path.basename(file)} has no credential values`);
    }
  });
});
