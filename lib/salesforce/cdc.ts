// Change Data Capture subscription through jsforce's streaming client (CometD), resuming from a durable
// replay id. Events are handled one at a time, in order; the replay id is saved after each is handed on.
import type { DurableValue } from './durable';

export interface CdcEvent {
  replayId: number;
  entity: string;
  changeType: string;
  recordIds: string[];
  commitUser: string;
  fields: Record<string, unknown>;
  header: Record<string, unknown>;
}

export interface CdcOptions {
  object: string;
  replay: DurableValue<number>;
  /** Replay id used when none is stored: -1 only new events, -2 every retained event. */
  startFrom: -1 | -2;
  skipUserId?: string;
  onEvent: (e: CdcEvent) => Promise<void> | void;
  onError: (err: Error) => void;
  /** The session could not authenticate the subscription (expired token): resubscribe with a new session. */
  onAuthFailure: () => void;
}

/** Standard objects: AccountChangeEvent; custom ones: Invoice__c → Invoice__ChangeEvent. */
export function cdcChannel(object: string): string {
  return `/data/${object.endsWith('__c') ? `${object.slice(0, -3)}__` : object}ChangeEvent`;
}

export function toCdcEvent(data: any): CdcEvent {
  const { ChangeEventHeader: header, ...fields } = data.payload ?? {};
  return {
    replayId: Number(data.event?.replayId), entity: header?.entityName, changeType: header?.changeType,
    recordIds: header?.recordIds ?? [], commitUser: header?.commitUser, fields, header: header ?? {},
  };
}

export async function subscribeCdc(conn: any, opts: CdcOptions): Promise<{ close(): void }> {
  const { StreamingExtension } = require('jsforce/api/streaming');
  const channel = cdcChannel(opts.object);
  const stored = await opts.replay.load();
  let chain: Promise<void> = Promise.resolve();
  const handle = (data: any): void => {
    chain = chain.then(async () => {
      const event = toCdcEvent(data);
      if (!(opts.skipUserId && event.commitUser === opts.skipUserId)) await opts.onEvent(event);
      await opts.replay.save(event.replayId);
    }).catch((err) => opts.onError(err));
  };
  // Wrapped in an object: a faye Client is a thenable, so returning it from an async function would unwrap it.
  const connect = async (from: number): Promise<{ client: any }> => {
    const client = conn.streaming.createClient([
      new StreamingExtension.Replay(channel, from),
      new StreamingExtension.AuthFailure(() => opts.onAuthFailure()),
    ]);
    try {
      await client.subscribe(channel, handle);
    } catch (err) {
      client.disconnect();
      throw err;
    }
    return { client };
  };
  let sub: { client: any };
  try {
    sub = await connect(stored ?? opts.startFrom);
  } catch (err) {
    if (stored === undefined) throw err;
    // The stored replay id is no longer retained (72 h in Salesforce): replay everything still retained.
    opts.onError(new Error(`replay id ${stored} rejected (${(err as Error).message}); replaying all retained events`));
    sub = await connect(-2);
  }
  return { close: () => sub.client.disconnect() };
}
