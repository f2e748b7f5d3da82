import { describeSdk, ResourceInfo } from '../../lib/stripe/catalog';
import { createStripeConnection } from '../../lib/stripe/client';
import { parseCodeList } from '../../lib/reliability/classify';
import { registerSecret } from '../../lib/ops/redact';
import { defineConfigNode } from '../shared/kit';
import type { StripeConfig } from './config-node';
import { registerStripeConfigRoutes } from './routes';
import { STRIPE_CONFIG_SETTINGS, STRIPE_CREDENTIALS, stripeClientSettings } from './settings';

export = defineConfigNode('fg-stripe-config', {
  settings: STRIPE_CONFIG_SETTINGS,
  credentials: STRIPE_CREDENTIALS,
  init: registerStripeConfigRoutes,
  setup({ settings, credentials, onClose }): StripeConfig {
    // Each signing secret on its own: the field holds several.
    const secrets = parseCodeList(credentials.webhookSecrets);
    secrets.forEach(registerSecret);
    // No key or a malformed one throws: the config shows it, and the Stripe nodes using it fail each message naming it.
    const connection = createStripeConnection(stripeClientSettings(settings, credentials));
    onClose(() => connection.close());
    let catalog: ResourceInfo[] | undefined;
    return {
      connection: () => connection,
      catalog: () => (catalog ??= describeSdk(connection.stripe)),
      webhookSecrets: () => [...secrets],
    };
  },
});
