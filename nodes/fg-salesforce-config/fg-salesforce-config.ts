import { metrics } from '../../lib/ops/metrics';
import { SalesforceSession } from '../../lib/salesforce/connection';
import { LimitSnapshot } from '../../lib/salesforce/limits';
import { PubSubClient, pubsubTarget } from '../../lib/salesforce/pubsub/client';
import { signInNotice } from '../../lib/salesforce/versions';
import { defineConfigNode } from '../shared/kit';
import type { SalesforceConfig } from './config-node';
import { registerSalesforceConfigRoutes } from './routes';
import { SALESFORCE_CONFIG_SETTINGS, SALESFORCE_CREDENTIALS, salesforceSessionConfig } from './settings';

export = defineConfigNode('fg-salesforce-config', {
  settings: SALESFORCE_CONFIG_SETTINGS,
  credentials: SALESFORCE_CREDENTIALS,
  init: registerSalesforceConfigRoutes,
  setup({ node, settings, credentials, log, onClose }): SalesforceConfig {
    // A login URL that cannot work throws here: the nodes using this config are guarded from the start.
    const sessionConfig = salesforceSessionConfig(settings, credentials);
    // One session (one jsforce connection, one login) shared by every node using this config.
    const session = new SalesforceSession(sessionConfig);
    onClose(() => session.close());
    // An endpoint that cannot work (plain http to another machine) is this config's problem from the start.
    pubsubTarget(settings.pubsubEndpoint);
    let pubsub: PubSubClient | undefined;
    onClose(() => pubsub?.close());
    const notice = signInNotice(sessionConfig);
    if (notice) log.warn(`Salesforce config ${notice}`, { code: 'SIGN_IN_RETIRING' });
    session.setMaxListeners(0);
    session.on('login', (userId?: string) => log.info('Salesforce session established', { userId }));
    session.on('limit', (s: LimitSnapshot, changed: boolean) => {
      metrics.gauge(node, 'salesforce_api_usage_percent', s.percent);
      if (!changed) return;
      const text = `Salesforce API usage ${s.used}/${s.limit} (${s.percent.toFixed(1)}%)`;
      if (s.level === 'pause') log.warn(`${text}: above the pause threshold, calls are held back`, { code: 'API_USAGE_PAUSED' });
      else if (s.level === 'warn') log.warn(`${text}: above the warning threshold`, { code: 'API_USAGE_HIGH' });
      else log.info(`${text}: back to normal`);
    });
    return {
      session,
      apiVersion: sessionConfig.apiVersion,
      onLimit: (listener) => {
        session.on('limit', listener);
        return () => void session.off('limit', listener);
      },
      pubsub: () => {
        // The session's token, instance and org id go with every call; a refused token makes the caller invalidate the session.
        pubsub ??= new PubSubClient({
          endpoint: settings.pubsubEndpoint,
          auth: async () => {
            const conn = await session.connection();
            const tenantId = conn.userInfo?.organizationId;
            if (!tenantId) throw new Error('the Salesforce session names no org id (needed as the Pub/Sub tenantid)');
            return { accessToken: conn.accessToken, instanceUrl: conn.instanceUrl, tenantId };
          },
        });
        return pubsub;
      },
    };
  },
});
