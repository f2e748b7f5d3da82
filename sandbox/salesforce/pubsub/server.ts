// The Pub/Sub API (gRPC, Salesforce's pubsub_api.proto) of the sandbox org: GetTopic, GetSchema, Subscribe with flow
// control and replay, Publish and PublishStream for platform events. Plaintext on its own port (the real endpoint is
// api.pubsub.salesforce.com:7443 over TLS). Every call authenticates with the metadata Salesforce requires:
// accesstoken (a session of the sandbox), instanceurl (the sandbox's URL) and tenantid (the org id).
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { SandboxState } from '../state';
import { EventBus, replayIdBytes, replayIdOf } from './bus';

/** The one proto file, shared with the client (lib/salesforce/pubsub); dist keeps the same relative layout. */
export const PROTO_PATH = path.join(__dirname, '..', '..', '..', 'lib', 'salesforce', 'pubsub', 'pubsub_api.proto');

/** Error codes Salesforce sets in the `error-code` trailer ("Handle Errors" in the Pub/Sub API guide). */
export const PUBSUB_ERRORS = {
  auth: 'sfdc.platform.eventbus.grpc.service.auth.error',
  replayCorrupted: 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted',
  replayValidation: 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.validation.failed',
  topicNotFound: 'sfdc.platform.eventbus.grpc.subscription.topic.notfound',
  publishNotAllowed: 'sfdc.platform.eventbus.grpc.publish.topic.not.allowed',
  schemaNotFound: 'sfdc.platform.eventbus.grpc.schema.notfound',
  fetchInvalid: 'sfdc.platform.eventbus.grpc.subscription.fetch.requested.events.invalid',
} as const;

/** Events one Subscribe call holds as requested at a time (num_requested above it counts as this many). */
export const MAX_PENDING = 100;

export interface PubSubConfig {
  /** How long Subscribe waits with requested events and nothing to send before an empty keepalive FetchResponse. */
  keepaliveMs: number;
  /**
   * How long a Subscribe stream with nothing requested (pending_num_requested 0) stays open without a new
   * FetchRequest before the server closes it (Salesforce's sample subscriber: "a 70s timeout period").
   */
  idleTimeoutMs: number;
}

export const DEFAULT_PUBSUB_CONFIG: PubSubConfig = { keepaliveMs: 270_000, idleTimeoutMs: 70_000 };

export interface PubSubServer {
  url: string;
  port: number;
  bus: EventBus;
  config: PubSubConfig;
  /** Ends every open Subscribe / PublishStream with this gRPC status (an outage, a server restart); returns how many. */
  dropStreams(code: grpc.status, errorCode: string, message: string): number;
  close(): Promise<void>;
}

class RpcError extends Error {
  constructor(readonly code: grpc.status, readonly errorCode: string, message: string) { super(message); }
}

function fail(err: unknown, rpcId: string): Partial<grpc.StatusObject> {
  const e = err instanceof RpcError ? err : new RpcError(grpc.status.INTERNAL, 'sfdc.platform.eventbus.grpc.service.internal', `An internal error occurred: ${(err as Error)?.message ?? String(err)}`);
  const metadata = new grpc.Metadata();
  metadata.set('error-code', e.errorCode);
  metadata.set('rpc-id', rpcId);
  return { code: e.code, details: `${e.message} rpcId: ${rpcId}`, metadata };
}

export async function startPubSubServer(state: SandboxState, bus: EventBus, baseUrl: () => string, options: { port?: number; host?: string } = {}): Promise<PubSubServer> {
  const definition = protoLoader.loadSync(PROTO_PATH, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const proto = grpc.loadPackageDefinition(definition) as any;
  const server = new grpc.Server();
  const config: PubSubConfig = { ...DEFAULT_PUBSUB_CONFIG };
  /** Open streams, each with how to end it with an error (the control API's `drop`). */
  const live = new Map<grpc.ServerDuplexStream<any, any>, (err: RpcError) => void>();

  /** The user of a call, or UNAUTHENTICATED with the text Salesforce answers. */
  const authenticate = (metadata: grpc.Metadata): string => {
    const one = (k: string) => String(metadata.get(k)[0] ?? '');
    const userId = state.auth.userFor(one('accesstoken') || undefined);
    const instanceOk = one('instanceurl').replace(/\/+$/, '') === baseUrl();
    const tenant = one('tenantid');
    const tenantOk = tenant === state.org.organizationId || tenant === state.org.organizationId.slice(0, 15);
    if (!userId || !instanceOk || !tenantOk) {
      throw new RpcError(grpc.status.UNAUTHENTICATED, PUBSUB_ERRORS.auth, 'An authentication exception occurred. Provide valid authentication via metadata headers.');
    }
    state.countRoute('pubsub');
    return userId;
  };

  const topicOrFail = (name: string) => {
    const topic = bus.topic(bus.canonicalTopic(String(name ?? '')));
    if (!topic) {
      throw new RpcError(grpc.status.NOT_FOUND, PUBSUB_ERRORS.topicNotFound,
        `An error occurred while getting the metadata for org CORE/prod/${state.org.organizationId} and topic ${name}. Ensure the credentials and topic name are correct.`);
    }
    return topic;
  };

  const unary = <Req, Res>(fn: (req: Req, userId: string, rpcId: string) => Res) =>
    (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
      const rpcId = randomUUID();
      try {
        callback(null, fn(call.request, authenticate(call.metadata), rpcId));
      } catch (err) {
        callback(fail(err, rpcId) as grpc.ServiceError);
      }
    };

  const publish = (req: any, userId: string, rpcId: string) => {
    const topic = topicOrFail(req.topic_name);
    if (!topic.canPublish) {
      throw new RpcError(grpc.status.PERMISSION_DENIED, PUBSUB_ERRORS.publishNotAllowed, `Publishing is not allowed on topic ${req.topic_name}.`);
    }
    const schema = bus.schema(topic.schemaId)!;
    const results = (req.events ?? []).map((e: any) => {
      const correlation_key = String(e.id ?? '');
      if (e.schema_id !== topic.schemaId) {
        return { correlation_key, error: { code: 'PUBLISH', msg: `The schema ID ${e.schema_id} doesn't match the current schema ID ${topic.schemaId} of topic ${topic.name}.` } };
      }
      let record: Record<string, unknown>;
      try {
        record = schema.type.fromBuffer(e.payload) as Record<string, unknown>;
      } catch (err) {
        return { correlation_key, error: { code: 'PUBLISH', msg: `The event payload can't be deserialized with schema ${topic.schemaId}: ${(err as Error).message}` } };
      }
      // Salesforce sets CreatedDate and CreatedById itself, whatever the publisher put there.
      const stored = bus.append(new Set([topic.name]), schema, { ...record, CreatedDate: Date.now(), CreatedById: userId }, correlation_key || randomUUID());
      return { correlation_key, replay_id: replayIdBytes(stored.replayId) };
    });
    return { results, schema_id: topic.schemaId, rpc_id: rpcId };
  };

  server.addService(proto.eventbus.v1.PubSub.service, {
    GetTopic: unary((req: any, _user, rpcId) => {
      const t = topicOrFail(req.topic_name);
      return { topic_name: t.name, tenant_guid: state.org.organizationId, can_publish: t.canPublish, can_subscribe: t.canSubscribe, schema_id: t.schemaId, rpc_id: rpcId };
    }),
    GetSchema: unary((req: any, _user, rpcId) => {
      const s = bus.schema(String(req.schema_id ?? ''));
      if (!s) throw new RpcError(grpc.status.NOT_FOUND, PUBSUB_ERRORS.schemaNotFound, `The schema ID ${req.schema_id} wasn't found.`);
      return { schema_json: s.json, schema_id: s.id, rpc_id: rpcId };
    }),
    Publish: unary(publish),
    PublishStream: (call: grpc.ServerDuplexStream<any, any>) => {
      const rpcId = randomUUID();
      let userId: string;
      try { userId = authenticate(call.metadata); } catch (err) { call.emit('error', fail(err, rpcId)); return; }
      live.set(call, (err) => { live.delete(call); call.emit('error', fail(err, rpcId)); });
      call.on('data', (req) => {
        try { call.write(publish(req, userId, rpcId)); } catch (err) { live.delete(call); call.emit('error', fail(err, rpcId)); }
      });
      call.on('end', () => { live.delete(call); call.end(); });
      call.on('error', () => live.delete(call));
    },
    Subscribe: (call: grpc.ServerDuplexStream<any, any>) => subscribe(call),
    ManagedSubscribe: (call: grpc.ServerDuplexStream<any, any>) => {
      call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'ManagedSubscribe is not implemented by the FlowGuard sandbox.' });
    },
  });

  /**
   * One Subscribe stream: the first FetchRequest names the topic and where to start (LATEST: after the newest event,
   * EARLIEST: the oldest retained, CUSTOM: after replay_id); each FetchRequest adds num_requested to what the client
   * is ready for, and events are sent only against that. With requests outstanding and nothing to send, an empty
   * FetchResponse carries the latest replay id as keepalive.
   */
  function subscribe(call: grpc.ServerDuplexStream<any, any>): void {
    const rpcId = randomUUID();
    let topic: string | undefined;
    let cursor = 0n;
    let pending = 0;
    let ended = false;
    let keepalive: NodeJS.Timeout | undefined;
    let idle: NodeJS.Timeout | undefined;
    let unlisten: (() => void) | undefined;
    const stop = (err?: unknown) => {
      if (ended) return;
      ended = true;
      clearTimeout(keepalive);
      clearTimeout(idle);
      unlisten?.();
      live.delete(call);
      if (err) call.emit('error', fail(err, rpcId));
      else call.end();
    };
    /** With nothing requested the client has idleTimeoutMs to ask again; then the stream ends. */
    const armIdle = () => {
      clearTimeout(idle);
      if (ended || pending > 0) return;
      idle = setTimeout(() => { if (pending <= 0) stop(); }, config.idleTimeoutMs);
    };
    const armKeepalive = () => {
      clearTimeout(keepalive);
      armIdle();
      if (ended || pending <= 0) return;
      keepalive = setTimeout(() => {
        if (ended || pending <= 0) return;
        // Nothing of this topic up to the tip: the stream position moves to the tip.
        if (bus.latestReplayId > cursor && !bus.read(topic!, cursor, 1).length) cursor = bus.latestReplayId;
        call.write({ events: [], latest_replay_id: replayIdBytes(cursor), rpc_id: rpcId, pending_num_requested: pending });
        armKeepalive();
      }, config.keepaliveMs);
    };
    const pump = () => {
      if (ended || !topic || pending <= 0) return;
      const events = bus.read(topic, cursor, pending);
      if (!events.length) return;
      cursor = events[events.length - 1].replayId;
      pending -= events.length;
      call.write({
        events: events.map((e) => ({ event: { id: e.id, schema_id: e.schemaId, payload: e.payload, headers: [] }, replay_id: replayIdBytes(e.replayId) })),
        latest_replay_id: replayIdBytes(cursor),
        rpc_id: rpcId,
        pending_num_requested: pending,
      });
      armKeepalive();
    };
    live.set(call, (err) => stop(err));
    armIdle();
    call.on('data', (req: any) => {
      if (ended) return;
      try {
        if (topic === undefined) {
          authenticate(call.metadata);
          const t = topicOrFail(req.topic_name);
          if (!t.canSubscribe) throw new RpcError(grpc.status.PERMISSION_DENIED, PUBSUB_ERRORS.topicNotFound, `Subscribing is not allowed on topic ${req.topic_name}.`);
          const preset = String(req.replay_preset ?? 'LATEST');
          if (preset === 'CUSTOM') {
            const raw: Buffer = req.replay_id ?? Buffer.alloc(0);
            if (!raw.length) throw new RpcError(grpc.status.INVALID_ARGUMENT, PUBSUB_ERRORS.replayValidation, 'The Replay ID validation failed. Provide a replay ID when the replay preset is CUSTOM.');
            const id = replayIdOf(raw);
            bus.purge();
            if (id === undefined || id < bus.purgedThrough || id > bus.latestReplayId) {
              throw new RpcError(grpc.status.INVALID_ARGUMENT, PUBSUB_ERRORS.replayCorrupted,
                `The Replay ID validation failed. Ensure that the Replay ID is valid and refers to an event that is within the retention window.`);
            }
            cursor = id;
          } else {
            cursor = preset === 'EARLIEST' ? bus.purgedThrough : bus.latestReplayId;
          }
          topic = t.name;
          unlisten = bus.onAppend(pump);
        }
        const n = Number(req.num_requested ?? 0);
        if (n < 0) throw new RpcError(grpc.status.INVALID_ARGUMENT, PUBSUB_ERRORS.fetchInvalid, `The number of requested events must be positive: ${n}.`);
        pending = Math.min(MAX_PENDING, pending + n);
        armKeepalive();
        pump();
      } catch (err) {
        stop(err);
      }
    });
    call.on('end', () => stop());
    call.on('error', () => stop());
    call.on('cancelled', () => stop());
  }

  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    url: `${host}:${port}`,
    port,
    bus,
    config,
    dropStreams: (code, errorCode, message) => {
      const ends = [...live.values()];
      for (const end of ends) end(new RpcError(code, errorCode, message));
      return ends.length;
    },
    close: () => new Promise<void>((resolve) => {
      for (const call of live.keys()) { try { call.end(); } catch { /* already closed */ } }
      live.clear();
      server.tryShutdown(() => resolve());
      setTimeout(() => { server.forceShutdown(); resolve(); }, 500).unref();
    }),
  };
}
