/**
 * PostgreSQL for tests: PG_URL (default postgres://postgres@127.0.0.1:5432/test), a schema of the run's own, dropped after.
 * When no server answers: with CI=true the suite fails with a clear message; otherwise the Postgres suites are skipped
 * with one loud line saying how to run them.
 */
import { randomUUID } from 'crypto';
import { Client } from 'pg';

export const PG_URL = process.env.PG_URL || 'postgres://postgres@127.0.0.1:5432/test';

let available: Promise<boolean> | undefined;
let warned = false;

/** A schema name unique to this test run (and `part`), for PostgresStore's `schema` option. */
export function runSchema(part = ''): string {
  return `fgtest_${process.pid}_${randomUUID().slice(0, 8)}${part ? `_${part}` : ''}`;
}

export function postgresAvailable(): Promise<boolean> {
  available ??= (async () => {
    const client = new Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return true;
    } catch {
      return false;
    }
  })();
  return available;
}

/** Call in a `before(function () {...})`: skips (locally) or fails (CI) the suite when PostgreSQL is down. */
export async function requirePostgres(ctx: Mocha.Context): Promise<void> {
  if (await postgresAvailable()) return;
  if (process.env.CI === 'true') {
    throw new Error(`PostgreSQL is required in CI but nothing answers at ${PG_URL}. Start it (pg_ctlcluster <version> main start) or set PG_URL.`);
  }
  if (!warned) {
    warned = true;
    console.warn(`\n!!! POSTGRES SUITES SKIPPED: no PostgreSQL at ${PG_URL}. Start one or set PG_URL, then run npm test again. !!!\n`);
  }
  ctx.skip();
}

/** Drops schemas a test run created (and everything in them). */
export async function dropSchemas(...schemas: string[]): Promise<void> {
  if (!schemas.length || !(await postgresAvailable())) return;
  const client = new Client({ connectionString: PG_URL });
  client.on('error', () => undefined);
  await client.connect();
  try {
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS "${s.replace(/"/g, '')}" CASCADE`);
  } finally {
    await client.end();
  }
}
