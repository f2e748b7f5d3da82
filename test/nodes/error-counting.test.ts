// Errors are counted where the kit routes them (nodes/shared/node-io.ts routeError), once each, whichever way they go:
// an error output the ops hooks' old table did not know (fg-reconcile's third port) and errors raised outside an
// input's outcome with node.error(err, msg) (a sequencer timeout) included.
import * as assert from 'assert';
import { metrics } from '../../lib/ops/metrics';
import { eventually, getNode, load, receive, reportedErrors, unload } from '../harness';

const errorsOf = (id: string) => metrics.snapshot().find((m) => m.id === id);

describe('error counting at the one place errors are routed', () => {
  beforeEach(() => metrics.reset());
  afterEach(() => unload());

  it("counts fg-reconcile's errors on its error output (port 3), once each", async () => {
    await load(['fg-reconcile'], [
      { id: 'rec', type: 'fg-reconcile', wires: [['ok'], ['fixes'], ['bad']] },
      { id: 'ok', type: 'helper' }, { id: 'fixes', type: 'helper' }, { id: 'bad', type: 'helper' },
    ]);
    const bad = receive('bad', 2);
    getNode('rec').receive({ payload: { a: 'not a list', b: [] } });
    getNode('rec').receive({ payload: { a: [], b: 7 } });
    assert.deepStrictEqual((await bad).map((m) => m.error.code), ['INPUT_INVALID', 'INPUT_INVALID']);
    assert.deepStrictEqual(errorsOf('rec')?.errorsByCode, { INPUT_INVALID: 2 });
    assert.strictEqual(reportedErrors('rec').length, 0, 'the error output took them: no Catch');
  });

  it('counts a sequencer timeout raised by its loop (node.error(err, msg) to Catch), once', async () => {
    await load(['fg-store-config', 'fg-sequencer'], [
      { id: 's1', type: 'fg-store-config', backend: 'memory' },
      { id: 'sq', type: 'fg-sequencer', store: 's1', key: 'topic', timeoutSeconds: 0.2, pollMs: 20, wires: [['go'], []] },
      { id: 'go', type: 'helper' },
    ]);
    const go = receive('go');
    getNode('sq').receive({ topic: 'k', payload: 1 });
    await go;
    await eventually(() => reportedErrors('sq').some((e) => /was not released/.test(e.text)), 'the timeout at Catch');
    assert.deepStrictEqual(errorsOf('sq')?.errorsByCode, { SEQUENCER_TIMEOUT: 1 });
  });
});
