// The fg-stripe-config node's properties and credentials as client settings: used by the node and by "Test connection".
import type { StripeClientSettings } from '../../lib/stripe/client';

export interface StripeConfigDef {
  id?: string;
  name?: string;
  apiVersion?: string;
  maxNetworkRetries?: string | number;
  timeoutMs?: string | number;
  ratePerSecond?: string | number;
  useCustomHost?: boolean;
  host?: string;
  port?: string | number;
  protocol?: 'http' | 'https';
}

const optionalNumber = (value: string | number | undefined): number | undefined =>
  value === undefined || value === '' || Number.isNaN(Number(value)) ? undefined : Number(value);

export function stripeClientSettings(def: StripeConfigDef, credentials: { secretKey?: string }): StripeClientSettings {
  return {
    secretKey: credentials.secretKey ?? '',
    apiVersion: def.apiVersion?.trim() || undefined,
    maxNetworkRetries: optionalNumber(def.maxNetworkRetries),
    timeoutMs: optionalNumber(def.timeoutMs),
    ratePerSecond: optionalNumber(def.ratePerSecond),
    ...(def.useCustomHost && def.host ? { host: def.host, port: optionalNumber(def.port), protocol: def.protocol ?? 'https' } : {}),
  };
}
