/**
 * The catalogue of bad inputs (issue 13, test/catalogue/cases.ts), run in-process: every case exits
 * with its code (1 bad data, 2 bad usage) and exactly one stderr line matching its pattern (the file or
 * flag, and the position), no stack trace, and writes nothing (its folder, with any --out and run
 * folder, is byte-identical before and after). Controls (valid but odd inputs, e.g. a BOM) exit 0.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CASES, prepareCatalogue, runCase } from './cases.js';

const STACK_LINE = /^\s+at /;

let catalogue: Awaited<ReturnType<typeof prepareCatalogue>>;
before(async () => {
  catalogue = await prepareCatalogue();
});
after(() => catalogue?.cleanup());

describe('the catalogue of bad inputs', () => {
  test('holds at least 50 bad inputs (controls not counted)', () => {
    assert.ok(CASES.filter((c) => c.exit !== 0).length >= 50, `${CASES.length} cases`);
    assert.equal(new Set(CASES.map((c) => c.id)).size, CASES.length, 'case ids are unique');
  });

  for (const c of CASES) {
    const skip = c.skip?.() ?? false;
    const name =
      c.exit === 0
        ? `${c.id}: ${c.input} is accepted (exit 0)`
        : `${c.id}: ${c.input} exits ${c.exit} with one line naming the file or flag${c.mayWrite ? '' : ', writing nothing'}`;
    test(name, { skip, todo: c.knownGap ?? false }, async () => {
      const r = await runCase(c, catalogue.root, catalogue.templateRun);
      const stderr = r.err.join('\n');
      assert.equal(r.code, c.exit, `exit code; stderr:\n${stderr}`);
      assert.ok(!r.err.some((l) => STACK_LINE.test(l)), `a stack trace:\n${stderr}`);
      if (c.exit !== 0) {
        assert.equal(r.lines.length, 1, `expected one error line, got:\n${r.lines.join('\n')}`);
        assert.match(r.lines[0], c.message);
        assert.doesNotMatch(r.lines[0], /internal error/);
      }
      if (!c.mayWrite) assert.deepEqual(r.changed, [], 'files written, changed or removed');
      assert.equal(r.problem, null);
    });
  }
});
