// SHOW WAREHOUSES / DATABASES / SCHEMAS / TABLES, answered from the sandbox's catalog with the columns Snowflake
// documents, in its order, names lower-case as Snowflake returns them:
//   https://docs.snowflake.com/en/sql-reference/sql/show-warehouses
//   https://docs.snowflake.com/en/sql-reference/sql/show-databases
//   https://docs.snowflake.com/en/sql-reference/sql/show-schemas
//   https://docs.snowflake.com/en/sql-reference/sql/show-tables
// Clauses: LIKE '<pattern>' (case-insensitive), IN ACCOUNT | DATABASE [<db>] | SCHEMA [<schema>] | <schema> (SCHEMAS
// and TABLES), STARTS WITH '<prefix>' (case-sensitive), LIMIT <n>. Without IN, SCHEMAS and TABLES list the current
// database, or the account when none is in use. Columns with the prefix is_ are 'Y' / 'N'. Values the sandbox does not
// track (sizes, owners' grants, budgets) are the ones a fresh account shows. Other SHOW commands and TERSE are refused.
import type { DuckDBValue } from '@duckdb/node-api';
import type { EngineSession, StatementResult } from './engine';
import { normaliseName } from './engine';
import { fromDuckName, toDuckName } from './names';

import { sqlError, unsupported } from './errors';
import { significant, Token, tokenize } from './tokens';

/** A catalog column holding names, as Snowflake shows them (names.ts). */
const plain = (column: string): string => `replace(${column}, chr(57344), '')`;

export interface ShowContext {
  engine: EngineSession;
  /** Warehouses the account has (sandbox option) and the session's current one. */
  warehouses: string[];
  warehouse: string;
  /** When the sandbox started: the created_on of everything in it. */
  createdOn: Date;
}

interface Scope { kind: 'account' | 'database' | 'schema'; database?: string; schema?: string }

interface Parsed { object: string; like?: string; scope?: Scope; startsWith?: string; limit?: number }

const OBJECTS = new Set(['WAREHOUSES', 'DATABASES', 'SCHEMAS', 'TABLES']);

const syntaxError = (token: Token | undefined) =>
  sqlError('001003', '42000', `SQL compilation error:\nsyntax error line 1 unexpected '${token?.text ?? '<EOF>'}'.`);
const stringValue = (token: Token | undefined): string => {
  if (token?.kind !== 'string') throw syntaxError(token);
  return token.text.slice(1, -1).replace(/''/g, "'");
};
const isName = (token: Token | undefined): boolean => token?.kind === 'word' || token?.kind === 'quoted';

function parse(tokens: Token[]): Parsed {
  let i = 1;
  const word = () => tokens[i]?.text.toUpperCase();
  if (word() === 'TERSE') throw unsupported('SHOW TERSE');
  const object = word();
  if (!OBJECTS.has(object)) throw unsupported(`SHOW ${object ?? ''}`.trim());
  i++;
  const parsed: Parsed = { object };
  /** A name, or two joined by a dot (db.schema). */
  const names = (): string[] => {
    const out = [normaliseName(tokens[i++].text)];
    while (tokens[i]?.text === '.' && isName(tokens[i + 1])) {
      out.push(normaliseName(tokens[i + 1].text));
      i += 2;
    }
    return out;
  };
  while (i < tokens.length) {
    const clause = word();
    if (clause === 'LIKE' && parsed.like === undefined) {
      parsed.like = stringValue(tokens[i + 1]);
      i += 2;
    } else if (clause === 'IN' && !parsed.scope && (object === 'SCHEMAS' || object === 'TABLES')) {
      i++;
      const target = word();
      if (target === 'ACCOUNT') { parsed.scope = { kind: 'account' }; i++; continue; }
      if (target === 'DATABASE') {
        i++;
        parsed.scope = { kind: 'database', database: isName(tokens[i]) && !['STARTS', 'LIMIT'].includes(word()) ? names()[0] : undefined };
        continue;
      }
      if (object === 'SCHEMAS') throw syntaxError(tokens[i]);
      if (target === 'SCHEMA') i++;
      if (!isName(tokens[i]) || ['STARTS', 'LIMIT'].includes(word())) {
        if (target !== 'SCHEMA') throw syntaxError(tokens[i]);
        parsed.scope = { kind: 'schema' };
        continue;
      }
      const parts = names();
      if (parts.length > 2) throw syntaxError(tokens[i - 1]);
      parsed.scope = parts.length === 2 ? { kind: 'schema', database: parts[0], schema: parts[1] } : { kind: 'schema', schema: parts[0] };
    } else if (clause === 'STARTS' && tokens[i + 1]?.text.toUpperCase() === 'WITH' && parsed.startsWith === undefined) {
      parsed.startsWith = stringValue(tokens[i + 2]);
      i += 3;
    } else if (clause === 'LIMIT' && tokens[i + 1]?.kind === 'number' && parsed.limit === undefined) {
      parsed.limit = Number(tokens[i + 1].text);
      i += 2;
      if (word() === 'FROM') throw unsupported('SHOW … LIMIT … FROM');
    } else {
      throw syntaxError(tokens[i]);
    }
  }
  return parsed;
}

const yesNo = (condition: string) => `CASE WHEN ${condition} THEN 'Y' ELSE 'N' END`;

/** Returns the result when sqlText is a SHOW command the sandbox answers, undefined when it is no SHOW command. */
export async function runShowCommand(context: ShowContext, sqlText: string): Promise<StatementResult | undefined> {
  const tokens = significant(tokenize(sqlText)).filter((t) => t.text !== ';');
  if (tokens[0]?.text.toUpperCase() !== 'SHOW') return undefined;
  const parsed = parse(tokens);
  const engine = context.engine;
  const values: DuckDBValue[] = [];
  const param = (value: DuckDBValue): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const created = `${param(context.createdOn.toISOString())}::TIMESTAMPTZ`;
  const filters: string[] = [];
  if (parsed.like !== undefined) filters.push(`"name" ILIKE ${param(parsed.like)} ESCAPE '\\'`);
  if (parsed.startsWith !== undefined) filters.push(`starts_with("name", ${param(parsed.startsWith)})`);

  const databases = (await engine.catalog(`SELECT database_name FROM duckdb_databases() WHERE NOT internal AND database_name <> 'memory'`))
    .map((row) => fromDuckName(String(row[0])));
  const requireDatabase = (name: string) => {
    if (!databases.includes(name)) throw sqlError('002003', '02000', `SQL compilation error:\nDatabase '${name}' does not exist or not authorized.`);
  };
  /** The databases / the schema a SCHEMAS or TABLES command covers. */
  const scope = (): { databases: string[]; schema?: string } => {
    const s = parsed.scope;
    if (!s) return { databases: engine.database ? [engine.database] : databases };
    if (s.kind === 'account') return { databases };
    if (s.kind === 'database') {
      const name = s.database ?? engine.database;
      if (!name) return { databases };
      requireDatabase(name);
      return { databases: [name] };
    }
    const database = s.database ?? engine.database;
    const schema = s.schema ?? engine.schema;
    if (!database || !schema) throw sqlError('090105', '22000', 'Cannot perform SHOW. This session does not have a current database. Call \'USE DATABASE\', or use a qualified name.');
    requireDatabase(database);
    return { databases: [database], schema };
  };
  const inList = (names: string[]) => (names.length ? names.map((n) => param(n)).join(', ') : 'NULL');

  let sql: string;
  let order = '"name"';
  switch (parsed.object) {
    case 'WAREHOUSES': {
      const names = [...new Set([...context.warehouses, ...(context.warehouse ? [context.warehouse] : [])])];
      sql = `SELECT w.n AS "name", 'SUSPENDED' AS "state", 'STANDARD' AS "type", 'X-Small' AS "size", 1 AS "min_cluster_count",
        1 AS "max_cluster_count", 0 AS "started_clusters", 0 AS "running", 0 AS "queued", 'N' AS "is_default",
        ${yesNo(`w.n = ${param(context.warehouse)}`)} AS "is_current", 600 AS "auto_suspend", 'true' AS "auto_resume",
        '' AS "available", '' AS "provisioning", '' AS "quiescing", '' AS "other", ${created} AS "created_on",
        ${created} AS "resumed_on", ${created} AS "updated_on", 'SYSADMIN' AS "owner", '' AS "comment",
        'false' AS "enable_query_acceleration", 8 AS "query_acceleration_max_scale_factor", 'null' AS "resource_monitor",
        0 AS "actives", 0 AS "pendings", 0 AS "failed", 0 AS "suspended", md5(w.n) AS "uuid", 'STANDARD' AS "scaling_policy",
        NULL::VARCHAR AS "budget", 'ROLE' AS "owner_role_type", NULL::VARCHAR AS "resource_constraint"
        FROM (SELECT unnest([${inList(names)}]::VARCHAR[]) AS n) AS w`;
      break;
    }
    case 'DATABASES':
      sql = `SELECT ${created} AS "created_on", ${plain('d.database_name')} AS "name", 'N' AS "is_default",
        ${yesNo(`${plain('d.database_name')} = ${param(engine.database)}`)} AS "is_current", '' AS "origin", 'SYSADMIN' AS "owner",
        '' AS "comment", '' AS "options", '1' AS "retention_time", 'STANDARD' AS "kind", NULL::VARCHAR AS "budget",
        'ROLE' AS "owner_role_type"
        FROM duckdb_databases() AS d WHERE NOT d.internal AND d.database_name <> 'memory'`;
      break;
    case 'SCHEMAS': {
      const { databases: dbs } = scope();
      // Every Snowflake database has an INFORMATION_SCHEMA; DuckDB's own main / catalog schemas are not Snowflake's.
      sql = `SELECT ${created} AS "created_on", s.schema_name AS "name", 'N' AS "is_default",
        ${yesNo(`s.database_name = ${param(engine.database)} AND s.schema_name = ${param(engine.schema)}`)} AS "is_current",
        s.database_name AS "database_name", CASE WHEN s.schema_name = 'INFORMATION_SCHEMA' THEN '' ELSE 'SYSADMIN' END AS "owner",
        CASE WHEN s.schema_name = 'INFORMATION_SCHEMA' THEN 'Views describing the contents of schemas in this database' ELSE '' END AS "comment",
        '' AS "options", '1' AS "retention_time", 'ROLE' AS "owner_role_type", NULL::VARCHAR AS "budget"
        FROM (SELECT ${plain('database_name')} AS database_name, ${plain('schema_name')} AS schema_name FROM duckdb_schemas()
                WHERE NOT internal AND schema_name NOT IN ('main', 'information_schema', 'pg_catalog')
              UNION ALL SELECT ${plain('database_name')}, 'INFORMATION_SCHEMA' FROM duckdb_databases() WHERE NOT internal) AS s
        WHERE s.database_name IN (${inList(dbs)})`;
      order = '"database_name", "name"';
      break;
    }
    default: {
      const { databases: dbs, schema } = scope();
      if (schema) {
        const found = await engine.catalog(`SELECT 1 FROM duckdb_schemas() WHERE database_name = $1 AND schema_name = $2`, [toDuckName(dbs[0]), toDuckName(schema)]);
        if (!found.length) throw sqlError('002003', '02000', `SQL compilation error:\nSchema '${dbs[0]}.${schema}' does not exist or not authorized.`);
      }
      sql = `SELECT ${created} AS "created_on", ${plain('t.table_name')} AS "name", ${plain('t.database_name')} AS "database_name", ${plain('t.schema_name')} AS "schema_name",
        'TABLE' AS "kind", coalesce(t.comment, '') AS "comment", '' AS "cluster_by", t.estimated_size::BIGINT AS "rows", 0::BIGINT AS "bytes",
        'SYSADMIN' AS "owner", '1' AS "retention_time", 'OFF' AS "automatic_clustering", 'OFF' AS "change_tracking",
        'OFF' AS "search_optimization", NULL::VARCHAR AS "search_optimization_progress", NULL::BIGINT AS "search_optimization_bytes",
        'N' AS "is_external", 'N' AS "enable_schema_evolution", 'ROLE' AS "owner_role_type", 'N' AS "is_event",
        NULL::VARCHAR AS "budget", 'N' AS "is_hybrid", 'N' AS "is_iceberg", 'N' AS "is_dynamic", 'N' AS "is_immutable"
        FROM duckdb_tables() AS t WHERE NOT t.temporary AND ${plain('t.database_name')} IN (${inList(dbs)})
        ${schema ? `AND ${plain('t.schema_name')} = ${param(schema)}` : "AND t.schema_name <> 'main'"}`;
      order = '"database_name", "schema_name", "name"';
    }
  }
  const where = filters.length ? `WHERE ${filters.join(' AND ')}` : '';
  const limit = parsed.limit !== undefined ? `LIMIT ${Math.max(0, Math.floor(parsed.limit))}` : '';
  return engine.show(`SELECT * FROM (${sql}) AS listing ${where} ORDER BY ${order} ${limit}`, values);
}
