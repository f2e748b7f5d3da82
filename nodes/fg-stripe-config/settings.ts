// The fg-stripe-config node's settings (read once by the kit) and credentials as client settings: used by the node
// and by "Test connection" with the dialog's values, so both read a value the same way.
import type { StripeClientSettings } from '../../lib/stripe/client';
import { boolean, duration, nonNegativeNumber, oneOf, positiveInt, Settings, text, wholeNumber } from '../../lib/settings';

export const STRIPE_CONFIG_SETTINGS = {
  /** pin, e.g. `2026-10-28.endive`; empty: the SDK's pinned version */
  apiVersion: text(),
  maxNetworkRetries: wholeNumber(2),
  timeoutMs: duration(80000, 'ms'),
  /** requests per second; empty: 25 for test keys, 100 for live keys; 0: no pacing */
  ratePerSecond: nonNegativeNumber(undefined),
  useCustomHost: boolean(false),
  host: text(),
  port: positiveInt(undefined, 65535),
  protocol: oneOf(['http', 'https'], 'https'),
};

export type StripeConfigSettings = Settings<typeof STRIPE_CONFIG_SETTINGS>;

export const STRIPE_CREDENTIALS = {
  secretKey: { type: 'password' },
  /** several signing secrets (rotation), separated by commas, spaces or new lines */
  webhookSecrets: { type: 'password' },
} as const;

export function stripeClientSettings(s: StripeConfigSettings, credentials: { secretKey?: string }): StripeClientSettings {
  return {
    secretKey: credentials.secretKey ?? '',
    apiVersion: s.apiVersion || undefined,
    maxNetworkRetries: s.maxNetworkRetries,
    timeoutMs: s.timeoutMs,
    ratePerSecond: s.ratePerSecond,
    ...(s.useCustomHost && s.host ? { host: s.host, port: s.port, protocol: s.protocol } : {}),
  };
}
