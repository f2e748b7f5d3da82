/**
 * HTTP side of the ops plugin. Admin routes under /flowguard/ops (JSON behind flowguard.read; the page shell and
 * its script hold no data and are public like the editor's own index page). The Prometheus text endpoint is on
 * httpNode, off unless a path is configured, and therefore covered by httpNodeAuth / httpNodeMiddleware.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FlowGuardMetrics } from '../../lib/ops/metrics';
import { OPS_PAGE } from './page';
import { OpsTracker } from './state';

/** The browser side of the view, in load order: shared helpers, the DLQ browser, the view itself. */
const VIEW_FILES = ['ui.js', 'dlq-browser.js', 'ops-view.js'];

/** dist/plugins/flowguard-ops/ after a build (the build copies them); the source folder when run from another outDir (tests). */
function viewScript(): string {
  const dir = fs.existsSync(path.join(__dirname, VIEW_FILES[0])) ? __dirname : path.join(__dirname, '..', '..', '..', 'plugins', 'flowguard-ops');
  return VIEW_FILES.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
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
    const withTracker = (fn: (t: OpsTracker, res: any) => void) => (_req: any, res: any) => {
      const tracker = current();
      if (!tracker) return void res.status(503).json({ error: 'the FlowGuard ops plugin is not running', code: 'OPS_STOPPED' });
      fn(tracker, res);
    };
    admin.get('/flowguard/ops/state', read, withTracker((t, res) => res.json(t.state())));
    admin.get('/flowguard/ops/history', read, withTracker((t, res) => res.json({ minutes: t.history() })));
    admin.get('/flowguard/ops/metrics', read, async (_req: any, res: any) => {
      res.set('Content-Type', metrics.registry.contentType).send(await metrics.metrics());
    });
    admin.get('/flowguard/ops/page', (_req: any, res: any) => {
      res.set('Cache-Control', 'no-store').type('html').send(OPS_PAGE);
    });
    admin.get('/flowguard/ops/view.js', (_req: any, res: any) => {
      res.set('Cache-Control', 'no-cache').type('application/javascript').send(viewScript());
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
