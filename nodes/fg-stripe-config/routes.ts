// "Test connection" for fg-stripe-config: GET /v1/account with the key and host as entered in the dialog.
import { createStripeConnection, loadStripe } from '../../lib/stripe/client';
import { readSettings } from '../../lib/settings';
import { registerConnectionTest } from '../shared/admin-routes';
import type { RED } from '../shared/kit';
import { STRIPE_CONFIG_SETTINGS, stripeClientSettings } from './settings';

export function registerStripeConfigRoutes(RED: RED): void {
  registerConnectionTest(RED, 'stripe', 'fg-stripe-config', ['secretKey'], ['useCustomHost', 'host', 'port', 'protocol'], async ({ config, credentials }) => {
    // One attempt, unpaced: the user is waiting for the answer.
    const settings = { ...stripeClientSettings(readSettings(STRIPE_CONFIG_SETTINGS, config), credentials), maxNetworkRetries: 0, ratePerSecond: 0 };
    const connection = createStripeConnection(settings);
    try {
      const account = await connection.stripe.accounts.retrieveCurrent();
      const mode = connection.livemode ? 'live' : 'test';
      const name = account.settings?.dashboard?.display_name || account.business_profile?.name || '';
      const apiVersion = settings.apiVersion || loadStripe().API_VERSION;
      return {
        summary: `Connected to ${name ? `${name} (${account.id})` : account.id} in ${mode} mode, API version ${apiVersion}`,
        details: { account: account.id, name, mode, country: account.country, apiVersion },
      };
    } finally {
      connection.close();
    }
  });
}
