// One shared jsforce connection per config node: logs in lazily once, re-authenticates on
// INVALID_SESSION_ID through jsforce's refresh hook (never a login per message), tracks Sforce-Limit-Info.
import { createPrivateKey, sign } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { FlowGuardError } from '../reliability/errors';
import { LimitSnapshot, LimitTracker } from './limits';
import { soapLoginVersion, usesSoapLogin } from './versions';

export type AuthFlow = 'password' | 'client_credentials' | 'jwt' | 'refresh_token';
export type LoginTarget = 'production' | 'sandbox' | 'mydomain' | 'custom';

export interface SalesforceConfig {
  loginUrl: string;
  apiVersion: string;
  authFlow: AuthFlow;
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
  securityToken?: string;
  /** PEM private key of the connected app certificate (JWT bearer). */
  privateKey?: string;
  refreshToken?: string;
  warnPercent?: number;
  pausePercent?: number;
}

export function resolveLoginUrl(target: LoginTarget, value?: string): string {
  if (target === 'production') return 'https://login.salesforce.com';
  if (target === 'sandbox') return 'https://test.salesforce.com';
  const v = (value ?? '').trim().replace(/\/+$/, '');
  if (!v) throw new Error(`a ${target === 'mydomain' ? 'My Domain' : 'custom'} login URL is required`);
  if (target === 'mydomain' && !/^https?:\/\//.test(v)) return `https://${v.includes('.') ? v : `${v}.my.salesforce.com`}`;
  return v;
}

type Conn = any;

/**
 * A PEM pasted into a single-line password field loses its line breaks (or carries literal "\n"):
 * rebuild the 64-character lines createPrivateKey needs.
 */
export function normalisePem(key: string): string {
  const text = key.replace(/\\n/g, '\n').trim();
  const m = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) return text;
  const body = m[2].replace(/\s+/g, '').match(/.{1,64}/g)?.join('\n') ?? '';
  return `-----BEGIN ${m[1]}-----\n${body}\n-----END ${m[1]}-----\n`;
}

/** Builds an RS256 JWT bearer assertion (iss = client id, sub = username, aud = login URL). */
export function jwtAssertion(cfg: Pick<SalesforceConfig, 'clientId' | 'username' | 'loginUrl' | 'privateKey'>, now = Date.now()): string {
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${b64({ alg: 'RS256' })}.${b64({ iss: cfg.clientId, sub: cfg.username, aud: cfg.loginUrl, exp: Math.floor(now / 1000) + 180 })}`;
  const signature = sign('RSA-SHA256', Buffer.from(unsigned), createPrivateKey(normalisePem(String(cfg.privateKey))));
  return `${unsigned}.${signature.toString('base64url')}`;
}

export interface SessionEvents {
  limit: (snapshot: LimitSnapshot, changed: boolean) => void;
  login: (userId: string) => void;
}

export class SalesforceSession extends EventEmitter {
  private conn: Conn | undefined;
  private connecting: Promise<Conn> | undefined;
  readonly limits: LimitTracker;
  loginCount = 0;
  loginRetryMs = 30_000;
  private loginFailure: { at: number; error: unknown } | undefined;

  constructor(private readonly cfg: SalesforceConfig, private readonly jsforce: any = require('jsforce')) {
    super();
    this.limits = new LimitTracker(cfg.warnPercent ?? 80, cfg.pausePercent ?? 95);
  }

  get apiVersion(): string {
    return this.cfg.apiVersion;
  }

  /** The user id of the integration user (known after the first login). */
  get userId(): string | undefined {
    return this.conn?.userInfo?.id;
  }

  /**
   * The shared connection; concurrent first callers share one login. After a failed login the same error is
   * returned for `loginRetryMs` without trying again: repeated bad logins can lock the Salesforce user.
   */
  async connection(): Promise<Conn> {
    if (this.conn) return this.conn;
    if (this.loginFailure && Date.now() - this.loginFailure.at < this.loginRetryMs) throw this.loginFailure.error;
    this.connecting ??= this.login().then((c) => {
      this.conn = c;
      this.loginFailure = undefined;
      return c;
    }, (error) => {
      this.loginFailure = { at: Date.now(), error };
      throw error;
    }).finally(() => { this.connecting = undefined; });
    return this.connecting;
  }

  /** Runs one API interaction: refused while paused by the limit guard, limit info read afterwards. */
  async call<T>(fn: (conn: Conn) => Promise<T>): Promise<T> {
    if (this.limits.isPaused()) {
      const s = this.limits.snapshot!;
      throw new FlowGuardError({
        message: `Salesforce calls paused: API usage ${s.used}/${s.limit} is above the pause threshold`,
        code: 'API_USAGE_PAUSED', service: 'salesforce', retryable: true, retryAfterMs: 60_000,
      });
    }
    const conn = await this.connection();
    try {
      return await fn(conn);
    } finally {
      this.readLimits(conn);
    }
  }

  readLimits(conn: Conn): void {
    const update = this.limits.update(conn.limitInfo);
    if (update) this.emit('limit', update.snapshot, update.changed);
  }

  /** Forgets the session so the next call logs in again (e.g. a streaming handshake was refused). */
  invalidate(): void {
    this.conn = undefined;
  }

  close(): void {
    this.conn = undefined;
    this.removeAllListeners();
  }

  private oauth2(): Record<string, string | undefined> {
    return { clientId: this.cfg.clientId, clientSecret: this.cfg.clientSecret, loginUrl: this.cfg.loginUrl };
  }

  /**
   * SOAP login() exists only up to API 64.0: sign in at that version (or the configured one if older), then make
   * REST calls at the configured version with the session. A session that expires is renewed the same way.
   */
  private async soapSession(password: string): Promise<Conn> {
    const login = async (): Promise<Conn> => {
      const c = new this.jsforce.Connection({ loginUrl: this.cfg.loginUrl, version: soapLoginVersion(this.cfg.apiVersion) });
      await c.login(this.cfg.username, password);
      return c;
    };
    const first = await login();
    const refreshFn = (_c: Conn, callback: (err: Error | null, token?: string) => void): void => {
      login().then((c) => callback(null, c.accessToken), (err) => callback(err));
    };
    const conn = new this.jsforce.Connection({
      loginUrl: this.cfg.loginUrl, version: this.cfg.apiVersion, instanceUrl: first.instanceUrl, accessToken: first.accessToken, refreshFn,
    });
    conn.userInfo = first.userInfo;
    return conn;
  }

  private async login(): Promise<Conn> {
    const cfg = this.cfg;
    const base = { loginUrl: cfg.loginUrl, version: cfg.apiVersion };
    let conn: Conn;
    switch (cfg.authFlow) {
      case 'password': {
        const password = `${cfg.password ?? ''}${cfg.securityToken ?? ''}`;
        if (usesSoapLogin(cfg)) {
          conn = await this.soapSession(password);
          break;
        }
        // OAuth 2.0 username-password flow with the app's client id and secret; jsforce logs in again on 401.
        conn = new this.jsforce.Connection({ ...base, oauth2: this.oauth2() });
        await conn.login(cfg.username, password);
        break;
      }
      case 'refresh_token': {
        const oauth2 = new this.jsforce.OAuth2(this.oauth2());
        const res = await oauth2.refreshToken(cfg.refreshToken);
        // jsforce refreshes with this refresh token by itself when a call answers 401.
        conn = new this.jsforce.Connection({ ...base, oauth2: this.oauth2(), instanceUrl: res.instance_url, accessToken: res.access_token, refreshToken: cfg.refreshToken });
        conn.userInfo = userInfoFrom(res);
        break;
      }
      case 'client_credentials':
      case 'jwt': {
        const oauth2 = new this.jsforce.OAuth2(this.oauth2());
        const requestToken = (): Promise<any> => oauth2.requestToken(cfg.authFlow === 'jwt'
          ? { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwtAssertion(cfg) }
          : { grant_type: 'client_credentials' });
        // These flows have no refresh token: a new token is requested when a call answers INVALID_SESSION_ID.
        const refreshFn = (_c: Conn, callback: (err: Error | null, token?: string, res?: unknown) => void): void => {
          requestToken().then((r) => callback(null, r.access_token, r), (err) => callback(err));
        };
        const res = await requestToken();
        conn = new this.jsforce.Connection({ ...base, oauth2: this.oauth2(), refreshFn, instanceUrl: res.instance_url, accessToken: res.access_token });
        conn.userInfo = userInfoFrom(res);
        break;
      }
      default:
        throw new Error(`unknown Salesforce auth flow "${String(cfg.authFlow)}"`);
    }
    this.loginCount++;
    conn.on('refresh', () => { this.loginCount++; });
    this.emit('login', conn.userInfo?.id);
    return conn;
  }
}

function userInfoFrom(res: { id?: string }): { id: string; organizationId: string; url: string } | undefined {
  if (!res.id) return undefined;
  const parts = res.id.split('/');
  return { id: parts[parts.length - 1], organizationId: parts[parts.length - 2], url: res.id };
}
