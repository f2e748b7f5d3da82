// The fg-salesforce-config node's settings (read once by the kit) and credentials: used by the node and by
// "Test connection" with the dialog's values, so both read a value the same way.
import { AuthFlow, LoginTarget, resolveLoginUrl, SalesforceConfig } from '../../lib/salesforce/connection';
import { DEFAULT_API_VERSION, DEFAULT_AUTH_FLOW } from '../../lib/salesforce/versions';
import { matching, nonNegativeNumber, oneOf, Settings, text } from '../../lib/settings';

const LOGIN_TARGETS: readonly LoginTarget[] = ['production', 'sandbox', 'mydomain', 'custom'];
const AUTH_FLOWS: readonly AuthFlow[] = ['password', 'client_credentials', 'jwt', 'refresh_token'];

export const SALESFORCE_CONFIG_SETTINGS = {
  loginTarget: oneOf(LOGIN_TARGETS, 'production'),
  /** My Domain or custom login URL (loginTarget mydomain / custom) */
  loginUrl: text(),
  authFlow: oneOf(AUTH_FLOWS, DEFAULT_AUTH_FLOW),
  apiVersion: matching(/^v?\d+\.\d$/, DEFAULT_API_VERSION, `an API version such as ${DEFAULT_API_VERSION}`),
  /** API usage (percent of the daily limit) that logs a warning, and that holds calls back */
  warnPercent: nonNegativeNumber(80, 100),
  pausePercent: nonNegativeNumber(95, 100),
  /** the Pub/Sub API's gRPC endpoint (blank: api.pubsub.salesforce.com:7443, TLS; http:// only for a sandbox on this machine) */
  pubsubEndpoint: text(),
};

export type SalesforceConfigSettings = Settings<typeof SALESFORCE_CONFIG_SETTINGS>;

export const SALESFORCE_CREDENTIALS = {
  clientId: { type: 'text' },
  clientSecret: { type: 'password' },
  username: { type: 'text' },
  password: { type: 'password' },
  securityToken: { type: 'password' },
  privateKey: { type: 'password' },
  refreshToken: { type: 'password' },
} as const;

export type SalesforceCredentials = { [K in keyof typeof SALESFORCE_CREDENTIALS]?: string };

/** The session's configuration; a login URL that cannot work throws, naming it. */
export function salesforceSessionConfig(s: SalesforceConfigSettings, credentials: SalesforceCredentials): SalesforceConfig {
  return {
    ...credentials,
    loginUrl: resolveLoginUrl(s.loginTarget, s.loginUrl),
    apiVersion: s.apiVersion.replace(/^v/, ''),
    authFlow: s.authFlow,
    warnPercent: s.warnPercent,
    pausePercent: s.pausePercent,
  };
}
