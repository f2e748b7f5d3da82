// Streaming API emulation: CometD long-polling (what jsforce's faye client falls back to) with Change Data
// Capture events on /data/<Entity>ChangeEvent and /data/ChangeEvents (merged, gap and overflow events as
// Salesforce sends them), replayable by replay id.
import { randomBytes, randomUUID } from 'node:crypto';
import { Org, OrgChange, OrgCommit, SfRecord } from './org';

interface Message { channel: string; id?: string; clientId?: string; subscription?: string; ext?: any; advice?: any; [k: string]: unknown }
interface StoredEvent { replayId: number; data: unknown }
interface Client { userId: string; channels: Set<string>; queue: Message[]; wake?: () => void; gone?: boolean }

const SYSTEM = new Set(['Id', 'IsDeleted', 'SystemModstamp']);
/** Fields Salesforce sets itself on an update; they do not count toward the overflow threshold. */
const AUTOMATIC = new Set(['LastModifiedDate', 'LastModifiedById']);
/** The record id of an overflow event ("the empty record ID"). */
const EMPTY_ID = '000000000000000AAA';
/** Changes in one transaction that still get change events (Salesforce: 100,000). */
export const OVERFLOW_THRESHOLD = 100_000;

/**
 * The body of a change event received with CometD: a create carries every non-empty field (system ones included),
 * an update only the changed fields (set to null ones as null) with LastModifiedDate, a delete none.
 */
function eventFields(change: OrgChange): SfRecord {
  const fields: SfRecord = {};
  if (change.changeType === 'CREATE') {
    for (const [f, v] of Object.entries(change.record)) if (!SYSTEM.has(f) && v !== null && v !== undefined) fields[f] = v;
  } else if (change.changeType === 'UPDATE') {
    for (const f of change.changedFields) fields[f] = change.record[f] ?? null;
  }
  return fields;
}

export class CometD {
  private events = new Map<string, StoredEvent[]>();
  private clients = new Map<string, Client>();
  private lastReplayId = 0;
  private lastCommitNumber = 0;
  /** Changes per transaction that get change events; the rest become overflow events (`POST /_sandbox/config`). */
  overflowThreshold = OVERFLOW_THRESHOLD;
  /** How long /meta/connect is held open when there is nothing to deliver. */
  connectTimeoutMs = 110_000;
  /** Told every change event as it is produced (the Pub/Sub API's event bus carries the same events). */
  eventListeners: Array<(entity: string, payload: Record<string, unknown>) => void> = [];

  constructor(org: Org) {
    org.changeListeners.push((c) => this.publish(c));
  }

  reset(): void {
    this.releaseAll();
    this.events.clear();
    this.clients.clear();
    this.lastReplayId = 0;
    this.lastCommitNumber = 0;
    this.overflowThreshold = OVERFLOW_THRESHOLD;
  }

  /** Answers every held /meta/connect, e.g. before the server closes. */
  releaseAll(): void {
    for (const c of this.clients.values()) c.wake?.();
  }

  /**
   * One committed transaction → its change events, as the Change Data Capture guide describes them for CometD
   * subscribers: the same change to several records of one object is merged into one event naming every record id;
   * changes applied at the database layer arrive as gap events (GAP_<type>, header only); the changes beyond
   * `overflowThreshold` in one transaction become one GAP_OVERFLOW event per object, with the empty record id.
   */
  publish(commit: OrgCommit): void {
    const transactionKey = randomUUID();
    const commitNumber = ++this.lastCommitNumber;
    const first = commit.changes[0];
    const groups = new Map<string, { change: OrgChange; changeType: string; fields: SfRecord; recordIds: string[] }>();
    const overflowed = new Set<string>();
    let counted = 0;
    for (const change of commit.changes) {
      // A create, delete or undelete counts once toward the threshold, an update once per field it sets.
      counted += change.changeType === 'UPDATE' ? Math.max(1, change.changedFields.filter((f) => !AUTOMATIC.has(f)).length) : 1;
      if (counted > this.overflowThreshold) {
        overflowed.add(change.entity);
        continue;
      }
      const changeType = commit.database ? `GAP_${change.changeType}` : change.changeType;
      const fields = commit.database ? {} : eventFields(change);
      const key = JSON.stringify([change.entity, changeType, change.changedFields, fields]);
      const group = groups.get(key);
      if (group) group.recordIds.push(String(change.record.Id));
      else groups.set(key, { change, changeType, fields, recordIds: [String(change.record.Id)] });
    }
    let sequenceNumber = 0;
    const header = (entityName: string, changeType: string, recordIds: string[], changedFields: string[]) => ({
      entityName, recordIds, changeType, changeOrigin: commit.database ? '' : 'com/salesforce/api/rest', transactionKey,
      sequenceNumber: ++sequenceNumber, commitTimestamp: first.at, commitNumber, commitUser: first.userId, changedFields,
    });
    for (const g of groups.values()) {
      const changedFields = g.changeType === 'UPDATE' ? g.change.changedFields : [];
      this.deliver(g.change.entity, { ChangeEventHeader: header(g.change.entity, g.changeType, g.recordIds, changedFields), ...g.fields });
    }
    for (const entity of overflowed) this.deliver(entity, { ChangeEventHeader: header(entity, 'GAP_OVERFLOW', [EMPTY_ID], []) });
  }

  private deliver(entity: string, payload: Record<string, unknown>): void {
    for (const l of this.eventListeners) l(entity, payload);
    const replayId = ++this.lastReplayId;
    const data = { schema: `sandbox-${entity}-schema`, payload, event: { replayId } };
    for (const channel of [`/data/${entity}ChangeEvent`, '/data/ChangeEvents']) {
      const event = { replayId, data };
      let retained = this.events.get(channel);
      if (!retained) this.events.set(channel, (retained = []));
      retained.push(event);
      for (const client of this.clients.values()) {
        if (client.channels.has(channel)) {
          client.queue.push({ channel, data });
          client.wake?.();
        }
      }
    }
  }

  async handle(messages: Message[], userId: string | undefined): Promise<Message[]> {
    const replies: Message[] = [];
    let connect: Message | undefined;
    for (const m of messages) {
      const base = { channel: m.channel, id: m.id, clientId: m.clientId };
      if (!userId) {
        replies.push({ ...base, successful: false, error: '401::Authentication invalid', advice: { reconnect: 'none' } });
        continue;
      }
      if (m.channel === '/meta/handshake') {
        const clientId = randomBytes(12).toString('hex');
        this.clients.set(clientId, { userId, channels: new Set(), queue: [] });
        replies.push({ ...base, clientId, version: '1.0', minimumVersion: '1.0', supportedConnectionTypes: ['long-polling'], successful: true,
          advice: { reconnect: 'retry', interval: 0, timeout: this.connectTimeoutMs }, ext: { replay: true, 'payload.format': true } });
        continue;
      }
      const client = this.clients.get(m.clientId ?? '');
      if (!client) {
        replies.push({ ...base, successful: false, error: '403::Unknown client', advice: { reconnect: 'handshake', interval: 0 } });
        continue;
      }
      switch (m.channel) {
        case '/meta/subscribe': {
          const channel = String(m.subscription);
          if (!/^\/data\/(\w+ChangeEvent|ChangeEvents)$/.test(channel)) {
            replies.push({ ...base, subscription: channel, successful: false, error: `400::The channel you requested to subscribe to does not exist {${channel}}` });
            break;
          }
          const from = Number(m.ext?.replay?.[channel] ?? -1);
          if (from >= 0 && from > this.lastReplayId) {
            replies.push({ ...base, subscription: channel, successful: false, error: `400::The replayId {${from}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.` });
            break;
          }
          client.channels.add(channel);
          // -2: every retained event; n: the events after n; -1: only new ones.
          const backlog = from === -1 ? [] : (this.events.get(channel) ?? []).filter((e) => from === -2 || e.replayId > from);
          client.queue.push(...backlog.map((e) => ({ channel, data: e.data })));
          replies.push({ ...base, subscription: channel, successful: true });
          break;
        }
        case '/meta/unsubscribe':
          client.channels.delete(String(m.subscription));
          replies.push({ ...base, subscription: m.subscription, successful: true });
          break;
        case '/meta/disconnect':
          // The held connect is answered at once; the disconnected client does not reconnect.
          client.gone = true;
          client.wake?.();
          this.clients.delete(String(m.clientId));
          replies.push({ ...base, successful: true });
          break;
        case '/meta/connect':
          connect = m;
          break;
        default:
          replies.push({ ...base, successful: false, error: `400::unsupported channel ${m.channel}` });
      }
    }
    if (connect) {
      const client = this.clients.get(connect.clientId ?? '');
      if (client && !client.queue.length && connect.advice?.timeout !== 0 && !replies.length) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => { client.wake = undefined; resolve(); }, this.connectTimeoutMs);
          client.wake = () => { clearTimeout(timer); client.wake = undefined; resolve(); };
        });
      }
      const delivered = client && !client.gone ? client.queue.splice(0) : [];
      const advice = client && !client.gone ? { reconnect: 'retry', interval: 0, timeout: this.connectTimeoutMs } : { reconnect: 'handshake', interval: 0 };
      replies.push(...delivered, { channel: '/meta/connect', id: connect.id, clientId: connect.clientId, successful: !!client && !client.gone, advice });
    }
    return replies;
  }
}
