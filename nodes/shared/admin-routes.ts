/**
 * Admin-route glue shared by the service config nodes: "Test connection" (POST /flowguard/<service>/test-connection,
 * flowguard.write) for a config node as it is in the dialog, saved or not, and small per-config caches for the editor
 * pickers. Credentials arrive only in the POST body and never leave in an answer or a log line.
 */
import type { Request, Response } from 'express';
import { redact } from '../../lib/ops/redact';
import type { RED } from './kit';

export type { Request, Response };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A request's JSON body when it is an object (express leaves it `any`), else undefined. */
export function postedBody(req: Request): Record<string, unknown> | undefined {
  const body: unknown = req.body;
  return isObject(body) ? body : undefined;
}

/** What the editor shows for a stored password credential it does not hold (Node-RED's placeholder). */
export const PASSWORD_PLACEHOLDER = '__PWRD__';

/** A config node as the dialog posts it: its id (for stored credentials), its properties and its credential fields. */
export interface PostedConfig {
  id?: string;
  config: Record<string, unknown>;
  credentials: Record<string, string | undefined>;
}

/** A check's answer: a line for the dialog and the facts it is made of. */
export interface CheckResult {
  summary: string;
  details: Record<string, string | boolean | number | undefined>;
}

export type ConnectionCheck = (posted: PostedConfig) => Promise<CheckResult>;

/** How long a check may take before the dialog is told it timed out. */
const CHECK_TIMEOUT_MS = 30_000;

const registered = new WeakMap<object, Set<string>>();

/** Runs register once per admin app and key (each test runtime gets a fresh app, so a module flag would miss it). */
export function registerOnce(RED: RED, key: string, register: () => void): void {
  let keys = registered.get(RED.httpAdmin);
  if (!keys) registered.set(RED.httpAdmin, (keys = new Set()));
  if (keys.has(key)) return;
  keys.add(key);
  register();
}

/** The deployed (flow file) properties of node `id`, or undefined when no node of `type` with that id is deployed. */
function deployedProperties(RED: RED, id: string, type: string): Record<string, unknown> | undefined {
  let found: Record<string, unknown> | undefined;
  RED.nodes.eachNode?.((n) => { if (n.id === id && n.type === type) found = n as unknown as Record<string, unknown>; });
  return found;
}

/** A dialog value as text for comparing with the flow file's (unset, empty and false are one). */
const comparable = (value: unknown): string => (value === undefined || value === null || value === false ? '' : String(value).trim());

/**
 * The credentials to use: what the dialog posted, where a field holds the password placeholder, the value stored for
 * that node id (a saved config node whose secret the user did not retype). Stored secrets are only those of a
 * deployed node of `configType`, and only towards the place that node talks to: when the posted `targetFields`
 * (host, login URL, account…) differ from the deployed ones, a stored secret is refused, so a request cannot send a
 * saved secret to a host of its choosing.
 */
export function resolveCredentials(
  RED: RED, id: string | undefined, posted: unknown, fields: string[], configType: string,
  postedConfig: Record<string, unknown> = {}, targetFields: string[] = [],
): Record<string, string | undefined> {
  const given = posted && typeof posted === 'object' ? (posted as Record<string, unknown>) : {};
  const sameType = !!id && RED.nodes.getNode(id)?.type === configType;
  const stored = ((sameType && RED.nodes.getCredentials?.(id)) || {}) as Record<string, unknown>;
  const out: Record<string, string | undefined> = {};
  for (const field of fields) {
    const value = given[field];
    if (value === PASSWORD_PLACEHOLDER) {
      if (typeof stored[field] !== 'string') continue;
      const deployed = deployedProperties(RED, id!, configType) ?? {};
      const moved = targetFields.filter((f) => comparable(postedConfig[f]) !== comparable(deployed[f]));
      if (moved.length) {
        throw new Error(`The saved ${field} is only used with the deployed ${moved.join(', ')}: type it again to test other settings`);
      }
      out[field] = stored[field] as string;
    } else if (typeof value === 'string' && value !== '') out[field] = value;
  }
  return out;
}

/** Masks the posted secrets (and anything secret-shaped) in a text going back to the browser. */
export function maskSecrets(text: string, credentials: Record<string, string | undefined>): string {
  let out = text;
  for (const value of Object.values(credentials)) if (value && value.length >= 4) out = out.split(value).join('***');
  return redact(out);
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`No answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * POST /flowguard/<service>/test-connection with `{ id, config, credentials }`: `{ ok: true, summary, details }` when the
 * service accepted the settings, `{ ok: false, error }` with the service's own message when it did not (HTTP 200 both:
 * the route worked; 400 only for a malformed body).
 */
export function registerConnectionTest(
  RED: RED, service: string, configType: string, credentialFields: string[], targetFields: string[], check: ConnectionCheck,
): void {
  registerOnce(RED, `${service}/test-connection`, () => {
    RED.httpAdmin.post(`/flowguard/${service}/test-connection`, RED.auth.needsPermission('flowguard.write'), async (req: Request, res: Response) => {
      const body = postedBody(req);
      if (!body || (body.config !== undefined && !isObject(body.config))) {
        return void res.status(400).json({ ok: false, error: 'Expected a JSON body { id, config, credentials }' });
      }
      const id = typeof body.id === 'string' ? body.id : undefined;
      const config: Record<string, unknown> = { ...(body.config as Record<string, unknown> | undefined) };
      let credentials: Record<string, string | undefined> = {};
      try {
        credentials = resolveCredentials(RED, id, body.credentials, credentialFields, configType, config, targetFields);
        const result = await withTimeout(check({ id, config, credentials }), CHECK_TIMEOUT_MS);
        const details: CheckResult['details'] = {};
        for (const [key, value] of Object.entries(result.details)) details[key] = typeof value === 'string' ? maskSecrets(value, credentials) : value;
        res.json({ ok: true, summary: maskSecrets(result.summary, credentials), details });
      } catch (err) {
        res.json({ ok: false, error: maskSecrets(String((err as Error)?.message ?? err), credentials) });
      }
    });
  });
}

/**
 * A small cache of picker lists, per owner object (a config node's session or pool, so a redeploy starts afresh) and
 * key. A failed load is not kept, so the next try asks the service again.
 */
export class PickerCache {
  private readonly entries = new WeakMap<object, Map<string, { at: number; value: Promise<unknown> }>>();

  constructor(private readonly ttlMs = 5 * 60_000) {}

  get<T>(owner: object, key: string, load: () => Promise<T>): Promise<T> {
    let byKey = this.entries.get(owner);
    if (!byKey) this.entries.set(owner, (byKey = new Map()));
    const hit = byKey.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value as Promise<T>;
    const value = load();
    byKey.set(key, { at: Date.now(), value });
    value.catch(() => { if (byKey!.get(key)?.value === value) byKey!.delete(key); });
    return value;
  }
}
