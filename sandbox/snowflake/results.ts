// Result replies: the first response (rowtype, inline rows, chunk URLs, echoed parameters) and chunk bodies.
import { classify, StatementResult } from './statements';
import { QueryRecord, Session, parameterList } from './state';

export interface Paging {
  /** Rows sent inline in the first response. */
  inlineRows: number;
  /** Rows per chunk. */
  chunkRows: number;
}

const inlineCount = (result: StatementResult, paging: Paging): number => Math.min(paging.inlineRows, result.total);

export function resultData(session: Session, record: QueryRecord, baseUrl: string, paging: Paging): unknown {
  const result = record.result!;
  const inline = inlineCount(result, paging);
  const chunks = [];
  for (let start = inline, n = 0; start < result.total; start += paging.chunkRows, n++) {
    const rowCount = Math.min(paging.chunkRows, result.total - start);
    chunks.push({ url: `${baseUrl}/chunks/${record.queryId}/${n}`, rowCount, uncompressedSize: rowCount * 16, compressedSize: rowCount * 16 });
  }
  return {
    // total and returned must both be present (the driver hangs without them); returned counts chunk rows too.
    queryId: record.queryId, parameters: parameterList(session.parameters), rowtype: result.rowType,
    rowset: result.readRows(0, inline), total: result.total, returned: result.total, statementTypeId: result.statementTypeId,
    version: 1, queryResultFormat: 'json', chunks: chunks.length ? chunks : undefined, chunkHeaders: chunks.length ? {} : undefined,
    finalDatabaseName: session.engine.database || null, finalSchemaName: session.engine.schema || null,
    finalWarehouseName: session.names.warehouse || null, finalRoleName: session.names.role,
    databaseProvider: null, numberOfBinds: 0, arrayBindSupported: true, sendResultTime: Date.now(), queryContext: { entries: [] },
  };
}

/** Rows of chunk n as JSON arrays without the enclosing brackets (the driver wraps the body in [ ] itself). */
export function chunkBody(result: StatementResult, index: number, paging: Paging): string {
  const start = inlineCount(result, paging) + index * paging.chunkRows;
  return result.readRows(start, Math.min(start + paging.chunkRows, result.total)).map((row) => JSON.stringify(row)).join(',\n');
}

export function multiStatementData(session: Session, queryId: string, resultIds: string[], statements: string[]): unknown {
  return {
    queryId, parameters: parameterList(session.parameters), resultIds: resultIds.join(','),
    resultTypes: statements.map((s) => classify(s).statementTypeId).join(','),
    rowtype: [{ name: 'multiple statement execution', type: 'text', nullable: false, scale: null, precision: null, length: 16777216, byteLength: 16777216, database: '', schema: '', table: '', collation: null }],
    rowset: [['Multiple statements executed successfully.']], total: 1, returned: 1, statementTypeId: 0x1000, version: 1,
    queryResultFormat: 'json', queryContext: { entries: [] },
  };
}
