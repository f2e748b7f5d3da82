// Stripe webhook signatures: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`, where each v1 is
// HMAC-SHA256(secret as UTF-8 including the `whsec_` prefix, `${t}.${raw body}`). Used by the webhook node to
// verify and by the sandbox to sign, so both sides share one definition.

import { createHmac, timingSafeEqual } from 'crypto';

export const DEFAULT_TOLERANCE_SECONDS = 300;

export function computeSignature(payload: string | Buffer, secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(payload).digest('hex');
}

export function signatureHeader(payload: string | Buffer, secret: string, timestamp: number): string {
  return `t=${timestamp},v1=${computeSignature(payload, secret, timestamp)}`;
}

export type VerifyFailure = 'missing_header' | 'malformed_header' | 'no_matching_signature' | 'timestamp_outside_tolerance' | 'no_secret' | 'empty_body';

export type VerifyResult = { ok: true; timestamp: number; secretIndex: number } | { ok: false; reason: VerifyFailure };

export interface VerifyOptions {
  /** Maximum age (and future skew) of the timestamp in seconds; 0 turns the check off. */
  toleranceSeconds?: number;
  nowSeconds?: number;
}

function parseHeader(header: string): { timestamp: number; signatures: string[] } | undefined {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const item of header.split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) continue;
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === 't' && /^\d+$/.test(value)) timestamp = Number(value);
    // Only the v1 scheme counts; v0 and unknown schemes are ignored, as Stripe's libraries do. Stripe signs in
    // lower-case hex and its libraries compare the text exactly, so upper-case hex is not a signature either.
    if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
}

/**
 * Verifies a raw body against every configured secret (several during rotation); any v1 value may match.
 * Comparisons are constant-time. The tolerance check runs only after a signature matched, so a forger
 * learns nothing from timing about which check failed.
 */
export function verifySignature(rawBody: Buffer | string, header: string | undefined, secrets: readonly string[], options: VerifyOptions = {}): VerifyResult {
  const usable = secrets.filter((secret) => typeof secret === 'string' && secret.length > 0);
  if (usable.length === 0) return { ok: false, reason: 'no_secret' };
  if (!header) return { ok: false, reason: 'missing_header' };
  if (rawBody.length === 0) return { ok: false, reason: 'empty_body' };
  const parsed = parseHeader(header);
  if (!parsed) return { ok: false, reason: 'malformed_header' };
  const received = parsed.signatures.map((hex) => Buffer.from(hex, 'hex'));
  let secretIndex = -1;
  usable.forEach((secret, index) => {
    const expected = Buffer.from(computeSignature(rawBody, secret, parsed.timestamp), 'hex');
    if (received.some((candidate) => timingSafeEqual(candidate, expected)) && secretIndex < 0) secretIndex = index;
  });
  if (secretIndex < 0) return { ok: false, reason: 'no_matching_signature' };
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (tolerance > 0 && Math.abs(now - parsed.timestamp) > tolerance) return { ok: false, reason: 'timestamp_outside_tolerance' };
  return { ok: true, timestamp: parsed.timestamp, secretIndex: secrets.indexOf(usable[secretIndex]) };
}
