// A thin client of Salesforce's Pub/Sub API (gRPC, Avro) on @grpc/grpc-js, @grpc/proto-loader and avsc, loaded on
// first use. It authenticates each call with the metadata the API requires (accesstoken, instanceurl, tenantid) from
// the config node's session, caches event schemas by id, decodes events (ChangeEventHeader bitmaps to field names),
// publishes, and subscribes with flow control: FetchRequest.num_requested follows what the flow has finished
// (FlowWindow), and the replay id handed to onCommit is the newest one with every earlier event finished.
import * as path from 'node:path';
import { FlowGuardError, type FlowError } from '../../reliability/errors';
import { decodeChangeEventHeader, type AvroTypeLike } from './bitmap';
import { FlowWindow, ReplayCommits } from './flow';

export const DEFAULT_PUBSUB_ENDPOINT = 'api.pubsub.salesforce.com:7443';

export interface PubSubAuth {
  accessToken: string;
  instanceUrl: string;
  /** the org id */
  tenantId: string;
}

export interface PubSubTarget {
  address: string;
  secure: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * Where the client connects: `host:port` or `https://host:port` over TLS (default Salesforce's endpoint);
 * `http://host:port` in plain text, only on this machine (the FlowGuard sandbox), so a token never crosses a network unencrypted.
 */
export function pubsubTarget(endpoint?: string): PubSubTarget {
  const text = (endpoint ?? '').trim() || DEFAULT_PUBSUB_ENDPOINT;
  const m = /^(?:(https?):\/\/)?([^/]+?)\/?$/.exec(text);
  if (!m) throw new Error(`Pub/Sub endpoint "${text}" is not host:port (e.g. ${DEFAULT_PUBSUB_ENDPOINT})`);
  const [, scheme, hostPort] = m;
  const host = hostPort.replace(/:\d+$/, '');
  const port = /:(\d+)$/.exec(hostPort)?.[1] ?? (scheme === 'http' ? '80' : '443');
  if (scheme === 'http' && !LOOPBACK.has(host)) {
    throw new Error(`Pub/Sub endpoint "${text}": plain http is allowed only on this machine (the sandbox); use ${host}:${port} for TLS`);
  }
  return { address: `${host}:${port}`, secure: scheme !== 'http' };
}

export type ReplayStart = { preset: 'LATEST' } | { preset: 'EARLIEST' } | { preset: 'CUSTOM'; replayId: Buffer };

export interface TopicInfo {
  topic_name: string;
  tenant_guid: string;
  can_publish: boolean;
  can_subscribe: boolean;
  schema_id: string;
  rpc_id?: string;
}

export interface PubSubEvent {
  /** the event's id (ProducerEvent.id; a platform event's EventUuid) */
  id: string;
  schemaId: string;
  replayId: Buffer;
  /** the decoded Avro record; a change event's ChangeEventHeader has its bitmap fields as names */
  payload: Record<string, any>;
}

export interface SubscribeOptions {
  topic: string;
  start: ReplayStart;
  /** events asked for and unfinished at most (1 to 100) */
  windowSize: number;
  /** one event, in stream order; the promise settles when the flow finished it (rejects: the subscription stops) */
  onEvent: (event: PubSubEvent) => Promise<void>;
  /** the replay id to store: every event up to it is finished. Commits are made one at a time, in order. */
  onCommit: (replayId: Buffer) => Promise<void>;
  /** the stream ended: an error (mapped), or the server / close() ended it */
  onEnd: (err?: FlowGuardError) => void;
  /** every response, events or keepalive */
  onResponse?: (info: { events: number; latestReplayId?: Buffer; pending: number }) => void;
}

export interface Subscription {
  readonly window: FlowWindow;
  /** stops the stream; events in flight still finish (and commit) */
  close(): void;
  /** resolves when no event of this subscription is still in the flow */
  drained(): Promise<void>;
}

export interface PublishEvent {
  /** sent as ProducerEvent.id, answered as PublishResult.correlation_key */
  id: string;
  payload: Record<string, unknown>;
}

export interface PublishOutcome {
  id: string;
  success: boolean;
  replayId?: Buffer;
  error?: { code: string; message: string };
}

/** Error codes the Pub/Sub API sends in the `error-code` trailer for a replay id it will not resume from. */
const REPLAY_ID_CODES = /replayid\.(corrupted|validation\.failed)/;

/** A gRPC failure as a FlowError: a refused session, a refused replay id, or something worth retrying. */
export function pubsubError(err: any, details: Record<string, unknown> = {}): FlowGuardError {
  const grpcCode: number | undefined = typeof err?.code === 'number' ? err.code : undefined;
  const sfCode = String(err?.metadata?.get?.('error-code')?.[0] ?? '');
  const message = String(err?.details || err?.message || err);
  let fe: FlowError;
  // gRPC status numbers: 3 INVALID_ARGUMENT, 7 PERMISSION_DENIED, 14 UNAVAILABLE, 16 UNAUTHENTICATED
  if (REPLAY_ID_CODES.test(sfCode) || (grpcCode === 3 && /replay/i.test(message))) {
    fe = { message: `Pub/Sub refused the replay id: ${message}`, code: 'REPLAY_ID_INVALID', service: 'salesforce', retryable: false };
  } else if (grpcCode === 16 || /auth\.error/.test(sfCode)) {
    fe = { message: `Pub/Sub refused the session: ${message}`, code: 'INVALID_SESSION_ID', service: 'salesforce', status: 401, retryable: true };
  } else if (grpcCode === 7) {
    fe = { message: `Pub/Sub: ${message}`, code: 'INSUFFICIENT_ACCESS', service: 'salesforce', status: 403, retryable: false };
  } else if (grpcCode === 5 || /topic\.not\.found|not\.found/.test(sfCode)) {
    fe = { message: `Pub/Sub: ${message}`, code: 'TOPIC_NOT_FOUND', service: 'salesforce', status: 404, retryable: false };
  } else {
    fe = { message: `Pub/Sub: ${message}`, code: grpcCode === 14 ? 'PUBSUB_UNAVAILABLE' : 'PUBSUB_ERROR', service: 'salesforce', retryable: grpcCode !== 3 };
  }
  return new FlowGuardError({ ...fe, details: { ...details, ...(sfCode ? { errorCode: sfCode } : {}), ...(grpcCode !== undefined ? { grpcStatus: grpcCode } : {}) } });
}

interface AvroType extends AvroTypeLike {
  fromBuffer(buf: Buffer): any;
  toBuffer(value: unknown): Buffer;
}

export interface EventSchema {
  id: string;
  json: string;
  type: AvroType;
}

/**
 * Event schemas by id: each fetched once (concurrent askers share the fetch), parsed with avsc; a failed fetch is
 * forgotten so the next event asks again.
 */
export class SchemaCache {
  private readonly byId = new Map<string, Promise<EventSchema>>();

  constructor(private readonly fetch: (schemaId: string) => Promise<string>) {}

  get(schemaId: string): Promise<EventSchema> {
    const cached = this.byId.get(schemaId);
    if (cached) return cached;
    const p = this.fetch(schemaId).then((json) => {
      const avro = require('avsc');
      return { id: schemaId, json, type: avro.Type.forSchema(JSON.parse(json)) as AvroType };
    });
    this.byId.set(schemaId, p);
    p.catch(() => this.byId.delete(schemaId));
    return p;
  }

  get size(): number {
    return this.byId.size;
  }
}

let loaded: { grpc: any; PubSub: any } | undefined;

/** grpc-js and the proto, loaded when the first client is made (never when Node-RED loads the pack). */
function loadGrpc(): { grpc: any; PubSub: any } {
  if (loaded) return loaded;
  const grpc = require('@grpc/grpc-js');
  const protoLoader = require('@grpc/proto-loader');
  const definition = protoLoader.loadSync(path.join(__dirname, 'pubsub_api.proto'), { keepCase: true, enums: String, defaults: true, longs: Number });
  loaded = { grpc, PubSub: grpc.loadPackageDefinition(definition).eventbus.v1.PubSub };
  return loaded;
}

/** A Platform Event payload as the schema wants it: optional fields left out are null, CreatedDate / CreatedById filled. */
export function toEventRecord(type: AvroTypeLike, payload: Record<string, unknown>, createdById: string, now = Date.now()): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const field of type.fields ?? []) {
    let value = payload[field.name];
    if (value === undefined && field.name === 'CreatedDate') value = now;
    if (value === undefined && field.name === 'CreatedById') value = createdById;
    if (value instanceof Date) value = value.getTime();
    const optional = field.type.typeName === 'null' || !!field.type.types?.some((t) => t.typeName === 'null');
    if (value === undefined && optional) value = null;
    record[field.name] = value;
  }
  return record;
}

export class PubSubClient {
  private stub: any;
  private readonly schemas = new SchemaCache(async (schemaId) =>
    (await this.unary<{ schema_json: string }>('GetSchema', { schema_id: schemaId }, { schemaId })).schema_json);
  private readonly topics = new Map<string, Promise<TopicInfo>>();
  readonly target: PubSubTarget;

  constructor(private readonly opts: { endpoint?: string; auth: () => Promise<PubSubAuth> }) {
    this.target = pubsubTarget(opts.endpoint);
  }

  private client(): any {
    if (this.stub) return this.stub;
    const { grpc, PubSub } = loadGrpc();
    const creds = this.target.secure ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
    // Salesforce closes idle streams itself (keepalive responses within 270 s); pings keep NATs from dropping them.
    this.stub = new PubSub(this.target.address, creds, { 'grpc.keepalive_time_ms': 60_000, 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
    return this.stub;
  }

  private async metadata(): Promise<any> {
    const { grpc } = loadGrpc();
    const auth = await this.opts.auth();
    const md = new grpc.Metadata();
    md.set('accesstoken', auth.accessToken);
    md.set('instanceurl', auth.instanceUrl);
    md.set('tenantid', auth.tenantId);
    return md;
  }

  private async unary<T>(method: string, request: unknown, details: Record<string, unknown>): Promise<T> {
    const stub = this.client();
    const md = await this.metadata();
    return new Promise<T>((resolve, reject) => {
      stub[method](request, md, (err: any, res: T) => (err ? reject(pubsubError(err, details)) : resolve(res)));
    });
  }

  /** Topic info (cached per topic name: the schema id changes only with the event definition, GetSchema is by id). */
  getTopic(topic: string, fresh = false): Promise<TopicInfo> {
    if (!fresh && this.topics.has(topic)) return this.topics.get(topic)!;
    const p = this.unary<TopicInfo>('GetTopic', { topic_name: topic }, { topic });
    this.topics.set(topic, p);
    p.catch(() => this.topics.delete(topic));
    return p;
  }

  /** An event schema by id, fetched once per client (schemas with one id never change). */
  getSchema(schemaId: string): Promise<EventSchema> {
    return this.schemas.get(schemaId);
  }

  /** How many schemas are cached. */
  get cachedSchemas(): number {
    return this.schemas.size;
  }

  async decode(event: { id: string; schema_id: string; payload: Buffer }, replayId: Buffer): Promise<PubSubEvent> {
    const schema = await this.getSchema(event.schema_id);
    let payload: Record<string, any>;
    try {
      payload = schema.type.fromBuffer(Buffer.from(event.payload));
    } catch (err) {
      throw new FlowGuardError({ message: `event ${event.id} does not decode with schema ${event.schema_id}: ${(err as Error).message}`, code: 'PUBSUB_DECODE_FAILED', service: 'salesforce', retryable: false });
    }
    if (payload && typeof payload === 'object' && payload.ChangeEventHeader) {
      payload = { ...payload, ChangeEventHeader: decodeChangeEventHeader(schema.type, payload.ChangeEventHeader) };
    }
    return { id: event.id, schemaId: event.schema_id, replayId: Buffer.from(replayId), payload };
  }

  /** Publishes events to a topic in one PublishRequest; one outcome per event, in order. */
  async publish(topic: string, events: PublishEvent[], createdById: string): Promise<PublishOutcome[]> {
    const info = await this.getTopic(topic);
    if (!info.can_publish) throw new FlowGuardError({ message: `the session's user cannot publish to ${topic}`, code: 'INSUFFICIENT_ACCESS', service: 'salesforce', status: 403, retryable: false, details: { topic } });
    const schema = await this.getSchema(info.schema_id);
    // An event that does not fit the schema fails alone; the others are published.
    const refused = new Map<string, PublishOutcome>();
    const producerEvents: Array<{ id: string; schema_id: string; payload: Buffer }> = [];
    for (const e of events) {
      try {
        producerEvents.push({ id: e.id, schema_id: info.schema_id, payload: schema.type.toBuffer(toEventRecord(schema.type, e.payload, createdById)) });
      } catch (err) {
        refused.set(e.id, { id: e.id, success: false, error: { code: 'INVALID_FIELD', message: `the event does not fit the schema of ${topic}: ${(err as Error).message}` } });
      }
    }
    const res = producerEvents.length
      ? await this.unary<{ results: Array<{ replay_id?: Buffer; error?: { code: string; msg: string } | null; correlation_key: string }> }>(
        'Publish', { topic_name: topic, events: producerEvents }, { topic })
      : { results: [] };
    const byKey = new Map(res.results.map((r) => [r.correlation_key, r]));
    return events.map((e) => {
      const own = refused.get(e.id);
      if (own) return own;
      const r = byKey.get(e.id) ?? res.results[producerEvents.findIndex((p) => p.id === e.id)];
      if (!r) return { id: e.id, success: false, error: { code: 'UNKNOWN', message: 'no result for this event' } };
      if (r.error) return { id: e.id, success: false, error: { code: String(r.error.code), message: r.error.msg } };
      return { id: e.id, success: true, replayId: r.replay_id ? Buffer.from(r.replay_id) : undefined };
    });
  }

  /**
   * Opens a Subscribe stream. Events go to onEvent in stream order; up to `windowSize` can be unfinished at once, and
   * more are asked for only as they finish. A rejected onEvent or onCommit stops the stream (onEnd with that error):
   * nothing after the failed event is committed, so resubscribing from the stored replay id delivers it again.
   */
  subscribe(opts: SubscribeOptions): Subscription {
    const window = new FlowWindow(opts.windowSize);
    const commits = new ReplayCommits<Buffer>();
    let call: any;
    let ended = false;
    let failed = false;
    let decoding: Promise<void> = Promise.resolve();
    let committing: Promise<void> = Promise.resolve();
    /** the newest committed replay id not yet handed to onCommit */
    let unsaved: Buffer | undefined;
    const idle: Array<() => void> = [];
    const settleIdle = (): void => {
      if (window.inFlight === 0 && commits.pending === 0) for (const fn of idle.splice(0)) fn();
    };

    const end = (err?: FlowGuardError): void => {
      if (ended) return;
      ended = true;
      try {
        call?.cancel();
      } catch {
        // already closed
      }
      opts.onEnd(err);
    };
    const fail = (err: unknown): void => {
      failed = true;
      end(err instanceof FlowGuardError ? err : pubsubError(err, { topic: opts.topic }));
    };
    const askForMore = (): void => {
      if (ended || failed || !call) return;
      const n = window.toRequest();
      if (n <= 0) return;
      window.requested(n);
      call.write({ num_requested: n });
    };

    const handle = (consumerEvent: { event: any; replay_id: Buffer }): void => {
      const slot = commits.add(Buffer.from(consumerEvent.replay_id));
      decoding = decoding.then(async () => {
        if (failed) return;
        let event: PubSubEvent;
        try {
          event = await this.decode(consumerEvent.event, consumerEvent.replay_id);
        } catch (err) {
          fail(err);
          return;
        }
        // Not awaited: the flow may work on several events at once (up to the window); commits stay in order.
        opts.onEvent(event).then(() => {
          if (failed) return;
          window.finished();
          const committed = commits.finish(slot);
          if (committed) {
            // One store write at a time, of the newest replay id: ids finished while one is written are coalesced
            // into the next write instead of queueing one write per event.
            const queued = unsaved !== undefined;
            unsaved = committed;
            if (!queued) {
              committing = committing.then(() => {
                const id = unsaved!;
                unsaved = undefined;
                return failed ? undefined : opts.onCommit(id);
              }).catch(fail);
            }
          }
          committing.then(() => { settleIdle(); askForMore(); });
        }, fail);
      });
    };

    const start = async (): Promise<void> => {
      const md = await this.metadata();
      if (ended) return;
      call = this.client().Subscribe(md);
      call.on('data', (res: { events: any[]; latest_replay_id?: Buffer; pending_num_requested: number }) => {
        const events = res.events ?? [];
        window.received(events.length);
        opts.onResponse?.({ events: events.length, latestReplayId: res.latest_replay_id, pending: res.pending_num_requested });
        for (const e of events) handle(e);
      });
      call.on('error', (err: any) => {
        // close() cancels the call: that is not a failure.
        if (err?.code === 1 && ended) return;
        end(pubsubError(err, { topic: opts.topic }));
      });
      call.on('end', () => end());
      const first = window.toRequest();
      window.requested(first);
      call.write({
        topic_name: opts.topic,
        replay_preset: opts.start.preset,
        ...(opts.start.preset === 'CUSTOM' ? { replay_id: opts.start.replayId } : {}),
        num_requested: first,
      });
    };
    start().catch((err) => end(err instanceof FlowGuardError ? err : pubsubError(err, { topic: opts.topic })));

    return {
      window,
      close: () => end(),
      drained: () => new Promise<void>((resolve) => {
        // A failed subscription never finishes its failed event: nothing more to wait for once the rest is done.
        if (failed || (window.inFlight === 0 && commits.pending === 0)) return resolve();
        idle.push(resolve);
      }),
    };
  }

  close(): void {
    this.stub?.close();
    this.stub = undefined;
    this.topics.clear();
  }
}
