/**
 * Secrets must never reach a log line, a DLQ entry, an export or an admin response, and ordinary words must never be
 * masked. Three rules:
 * - a field whose name is secret-shaped (`password`, `x-api-key`, `securityToken`, … see `isSecretKey`) is masked at
 *   any depth, and so is `key=value` / `key: value` text with such a key (connection strings, query strings, headers);
 * - values shaped like a known secret are masked inside any text (Stripe keys, bearer tokens, `user:pass@` in URLs,
 *   private key blocks);
 * - credentials registered by config nodes are masked inside any text when they are distinctive (8+ characters mixing
 *   letters with digits or symbols, or 16+), and otherwise only where they are a whole value: a demo password
 *   "sandbox" masks a field holding exactly "sandbox", never the word in "Salesforce sandbox".
 * Names people gave to nodes and flows (`name`, `label`, `flowName`) get the shape rules only and never end up empty.
 */
const registered = new Set<string>();
const MASK = '***';

/** Remember a credential so it is masked wherever it appears later (see the rules above). */
export function registerSecret(value: unknown): void {
  if (typeof value === 'string' && value.trim().length >= 4) registered.add(value.trim());
}

export function forgetSecret(value: unknown): void {
  if (typeof value === 'string') registered.delete(value.trim());
}

/** Distinctive enough to mask inside free text without hitting ordinary words. */
function distinctive(secret: string): boolean {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((c) => c.test(secret)).length;
  return secret.length >= 16 || (secret.length >= 8 && classes >= 2);
}

// Field names compared lower case without separators: "x-api-key", "X_API_KEY" and "xApiKey" are all "xapikey".
const SECRET_KEY_SUFFIX = /(password|passwd|passphrase|pwd|secrets?|secretkey|secretaccesskey|accountkey|sharedaccesskey|keypass|token|apikey|privatekey|authorization|cookies?)$/;
const SECRET_KEY_EXACT = new Set(['sessionid', 'sessid', 'jsessionid', 'phpsessid', 'sessionkey']);
// Business names that end like a secret but are not one: pagination cursors. Deliberately visible.
const NOT_SECRET_KEY = /(page|cursor|continuation|sync)token$/;

/**
 * A field name that holds a secret: ends in password / passwd / pwd / passphrase / secret / token / api key /
 * private key / authorization / cookie (any case or separator: `client_secret`, `x-api-key`, `securityToken`,
 * `Set-Cookie`, `private key`), or is a session id (`sessionId`, `JSESSIONID`). Names that only contain such a word
 * (`tokenizationMethod`, `idempotencyKey`, `checkoutSessionId`, `tokenType`, `nextPageToken`) are not.
 */
export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return (SECRET_KEY_SUFFIX.test(k) && !NOT_SECRET_KEY.test(k)) || SECRET_KEY_EXACT.has(k);
}

const SHAPES: RegExp[] = [
  /\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]{8,}/g, // Stripe API keys
  /\bwhsec_[A-Za-z0-9+/=]{8,}/g, // Stripe webhook signing secrets
  /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];
/** scheme://user:secret@host → scheme://user:***@host */
const URL_USERINFO = /(\/\/[^/\s:@]*:)[^@\s/]+@/g;
/**
 * key=value and key: value, the key secret-shaped: query strings (`?password=…&`, `#access_token=…`), connection
 * strings (`Password=…;`), headers (`x-api-key: …`), JSON in text (`"token":"…"`, also escaped `\"token\":\"…\"`).
 * KEY_HEAD finds lead, opening quote, key, closing quote and separator; VALUE (read only after a secret key, so text is
 * scanned once) is quoted, braced, an auth scheme with its credential, or a bare word.
 */
const KEY_HEAD = /(^|[^\w.-])(\\?["']?)([A-Za-z][\w.-]*)\\?["']?[ \t]*[=:][ \t]*/g;
/** Every secret key contains one of these: text without them skips the key=value passes (most text, fast). */
const MAY_HOLD_SECRET_KEY = /pass|pwd|secret|token|key|auth|cookie|sess/i;
const VALUE = /"(?:[^"\\]|\\.)*"|\\"(?:(?!\\")[\s\S])*\\"|'[^']*'|\{[^}]*\}|(?:Bearer|Basic|Digest|Token|Negotiate|NTLM)[ \t]+[^\s,;"'&]+|[^\s;&,'"<>()[\]{}#]+/y;
/** A cookie header's value is every pair up to the end of the line. */
const COOKIE_HEADER = /(\b(?:set-)?cookie["']?[ \t]*:[ \t]*)([^\r\n"]+)/gi;

/** A value the key=value pass already masked (bare, quoted or braced). */
const MASKED = /^[ \t]*(\\?"|'|\{)?\*\*\*(\\?"|'|\})?[ \t]*$/;

/** In a `;`-separated connection string a value runs to the next `;` (it may hold spaces): `Password=two words;` */
function maskConnectionPart(part: string): string {
  const eq = part.indexOf('=');
  const key = eq > 0 ? part.slice(0, eq).trim() : '';
  if (!/^[A-Za-z][\w .-]*$/.test(key) || !isSecretKey(key) || !part.slice(eq + 1).trim() || MASKED.test(part.slice(eq + 1))) return part;
  return `${part.slice(0, eq + 1)}${/^[ \t]*/.exec(part.slice(eq + 1))![0]}${MASK}`;
}

/** The key=value pass (KEY_HEAD, then VALUE after a secret key). */
function maskKeyValues(text: string): string {
  let out = '';
  let last = 0;
  KEY_HEAD.lastIndex = 0;
  for (let m = KEY_HEAD.exec(text); m; m = KEY_HEAD.exec(text)) {
    const [head, lead, q, key] = m;
    // a key that is not secret is stepped over, not its value: `https://h/cb?token=…` is still seen
    if (!isSecretKey(key)) {
      KEY_HEAD.lastIndex = m.index + lead.length + q.length + key.length;
      continue;
    }
    VALUE.lastIndex = m.index + head.length;
    const value = VALUE.exec(text)?.[0];
    if (!value) continue;
    out += `${text.slice(last, m.index + head.length)}${maskQuoted(value)}`;
    last = VALUE.lastIndex;
    KEY_HEAD.lastIndex = last;
  }
  return out + text.slice(last);
}

function maskQuoted(value: string): string {
  if (value.startsWith('\\"')) return `\\"${MASK}\\"`;
  if (value.startsWith('"') || value.startsWith("'")) return `${value[0]}${MASK}${value[0]}`;
  if (value.startsWith('{')) return `{${MASK}}`;
  return MASK;
}

/** Free text (a log line, an error message, a string field) with secret-shaped parts and registered credentials masked. */
export function redact(text: string): string {
  return registered.has(text.trim()) ? MASK : maskInText(text);
}

/**
 * A name someone gave a node or a flow: secret shapes masked, but a registered credential that happens to be an
 * ordinary word is left alone, and the name never becomes empty or only a mask.
 */
export function redactName(name: string): string {
  const out = maskInText(name);
  return out !== name && !out.split(MASK).join('').trim() ? '(name hidden: it held a secret)' : out;
}

function maskInText(text: string): string {
  let out = text;
  for (const secret of registered) if (distinctive(secret) && out.includes(secret)) out = out.split(secret).join(MASK);
  if (MAY_HOLD_SECRET_KEY.test(out)) {
    out = maskKeyValues(out);
    if (out.includes(';')) out = out.split(';').map(maskConnectionPart).join(';');
    out = out.replace(COOKIE_HEADER, (_m, head: string) => `${head}${MASK}`);
  }
  out = out.replace(URL_USERINFO, (_m, prefix: string) => `${prefix}${MASK}@`);
  for (const shape of SHAPES) out = out.replace(shape, MASK);
  return out;
}

/** Texts people type to name things: only the shape rules apply (see `redactName`). */
const NAME_KEY = /^(name|label|flowName|paletteLabel)$/;

/** One field's value: masked whole when the field name is secret-shaped (a flag stays visible), else redacted. */
export function redactField(key: string, value: unknown): unknown {
  return redactValue({ [key]: value })[key];
}

/** A deep copy of a JSON-able value with secret-named fields, secret-shaped strings and registered credentials masked. */
export function redactValue<T>(value: T): T {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v);
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return '[circular]';
    seen.add(v);
    if (Array.isArray(v)) return Array.from(v as unknown[], walk);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (isSecretKey(k) && x != null && x !== '' && typeof x !== 'boolean') out[k] = MASK;
      else out[k] = typeof x === 'string' && NAME_KEY.test(k) ? redactName(x) : walk(x);
    }
    return out;
  };
  return walk(value) as T;
}
