// The fg-snowflake-config node's properties and credentials as driver settings: used by the node and by its dialog's
// "Test connection" and pickers.
import type { AuthMethod, SnowflakeSettings } from '../../lib/snowflake/client';

export interface SnowflakeConfigDef {
  id?: string;
  name?: string;
  account?: string;
  username?: string;
  auth?: AuthMethod;
  warehouse?: string;
  database?: string;
  schema?: string;
  role?: string;
  queryTag?: string;
  accessUrl?: string;
  oauthClientId?: string;
  oauthTokenUrl?: string;
  oauthScope?: string;
  poolMin?: number | string;
  poolMax?: number | string;
  requestTimeout?: number | string;
  driverLog?: 'off' | 'error' | 'warn' | 'info' | 'debug';
}

export interface SnowflakeCredentials {
  password?: string;
  privateKey?: string;
  privateKeyPass?: string;
  token?: string;
  programmaticToken?: string;
  oauthClientSecret?: string;
}

export const SNOWFLAKE_CREDENTIALS = ['password', 'privateKey', 'privateKeyPass', 'token', 'programmaticToken', 'oauthClientSecret'];

export const num = (v: unknown, fallback: number): number => (v === '' || v === undefined || Number.isNaN(Number(v)) ? fallback : Number(v));

export function snowflakeSettings(def: SnowflakeConfigDef, creds: SnowflakeCredentials): SnowflakeSettings {
  return {
    account: (def.account ?? '').trim(),
    username: (def.username ?? '').trim(),
    auth: def.auth ?? 'password',
    password: creds.password,
    privateKey: creds.privateKey,
    privateKeyPass: creds.privateKeyPass,
    token: creds.token,
    programmaticToken: creds.programmaticToken,
    oauthClientId: def.oauthClientId?.trim(),
    oauthClientSecret: creds.oauthClientSecret,
    oauthTokenUrl: def.oauthTokenUrl?.trim(),
    oauthScope: def.oauthScope?.trim(),
    warehouse: def.warehouse?.trim(),
    database: def.database?.trim(),
    schema: def.schema?.trim(),
    role: def.role?.trim(),
    queryTag: def.queryTag?.trim(),
    accessUrl: def.accessUrl?.trim(),
    requestTimeoutMs: num(def.requestTimeout, 60) * 1000,
  };
}
