// Control API of the Pub/Sub event bus under /_sandbox/pubsub: platform event definitions, custom channels,
// retention and keepalive settings, ageing the log (to expire replay ids), publishing as Salesforce-side automation
// would, and a readable dump of the retained events.
import { randomUUID } from 'node:crypto';
import { SfError } from '../errors';
import { Reply, ok } from '../types';
import { EventBus } from './bus';
import * as grpc from '@grpc/grpc-js';
import { PubSubServer } from './server';

const FIELD_TYPES = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'boolean', 'double', 'currency', 'percent', 'int', 'long', 'date', 'datetime', 'reference', 'id']);

export function pubsubControl(bus: EventBus, server: PubSubServer, userId: string, method: string, path: string, body: any, query: URLSearchParams): Reply | undefined {
  const key = `${method} ${path.replace(/\/$/, '')}`;
  switch (key) {
    case 'POST /_sandbox/pubsub/platform-events': {
      // { name: 'Order_Paid__e', fields: [{ name: 'Order_Id__c', type: 'string' }, ...] }
      const name = String(body.name ?? '');
      if (!/^[A-Za-z]\w*__e$/.test(name)) throw new SfError(400, 'INVALID_NAME', `a platform event name ends in __e: ${name}`);
      const fields = Array.isArray(body.fields) ? body.fields : [];
      for (const f of fields) {
        if (!/^[A-Za-z]\w*__c$/.test(String(f?.name)) || !FIELD_TYPES.has(String(f?.type ?? 'string'))) {
          throw new SfError(400, 'INVALID_FIELD', `platform event fields are custom fields (Name__c) of a describe type: ${JSON.stringify(f)}`);
        }
      }
      bus.platformEvents.set(name.toLowerCase(), { name, fields: fields.map((f: any) => ({ name: String(f.name), type: String(f.type ?? 'string') })) });
      const topic = bus.topic(`/event/${name}`)!;
      return ok({ topic: topic.name, schemaId: topic.schemaId });
    }
    case 'GET /_sandbox/pubsub/platform-events':
      return ok([...bus.platformEvents.values()].map((d) => ({ ...d, topic: `/event/${d.name}`, schemaId: bus.topic(`/event/${d.name}`)!.schemaId })));
    case 'POST /_sandbox/pubsub/channels': {
      // { name: 'Sales__chn', entities: ['Account', 'Opportunity'] }
      const name = String(body.name ?? '');
      if (!/^[A-Za-z]\w*__chn$/.test(name)) throw new SfError(400, 'INVALID_NAME', `a custom channel name ends in __chn: ${name}`);
      const entities = (Array.isArray(body.entities) ? body.entities : []).map((e: unknown) => bus.changeSchema(String(e)).parsed.name.replace(/ChangeEvent$/, ''));
      bus.channels.set(name.toLowerCase(), { name, entities });
      return ok({ topic: `/data/${name}`, entities });
    }
    case 'POST /_sandbox/pubsub/drop': {
      // { code?: 'UNAVAILABLE', errorCode?, message? }: every open stream ends with that status (an outage, a restart).
      const code = grpc.status[String(body.code ?? 'UNAVAILABLE') as keyof typeof grpc.status];
      if (typeof code !== 'number') throw new SfError(400, 'INVALID_CODE', `not a gRPC status name: ${String(body.code)}`);
      const dropped = server.dropStreams(code, String(body.errorCode ?? 'sfdc.platform.eventbus.grpc.service.unavailable'),
        String(body.message ?? 'The service is unavailable. Try again later.'));
      return ok({ dropped });
    }
    case 'POST /_sandbox/pubsub/config': {
      const config = server.config;
      if (typeof body.retentionEvents === 'number') bus.retention.retentionEvents = body.retentionEvents;
      if (typeof body.retentionHours === 'number') bus.retention.retentionHours = body.retentionHours;
      if (typeof body.keepaliveMs === 'number') config.keepaliveMs = body.keepaliveMs;
      if (typeof body.idleTimeoutMs === 'number') config.idleTimeoutMs = body.idleTimeoutMs;
      bus.purge();
      return ok({ ...bus.retention, ...config, latestReplayId: String(bus.latestReplayId), purgedThrough: String(bus.purgedThrough) });
    }
    case 'POST /_sandbox/pubsub/age':
      // { hours }: every retained event becomes that much older (so the retention window can pass in a test).
      bus.age(Number(body.hours ?? 0) * 3_600_000);
      return ok({ latestReplayId: String(bus.latestReplayId), purgedThrough: String(bus.purgedThrough) });
    case 'POST /_sandbox/pubsub/publish': {
      // { topic: '/event/Order_Paid__e', events: [{ Order_Id__c: '...' }] }: published inside the org (Flow, Apex).
      const topic = bus.topic(bus.canonicalTopic(String(body.topic ?? '')));
      if (!topic?.canPublish) throw new SfError(404, 'NOT_FOUND', `no platform event topic ${String(body.topic)}`);
      const schema = bus.schema(topic.schemaId)!;
      const fieldNames = schema.fields.map((f) => f.name);
      const results = (Array.isArray(body.events) ? body.events : []).map((e: Record<string, unknown>) => {
        const record = Object.fromEntries(fieldNames.map((n) => [n, e[n] ?? null]));
        const stored = bus.append(new Set([topic.name]), schema, { ...record, CreatedDate: Date.now(), CreatedById: userId }, randomUUID());
        return { replayId: String(stored.replayId), id: stored.id };
      });
      return ok(results);
    }
    case 'GET /_sandbox/pubsub/events':
      // ?topic=/data/AccountChangeEvent → the retained events, decoded (bitmaps expanded to field names).
      return ok(bus.dump(query.get('topic') ?? undefined));
    default:
      return undefined;
  }
}
