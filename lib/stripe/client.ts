// Builds the official Stripe client from config-node settings. Pacing is added through the SDK's documented
// `httpClient` option (every request, pages and SDK retries included, waits for the throttle); the SDK itself
// is used unmodified.

import * as http from 'http';
import * as https from 'https';
import type Stripe from 'stripe';
import { defaultRatePerSecond, Throttle } from './throttle';

export interface StripeClientSettings {
  secretKey: string;
  /** Pin, e.g. `2026-10-28.endive`; empty → the SDK's pinned version. */
  apiVersion?: string;
  maxNetworkRetries?: number;
  timeoutMs?: number;
  /** Requests per second; undefined → 25 for test keys, 100 for live keys; 0 → no pacing. */
  ratePerSecond?: number;
  /** Host override (the sandbox or a proxy). */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
}

export interface StripeConnection {
  stripe: Stripe;
  throttle: Throttle;
  livemode: boolean;
  close(): void;
}

/** The SDK, loaded when the first Stripe client is built rather than when Node-RED loads the pack (issue 17). */
export function loadStripe(): typeof Stripe {
  return require('stripe');
}

function throttledHttpClient(inner: InstanceType<typeof Stripe.HttpClient>, throttle: Throttle): InstanceType<typeof Stripe.HttpClient> {
  class ThrottledHttpClient extends loadStripe().HttpClient {
    override getClientName(): string {
      return inner.getClientName();
    }
    override async makeRequest(...args: Parameters<InstanceType<typeof Stripe.HttpClient>['makeRequest']>) {
      await throttle.acquire();
      return inner.makeRequest(...args);
    }
  }
  return new ThrottledHttpClient();
}

export function validateSecretKey(key: string | undefined): string {
  if (!key || !/^(sk|rk)_(test|live)_\S+$/.test(key)) throw new Error('Stripe secret key missing or malformed (expected sk_test_…, sk_live_…, rk_test_… or rk_live_…)');
  return key;
}

export function createStripeConnection(settings: StripeClientSettings): StripeConnection {
  const secretKey = validateSecretKey(settings.secretKey);
  const protocol = settings.protocol ?? 'https';
  const agent = protocol === 'http' ? new http.Agent({ keepAlive: true }) : new https.Agent({ keepAlive: true });
  const throttle = new Throttle(settings.ratePerSecond ?? defaultRatePerSecond(secretKey));
  const config: Stripe.StripeConfig = {
    maxNetworkRetries: settings.maxNetworkRetries ?? 2,
    timeout: settings.timeoutMs ?? 80000,
    telemetry: false,
    appInfo: { name: 'FlowGuard for Node-RED', url: 'https://github.com/flowguard/node-red-integrations' },
    httpClient: throttledHttpClient(loadStripe().createNodeHttpClient(agent), throttle),
  };
  if (settings.apiVersion) config.apiVersion = settings.apiVersion as Stripe.StripeConfig['apiVersion'];
  if (settings.host) Object.assign(config, { host: settings.host, port: settings.port, protocol });
  const StripeSdk = loadStripe();
  const stripe = new StripeSdk(secretKey, config);
  return {
    stripe,
    throttle,
    livemode: /^(sk|rk)_live_/.test(secretKey),
    close() {
      throttle.close();
      agent.destroy();
    },
  };
}
