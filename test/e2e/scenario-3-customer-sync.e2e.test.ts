// Scenario 3 end to end: Salesforce Contacts and Stripe customers kept in step both ways in a real Node-RED process,
// with no echo ping-pong and last-write-wins plus a conflict record when both sides changed.
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { RunningSandboxes } from '../../sandbox/main';
import { control, pointAtSandboxes, webhooksRegistered, startAllSandboxes } from './sandboxes';
import { eventually, fetchExample, NodeRedProcess, startNodeRed } from './runtime';


describe('e2e: Scenario 3, two-way customer sync', function () {
  this.timeout(60000);
  let sandboxes: RunningSandboxes;
  let red: NodeRedProcess;
  let stripe: Stripe;
  let contactId: string;
  let customerId: string;

  const sf = () => sandboxes.info.salesforce.url;
  const contact = async (id: string): Promise<any> => {
    const state = await control(sf(), 'GET', '/_sandbox/state');
    return (state.records?.Contact ?? []).find((r: any) => r.Id === id);
  };
  const customersOf = async (id: string) => (await stripe.customers.list({ limit: 100 })).data.filter((c) => c.metadata.sf_contact_id === id);
  // A user (not the integration user) edits the Contact, as in the Salesforce UI.
  const editContact = (record: object) => control(sf(), 'POST', '/_sandbox/dml', { op: 'update', type: 'Contact', id: contactId, record, asUser: 'alice@flowguard.test' });
  const customerWrites = async () => {
    const calls = await control(sandboxes.info.stripe.url, 'GET', '/_sandbox/calls');
    return Number((calls.calls ?? calls)['POST /v1/customers/:id'] ?? 0);
  };

  before(async () => {
    sandboxes = await startAllSandboxes();
    const s = sandboxes.info.stripe;
    stripe = new Stripe(s.testKey, { host: s.host, port: s.port, protocol: 'http' });
    red = await startNodeRed();
    const flow = (await fetchExample(red, 'Scenarios/3 Two-way customer sync')).map((node) => (node.id === 'sc3-events' ? { ...node, interval: 1 } : node));
    const deployed = pointAtSandboxes(flow, sandboxes.info, red);
    await red.deploy(deployed);
    await webhooksRegistered(sandboxes.info, deployed);
    await new Promise((r) => setTimeout(r, 1500)); // the change feed starts from "now"
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(red?.output().slice(-3000));
  });
  after(async () => {
    await red?.close();
    await sandboxes?.close();
  });

  it('creates one Stripe customer for a new Contact and links them', async () => {
    const created = await control(sf(), 'POST', '/_sandbox/dml', { op: 'create', type: 'Contact', record: { FirstName: 'Ada', LastName: 'Lovelace', Email: 'Ada@Example.com' }, asUser: 'alice@flowguard.test' });
    contactId = created.id;
    const linked = await eventually('the link on the Contact', async () => (await contact(contactId))?.External_Id__c);
    customerId = linked;
    const customers = await customersOf(contactId);
    assert.equal(customers.length, 1);
    assert.equal(customers[0].id, customerId);
    assert.equal(customers[0].email, 'ada@example.com');
    assert.equal(customers[0].name, 'Ada Lovelace');
  });

  it('copies a Salesforce edit to Stripe and a Stripe edit to Salesforce, without echoes', async () => {
    await editContact({ Email: 'ada@analytical.example' });
    await eventually('the e-mail in Stripe', async () => (await stripe.customers.retrieve(customerId) as Stripe.Customer).email === 'ada@analytical.example');
    await stripe.customers.update(customerId, { name: 'Ada King' });
    await eventually('the name in Salesforce', async () => (await contact(contactId))?.LastName === 'King');
    const c = await contact(contactId);
    assert.equal(c.FirstName, 'Ada');
    assert.equal(c.Email, 'ada@analytical.example');
    // No ping-pong: once in step, nothing more is written.
    await new Promise((r) => setTimeout(r, 1500));
    const writes = await customerWrites();
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await customerWrites(), writes);
    assert.equal((await customersOf(contactId)).length, 1);
  });

  it('both sides changed: the later write (Stripe) wins and a conflict record is parked', async () => {
    // Stripe's deliveries are held, so the Salesforce change is seen first while the Stripe change is in flight.
    await control(sandboxes.info.stripe.url, 'POST', '/_sandbox/webhooks', { outOfOrder: true, holdMs: 60000 });
    await editContact({ Email: 'from-salesforce@example.com' });
    // The Stripe edit is later than the Contact edit (and within the webhook signature tolerance).
    await control(sandboxes.info.stripe.url, 'POST', '/_sandbox/clock', { advanceSeconds: 120 });
    await stripe.customers.update(customerId, { email: 'from-stripe@example.com' });
    await new Promise((r) => setTimeout(r, 2500)); // the Salesforce change is polled and waits for the Stripe event
    assert.equal((await stripe.customers.retrieve(customerId) as Stripe.Customer).email, 'from-stripe@example.com');
    await control(sandboxes.info.stripe.url, 'POST', '/_sandbox/webhooks/flush');
    await eventually('Stripe winning in Salesforce', async () => (await contact(contactId))?.Email === 'from-stripe@example.com');
    const conflicts = await eventually('a conflict record', async () => {
      const page = await red.request('GET', '/flowguard/dlq/sc3-conflicts');
      return page.body.entries?.length ? page.body.entries : undefined;
    });
    assert.equal(conflicts.length, 1);
    const record = conflicts[0].item.msg.payload;
    assert.equal(record.winner, 'stripe');
    assert.deepEqual(record.salesforce, ['from-salesforce@example.com', 'Ada King']);
    assert.deepEqual(record.stripe, ['from-stripe@example.com', 'Ada King']);
    assert.equal((await customersOf(contactId)).length, 1);
  });
});
