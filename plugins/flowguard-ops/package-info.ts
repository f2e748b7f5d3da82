/**
 * Where the ops plugin's browser files are: the `resources/` folder at the root of the npm package that holds this
 * plugin, which Node-RED serves to the editor at `resources/<package name>/…` (Node-RED 1.3 and later).
 * Found once, by walking up from this file to the nearest package.json, so it holds in dist/ and in any build layout.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface PackageInfo {
  /** the npm package name, e.g. "@flowguard/node-red-integrations" */
  name: string;
  /** the package's root folder */
  root: string;
  /** the editor-relative URL prefix of its resources, e.g. "resources/@flowguard/node-red-integrations/" */
  resourcesUrl: string;
}

let cached: PackageInfo | undefined;

export function packageInfo(from: string = __dirname): PackageInfo {
  if (cached && from === __dirname) return cached;
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`flowguard-ops: no package.json above ${from}`);
    dir = up;
  }
  const name = String(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name);
  const info = { name, root: dir, resourcesUrl: `resources/${name}/` };
  if (from === __dirname) cached = info;
  return info;
}
