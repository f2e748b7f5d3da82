import { registerSecret } from '../../lib/ops/redact';
import { createLogger } from '../../lib/ops/log';
import { metrics, MetricNode } from '../../lib/ops/metrics';
import { AuthFlow, LoginTarget, SalesforceSession, resolveLoginUrl } from '../../lib/salesforce/connection';
import { LimitSnapshot } from '../../lib/salesforce/limits';
import { DEFAULT_AUTH_FLOW, signInNotice } from '../../lib/salesforce/versions';
import { DEFAULT_API_VERSION, SalesforceConfigNode } from './config-node';
import { registerSalesforceConfigRoutes } from './routes';

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
      // Nodes using this config are guarded from the start (red status, each message failed, CONFIG_MISSING).
      node.problem = (err as Error).message;
      log.error(`Salesforce config: ${node.problem}`);
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

  registerSalesforceConfigRoutes(RED);
};
