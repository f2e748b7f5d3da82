// Streaming API emulation: CometD long-polling (what jsforce's faye client falls back to) with Change Data
// Capture events on /data/<Entity>ChangeEvent and /data/ChangeEvents, replayable by replay id.
import { randomBytes } from 'node:crypto';
import { Org, OrgChange, SfRecord } from './org';

interface Message { channel: string; id?: string; clientId?: string; subscription?: string; ext?: any; advice?: any; [k: string]: unknown }
interface StoredEvent { replayId: number; data: unknown }
interface Client { userId: string; channels: Set<string>; queue: Message[]; wake?: () => void; gone?: boolean }

const SYSTEM = new Set(['Id', 'IsDeleted', 'SystemModstamp']);

export class CometD {
  private events = new Map<string, StoredEvent[]>();
  private clients = new Map<string, Client>();
  private lastReplayId = 0;
  /** How long /meta/connect is held open when there is nothing to deliver. */
  connectTimeoutMs = 110_000;

  constructor(org: Org) {
    org.changeListeners.push((c) => this.publish(c));
  }

  reset(): void {
    this.releaseAll();
    this.events.clear();
    this.clients.clear();
    this.lastReplayId = 0;
  }

  /** Answers every held /meta/connect, e.g. before the server closes. */
  releaseAll(): void {
    for (const c of this.clients.values()) c.wake?.();
  }

  publish(change: OrgChange): void {
    const replayId = ++this.lastReplayId;
    const fields: SfRecord = {};
    if (change.changeType !== 'DELETE') {
      for (const f of change.changeType === 'CREATE' ? Object.keys(change.record) : [...change.changedFields, 'LastModifiedDate', 'LastModifiedById']) {
        if (!SYSTEM.has(f) && change.record[f] !== null && change.record[f] !== undefined) fields[f] = change.record[f];
      }
    }
    const data = {
      schema: `sandbox-${change.entity}-schema`,
      payload: {
        ChangeEventHeader: {
          entityName: change.entity, recordIds: [change.record.Id], changeType: change.changeType, changeOrigin: 'com/salesforce/api/rest',
          transactionKey: randomBytes(8).toString('hex'), sequenceNumber: 1, commitTimestamp: change.at, commitNumber: replayId,
          commitUser: change.userId, changedFields: change.changeType === 'UPDATE' ? change.changedFields : [],
        },
        ...fields,
      },
      event: { replayId },
    };
    for (const channel of [`/data/${change.entity}ChangeEvent`, '/data/ChangeEvents']) {
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
