/**
 * The catalogue of bad inputs (issue 13; test/catalogue/cases.ts) as the README's table: each input,
 * the one line vaekit prints (temporary paths shortened to the file name) and the exit code, then
 * the counts. `npm run catalogue`; test/catalogue/bad-inputs.test.ts asserts what this prints.
 */
import { basename } from 'node:path';
import { CASES, prepareCatalogue, runCase, type CaseResult } from '../test/catalogue/cases.js';

/** A message with the catalogue's temporary paths shortened to their last part, ready for a table cell. */
function shorten(line: string, root: string): string {
  const escaped = root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return line
    .replace(/^vaekit: /, '')
    .replace(new RegExp(`${escaped}/[^\\s,:'()]*`, 'g'), (p) => basename(p))
    .replace(/\|/g, '\\|');
}

/** Whether a result is what its case asks for (the test's assertions, in short). */
function passes(r: CaseResult): boolean {
  const c = r.case;
  if (r.code !== c.exit || r.problem !== null) return false;
  if (r.err.some((l) => /^\s+at /.test(l))) return false;
  if (c.exit === 0) return true;
  return r.lines.length === 1 && c.message.test(r.lines[0]) && (c.mayWrite === true || r.changed.length === 0);
}

const { root, templateRun, cleanup } = await prepareCatalogue();
try {
  const results: CaseResult[] = [];
  for (const c of CASES) results.push(await runCase(c, root, templateRun));
  console.log('| input | message | exit |');
  console.log('|---|---|---|');
  for (const r of results) {
    const c = r.case;
    const message = r.skipped ? `(not run: ${r.skipped})` : c.exit === 0 ? '(accepted)' : r.lines.map((l) => shorten(l, root)).join(' / ') || '(nothing)';
    const mark = r.skipped || passes(r) ? '' : ' ✗';
    console.log(`| ${c.input.replace(/\|/g, '\\|')} | ${message}${mark} | ${r.skipped ? '–' : r.code} |`);
  }
  const run = results.filter((r) => !r.skipped);
  const bad = run.filter((r) => r.case.exit !== 0);
  const controls = run.filter((r) => r.case.exit === 0);
  const ok = bad.filter(passes);
  const skipped = results.length - run.length;
  console.log('');
  console.log(
    `${ok.length} of ${bad.length} bad inputs rejected with one line naming the file or flag, the right exit code and nothing written; ` +
      `${controls.filter(passes).length} of ${controls.length} controls accepted` +
      (skipped
        ? `; ${skipped} not run here (${results
            .filter((r) => r.skipped)
            .map((r) => r.case.id)
            .join(', ')})`
        : '') +
      '.',
  );
  const failing = run.filter((r) => !passes(r));
  if (failing.length) console.log(`Short of the mark (✗): ${failing.map((r) => r.case.id).join(', ')}.`);
} finally {
  cleanup();
}
