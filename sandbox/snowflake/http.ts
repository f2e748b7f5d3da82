// HTTP plumbing of the sandbox: reading request bodies, Snowflake's reply envelopes, writing replies.
import http from 'node:http';
import zlib from 'node:zlib';
import { SnowflakeError } from './errors';

export interface Reply { status: number; body: unknown; raw?: string }

export const ok = (data: unknown): Reply => ({ status: 200, body: { success: true, code: null, message: null, data } });

export function failure(err: SnowflakeError, queryId?: string): Reply {
  return {
    status: 200,
    body: {
      success: false, code: err.code, message: err.message, headers: null,
      data: { internalError: false, errorCode: err.code, sqlState: err.sqlState, queryId: queryId ?? null, line: -1, pos: -1, type: err.type, age: 0 },
    },
  };
}

export const gsError = (code: string, message: string): Reply => ({ status: 200, body: { success: false, code, message, data: null, headers: null } });

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

export async function readText(req: http.IncomingMessage): Promise<string> {
  return (await readBody(req)).toString('utf8');
}

export async function readJson(req: http.IncomingMessage): Promise<any> {
  let raw = await readBody(req);
  if (raw.length === 0) return undefined;
  if (req.headers['content-encoding'] === 'gzip' || (raw[0] === 0x1f && raw[1] === 0x8b)) raw = zlib.gunzipSync(raw);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function send(res: http.ServerResponse, reply: Reply): void {
  const text = reply.raw ?? JSON.stringify(reply.body);
  // Chunk bodies are rows without the enclosing brackets (not JSON), sent as an opaque object like S3 does.
  const type = reply.raw === undefined ? 'application/json' : 'application/octet-stream';
  res.writeHead(reply.status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

