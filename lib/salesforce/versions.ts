// API versions and sign-in defaults. Sources: Salesforce API End-of-Life Policy (versions 31.0-68.0 supported,
// 68.0 = Winter '27); Salesforce Help 005132110 "Platform SOAP API login() Retirement" (login() is not available
// from API 65.0, retired for 31.0-64.0 in Summer '27; new orgs have it off); "Connected App to External Client
// App Migration" (external client apps do not support the username-password flow; use client credentials).
import type { AuthFlow, SalesforceConfig } from './connection';

/** The API version REST calls use unless the config node names another. */
export const DEFAULT_API_VERSION = '68.0';

/** The newest API version whose SOAP API still has login(). */
export const LAST_SOAP_LOGIN_VERSION = '64.0';

/** External client apps sign in with the client credentials flow: no user password is stored. */
export const DEFAULT_AUTH_FLOW: AuthFlow = 'client_credentials';

/** The version SOAP login() is called at: the configured one, or 64.0 when that is newer. */
export function soapLoginVersion(apiVersion: string): string {
  return Number(apiVersion) > Number(LAST_SOAP_LOGIN_VERSION) ? LAST_SOAP_LOGIN_VERSION : apiVersion;
}

/** The password flow without a client id and secret signs in through SOAP login(). */
export const usesSoapLogin = (cfg: Pick<SalesforceConfig, 'authFlow' | 'clientId' | 'clientSecret'>): boolean =>
  cfg.authFlow === 'password' && !(cfg.clientId && cfg.clientSecret);

/** A warning for the log when the configured sign-in is on its way out, or undefined. */
export function signInNotice(cfg: Pick<SalesforceConfig, 'authFlow' | 'clientId' | 'clientSecret' | 'apiVersion'>): string | undefined {
  if (usesSoapLogin(cfg)) {
    return `signs in with SOAP login() at API ${soapLoginVersion(cfg.apiVersion)} (REST calls use ${cfg.apiVersion}); `
      + "Salesforce retires login() in Summer '27 and new orgs have it off: switch to the client credentials flow of an external client app";
  }
  if (cfg.authFlow === 'password') {
    return 'uses the OAuth username-password flow, which external client apps do not support and Salesforce advises against: '
      + 'switch to the client credentials flow when you can';
  }
  return undefined;
}
