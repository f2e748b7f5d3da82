import * as assert from 'assert';
import supertest = require('supertest');
import { unload } from '../harness';
import { exampleRED, loadExample } from '../reliability/examples';

describe('Reliability example: Idempotent order endpoint', () => {
  afterEach(() => unload());

  it('creates once, answers a repeat with the stored response, refuses a changed body, fails closed without a key', async () => {
    await loadExample('Idempotent order endpoint', { store: { backend: 'memory' } });
    const http = () => supertest(exampleRED().httpNode);
    const first = await http().post('/orders').set('Idempotency-Key', 'k1').send({ id: 1, amount: 500 }).expect(201);
    assert.deepStrictEqual(first.body, { order: 1, amount: 500, status: 'accepted' });
    const repeat = await http().post('/orders').set('Idempotency-Key', 'k1').send({ amount: 500, id: 1 }).expect(200);
    assert.deepStrictEqual(repeat.body, first.body);
    const changed = await http().post('/orders').set('Idempotency-Key', 'k1').send({ id: 1, amount: 999 }).expect(422);
    assert.match(changed.body.error, /already used with different content/);
    const noKey = await http().post('/orders').send({ id: 2 }).expect(500);
    assert.match(noKey.body.error, /no idempotency key/);
  });
});
