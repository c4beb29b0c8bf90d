/**
 * `vaekit report RUN`, in process: a tiny MNIST run (Z = 4) reported before and after `evaluate`,
 * `calibrate` and `score --normal-labels`, a Boston table run and a PCA run. The page is parsed (it is
 * our own well-formed output, so regular expressions over its tags suffice): every picture is a data:
 * URI that decodes to a PNG or an SVG, the figures shown equal evaluation.json's to the digits printed,
 * the configuration block parses back to config.json, and nothing but report.html is left in the run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodePng } from '../../src/node/formats/png.js';
import type { Evaluation } from '../../src/node/runs/results.js';
import { base64, reportHtml } from '../../src/render/report.js';
import { runCli, tinyTrainArgs } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-report-'));
after(() => rmSync(root, { recursive: true, force: true }));

const mnistRun = join(root, 'mnist');
const bostonRun = join(root, 'boston');
const pcaRun = join(root, 'pca');

/** Runs the CLI and asserts exit code 0. */
async function ok(argv: string[]): Promise<string[]> {
  const r = await runCli(argv);
  assert.equal(r.code, 0, `vaekit ${argv.join(' ')}: ${r.err.join('\n')}`);
  return r.out;
}

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** The src of every <img>, asserting that each tag has one. */
function imageSources(html: string): string[] {
  const tags = html.match(/<img\b[^>]*>/g) ?? [];
  return tags.map((t) => {
    const m = /\ssrc="([^"]*)"/.exec(t);
    assert.ok(m, `an <img> without src: ${t.slice(0, 80)}`);
    return unescape(m[1]);
  });
}

/** Decodes every picture: PNG through decodePng, SVG as a document; returns the MIME types in order. */
function checkImages(html: string): string[] {
  return imageSources(html).map((src) => {
    const m = /^data:(image\/png|image\/svg\+xml);base64,([A-Za-z0-9+/]+=*)$/.exec(src);
    assert.ok(m, `not a base64 PNG or SVG data: URI: ${src.slice(0, 60)}`);
    const bytes = Buffer.from(m[2], 'base64');
    if (m[1] === 'image/png') {
      const img = decodePng(bytes);
      assert.ok(img.width > 0 && img.height > 0);
    } else {
      const svg = bytes.toString('utf8');
      assert.match(svg, /^<svg[\s>]/);
      assert.match(svg, /<\/svg>\s*$/);
    }
    return m[1];
  });
}

/** data-figure key → the text shown. */
function figures(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of html.matchAll(/data-figure="([^"]+)">([^<]*)</g)) out.set(unescape(m[1]), unescape(m[2]));
  return out;
}

/** Asserts that `shown` is `value` rounded to the decimals shown (a typographic minus allowed), and shows at least `minDigits`. */
function assertShown(shown: string | undefined, value: number, minDigits: number, what: string): void {
  assert.ok(shown !== undefined, `${what}: not in the report`);
  const text = shown.replace('−', '-');
  const digits = text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
  assert.ok(digits >= minDigits, `${what}: ${shown} shows ${digits} decimals`);
  assert.equal(text, value.toFixed(digits), `${what}: shown ${shown}, evaluation.json ${value}`);
}

/** The HTML of a section by id. */
function section(html: string, id: string): string {
  const m = new RegExp(`<section id="${id}">([\\s\\S]*?)</section>`).exec(html);
  assert.ok(m, `no section '${id}'`);
  return m[1];
}

/** Asserts the page is self-contained: no script, no stylesheet link, no external source or link. */
function assertSelfContained(html: string): void {
  assert.match(html, /^<!DOCTYPE html>/);
  assert.doesNotMatch(html, /<script|<link|<iframe|<object/i);
  for (const m of html.matchAll(/\s(?:src|href)="([^"]*)"/g))
    assert.ok(m[1].startsWith('data:') || m[1].startsWith('#'), `an external reference: ${m[1].slice(0, 60)}`);
}

/** The configuration block, parsed. */
function configBlock(html: string): unknown {
  const m = /<pre class="json">([\s\S]*?)<\/pre>/.exec(section(html, 'configuration'));
  assert.ok(m, 'no configuration block');
  return JSON.parse(unescape(m[1]));
}

let beforeEvaluation: string;
let mnistFilesBefore: string[];
let mnistFilesAfter: string[];

before(async () => {
  await ok(tinyTrainArgs(mnistRun, 2));
  mnistFilesBefore = readdirSync(mnistRun).sort();
  const out = await ok(['report', mnistRun]);
  assert.match(out.at(-1)!, /^wrote .*report\.html \(\d+ images, \d+ KiB\)$/);
  beforeEvaluation = readFileSync(join(mnistRun, 'report.html'), 'utf8');
  mnistFilesAfter = readdirSync(mnistRun).sort();
  await ok(['evaluate', mnistRun, '--samples', '20', '--threads', '1']);
  await ok(['calibrate', mnistRun, '--contamination', '0.05']);
  await ok(['score', mnistRun, '--normal-labels', '0,1,2,3,4']);
  await ok(['report', mnistRun]);
});

describe('vaekit report on an MNIST run', () => {
  test('without evaluation.json the page says so and how to make it', () => {
    const s = section(beforeEvaluation, 'evaluation');
    assert.match(s, /No evaluation\.json/);
    assert.match(s, /vaekit evaluate /);
    assert.equal(figures(beforeEvaluation).has('elbo.mean'), false);
  });

  test('leaves nothing in the run folder but report.html', () => {
    assert.deepEqual(mnistFilesAfter, [...mnistFilesBefore, 'report.html'].sort());
  });

  test('every picture is an inlined PNG or SVG that decodes, and the page is self-contained', () => {
    const html = readFileSync(join(mnistRun, 'report.html'), 'utf8');
    assertSelfContained(html);
    const kinds = checkImages(html);
    // loss curve, reconstructions, samples, traversal, interpolation, latent map, ROC curve
    assert.equal(kinds.length, 7);
    assert.equal(kinds.filter((k) => k === 'image/png').length, 4);
    for (const alt of ['loss curve', 'reconstructions', 'prior samples', 'latent traversal', 'interpolation', 'latent map'])
      assert.match(html, new RegExp(`alt="${alt}"`));
  });

  test("the figures shown equal evaluation.json's to the digits printed", () => {
    const html = readFileSync(join(mnistRun, 'report.html'), 'utf8');
    const ev = JSON.parse(readFileSync(join(mnistRun, 'evaluation.json'), 'utf8')) as Evaluation;
    const f = figures(html);
    assertShown(f.get('elbo.mean'), ev.elbo!.mean, 2, 'ELBO');
    assertShown(f.get('elbo.negative'), -ev.elbo!.mean, 2, '−ELBO');
    assertShown(f.get('elbo.kl'), ev.elbo!.kl, 2, 'KL');
    assertShown(f.get('logLikelihoodEstimate.value'), ev.logLikelihoodEstimate!.value, 2, 'log p(x)');
    assertShown(f.get('iwaeBound.value'), ev.iwaeBound!.value, 2, 'IWAE bound');
    assertShown(f.get('bitsPerDim'), ev.bitsPerDim!, 3, 'bits per dimension');
    assertShown(f.get('latent.activeUnits'), ev.latent!.activeUnits, 0, 'active units');
    assertShown(f.get('dims.activeUnits'), ev.latent!.activeUnits, 0, 'active units (latent section)');
    assert.equal(ev.latent!.klPerDimension.length, 4);
    ev.latent!.klPerDimension.forEach((kl, u) => assertShown(f.get(`kl.${u}`), kl, 3, `KL of dimension ${u}`));
    assert.equal(f.has('kl.4'), false);
  });

  test('the anomaly section shows the calibration and the label metrics of score --normal-labels', () => {
    const html = readFileSync(join(mnistRun, 'report.html'), 'utf8');
    const cal = JSON.parse(readFileSync(join(mnistRun, 'calibration.json'), 'utf8')) as { threshold: number; rate: number };
    const m = JSON.parse(readFileSync(join(mnistRun, 'scores-test-metrics.json'), 'utf8')) as { rocAuc: number; averagePrecision: number };
    const f = figures(html);
    assertShown(f.get('calibration.threshold'), cal.threshold, 3, 'threshold');
    assertShown(f.get('calibration.rate'), cal.rate, 2, 'contamination');
    assertShown(f.get('scores-test.rocAuc'), m.rocAuc, 4, 'ROC-AUC');
    assertShown(f.get('scores-test.averagePrecision'), m.averagePrecision, 4, 'average precision');
    assert.match(section(html, 'anomaly'), /alt="ROC curve scores-test"/);
  });

  test('the configuration block parses back to config.json', () => {
    const html = readFileSync(join(mnistRun, 'report.html'), 'utf8');
    assert.deepEqual(configBlock(html), JSON.parse(readFileSync(join(mnistRun, 'config.json'), 'utf8')));
  });

  test('--out writes elsewhere and leaves the run folder as it was', async () => {
    const out = join(root, 'elsewhere.html');
    const files = readdirSync(mnistRun).sort();
    await ok(['report', mnistRun, '--out', out, '--map-examples', '50']);
    assert.deepEqual(readdirSync(mnistRun).sort(), files);
    assert.match(readFileSync(out, 'utf8'), /Latent means of 50 test examples/);
  });
});

describe('vaekit report on other kinds of run', () => {
  test('a Boston table run shows tables in raw units instead of pictures', async () => {
    await ok(['train', '--data', 'boston', '--epochs', '2', '--hidden', '8', '--out', bostonRun]);
    await ok(['report', bostonRun]);
    const html = readFileSync(join(bostonRun, 'report.html'), 'utf8');
    assertSelfContained(html);
    assert.deepEqual(checkImages(html), ['image/svg+xml', 'image/svg+xml']); // loss curve, latent map
    const pictures = section(html, 'pictures');
    assert.match(pictures, /<th>crim<\/th>/);
    assert.match(pictures, /Test examples, each beside its reconstruction[^<]*raw units/);
    const latent = section(html, 'latent-space');
    assert.match(latent, /<caption>Traversal around z = 0/);
    assert.match(latent, /<caption>Interpolation \(lerp\)/);
    // Z = 2: 2 traversal rows of 9 steps, every one shown
    assert.equal((latent.match(/<caption>Traversal[\s\S]*?<\/table>/)![0].match(/<tr>/g) ?? []).length, 1 + 2 * 9);
    assert.match(section(html, 'evaluation'), /No evaluation\.json/);
    assert.deepEqual(configBlock(html), JSON.parse(readFileSync(join(bostonRun, 'config.json'), 'utf8')));
  });

  test('a PCA run shows its fit, reconstructions and samples, and says the VAE sections do not apply', async () => {
    await ok(['train', '--model', 'pca', '--data', 'mnist', '--limit', '200', '--latent', '2', '--out', pcaRun]);
    await ok(['evaluate', pcaRun]);
    const files = readdirSync(pcaRun).sort();
    await ok(['report', pcaRun]);
    assert.deepEqual(readdirSync(pcaRun).sort(), [...files, 'report.html'].sort());
    const html = readFileSync(join(pcaRun, 'report.html'), 'utf8');
    assert.deepEqual(checkImages(html), ['image/png', 'image/png']);
    const ev = JSON.parse(readFileSync(join(pcaRun, 'evaluation.json'), 'utf8')) as Evaluation;
    assertShown(figures(html).get('reconstructionError'), ev.reconstructionError!, 4, 'reconstruction error');
    assert.match(section(html, 'latent-space'), /VAE sections: a linear run has none/);
  });
});

describe('reportHtml', () => {
  test('escapes every string it inserts', () => {
    const evil = '<script>alert("x")</script>&';
    const html = reportHtml({
      title: evil,
      meta: [[evil, evil]],
      sections: [
        {
          id: 's',
          title: evil,
          blocks: [
            { kind: 'text', text: evil },
            { kind: 'note', text: evil },
            { kind: 'figures', figures: [{ key: evil, label: evil, value: -1.5, digits: 1, unit: evil, detail: evil }] },
            { kind: 'table', caption: evil, header: [evil], rows: [[evil]] },
            { kind: 'image', image: { mimeType: 'image/svg+xml', data: evil, alt: evil, caption: evil } },
            { kind: 'bars', bars: { caption: evil, header: [evil, evil, evil], keyPrefix: evil, digits: 1, rows: [{ label: evil, value: 1, extra: [evil] }] } },
            { kind: 'json', caption: evil, value: { [evil]: evil } },
          ],
        },
      ],
    });
    assert.doesNotMatch(html, /<script/);
    assert.match(html, /&lt;script&gt;/);
    assert.match(html, /data-figure="&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;&amp;">−1\.5</);
  });

  test('base64 equals Node’s encoding for every length mod 3', () => {
    for (let n = 0; n < 12; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 13) % 256);
      assert.equal(base64(bytes), Buffer.from(bytes).toString('base64'), `length ${n}`);
    }
  });
});
