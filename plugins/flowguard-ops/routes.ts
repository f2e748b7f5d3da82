/**
 * HTTP side of the ops plugin. Admin routes under /flowguard/ops: JSON behind flowguard.read (labels from the
 * editor behind flowguard.write); the page holds no data and is public like the editor's own index page. The
 * browser files are package resources that Node-RED itself serves (resources/<package>/…). The Prometheus text
 * endpoint is on httpNode, off unless a path is configured, and therefore covered by httpNodeAuth / httpNodeMiddleware.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FlowGuardMetrics } from '../../lib/ops/metrics';
import { packageInfo } from './package-info';
import { OpsTracker } from './state';

/** The page: a static file beside this module (the build copies it), read once and completed on first request. */
const PAGE_FILE = path.join(__dirname, 'ops-page.html');

/**
 * The page with the editor theme's stylesheets (a theme plugin or editorTheme.page.css: the same list Node-RED's
 * own debug pop-out window uses) and the package's resources path filled in. Relative URLs: the page lives at
 * <admin root>/flowguard/ops/page, so "../../" is the admin root, whatever prefix a proxy adds.
 */
export function opsPage(settings: any, read: (file: string) => string = (f) => fs.readFileSync(f, 'utf8')): string {
  let themeCss: string[] = [];
  try {
    themeCss = settings?.editorTheme?.page?._?.css ?? [];
  } catch {
    // no theme
  }
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return read(PAGE_FILE)
    .replace('<!-- FLOWGUARD-THEME-CSS -->', themeCss.map((href) => `<link rel="stylesheet" href="../../${esc(String(href))}">`).join('\n'))
    .split('__RESOURCES__').join(esc(packageInfo().resourcesUrl));
}

/** The configured Prometheus path: settings.js `flowguard.prometheus.path`, else env FLOWGUARD_PROMETHEUS_PATH; off when neither. */
export function prometheusPath(settings: any): string | undefined {
  const configured = settings?.flowguard?.prometheus?.path ?? process.env.FLOWGUARD_PROMETHEUS_PATH;
  if (typeof configured !== 'string' || !configured.trim()) return undefined;
  const p = configured.trim();
  return p.startsWith('/') ? p : `/${p}`;
}

const servedAdmin = new WeakSet<object>();
const servedNode = new WeakSet<object>();

/**
 * Registers the routes once per express app; they read the current tracker through `current`, so a restart of the
 * plugin (tests) does not stack routes.
 */
export function registerRoutes(RED: any, metrics: FlowGuardMetrics, current: () => OpsTracker | undefined): void {
  const admin = RED.httpAdmin;
  if (admin && !servedAdmin.has(admin)) {
    servedAdmin.add(admin);
    const read = RED.auth.needsPermission('flowguard.read');
    const withTracker = (fn: (t: OpsTracker, res: any, req: any) => void) => (req: any, res: any) => {
      const tracker = current();
      if (!tracker) return void res.status(503).json({ error: 'the FlowGuard ops plugin is not running', code: 'OPS_STOPPED' });
      fn(tracker, res, req);
    };
    admin.get('/flowguard/ops/state', read, withTracker((t, res) => res.json(t.state())));
    admin.get('/flowguard/ops/history', read, withTracker((t, res) => res.json({ minutes: t.history() })));
    admin.get('/flowguard/ops/metrics', read, async (_req: any, res: any) => {
      res.set('Content-Type', metrics.registry.contentType).send(await metrics.metrics());
    });
    admin.put('/flowguard/ops/labels', RED.auth.needsPermission('flowguard.write'), withTracker((t, res, req) => {
      const body = req.body ?? {};
      if (!body.labels || typeof body.labels !== 'object' || Array.isArray(body.labels)) {
        return void res.status(400).json({ error: 'malformed request: send {"labels": {"<node or flow id>": "<label>", …}}', code: 'OPS_BAD_REQUEST' });
      }
      res.json({ taken: t.setLabels(body.labels) });
    }));
    let page: string | undefined;
    admin.get('/flowguard/ops/page', (req: any, res: any) => {
      // "…/page/" would move every relative URL of the page one folder down.
      if (req.path.endsWith('/')) return void res.redirect(`../page${req.url.slice(req.path.length)}`);
      try {
        page ??= opsPage(RED.settings);
      } catch (err) {
        return void res.status(500).type('text').send(`the FlowGuard ops page is missing from this installation (${(err as Error).message}); reinstall the package`);
      }
      res.set('Cache-Control', 'no-cache').type('html').send(page);
    });
  }

  const metricsPath = prometheusPath(RED.settings);
  const node = RED.httpNode;
  if (metricsPath && node && !servedNode.has(node)) {
    servedNode.add(node);
    node.get(metricsPath, async (_req: any, res: any) => {
      try {
        res.set('Content-Type', metrics.registry.contentType).send(await metrics.metrics());
      } catch (err) {
        res.status(500).type('text').send(`metrics unavailable: ${(err as Error).message}`);
      }
    });
    RED.log?.info?.(`[flowguard-ops] Prometheus metrics on ${metricsPath} (httpNode)`);
  }
}
