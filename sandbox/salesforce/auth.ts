// Sessions and the login flows: OAuth2 token endpoint (password, refresh_token, client_credentials, JWT bearer),
// SOAP login/logout, token revocation and the identity URL.
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { id18 } from './ids';
import { LAST_SOAP_LOGIN_VERSION, versionStatus } from './versions';

export interface SandboxUser { userId: string; username: string; password: string; securityToken: string }
export interface ConnectedApp {
  clientId: string;
  clientSecret: string;
  /** PEM public key or certificate for the JWT bearer flow. */
  jwtPublicKey?: string;
  /** The user the client credentials flow runs as. */
  runAs?: string;
}

interface Session { userId: string; expiresAt: number; oauth: boolean }

export interface AuthReply { status: number; body: unknown; contentType?: string }

export const DEFAULT_USERS: SandboxUser[] = [
  { userId: id18('0055g00000FlInt'), username: 'integration@flowguard.test', password: 'password', securityToken: 'TOKEN' },
  { userId: id18('0055g00000FlUsr'), username: 'alice@flowguard.test', password: 'password', securityToken: 'TOKEN' },
];
export const DEFAULT_APP: ConnectedApp = { clientId: 'flowguard-client', clientSecret: 'flowguard-secret', runAs: 'integration@flowguard.test' };

const token = (prefix: string): string => `${prefix}!${randomBytes(24).toString('base64url')}`;

export class Auth {
  users: SandboxUser[] = [...DEFAULT_USERS];
  apps: ConnectedApp[] = [{ ...DEFAULT_APP }];
  sessionTtlMs = 2 * 3600_000;
  /** The org setting "Enable SOAP API login()" (off by default in orgs created from Winter '26 on). */
  soapLoginEnabled = true;
  private sessions = new Map<string, Session>();
  private refreshTokens = new Map<string, { userId: string; clientId: string }>();
  loginCount = 0;

  constructor(private readonly baseUrl: () => string, private readonly organizationId: string) {}

  reset(): void {
    this.users = [...DEFAULT_USERS];
    this.apps = [{ ...DEFAULT_APP }];
    this.sessionTtlMs = 2 * 3600_000;
    this.soapLoginEnabled = true;
    this.sessions.clear();
    this.refreshTokens.clear();
    this.loginCount = 0;
  }

  /** The user id behind a bearer token, or undefined when expired / unknown. */
  userFor(accessToken: string | undefined): string | undefined {
    if (!accessToken) return undefined;
    const s = this.sessions.get(accessToken);
    if (!s) return undefined;
    if (s.expiresAt <= Date.now()) { this.sessions.delete(accessToken); return undefined; }
    return s.userId;
  }

  /** Makes every access token invalid; refresh tokens stay valid (what a session timeout does). */
  expireSessions(): number {
    const n = this.sessions.size;
    this.sessions.clear();
    return n;
  }

  issueRefreshToken(username: string, clientId: string): string {
    const user = this.users.find((u) => u.username === username);
    if (!user) throw new Error(`unknown user ${username}`);
    const rt = token('5Aep');
    this.refreshTokens.set(rt, { userId: user.userId, clientId });
    return rt;
  }

  /** Mints a session directly (tests that need a token without a login). */
  newSession(userId: string, oauth = true): string {
    const t = token(this.organizationId.slice(0, 15));
    this.sessions.set(t, { userId, expiresAt: Date.now() + this.sessionTtlMs, oauth });
    return t;
  }

  private oauthSuccess(userId: string, extra: Record<string, string> = {}): AuthReply {
    this.loginCount++;
    const base = this.baseUrl();
    return {
      status: 200,
      body: {
        access_token: this.newSession(userId), instance_url: base, id: `${base}/id/${this.organizationId}/${userId}`,
        token_type: 'Bearer', issued_at: String(Date.now()), signature: randomBytes(32).toString('base64'), ...extra,
      },
    };
  }

  private oauthError(error: string, description: string): AuthReply {
    return { status: 400, body: { error, error_description: description } };
  }

  tokenEndpoint(form: URLSearchParams): AuthReply {
    const grant = form.get('grant_type');
    const app = this.apps.find((a) => a.clientId === form.get('client_id'));
    const secretOk = (): boolean => !!app && app.clientSecret === form.get('client_secret');
    switch (grant) {
      case 'password': {
        if (!app) return this.oauthError('invalid_client_id', 'client identifier invalid');
        if (!secretOk()) return this.oauthError('invalid_client', 'invalid client credentials');
        const user = this.checkPassword(form.get('username'), form.get('password'));
        return user ? this.oauthSuccess(user.userId) : this.oauthError('invalid_grant', 'authentication failure');
      }
      case 'refresh_token': {
        const rt = this.refreshTokens.get(form.get('refresh_token') ?? '');
        if (!rt || !app || rt.clientId !== app.clientId) return this.oauthError('invalid_grant', 'expired access/refresh token');
        if (form.has('client_secret') && !secretOk()) return this.oauthError('invalid_client', 'invalid client credentials');
        return this.oauthSuccess(rt.userId);
      }
      case 'client_credentials': {
        if (!app || !secretOk()) return this.oauthError('invalid_client', 'invalid client credentials');
        const user = this.users.find((u) => u.username === app.runAs);
        return user ? this.oauthSuccess(user.userId) : this.oauthError('invalid_grant', 'no client credentials user enabled');
      }
      case 'urn:ietf:params:oauth:grant-type:jwt-bearer':
        return this.jwtBearer(form.get('assertion') ?? '');
      default:
        return this.oauthError('unsupported_grant_type', 'grant type not supported');
    }
  }

  private jwtBearer(assertion: string): AuthReply {
    const parts = assertion.split('.');
    if (parts.length !== 3) return this.oauthError('invalid_grant', 'invalid assertion');
    let header: { alg?: string };
    let claims: { iss?: string; sub?: string; aud?: string; exp?: number };
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
    } catch {
      return this.oauthError('invalid_grant', 'invalid assertion');
    }
    const app = this.apps.find((a) => a.clientId === claims.iss);
    if (!app?.jwtPublicKey) return this.oauthError('invalid_client_id', 'client identifier invalid');
    if (header.alg !== 'RS256') return this.oauthError('invalid_grant', 'invalid assertion');
    const signatureOk = verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), createPublicKey(app.jwtPublicKey), Buffer.from(parts[2], 'base64url'));
    if (!signatureOk) return this.oauthError('invalid_grant', 'invalid assertion');
    if (!claims.exp || claims.exp * 1000 < Date.now()) return this.oauthError('invalid_grant', 'expired authorization code');
    if (!claims.aud) return this.oauthError('invalid_grant', 'audience is invalid');
    const user = this.users.find((u) => u.username === claims.sub);
    return user ? this.oauthSuccess(user.userId) : this.oauthError('invalid_grant', 'user hasn\'t approved this consumer');
  }

  revoke(form: URLSearchParams): AuthReply {
    const t = form.get('token') ?? '';
    if (this.sessions.delete(t) || this.refreshTokens.delete(t)) return { status: 200, body: '' };
    return this.oauthError('unsupported_token_type', 'this token type is not supported');
  }

  identity(userId: string, accessToken: string | undefined): AuthReply {
    if (this.userFor(accessToken) !== userId) return { status: 403, body: 'Bad_OAuth_Token', contentType: 'text/plain' };
    const user = this.users.find((u) => u.userId === userId)!;
    const base = this.baseUrl();
    return {
      status: 200,
      body: {
        id: `${base}/id/${this.organizationId}/${userId}`, user_id: userId, organization_id: this.organizationId,
        username: user.username, display_name: user.username.split('@')[0], email: user.username, active: true,
        urls: { rest: `${base}/services/data/v{version}/`, sobjects: `${base}/services/data/v{version}/sobjects/` },
      },
    };
  }

  /** SOAP partner API: <login> on the login URL, <logout> on the instance. */
  soap(xml: string, version: string): AuthReply {
    // A retired or unknown version: "SOAP API returns 500:UNSUPPORTED_API_VERSION" (API End-of-Life Policy).
    if (versionStatus(version) !== 'supported') return soapFault('UNSUPPORTED_API_VERSION', 'Invalid Api version specified on URL');
    const field = (tag: string): string | undefined => new RegExp(`<(?:\\w+:)?${tag}>([^<]*)</(?:\\w+:)?${tag}>`).exec(xml)?.[1];
    if (/<(?:\w+:)?logout\b/.test(xml)) {
      const sid = field('sessionId');
      if (sid) this.sessions.delete(unescapeXml(sid));
      return soapEnvelope('<logoutResponse/>');
    }
    if (!/<(?:\w+:)?login\b/.test(xml)) return soapFault('INVALID_OPERATION', 'unsupported SOAP operation');
    // login() is not available from API 65.0 on; the fault text is what Salesforce answers (forcedotcom/wsc#363).
    if (Number(version) > LAST_SOAP_LOGIN_VERSION) {
      return soapFault('INVALID_OPERATION', `The SOAP Login operation is not available in the API version specified (${version}). Refer to the documentation for supported versions.`);
    }
    // New orgs have login() off until an admin enables it (Salesforce Help 005132110).
    if (!this.soapLoginEnabled) {
      return soapFault('INVALID_OPERATION', 'SOAP API login() is disabled by default in this org. Contact the org administrator to enable SOAP API login().');
    }
    const user = this.checkPassword(unescapeXml(field('username') ?? ''), unescapeXml(field('password') ?? ''));
    if (!user) return soapFault('INVALID_LOGIN', 'Invalid username, password, security token; or user locked out.');
    this.loginCount++;
    const sid = this.newSession(user.userId, false);
    const base = this.baseUrl();
    return soapEnvelope(
      `<loginResponse><result><metadataServerUrl>${base}/services/Soap/m/${version}/${this.organizationId}</metadataServerUrl>` +
      `<passwordExpired>false</passwordExpired><sandbox>true</sandbox>` +
      `<serverUrl>${base}/services/Soap/u/${version}/${this.organizationId}</serverUrl><sessionId>${sid}</sessionId>` +
      `<userId>${user.userId}</userId><userInfo><organizationId>${this.organizationId}</organizationId>` +
      `<userName>${user.username}</userName></userInfo></result></loginResponse>`,
    );
  }

  /** Salesforce wants password + security token appended. */
  private checkPassword(username: string | null, password: string | null): SandboxUser | undefined {
    const user = this.users.find((u) => u.username === username);
    return user && password === user.password + user.securityToken ? user : undefined;
  }
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

function soapEnvelope(inner: string): AuthReply {
  return {
    status: 200,
    contentType: 'text/xml; charset=utf-8',
    body: `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`,
  };
}

function soapFault(code: string, message: string): AuthReply {
  const reply = soapEnvelope(`<soapenv:Fault><faultcode>sf:${code}</faultcode><faultstring>${code}: ${message}</faultstring></soapenv:Fault>`);
  return { ...reply, status: 500 };
}
