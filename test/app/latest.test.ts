/**
 * Latest-wins redraw scheduling (app/src/pure/latest.ts): requests during a redraw coalesce into one
 * more redraw that sees the latest state; a failing redraw is reported and does not stop the next.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { latestWins } from '../../app/src/pure/latest.js';

describe('latestWins', () => {
  test('runs once, then once more for any number of requests made meanwhile, with the state of the last', async () => {
    let state = 0;
    const seen: number[] = [];
    let release: () => void = () => {};
    const request = latestWins(async () => {
      seen.push(state);
      if (seen.length === 1) await new Promise<void>((ok) => (release = ok));
    });
    const first = request();
    state = 1;
    void request();
    state = 2;
    void request();
    release();
    await first;
    assert.deepEqual(seen, [0, 2]);
    await request();
    assert.deepEqual(seen, [0, 2, 2]);
  });

  test('reports a failed redraw and still runs the next request', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const request = latestWins(
      async () => {
        calls++;
        if (calls === 1) throw new Error('boom');
      },
      (e) => errors.push(e),
    );
    await request();
    await request();
    assert.equal(calls, 2);
    assert.deepEqual(
      errors.map((e) => (e as Error).message),
      ['boom'],
    );
  });
});
