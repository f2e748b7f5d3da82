// Login checks and the login reply (protocols.md §1.3–1.4).
import { createHash, createPublicKey, randomUUID, verify } from 'node:crypto';
import { Session, defaultParameters, parameterList } from './state';
import { Reply } from './http';

/** Who may sign in, and how (the sandbox's stand-in for users, their keys, tokens and OAuth clients). */
export interface Identities {
  /** login name → password */
  users: Record<string, string>;
  /** OAuth access tokens accepted for any known user (issued elsewhere). */
  oauthTokens: string[];
  /** login name → registered RSA public keys (PEM), as ALTER USER … SET RSA_PUBLIC_KEY / RSA_PUBLIC_KEY_2. */
  publicKeys: Record<string, string[]>;
  /** login name → programmatic access tokens. */
  programmaticTokens: Record<string, string[]>;
  /** access tokens issued by the sandbox's token endpoint → login name. */
  issuedTokens: Map<string, string>;
}

export type LoginOutcome = { user: string } | { refused: Reply };

const refusal = (code: string, message: string, authnMethod: string): { refused: Reply } => ({
  refused: { status: 200, body: { success: false, code, message, data: { nextAction: 'RETRY_LOGIN', authnMethod } } },
});
// Snowflake's answers to each kind of bad credential (a UUID follows some messages so an admin can look the reason up).
export const BAD_PASSWORD = (): { refused: Reply } => refusal('390100', 'Incorrect username or password was specified.', 'USERNAME_PASSWORD');
const BAD_JWT = () => refusal('390144', `JWT token is invalid. [${randomUUID()}]`, 'KEY_PAIR');
const BAD_OAUTH = () => refusal('390303', `Invalid OAuth access token. [${randomUUID()}]`, 'OAUTH');
const BAD_PAT = () => refusal('394400', 'Programmatic access token is invalid.', 'PROGRAMMATIC_ACCESS_TOKEN');

const known = (table: Record<string, unknown>, user: string): string | undefined => Object.keys(table).find((name) => name.toUpperCase() === user);

/**
 * Key pair: the JWT must be RS256-signed by a key registered for the user, name ACCOUNT.USER as subject and
 * ACCOUNT.USER.SHA256:<fingerprint of that key> as issuer (what the driver signs, auth_keypair.js).
 */
function jwtAccepted(token: string, account: string, user: string, keys: string[]): boolean {
  const [head, body, signature] = token.split('.');
  if (!head || !body || !signature) return false;
  let header: any;
  let claims: any;
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return false;
  }
  if (header.alg !== 'RS256') return false;
  const subject = `${account.toUpperCase()}.${user}`;
  if (String(claims.sub ?? '').toUpperCase() !== subject) return false;
  // The driver puts milliseconds in exp; Snowflake allows at most an hour.
  const exp = Number(claims.exp);
  const expMs = exp > 1e12 ? exp : exp * 1000;
  if (!Number.isFinite(expMs) || expMs < Date.now()) return false;
  return keys.some((pem) => {
    const key = createPublicKey(pem);
    const fingerprint = `SHA256:${createHash('sha256').update(key.export({ format: 'der', type: 'spki' })).digest('base64')}`;
    return String(claims.iss ?? '').toUpperCase() === `${subject}.${fingerprint}`.toUpperCase()
      && verify('RSA-SHA256', Buffer.from(`${head}.${body}`), key, Buffer.from(signature, 'base64url'));
  });
}

/** Checks a login request's credentials the way its AUTHENTICATOR says they are carried (protocols.md §1.3). */
export function authenticate(data: any, ids: Identities): LoginOutcome {
  const user = String(data.LOGIN_NAME ?? '').toUpperCase();
  const authenticator = String(data.AUTHENTICATOR ?? 'SNOWFLAKE').toUpperCase();
  const token = String(data.TOKEN ?? '');
  switch (authenticator) {
    case 'SNOWFLAKE': {
      const name = known(ids.users, user);
      return name !== undefined && data.PASSWORD === ids.users[name] ? { user } : BAD_PASSWORD();
    }
    case 'SNOWFLAKE_JWT': {
      const name = known(ids.publicKeys, user);
      return name !== undefined && jwtAccepted(token, String(data.ACCOUNT_NAME ?? ''), user, ids.publicKeys[name]) ? { user } : BAD_JWT();
    }
    case 'PROGRAMMATIC_ACCESS_TOKEN': {
      const name = known(ids.programmaticTokens, user);
      return name !== undefined && token !== '' && ids.programmaticTokens[name].includes(token) ? { user } : BAD_PAT();
    }
    case 'OAUTH': {
      // A token names its user; a LOGIN_NAME sent with it must be that user.
      const owner = ids.issuedTokens.get(token);
      if (owner !== undefined) return !user || user === owner ? { user: owner } : BAD_OAUTH();
      return ids.oauthTokens.includes(token) && known(ids.users, user) !== undefined ? { user } : BAD_OAUTH();
    }
    default:
      return BAD_PASSWORD();
  }
}

/**
 * The OAuth token endpoint for the client credentials grant (RFC 6749 §4.4, client_secret_post or Basic): issues a
 * short-lived access token for the client's user, or answers invalid_client / unsupported_grant_type as JSON.
 */
export function tokenRequest(form: URLSearchParams, authorization: string | undefined, clients: Record<string, { secret: string; user: string }>, issued: Map<string, string>): Reply {
  let clientId = form.get('client_id') ?? '';
  let secret = form.get('client_secret') ?? '';
  const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '')?.[1];
  if (basic) {
    const [id, pass] = Buffer.from(basic, 'base64').toString('utf8').split(':');
    clientId = decodeURIComponent(id ?? '');
    secret = decodeURIComponent(pass ?? '');
  }
  if (form.get('grant_type') !== 'client_credentials') {
    return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'The sandbox token endpoint serves the client_credentials grant only.' } };
  }
  const client = clients[clientId];
  if (!client || client.secret !== secret) return { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed.' } };
  const accessToken = `sandbox-oauth-${randomUUID()}`;
  issued.set(accessToken, client.user.toUpperCase());
  return { status: 200, body: { access_token: accessToken, token_type: 'Bearer', expires_in: 600, scope: form.get('scope') ?? undefined } };
}

/** The defaults, overridden by the session parameters the driver sent (keep-alive, bigint, query tag). */
export function sessionParameters(data: any): Session['parameters'] {
  const parameters = defaultParameters();
  for (const [name, value] of Object.entries(data.SESSION_PARAMETERS ?? {})) {
    if (parameters.has(name) && name !== 'CLIENT_STAGE_ARRAY_BINDING_THRESHOLD') parameters.set(name, value as string | number | boolean);
  }
  return parameters;
}

export function loginData(session: Session): unknown {
  return {
    token: session.token, masterToken: session.masterToken, validityInSeconds: 3600, masterValidityInSeconds: 14400,
    sessionId: session.id, idToken: null, mfaToken: null, displayUserName: session.names.user, serverVersion: '9.0.0-sandbox', firstLogin: false,
    healthCheckInterval: 45, parameters: parameterList(session.parameters),
    sessionInfo: {
      databaseName: session.engine.database || null, schemaName: session.engine.schema || null,
      warehouseName: session.names.warehouse || null, roleName: session.names.role,
    },
  };
}
