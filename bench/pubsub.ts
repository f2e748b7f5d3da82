// P11: Salesforce Pub/Sub API subscriber. N platform events published into the Salesforce sandbox, then read from the
// earliest retained event: through fg-salesforce-events (Pub/Sub mode, flow control tied to done(), replay id stored
// as the flow finishes each event) into a counting node, against a bare gRPC client (grpc-js + proto-loader + avsc,
// none of this project's client code) asking for the same batches and decoding each event. Both include sign-in and
// the subscription's start. Goal: >= 0.8 of the bare client's events/s.
import * as avro from 'avsc';
import * as path from 'path';
import { startSalesforceSandbox, SalesforceSandbox } from '../sandbox/salesforce';
import { sandboxControl } from '../sandbox/salesforce/control-client';
import { getNode, unload } from '../test/harness';
import { alternate, loadForBench, report, runMain, SMALL, seconds } from './lib';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];

const EVENTS = SMALL ? 2_000 : 20_000;
const ROUNDS = SMALL ? 1 : 3;
/** events asked for at a time: the node's 'In flow' and the bare client's num_requested */
const BATCH = 100;
const TOPIC = '/event/Bench__e';
const USER = 'integration@flowguard.test';
const CREDS = { clientId: 'flowguard-client', clientSecret: 'flowguard-secret', username: USER, password: 'password', securityToken: 'TOKEN' };

export const RESULTS = ['p11-pubsub-subscriber'];

/** The bare client: login, GetTopic, GetSchema, Subscribe from EARLIEST asking BATCH at a time, decode each event. */
async function bareClient(sb: SalesforceSandbox): Promise<number> {
  const start = process.hrtime.bigint();
  const jsforce = require('jsforce');
  const grpc = require('@grpc/grpc-js');
  const protoLoader = require('@grpc/proto-loader');
  const conn = new jsforce.Connection({ loginUrl: sb.url, version: '59.0' });
  const user = await conn.login(USER, `${CREDS.password}${CREDS.securityToken}`);
  const definition = protoLoader.loadSync(path.join(__dirname, '..', 'lib', 'salesforce', 'pubsub', 'pubsub_api.proto'), { keepCase: true, enums: String, defaults: true, longs: Number });
  const PubSub = grpc.loadPackageDefinition(definition).eventbus.v1.PubSub;
  const client = new PubSub(sb.pubsubUrl, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.add('accesstoken', conn.accessToken);
  metadata.add('instanceurl', conn.instanceUrl);
  metadata.add('tenantid', user.organizationId);
  const unary = <T>(method: string, request: unknown): Promise<T> =>
    new Promise((resolve, reject) => client[method](request, metadata, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));
  try {
    const topic = await unary<{ schema_id: string }>('GetTopic', { topic_name: TOPIC });
    const type = avro.Type.forSchema(JSON.parse((await unary<{ schema_json: string }>('GetSchema', { schema_id: topic.schema_id })).schema_json));
    await new Promise<void>((resolve, reject) => {
      const stream = client.Subscribe(metadata);
      let received = 0;
      let asked = BATCH;
      stream.on('data', (res: { events: { event: { payload: Buffer } }[] }) => {
        for (const e of res.events) {
          type.fromBuffer(e.event.payload);
          received++;
        }
        if (received >= EVENTS) {
          stream.cancel();
          resolve();
        } else if (received === asked) {
          asked += BATCH;
          stream.write({ topic_name: TOPIC, num_requested: BATCH });
        }
      });
      stream.on('error', (err: { code?: number }) => (err.code === grpc.status.CANCELLED ? undefined : reject(err)));
      stream.write({ topic_name: TOPIC, replay_preset: 'EARLIEST', num_requested: BATCH });
    });
  } finally {
    client.close();
  }
  return EVENTS / seconds(start);
}

let run = 0;

/** The node: a fresh deploy (sign-in, subscription from the earliest event) until the counter has seen EVENTS. */
async function throughNode(sb: SalesforceSandbox): Promise<number> {
  run++;
  const flow = [
    { id: 'tab', type: 'tab', label: 'P11' },
    { id: 'store', type: 'fg-store-config', backend: 'memory' },
    { id: 'sf', type: 'fg-salesforce-config', loginTarget: 'custom', loginUrl: sb.url, authFlow: 'password', apiVersion: '59.0', pubsubEndpoint: `http://${sb.pubsubUrl}` },
    { id: `events${run}`, type: 'fg-salesforce-events', z: 'tab', salesforce: 'sf', store: 'store', mode: 'pubsub', topic: TOPIC, replayPreset: 'earliest', maxInFlight: BATCH, wires: [['count']] },
    { id: 'count', type: 'helper', z: 'tab' },
  ];
  let received = 0;
  let finish!: () => void;
  const all = new Promise<void>((resolve) => (finish = resolve));
  const start = process.hrtime.bigint();
  await loadForBench(['fg-store-config', 'fg-salesforce-config', 'fg-salesforce-events'], flow, { sf: CREDS });
  getNode('count').on('input', () => { if (++received === EVENTS) finish(); });
  await all;
  const perSec = EVENTS / seconds(start);
  await unload();
  return perSec;
}

export async function run_(): Promise<Record<string, unknown>[]> {
  const sb = await startSalesforceSandbox();
  try {
    await sandboxControl(sb.url, 'POST', '/pubsub/platform-events', { name: 'Bench__e', fields: [{ name: 'Order_Id__c', type: 'string' }, { name: 'Amount__c', type: 'double' }] });
    for (let sent = 0; sent < EVENTS; sent += 1000) {
      const events = Array.from({ length: Math.min(1000, EVENTS - sent) }, (_, i) => ({ Order_Id__c: `o-${sent + i}`, Amount__c: (sent + i) / 100 }));
      await sandboxControl(sb.url, 'POST', '/pubsub/publish', { topic: TOPIC, events });
    }
    // Warm-up, not counted: the first run of each side loads its modules (Node-RED's runtime, gRPC, jsforce).
    await throughNode(sb);
    await bareClient(sb);
    const m = await alternate(ROUNDS, () => throughNode(sb), () => bareClient(sb));
    return [report({
      name: 'p11-pubsub-subscriber',
      title: `P11 Pub/Sub subscriber: ${EVENTS} platform events from the earliest, fg-salesforce-events (${BATCH} in flow) vs a bare gRPC client (num_requested ${BATCH})`,
      unit: 'events/s',
      candidate: Math.round(m.candidate),
      baseline: Math.round(m.baseline),
      better: 'higher',
      goal: 'ratio >= 0.8',
      met: m.candidate / m.baseline >= 0.8,
      details: { events: EVENTS, rounds: ROUNDS, inFlight: BATCH, samples: m.samples },
    })];
  } finally {
    await sb.close();
  }
}
export { run_ as run };

if (require.main === module) runMain(run_);
