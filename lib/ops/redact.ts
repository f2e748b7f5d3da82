/**
 * Secrets must never reach a log line, a DLQ entry or a dashboard response. Config nodes register the
 * secret values they hold; `redact` masks those and anything shaped like a known secret.
 */
const registered = new Set<string>();

const PATTERNS: RegExp[] = [
  /\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]{8,}/g, // Stripe API keys
  /\bwhsec_[A-Za-z0-9+/=]{8,}/g, // Stripe webhook signing secrets
  /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /(\/\/[^/\s:@]*:)[^@\s/]+@/g, // passwords in URLs: scheme://user:secret@host
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

/** Remember a secret so it is masked wherever it appears later. Short values are ignored (too many false hits). */
export function registerSecret(value: unknown): void {
  if (typeof value === 'string' && value.length >= 6) registered.add(value);
}

export function forgetSecret(value: unknown): void {
  if (typeof value === 'string') registered.delete(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of registered) if (out.includes(secret)) out = out.split(secret).join('***');
  for (const pattern of PATTERNS) out = out.replace(pattern, (m, urlPrefix?: string) => (m.startsWith('//') && urlPrefix ? `${urlPrefix}***@` : '***'));
  return out;
}

const SECRET_FIELD = /^(password|passphrase|secret|token|access_?token|refresh_?token|api_?key|secret_?key|private_?key|client_?secret|authorization|signing_?secret|cookie)$/i;

/** A deep copy of a JSON-able value with secret-named fields and secret-shaped strings masked. */
export function redactValue<T>(value: T): T {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') return key && SECRET_FIELD.test(key) ? '***' : redact(v);
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return '[circular]';
    seen.add(v);
    if (Array.isArray(v)) return Array.from(v as unknown[], (x) => walk(x));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = SECRET_FIELD.test(k) && x != null ? '***' : walk(x, k);
    return out;
  };
  return walk(value) as T;
}
