// The API versions the sandbox org serves, as Salesforce's API End-of-Life Policy describes them
// (developer.salesforce.com/docs/platform/api/guide/api-eol-soap.html and the REST API's api_rest_eol page):
// versions 31.0 through 68.0 (Winter '27, the current release) are supported; 7.0 through 30.0 are retired,
// and a request to a retired version gets "410:GONE" from REST and "500:UNSUPPORTED_API_VERSION" from SOAP.
// A version that does not exist (yet) is an unknown resource: REST answers 404 NOT_FOUND
// ("The requested resource does not exist"), SOAP "UNSUPPORTED_API_VERSION: Invalid Api version specified on URL".

export const CURRENT_API_VERSION = 68;
export const OLDEST_SUPPORTED_VERSION = 31;
/**
 * SOAP API login() "is not available in API versions 65.0 and later" and is retired for 31.0-64.0 in Summer '27
 * (Salesforce Help 005132110, "Platform SOAP API login() Retirement"; SOAP API login() reference).
 */
export const LAST_SOAP_LOGIN_VERSION = 64;

export type VersionStatus = 'supported' | 'retired' | 'unknown';

export function versionStatus(version: string): VersionStatus {
  const m = /^(\d+)\.0$/.exec(version);
  if (!m) return 'unknown';
  const n = Number(m[1]);
  if (n >= OLDEST_SUPPORTED_VERSION && n <= CURRENT_API_VERSION) return 'supported';
  return n >= 1 && n < OLDEST_SUPPORTED_VERSION ? 'retired' : 'unknown';
}

/** The release a version came with: three a year, 62.0 = Winter '25, 63.0 = Spring '25, 64.0 = Summer '25, … */
export function releaseName(n: number): string {
  const k = n - 62;
  const season = ['Winter', 'Spring', 'Summer'][((k % 3) + 3) % 3];
  return `${season} '${25 + Math.floor(k / 3)}`;
}

/** GET /services/data/: every version the org serves, oldest first. */
export function versionList(): Array<{ label: string; url: string; version: string }> {
  const out = [];
  for (let n = OLDEST_SUPPORTED_VERSION; n <= CURRENT_API_VERSION; n++) {
    out.push({ label: releaseName(n), url: `/services/data/v${n}.0`, version: `${n}.0` });
  }
  return out;
}
