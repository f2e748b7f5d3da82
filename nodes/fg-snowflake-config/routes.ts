// Admin routes of fg-snowflake-config: "Test connection" (sign in with the dialog's values, read the session's account,
// user, role, warehouse, database and schema) and the pickers' listings (SHOW WAREHOUSES / DATABASES / SCHEMAS / TABLES):
// for the config dialog with the values it holds (one connection of its own), for fg-snowflake through the deployed
// config node's pool. Names typed by the user reach SQL only as identifiers (objectIdentifier); listings are cached.
import { createHash } from 'node:crypto';
import type snowflake from 'snowflake-sdk';
import { SnowflakeSettings, withConnection, withSingleConnection } from '../../lib/snowflake/client';
import { execute } from '../../lib/snowflake/execute';
import { exactIdentifier, objectIdentifier } from '../../lib/snowflake/identifiers';
import { readSettings, SettingError } from '../../lib/settings';
import { maskSecrets, PickerCache, postedBody, registerConnectionTest, registerOnce, Request, resolveCredentials, Response } from '../shared/admin-routes';
import type { RED } from '../shared/kit';
import type { SnowflakeConfigNode } from './config-node';
import { SNOWFLAKE_CONFIG_SETTINGS, SNOWFLAKE_CREDENTIALS, snowflakeSettings } from './settings';

/** Where a Snowflake config sends its secrets: a saved secret is only used towards the deployed values of these. */
const SNOWFLAKE_TARGET = ['account', 'accessUrl', 'oauthTokenUrl'];
const CREDENTIAL_FIELDS = Object.keys(SNOWFLAKE_CREDENTIALS);

/** The driver settings for a dialog's values, read as the deployed node reads them. */
const dialogSettings = (config: Record<string, unknown>, credentials: Record<string, string | undefined>) =>
  promptly(snowflakeSettings(readSettings(SNOWFLAKE_CONFIG_SETTINGS, config), credentials));

const LISTS = ['warehouses', 'databases', 'schemas', 'tables'] as const;
type ListName = typeof LISTS[number];

/** One entry of a picker: the name as Snowflake stores it, the text to put in the field, a hint. */
export interface ListedObject { name: string; identifier: string; label: string }

const pickers = new PickerCache();
/** Cache owner for listings made with a dialog's values (keyed by a hash of those values, credentials included). */
const POSTED = {};

/** A dialog's check must answer promptly: one login attempt, a short request timeout. */
const promptly = (settings: SnowflakeSettings): SnowflakeSettings => ({ ...settings, loginRetries: 0, requestTimeoutMs: Math.min(settings.requestTimeoutMs ?? 60000, 30000) });

/** The SHOW statement of a listing; database / schema as typed (identifiers), or the session's current ones. */
export function listingSql(list: ListName, database?: string, schema?: string): string {
  switch (list) {
    case 'warehouses': return 'SHOW WAREHOUSES';
    case 'databases': return 'SHOW DATABASES';
    case 'schemas':
      return database ? `SHOW SCHEMAS IN DATABASE ${objectIdentifier(database)}` : 'SHOW SCHEMAS IN DATABASE';
    default:
      if (schema) return `SHOW TABLES IN SCHEMA ${database ? `${objectIdentifier(database)}.` : ''}${objectIdentifier(schema)}`;
      return database ? `SHOW TABLES IN DATABASE ${objectIdentifier(database)}` : 'SHOW TABLES IN SCHEMA';
  }
}

async function listing(connection: snowflake.Connection, sql: string, list: ListName): Promise<ListedObject[]> {
  const { rows } = await execute(connection, { sqlText: sql });
  return rows.map((row) => {
    const name = String(row.name);
    const label = list === 'warehouses' ? `${String(row.size ?? '')} ${String(row.state ?? '')}`.trim()
      : list === 'tables' ? `${String(row.database_name)}.${String(row.schema_name)}, ${String(row.rows ?? 0)} rows`
        : list === 'schemas' ? String(row.database_name) : String(row.comment ?? '');
    return { name, identifier: exactIdentifier(name), label };
  });
}

function describeSession(row: Record<string, unknown>): string {
  const where = row.DATABASE_NAME ? `${String(row.DATABASE_NAME)}.${String(row.SCHEMA_NAME ?? '')}` : 'no database';
  return `Connected to account ${String(row.ACCOUNT)} as ${String(row.USER_NAME)}, role ${String(row.ROLE_NAME ?? 'none')}, `
    + `warehouse ${String(row.WAREHOUSE ?? 'none')}, ${where}`;
}

export function registerSnowflakeConfigRoutes(RED: RED): void {
  registerConnectionTest(RED, 'snowflake', 'fg-snowflake-config', CREDENTIAL_FIELDS, SNOWFLAKE_TARGET, async ({ config, credentials }) => {
    const settings = dialogSettings(config, credentials);
    const row = await withSingleConnection(settings, async (connection) => (await execute(connection, {
      sqlText: 'SELECT CURRENT_ACCOUNT() AS ACCOUNT, CURRENT_USER() AS USER_NAME, CURRENT_ROLE() AS ROLE_NAME, '
        + 'CURRENT_WAREHOUSE() AS WAREHOUSE, CURRENT_DATABASE() AS DATABASE_NAME, CURRENT_SCHEMA() AS SCHEMA_NAME',
    })).rows[0]);
    const text = (key: string) => (row[key] === null || row[key] === undefined ? '' : String(row[key]));
    return {
      summary: describeSession(row),
      details: { account: text('ACCOUNT'), user: text('USER_NAME'), role: text('ROLE_NAME'), warehouse: text('WAREHOUSE'), database: text('DATABASE_NAME'), schema: text('SCHEMA_NAME') },
    };
  });

  // POST /flowguard/snowflake/browse { id, list, database?, schema?, config?, credentials? }: with `config` the dialog's
  // values are used (credentials as for Test connection), without it the deployed config node `id`.
  registerOnce(RED, 'snowflake/browse', () => {
    RED.httpAdmin.post('/flowguard/snowflake/browse', RED.auth.needsPermission('flowguard.write'), async (req: Request, res: Response) => {
      const body = postedBody(req) ?? {};
      const list = body.list as ListName;
      const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
      let sql: string;
      try {
        if (!LISTS.includes(list)) throw new Error(`list must be one of ${LISTS.join(', ')}`);
        sql = listingSql(list, text(body.database), text(body.schema));
      } catch (err) {
        return void res.status(400).json({ error: (err as Error).message });
      }
      let credentials: Record<string, string | undefined> = {};
      try {
        if (body.config && typeof body.config === 'object') {
          const config = body.config as Record<string, unknown>;
          credentials = resolveCredentials(RED, text(body.id), body.credentials, CREDENTIAL_FIELDS, 'fg-snowflake-config', config, SNOWFLAKE_TARGET);
          const settings = dialogSettings(config, credentials);
          const key = createHash('sha256').update(JSON.stringify([body.id, settings, sql])).digest('hex');
          return void res.json(await pickers.get(POSTED, key, () => withSingleConnection(settings, (c) => listing(c, sql, list))));
        }
        const cfg = RED.nodes.getNode(String(body.id)) as SnowflakeConfigNode | null;
        if (cfg?.problem) return void res.status(409).json({ error: `Snowflake config cannot be used: ${cfg.problem}` });
        if (!cfg?.getPool) return void res.status(404).json({ error: 'Deploy the Snowflake config node first, then reopen this dialog' });
        const pool = cfg.getPool();
        res.json(await pickers.get(pool, sql, () => withConnection(pool, (c) => listing(c, sql, list))));
      } catch (err) {
        // A dialog value that cannot work is the request's fault, not Snowflake's.
        const status = err instanceof SettingError ? 400 : 502;
        res.status(status).json({ error: `Snowflake: ${maskSecrets((err as Error).message, credentials)}` });
      }
    });
  });
}
