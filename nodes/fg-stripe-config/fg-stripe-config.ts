import { describeSdk, ResourceInfo } from '../../lib/stripe/catalog';
import { createStripeConnection, StripeConnection } from '../../lib/stripe/client';
import { parseCodeList } from '../../lib/reliability/classify';
import { registerSecret } from '../../lib/ops/redact';
import { createLogger } from '../../lib/ops/log';
import type { StripeConfigNode } from './config-node';
import { registerStripeConfigRoutes } from './routes';
import { StripeConfigDef, stripeClientSettings } from './settings';

interface StripeCredentials {
  secretKey?: string;
  /** Several signing secrets (rotation), separated by commas, spaces or new lines. */
  webhookSecrets?: string;
}

export = function (RED: any) {
  function FgStripeConfig(this: StripeConfigNode & { credentials?: StripeCredentials }, def: StripeConfigDef) {
    RED.nodes.createNode(this, def);
    setup(this, def);
  }

  function setup(node: StripeConfigNode & { credentials?: StripeCredentials }, def: StripeConfigDef) {
    const log = createLogger(node);
    const credentials = node.credentials ?? {};
    const secrets = parseCodeList(credentials.webhookSecrets);
    registerSecret(credentials.secretKey);
    secrets.forEach(registerSecret);

    let connection: StripeConnection | undefined;
    let failure: Error | undefined;
    try {
      connection = createStripeConnection(stripeClientSettings(def, credentials));
    } catch (err) {
      failure = err as Error;
      node.problem = failure.message;
      log.warn(`Stripe client not created: ${failure.message}`);
    }
    let catalog: ResourceInfo[] | undefined;

    node.connection = () => {
      if (!connection) throw failure ?? new Error('Stripe client not available');
      return connection;
    };
    node.catalog = () => (catalog ??= describeSdk(node.connection().stripe));
    node.webhookSecrets = () => [...secrets];

    node.on('close', (_removed: boolean, done: () => void) => {
      connection?.close();
      done();
    });
  }

  RED.nodes.registerType('fg-stripe-config', FgStripeConfig, {
    credentials: { secretKey: { type: 'password' }, webhookSecrets: { type: 'password' } },
  });
  registerStripeConfigRoutes(RED);
};
