/**
 * Driver setup and connections. The snowflake-sdk has process-wide state (logger, one shared session-parameter
 * table): it is configured once here, and every FlowGuard connection goes through these options.
 */
import { createPrivateKey } from 'node:crypto';
import type snowflake from 'snowflake-sdk';
import { tokenEndpointRefusal } from './errors';

/** The driver, loaded when the first connection is configured rather than when Node-RED loads the pack (issue 17). */
function driver(): typeof snowflake {
  return require('snowflake-sdk');
}

/**
 * password; keypair (a JWT signed with the user's private key, which may be encrypted); oauth (an access token given);
 * pat (a programmatic access token); oauthClientCredentials (the driver gets a token from the OAuth token endpoint with
 * a client id and secret, then signs in with it).
 */
export type AuthMethod = 'password' | 'keypair' | 'oauth' | 'pat' | 'oauthClientCredentials';

export interface SnowflakeSettings {
  account: string;
  username: string;
  auth: AuthMethod;
  password?: string;
  privateKey?: string;
  privateKeyPass?: string;
  token?: string;
  programmaticToken?: string;
  oauthClientId?: string;
  oauthClientSecret?: string;
  /** Token endpoint for client credentials; empty = the account's own `/oauth/token-request`. */
  oauthTokenUrl?: string;
  /** Scope asked for; empty = the driver's `session:role:<role>` when a role is set. */
  oauthScope?: string;
  warehouse?: string;
  database?: string;
  schema?: string;
  role?: string;
  queryTag?: string;
  /** Access URL override, e.g. the sandbox `http://127.0.0.1:PORT`. */
  accessUrl?: string;
  /** HTTP timeout per request (ms). */
  requestTimeoutMs?: number;
  /** Login attempts after the first one fails on the network (the driver's default is 7, with backoff). */
  loginRetries?: number;
}

export interface DriverLogger {
  error(text: string): void;
  warn(text: string): void;
  info(text: string): void;
  debug(text: string): void;
  trace(text: string): void;
}

let configured = false;

/**
 * Turns the driver's own file logging off (by default it writes snowflake.log into the working directory) or routes
 * it into a logger at `level`. Process-wide: the last call wins.
 */
export function configureDriver(logger?: DriverLogger, level: 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' = 'WARN'): void {
  if (!process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE) process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE = '1';
  if (logger) driver().configure({ logLevel: level, customLogger: logger });
  else driver().configure({ logLevel: 'OFF' });
  configured = true;
}

/** Logging off unless something configured the driver already (so no snowflake.log appears by accident). */
export function ensureDriverConfigured(): void {
  if (!configured) configureDriver();
}

/** Connection options for the driver. Credentials go only here, never into logs or messages. */
export function connectionOptions(settings: SnowflakeSettings): snowflake.ConnectionOptions {
  if (!settings.account) throw new Error('Snowflake account is required');
  if (!settings.username) throw new Error('Snowflake user is required');
  const options: Record<string, unknown> = {
    account: settings.account,
    username: settings.username,
    warehouse: settings.warehouse || undefined,
    database: settings.database || undefined,
    schema: settings.schema || undefined,
    role: settings.role || undefined,
    queryTag: settings.queryTag || undefined,
    accessUrl: settings.accessUrl || undefined,
    // A dead endpoint must fail in seconds: the login loop honours these (query retries are handled by our deadline).
    sfRetryMaxLoginRetries: settings.loginRetries ?? 2,
    timeout: settings.requestTimeoutMs ?? 60000,
  };
  Object.assign(options, authOptions(settings));
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  return options as unknown as snowflake.ConnectionOptions;
}

/** The driver's authenticator and credential options for the chosen method; a credential that cannot work fails here. */
function authOptions(settings: SnowflakeSettings): Record<string, unknown> {
  switch (settings.auth) {
    case 'keypair': {
      if (!settings.privateKey) throw new Error('Key-pair authentication needs a private key');
      readablePrivateKey(settings.privateKey, settings.privateKeyPass);
      return { authenticator: 'SNOWFLAKE_JWT', privateKey: settings.privateKey, privateKeyPass: settings.privateKeyPass || undefined };
    }
    case 'oauth':
      if (!settings.token) throw new Error('OAuth authentication needs a token');
      return { authenticator: 'OAUTH', token: settings.token };
    case 'pat':
      if (!settings.programmaticToken) throw new Error('Programmatic access token authentication needs a token');
      return { authenticator: 'PROGRAMMATIC_ACCESS_TOKEN', token: settings.programmaticToken };
    case 'oauthClientCredentials': {
      if (!settings.oauthClientId || !settings.oauthClientSecret) throw new Error('OAuth client credentials need a client id and a client secret');
      const tokenUrl = settings.oauthTokenUrl || (settings.accessUrl ? `${settings.accessUrl.replace(/\/+$/, '')}/oauth/token-request` : '');
      return {
        authenticator: 'OAUTH_CLIENT_CREDENTIALS', oauthClientId: settings.oauthClientId, oauthClientSecret: settings.oauthClientSecret,
        oauthTokenRequestUrl: settings.oauthTokenUrl || undefined, oauthScope: settings.oauthScope || undefined,
        oauthHttpAllowed: tokenUrl ? plainHttpAllowed(tokenUrl) : undefined,
      };
    }
    case 'password':
    case undefined:
      if (!settings.password) throw new Error('Password authentication needs a password');
      return { password: settings.password };
    default:
      throw new Error(`Unknown authentication method ${String(settings.auth)}`);
  }
}

/** A wrong passphrase or a damaged key is a configuration error, said as such (the driver would fail at each login). */
function readablePrivateKey(key: string, passphrase?: string): void {
  try {
    createPrivateKey({ key, format: 'pem', passphrase: passphrase || undefined });
  } catch (err) {
    const encrypted = /ENCRYPTED/.test(key);
    if (encrypted && !passphrase) throw new Error('Key-pair authentication: the private key is encrypted and needs its passphrase');
    if (encrypted) throw new Error('Key-pair authentication: the passphrase does not decrypt the private key');
    throw new Error(`Key-pair authentication: the private key is not a PEM private key (${(err as Error).message})`);
  }
}

/**
 * The client secret travels to the token endpoint: plain http is allowed only to this machine (the sandbox, a local
 * proxy); anywhere else the endpoint must be https.
 */
function plainHttpAllowed(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`OAuth token URL is not a URL: ${url}`);
  }
  if (parsed.protocol === 'https:') return false;
  if (parsed.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname)) return true;
  throw new Error('OAuth token URL must use https (plain http only to 127.0.0.1 / localhost)');
}

export interface PoolSettings {
  min?: number;
  max?: number;
  /** How long a statement waits for a free connection (ms). */
  acquireTimeoutMs?: number;
  idleTimeoutMs?: number;
}

export type SnowflakePool = ReturnType<typeof snowflake.createPool>;

export function createPool(settings: SnowflakeSettings, pool: PoolSettings = {}): SnowflakePool {
  ensureDriverConfigured();
  return driver().createPool(connectionOptions(settings), {
    min: pool.min ?? 0,
    max: Math.max(1, pool.max ?? 4),
    acquireTimeoutMillis: pool.acquireTimeoutMs ?? 30000,
    idleTimeoutMillis: pool.idleTimeoutMs ?? 10 * 60 * 1000,
    evictionRunIntervalMillis: 60 * 1000,
    // A borrowed connection is checked (heartbeat) so a connection whose session died is replaced, not used.
    testOnBorrow: true,
  });
}

/** Runs work on one pooled connection (temporary tables live per connection, so a multi-statement job needs one). */
export async function withConnection<T>(pool: SnowflakePool, work: (connection: snowflake.Connection) => Promise<T>): Promise<T> {
  const connection = await pool.acquire();
  let broken = false;
  try {
    return await work(connection);
  } catch (err) {
    broken = (err as { code?: string }).code === 'TIMEOUT' || !connection.isUp();
    throw err;
  } finally {
    if (broken) await pool.destroy(connection).catch(() => undefined);
    else await pool.release(connection).catch(() => undefined);
  }
}

/** Opens one connection of its own (a dialog's connection check or picker), runs work, closes it whatever happens. */
export async function withSingleConnection<T>(settings: SnowflakeSettings, work: (connection: snowflake.Connection) => Promise<T>): Promise<T> {
  ensureDriverConfigured();
  const connection = driver().createConnection(connectionOptions(settings));
  await new Promise<void>((resolve, reject) => connection.connect((err) => (err ? reject(tokenEndpointRefusal(err) ?? err) : resolve())));
  try {
    return await work(connection);
  } finally {
    await new Promise<void>((resolve) => connection.destroy(() => resolve()));
  }
}

/** Waits up to graceMs for borrowed connections to come back, then closes every session. */
export async function closePool(pool: SnowflakePool, graceMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([pool.drain(), new Promise((resolve) => { timer = setTimeout(resolve, graceMs); })]);
  clearTimeout(timer);
  await pool.clear();
}
