import { registerSecret } from '../../lib/ops/redact';
import { createLogger } from '../../lib/ops/log';
import { metrics, MetricNode } from '../../lib/ops/metrics';
import { AuthFlow, LoginTarget, SalesforceSession, resolveLoginUrl } from '../../lib/salesforce/connection';
import { LimitSnapshot } from '../../lib/salesforce/limits';
import { DEFAULT_AUTH_FLOW, signInNotice } from '../../lib/salesforce/versions';
import { DEFAULT_API_VERSION, SalesforceConfigNode } from './config-node';

interface ConfigDef {
  id: string;
  name?: string;
  loginTarget?: LoginTarget;
  loginUrl?: string;
  authFlow?: AuthFlow;
  apiVersion?: string;
  warnPercent?: number | string;
  pausePercent?: number | string;
}

interface Credentials {
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
  securityToken?: string;
  privateKey?: string;
  refreshToken?: string;
}

const routesRegistered = new WeakSet<object>();

const num = (v: unknown, fallback: number): number => (v === '' || v === undefined || Number.isNaN(Number(v)) ? fallback : Number(v));

export = function (RED: any) {
  function FgSalesforceConfig(this: SalesforceConfigNode & { credentials?: Credentials }, def: ConfigDef) {
    RED.nodes.createNode(this, def);
    setup(this, def);
  }

  function setup(node: SalesforceConfigNode & { credentials?: Credentials }, def: ConfigDef): void {
    const log = createLogger(node);
    const creds = node.credentials ?? {};
    for (const secret of [creds.clientSecret, creds.password, creds.securityToken, creds.privateKey, creds.refreshToken]) registerSecret(secret);

    node.apiVersion = String(def.apiVersion || DEFAULT_API_VERSION).replace(/^v/, '');
    let loginUrl = '';
    try {
      loginUrl = resolveLoginUrl(def.loginTarget ?? 'production', def.loginUrl);
    } catch (err) {
      log.error(`Salesforce config: ${(err as Error).message}`);
    }
    // One session (one jsforce connection, one login) shared by every node using this config.
    const authFlow = def.authFlow || DEFAULT_AUTH_FLOW;
    node.session = new SalesforceSession({
      loginUrl, apiVersion: node.apiVersion, authFlow, ...creds,
      warnPercent: num(def.warnPercent, 80), pausePercent: num(def.pausePercent, 95),
    });
    const notice = signInNotice({ ...creds, authFlow, apiVersion: node.apiVersion });
    if (notice) log.warn(`Salesforce config ${notice}`, { code: 'SIGN_IN_RETIRING' });
    node.session.setMaxListeners(0);
    node.session.on('login', (userId?: string) => log.info('Salesforce session established', { userId }));
    node.session.on('limit', (s: LimitSnapshot, changed: boolean) => {
      metrics.gauge(node as unknown as MetricNode, 'salesforce_api_usage_percent', s.percent);
      if (!changed) return;
      const text = `Salesforce API usage ${s.used}/${s.limit} (${s.percent.toFixed(1)}%)`;
      if (s.level === 'pause') log.warn(`${text}: above the pause threshold, calls are held back`, { code: 'API_USAGE_PAUSED' });
      else if (s.level === 'warn') log.warn(`${text}: above the warning threshold`, { code: 'API_USAGE_HIGH' });
      else log.info(`${text}: back to normal`);
    });

    node.onLimit = (listener) => {
      node.session.on('limit', listener);
      return () => node.session.off('limit', listener);
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      node.session.close();
      done();
    });
  }

  RED.nodes.registerType('fg-salesforce-config', FgSalesforceConfig, {
    credentials: {
      clientId: { type: 'text' },
      clientSecret: { type: 'password' },
      username: { type: 'text' },
      password: { type: 'password' },
      securityToken: { type: 'password' },
      privateKey: { type: 'password' },
      refreshToken: { type: 'password' },
    },
  });

  // Editor pickers: object and field lists from describe, through the deployed config node's session.
  // Once per admin app (a module-level flag would miss the fresh app each test runtime gets).
  if (routesRegistered.has(RED.httpAdmin)) return;
  routesRegistered.add(RED.httpAdmin);
  const permission = RED.auth.needsPermission('flowguard.read');
  const withSession = (req: any, res: any): SalesforceSession | undefined => {
    const cfg = RED.nodes.getNode(req.params.id) as SalesforceConfigNode | null;
    if (!cfg?.session) {
      res.status(404).json({ error: 'Deploy the Salesforce config node first, then reopen this dialog.' });
      return undefined;
    }
    return cfg.session;
  };
  RED.httpAdmin.get('/flowguard/salesforce/:id/sobjects', permission, async (req: any, res: any) => {
    const session = withSession(req, res);
    if (!session) return;
    try {
      const g: any = await session.call((c: any) => c.describeGlobal());
      res.json(g.sobjects.map((s: any) => ({ name: s.name, label: s.label })));
    } catch (err) {
      res.status(502).json({ error: (err as Error).message });
    }
  });
  RED.httpAdmin.get('/flowguard/salesforce/:id/sobjects/:object/fields', permission, async (req: any, res: any) => {
    const session = withSession(req, res);
    if (!session) return;
    try {
      const d: any = await session.call((c: any) => c.sobject(req.params.object).describe());
      res.json(d.fields.map((f: any) => ({ name: f.name, label: f.label, type: f.type, externalId: f.externalId === true, required: !f.nillable && f.createable && !f.defaultedOnCreate })));
    } catch (err) {
      res.status(502).json({ error: (err as Error).message });
    }
  });
};
