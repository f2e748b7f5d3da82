import assert from 'node:assert/strict';
import { compileMapping, findPreset, PRESETS } from '../../lib/mapping';

const preset = (id: string) => compileMapping(findPreset(id)!.spec);

// Shapes as the Stripe API returns them (trimmed to the fields that matter).
const customer = {
  id: 'cus_NffrFeUfNV2Hib', object: 'customer', created: 1680893993, email: 'Jenny.Rosen@Example.com ', name: 'Jenny van Rosen',
  phone: '+15555550100', description: null, currency: 'usd', balance: 0, livemode: false, metadata: {},
  address: { line1: '510 Townsend St', line2: 'Suite 2', city: 'San Francisco', state: 'CA', postal_code: '94103', country: 'US' },
};
const paymentIntent = (amount: number, currency: string, status = 'succeeded') => ({
  id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa', object: 'payment_intent', amount, amount_received: amount, currency, status,
  created: 1680800504, customer: 'cus_NffrFeUfNV2Hib', description: null, latest_charge: 'ch_3MtwBwLkdIwHu7ix2', livemode: false, metadata: {},
});
const charge = (amount: number, currency: string) => ({
  id: 'ch_3MmlLrLkdIwHu7ix0snN0B15', object: 'charge', amount, amount_captured: amount, amount_refunded: 0, currency, status: 'succeeded',
  paid: true, refunded: false, captured: true, created: 1679090539, customer: null, payment_intent: 'pi_3MmlLrLkdIwHu7ix0uke3Ezy',
  failure_code: null, failure_message: null, livemode: false, receipt_url: 'https://pay.stripe.com/receipts/x',
  payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242', exp_month: 8, exp_year: 2026 } },
});
const account = {
  attributes: { type: 'Account', url: '/services/data/v59.0/sobjects/Account/001Dn00000abcDEIAY' },
  Id: '001Dn00000abcDEIAY', Name: 'Acme Corp', Type: 'Customer - Direct', Industry: 'Manufacturing', AnnualRevenue: 1250000.5,
  NumberOfEmployees: 420, BillingStreet: '1 Market St', BillingCity: 'San Francisco', BillingState: 'CA', BillingPostalCode: '94105',
  BillingCountry: 'USA', Phone: '(415) 555-0100', Website: 'acme.example', OwnerId: '005Dn000001xyzAIAQ', IsDeleted: false,
  CreatedDate: '2023-04-07T18:59:53.000+0000', LastModifiedDate: '2024-01-02T03:04:05.000+0000',
};

describe('mapping presets', () => {
  it('all compile and have a name and description', () => {
    assert.equal(PRESETS.length, 5);
    for (const { id, spec } of PRESETS) {
      assert.ok(spec.name && spec.description, id);
      assert.ok(compileMapping(spec).rules.length > 5, id);
    }
  });

  it('Stripe customer → Salesforce Contact', async () => {
    const result = await preset('stripe-customer-to-salesforce-contact').map(customer);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.output, {
      Stripe_Customer_Id__c: 'cus_NffrFeUfNV2Hib', FirstName: 'Jenny van', LastName: 'Rosen', Email: 'jenny.rosen@example.com', Phone: '+15555550100',
      MailingStreet: '510 Townsend St\nSuite 2', MailingCity: 'San Francisco', MailingState: 'CA', MailingPostalCode: '94103', MailingCountry: 'US',
      Description: null,
    });
    const nameless = await preset('stripe-customer-to-salesforce-contact').map({ ...customer, name: null, address: null });
    assert.ok(nameless.ok);
    assert.equal(nameless.output.LastName, 'Jenny.Rosen');
    assert.equal('FirstName' in nameless.output, false);
  });

  it('Stripe customer preset rejects a customer with neither name nor email', async () => {
    const result = await preset('stripe-customer-to-salesforce-contact').map({ ...customer, name: null, email: null });
    assert.equal(result.ok, false);
  });

  it('Stripe payment_intent → Opportunity is never off by 100x', async () => {
    const mapping = preset('stripe-payment-intent-to-salesforce-opportunity');
    const cases: Array<[number, string, number]> = [[2000, 'usd', 20], [500, 'jpy', 500], [5120, 'kwd', 5.12], [99, 'krw', 99], [100, 'isk', 1]];
    for (const [amount, currency, expected] of cases) {
      const result = await mapping.map(paymentIntent(amount, currency));
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.output.Amount, expected, currency);
      assert.equal(result.output.CurrencyIsoCode, currency.toUpperCase());
    }
    const result = await mapping.map(paymentIntent(2000, 'usd', 'requires_capture'));
    assert.ok(result.ok);
    assert.deepEqual(result.output, {
      Stripe_Payment_Intent_Id__c: 'pi_3MtwBwLkdIwHu7ix28a3tqPa', Name: 'Stripe payment pi_3MtwBwLkdIwHu7ix28a3tqPa', StageName: 'Negotiation/Review',
      CloseDate: '2023-04-06', Amount: 20, CurrencyIsoCode: 'USD', Stripe_Customer_Id__c: 'cus_NffrFeUfNV2Hib', Description: null,
    });
  });

  it('Stripe charge → Payment__c round-trips (two-way sync)', async () => {
    const mapping = preset('stripe-charge-to-salesforce-payment');
    const result = await mapping.map(charge(123450, 'bhd'));
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.output.Amount__c, 123.45);
    assert.equal(result.output.Paid_At__c, '2023-03-17T22:02:19.000+0000');
    assert.equal(result.output.Card_Last4__c, '4242');
    assert.ok(mapping.rules.every((rule) => rule.invertible), 'every Payment__c rule is invertible');
    const back = mapping.reverse(result.output);
    assert.ok(back.ok, JSON.stringify(back));
    assert.equal(back.output.amount, 123450);
    assert.equal(back.output.created, 1679090539);
    assert.deepEqual(back.output.payment_method_details, { card: { brand: 'visa', last4: '4242' } });
  });

  it('Salesforce Account → Snowflake row and back', async () => {
    const mapping = preset('salesforce-account-to-snowflake-row');
    const result = await mapping.map(account);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.output.ACCOUNT_ID, '001Dn00000abcDEIAY');
    assert.equal(result.output.CREATED_AT, '2023-04-07 18:59:53.000');
    assert.equal(result.output.UPDATED_AT, '2024-01-02 03:04:05.000');
    assert.equal(result.output.ANNUAL_REVENUE, 1250000.5);
    const back = mapping.reverse(result.output);
    assert.ok(back.ok);
    const { attributes: _attributes, ...fields } = account;
    assert.deepEqual(back.output, fields);
  });

  it('Stripe charge → Snowflake fact row keeps exact decimal strings', async () => {
    const mapping = preset('stripe-charge-to-snowflake-fact');
    const usd = await mapping.map(charge(1999, 'usd'));
    const jpy = await mapping.map(charge(1999, 'jpy'));
    const tnd = await mapping.map(charge(1990, 'tnd'));
    assert.ok(usd.ok && jpy.ok && tnd.ok);
    assert.deepEqual([usd.output.AMOUNT, jpy.output.AMOUNT, tnd.output.AMOUNT], ['19.99', '1999', '1.990']);
    assert.equal(usd.output.AMOUNT_MINOR, 1999);
    assert.equal(usd.output.CREATED_AT, '2023-03-17 22:02:19.000');
    assert.equal(usd.output.CURRENCY, 'USD');
    assert.equal(usd.output.CUSTOMER_ID, null);
  });

  it('rejects an event that is not the object the preset expects', async () => {
    const result = await preset('stripe-charge-to-snowflake-fact').map(paymentIntent(100, 'usd'));
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.violations.some((v) => v.path === '/object' && v.keyword === 'const'));
  });
});
