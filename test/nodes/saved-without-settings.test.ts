// Flows saved before a setting existed: the node runs with the setting's default instead of failing or acting
// differently (issue 14: fg-retry without failureWindowSeconds, fg-salesforce-events without mode). The editor side
// (the same flows show no red triangle and their dialogs show the defaults) is test/browser/flows.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandbox/salesforce';
import { sandboxControl } from '../../sandbox/salesforce/control-client';
import { getNode, load, receive, reportedErrors, unload } from '../harness';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];

const unavailable = () => ({ message: 'Service Unavailable', code: 'api_error', service: 'acme', status: 503, retryable: true });

describe('flows saved without newer settings', function () {
  afterEach(() => unload());

  it('fg-retry without failureWindowSeconds counts failures within the default 60 s window', async () => {
    // Saved before the failure window existed: two failures 150 ms apart are within the default window, so the
    // second opens the circuit (threshold 2) and waits for the cooldown.
    await load(['fg-store-config', 'fg-retry'], [
      { id: 's1', type: 'fg-store-config', backend: 'memory' },
      { id: 'rt', type: 'fg-retry', store: 's1', maxAttempts: 5, baseMs: 20, factor: 2, capMs: 1000, jitter: 'none', circuit: true, circuitKeyType: 'service', threshold: 2, cooldownSeconds: 0.5, pollMs: 20, wires: [['again'], ['exhausted']] },
      { id: 'again', type: 'helper' }, { id: 'exhausted', type: 'helper' },
    ]);
    const first = receive('again');
    getNode('rt').receive({ payload: 1, error: unavailable() });
    assert.equal((await first)[0].retry.history[0].delayMs, 20);
    await new Promise((r) => setTimeout(r, 150));
    const second = receive('again');
    getNode('rt').receive({ payload: 2, error: unavailable() });
    assert.equal((await second)[0].retry.history[0].delayMs, 500, 'the circuit opened: the cooldown, not the backoff');
    assert.deepEqual(reportedErrors('rt'), []);
  });

  describe('fg-salesforce-events', () => {
    let sb: SalesforceSandbox;
    let dir: string;
    before(async () => {
      sb = await startSalesforceSandbox();
      dir = mkdtempSync(join(tmpdir(), 'fg-saved-without-'));
    });
    after(async () => {
      await sb?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('without mode, output and lag polls and sends one message per record, as the poll mode does', async () => {
      await sandboxControl(sb.url, 'POST', '/reset');
      await sandboxControl(sb.url, 'POST', '/seed', { asUser: 'alice@flowguard.test', records: { Account: [{ Name: 'a' }, { Name: 'b' }] } });
      await load(['fg-salesforce-config', 'fg-store-config', 'fg-salesforce-events'], [
        { id: 'c1', type: 'fg-salesforce-config', loginTarget: 'custom', loginUrl: sb.url, authFlow: 'password', apiVersion: '59.0' },
        { id: 's1', type: 'fg-store-config', backend: 'sqlite', sqlitePath: join(dir, 'fg.sqlite') },
        // As the demo and the "Account change feed" example were saved: no mode, output, lagSeconds.
        { id: 'e1', type: 'fg-salesforce-events', salesforce: 'c1', store: 's1', object: 'Account', fields: 'Name', interval: 3600, pageSize: 200, includeDeleted: true, skipOwnChanges: true, startFrom: 'beginning', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ], { c1: { clientId: 'flowguard-client', clientSecret: 'flowguard-secret', username: 'integration@flowguard.test', password: 'password', securityToken: 'TOKEN' } });
      const msgs = await receive('out', 2);
      assert.deepEqual(msgs.map((m) => [m.topic, m.payload.Name]), [['Account/created', 'a'], ['Account/created', 'b']]);
      assert.deepEqual(reportedErrors('e1'), []);
    });
  });
});
