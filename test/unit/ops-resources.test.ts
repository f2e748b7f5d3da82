// The ops plugin's browser files are package resources (resources/ at the package root, which Node-RED serves at
// resources/<package>/…) and the page is a static file: every file the sidebar and the page load exists and ships,
// and the page gets the editor theme's stylesheets like Node-RED's debug pop-out window.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { packageInfo } from '../../plugins/flowguard-ops/package-info';
import { opsPage } from '../../plugins/flowguard-ops/routes';

const root = path.join(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('ops plugin resources', () => {
  it('finds its package: name, root, the resources URL Node-RED serves', () => {
    const info = packageInfo();
    assert.strictEqual(info.name, pkg.name);
    assert.strictEqual(fs.realpathSync(info.root), fs.realpathSync(root));
    assert.strictEqual(info.resourcesUrl, `resources/${pkg.name}/`);
  });

  it('ships resources/ with every file the sidebar tab and the page load', () => {
    assert.ok(pkg.files.includes('resources'), 'package.json "files" lists resources');
    const sidebar = fs.readFileSync(path.join(root, 'plugins', 'flowguard-ops', 'flowguard-ops.html'), 'utf8');
    const sidebarFiles = JSON.parse(/var FILES = (\[[^\]]*\])/.exec(sidebar)![1].replace(/'/g, '"'));
    const page = opsPage({});
    const pageFiles = [...page.matchAll(/"\.\.\/\.\.\/resources\/[^"]*\/([^"/]+)"/g)].map((m) => m[1]);
    assert.ok(pageFiles.length >= 5, `the page loads its files from the resources: ${pageFiles}`);
    for (const file of [...sidebarFiles, 'ops.css', ...pageFiles]) assert.ok(fs.existsSync(path.join(root, 'resources', file)), `resources/${file}`);
  });

  it('adds the editor theme\'s stylesheets to the page, escaped', () => {
    const page = opsPage({ editorTheme: { page: { _: { css: ['theme/css/dark.css', 'x"><script>'] } } } });
    assert.ok(page.includes('<link rel="stylesheet" href="../../theme/css/dark.css">'));
    assert.ok(page.includes('href="../../x&#34;&#62;&#60;script&#62;"'), 'no markup from settings');
    assert.ok(page.indexOf('theme/css/dark.css') < page.indexOf('ops.css'), 'before our own stylesheet, which uses its variables');
  });

  it('reads the page file once per call, not from a repository path', () => {
    const reads: string[] = [];
    opsPage({}, (file) => { reads.push(file); return '<!-- FLOWGUARD-THEME-CSS -->__RESOURCES__'; });
    assert.deepStrictEqual(reads.map((f) => path.basename(f)), ['ops-page.html']);
    assert.strictEqual(path.dirname(reads[0]), path.join(__dirname, '..', '..', 'plugins', 'flowguard-ops'), 'beside the compiled plugin');
  });
});
