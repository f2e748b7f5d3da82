// Login checks and the login reply (protocols.md §1.3–1.4).
import { Session, defaultParameters, parameterList } from './state';
import { Reply } from './http';

function jwtSubject(token: string): string {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return String(payload.sub ?? '').toUpperCase();
  } catch {
    return '';
  }
}

/** Returns the upper-cased login name when the credentials are accepted. */
export function authenticate(data: any, users: Record<string, string>, oauthTokens: string[]): string | undefined {
  const user = String(data.LOGIN_NAME ?? '').toUpperCase();
  const authenticator = String(data.AUTHENTICATOR ?? 'SNOWFLAKE').toUpperCase();
  const password = Object.entries(users).find(([name]) => name.toUpperCase() === user)?.[1];
  let accepted = false;
  if (authenticator === 'SNOWFLAKE') accepted = password !== undefined && data.PASSWORD === password;
  else if (authenticator === 'OAUTH') accepted = oauthTokens.includes(String(data.TOKEN));
  // Key pair: the JWT's subject must name a known user. (The sandbox does not hold public keys.)
  else if (authenticator === 'SNOWFLAKE_JWT') accepted = password !== undefined && jwtSubject(String(data.TOKEN)).endsWith(`.${user}`);
  return accepted ? user : undefined;
}

export const LOGIN_REFUSED: Reply = {
  status: 200,
  body: { success: false, code: '390100', message: 'Incorrect username or password was specified.', data: { nextAction: 'RETRY_LOGIN', authnMethod: 'USERNAME_PASSWORD' } },
};

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
