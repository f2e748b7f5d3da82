// The fg-snowflake-config node's settings (read once by the kit) and credentials as driver settings: used by the
// node and by its dialog's "Test connection" and pickers, so both read a value the same way.
import type { AuthMethod, SnowflakeSettings } from '../../lib/snowflake/client';
import { duration, oneOf, positiveInt, Settings, text, wholeNumber } from '../../lib/settings';

const AUTH_METHODS: readonly AuthMethod[] = ['password', 'keypair', 'oauth', 'pat', 'oauthClientCredentials'];

export const SNOWFLAKE_CONFIG_SETTINGS = {
  account: text(),
  username: text(),
  auth: oneOf(AUTH_METHODS, 'password'),
  warehouse: text(),
  database: text(),
  schema: text(),
  role: text(),
  queryTag: text('flowguard'),
  /** access URL override, e.g. the sandbox `http://127.0.0.1:PORT` */
  accessUrl: text(),
  oauthClientId: text(),
  oauthTokenUrl: text(),
  oauthScope: text(),
  poolMin: wholeNumber(0),
  poolMax: positiveInt(4),
  requestTimeoutMs: duration(60, 's', { property: 'requestTimeout' }),
  /** the driver's own log, into Node-RED's (process-wide: the last config deployed sets it) */
  driverLog: oneOf(['off', 'error', 'warn', 'info', 'debug'], 'off'),
};

export type SnowflakeConfigSettings = Settings<typeof SNOWFLAKE_CONFIG_SETTINGS>;

export const SNOWFLAKE_CREDENTIALS = {
  password: { type: 'password' },
  privateKey: { type: 'password' },
  privateKeyPass: { type: 'password' },
  token: { type: 'password' },
  programmaticToken: { type: 'password' },
  oauthClientSecret: { type: 'password' },
} as const;

export type SnowflakeCredentials = { [K in keyof typeof SNOWFLAKE_CREDENTIALS]?: string };

export function snowflakeSettings(s: SnowflakeConfigSettings, creds: SnowflakeCredentials): SnowflakeSettings {
  const { poolMin: _min, poolMax: _max, driverLog: _log, ...connection } = s;
  return { ...connection, ...creds };
}
