/**
 * Driver setup and connections. The snowflake-sdk has process-wide state (logger, one shared session-parameter
 * table): it is configured once here, and every FlowGuard connection goes through these options.
 */
import type snowflake from 'snowflake-sdk';

/** The driver, loaded when the first connection is configured rather than when Node-RED loads the pack (issue 17). */
function driver(): typeof snowflake {
  return require('snowflake-sdk');
}

export type AuthMethod = 'password' | 'keypair' | 'oauth';

export interface SnowflakeSettings {
  account: string;
  username: string;
  auth: AuthMethod;
  password?: string;
  privateKey?: string;
  privateKeyPass?: string;
  token?: string;
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
  if (settings.auth === 'keypair') {
    if (!settings.privateKey) throw new Error('Key-pair authentication needs a private key');
    options.authenticator = 'SNOWFLAKE_JWT';
    options.privateKey = settings.privateKey;
    if (settings.privateKeyPass) options.privateKeyPass = settings.privateKeyPass;
  } else if (settings.auth === 'oauth') {
    if (!settings.token) throw new Error('OAuth authentication needs a token');
    options.authenticator = 'OAUTH';
    options.token = settings.token;
  } else {
    if (!settings.password) throw new Error('Password authentication needs a password');
    options.password = settings.password;
  }
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  return options as unknown as snowflake.ConnectionOptions;
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
  await new Promise<void>((resolve, reject) => connection.connect((err) => (err ? reject(err) : resolve())));
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
