/**
 * The toolbox's `vaekit train` flags (objective, samples, KL schedules, free bits, per-epoch
 * log-likelihood, label selection) and what `vaekit evaluate` adds (per-dimension KL, active units,
 * the IWAE bound), on tiny MNIST runs in process.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadDataSource } from '../../src/node/datasets/data-source.js';
import { readRunConfig, type VaeRunConfig } from '../../src/node/runs/config.js';
import { progressReporter } from '../../src/cli/progress.js';
import { errorLines, readMetrics, runCli, tinyTrainArgs } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-toolbox-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('vaekit train with the toolbox flags', () => {
  test('--objective iwae --samples 3 --eval-loglik 20 --eval-limit 30: saved in config.json, each epoch has the log-likelihood, active units and KL per dimension', async () => {
    const out = join(root, 'iwae');
    const r = await runCli(tinyTrainArgs(out, 2, ['--objective', 'iwae', '--samples', '3', '--eval-loglik', '20', '--eval-limit', '30']));
    assert.equal(r.code, 0, r.err.join('\n'));
    const cfg = (await readRunConfig(out)) as VaeRunConfig;
    assert.deepEqual(cfg.training.objective, { kind: 'iwae', numSamples: 3 });
    assert.deepEqual(cfg.training.evalLogLikelihood, { numSamples: 20, limit: 30 });
    const metrics = readMetrics(out);
    for (const m of metrics) {
      assert.equal(m.klPerDimension?.length, 4);
      assert.ok(Number.isInteger(m.activeUnits) && m.activeUnits! <= 4);
      assert.deepEqual([m.logLikelihood?.numSamples, m.logLikelihood?.numExamples, m.logLikelihood?.split], [20, 30, 'test']);
      assert.ok(m.logLikelihood!.value < 0 && m.logLikelihood!.standardError > 0);
    }
    assert.ok(
      r.out.some((l) => /^epoch 2: .*\| active \d\/4 \| log p\(x\) -\d+\.\d\d ± \d+\.\d\d \(K=20, 30 test\)/.test(l)),
      r.out.join('\n'),
    );
  });

  test('the warning about continuous values under a Bernoulli likelihood is given without --binarize, not with it', async () => {
    const warned = (r: { err: string[] }) => r.err.some((l) => /continuous values in \[0,1\]: the Bernoulli likelihood/.test(l));
    const plain = await runCli(tinyTrainArgs(join(root, 'plain'), 1));
    assert.equal(plain.code, 0, plain.err.join('\n'));
    assert.ok(warned(plain), plain.err.join('\n'));
    const binarised = await runCli(tinyTrainArgs(join(root, 'binarised'), 1, ['--binarize', 'dynamic']));
    assert.equal(binarised.code, 0, binarised.err.join('\n'));
    assert.ok(!warned(binarised), binarised.err.join('\n'));
  });

  test('--kl-warmup 2 --beta-start 0.2 and --kl-cycles 2 --kl-ratio 0.5 save their schedules; β per epoch follows them', async () => {
    const warm = join(root, 'warm');
    const r = await runCli(tinyTrainArgs(warm, 3, ['--kl-warmup', '2', '--beta-start', '0.2', '--batch-size', '100']));
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.deepEqual(((await readRunConfig(warm)) as VaeRunConfig).training.beta, { kind: 'linear', start: 0.2, end: 1, epochs: 2 });
    // 500 training examples in batches of 100: 5 steps an epoch; β at the last step of each epoch.
    assert.deepEqual(
      readMetrics(warm).map((m) => m.beta),
      [0.2 + 0.8 * (4 / 10), 0.2 + 0.8 * (9 / 10), 1],
    );
    const cyc = join(root, 'cyclical');
    const c = await runCli(tinyTrainArgs(cyc, 2, ['--kl-cycles', '2', '--kl-ratio', '0.5', '--beta', '0.5']));
    assert.equal(c.code, 0, c.err.join('\n'));
    assert.deepEqual(((await readRunConfig(cyc)) as VaeRunConfig).training.beta, { kind: 'cyclical', start: 0, end: 0.5, cycles: 2, ratio: 0.5, epochs: 2 });
  });

  test('--free-bits 0.25 is saved in the objective; with --threads 2 it is refused in one line', async () => {
    const out = join(root, 'free-bits');
    const r = await runCli(tinyTrainArgs(out, 1, ['--free-bits', '0.25']));
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.deepEqual(((await readRunConfig(out)) as VaeRunConfig).training.objective, { kind: 'elbo', numSamples: 1, freeBits: 0.25 });
    const bad = await runCli(tinyTrainArgs(join(root, 'free-bits-2'), 1, ['--free-bits', '0.25', '--threads', '2']));
    assert.equal(bad.code, 1);
    assert.deepEqual(errorLines(bad.err).length, 1);
    assert.match(bad.err.join('\n'), /--free-bits 0.25: free bits floor each dimension's KL averaged over the whole batch.*--threads 2/);
  });

  test('conflicting or misplaced schedule flags exit non-zero with one line naming the flags', async () => {
    const cases: [string[], RegExp][] = [
      [['--kl-warmup', '2', '--kl-cycles', '3'], /--kl-warmup and --kl-cycles: choose a linear warm-up or cyclical annealing, not both/],
      [['--beta-start', '0.3'], /--beta-start: applies to a KL warm-up \(--kl-warmup\)/],
      [['--objective', 'iwae', '--beta', '0.5'], /--beta: β and KL schedules weigh the ELBO's KL term, and the IWAE bound \(--objective iwae\) has none/],
      [['--objective', 'iwae', '--free-bits', '0.25'], /--free-bits|freeBits/],
      [['--samples', '0'], /--samples: expected an integer ≥ 1, got '0'/],
    ];
    for (const [flags, re] of cases) {
      const r = await runCli(tinyTrainArgs(join(root, 'bad'), 1, flags));
      assert.notEqual(r.code, 0, flags.join(' '));
      assert.equal(errorLines(r.err).length, 1, `${flags.join(' ')}: ${r.err.join('\n')}`);
      assert.match(errorLines(r.err)[0], re);
    }
  });

  test('--include-labels 3 trains on the 3s only, keeps the test split whole, and is saved; unlabelled data is refused', async () => {
    const out = join(root, 'threes');
    const r = await runCli(tinyTrainArgs(out, 1, ['--include-labels', '3', '--val', '10']));
    assert.equal(r.code, 0, r.err.join('\n'));
    const mnist = loadDataSource('mnist', { scale: 255 });
    const threes = Array.from(mnist.train.labels!.subarray(0, 600)).filter((l) => l === 3).length;
    assert.ok(
      r.err.some((l) => l.includes(`mnist: ${threes - 10} train, 10 validation, 600 test`)),
      r.err.join('\n'),
    );
    assert.deepEqual(((await readRunConfig(out)) as VaeRunConfig).data.includeLabels, [3]);
    const ex = await runCli(tinyTrainArgs(join(root, 'not-7'), 1, ['--exclude-labels', '7,1', '--val', '10']));
    assert.equal(ex.code, 0, ex.err.join('\n'));
    const kept = Array.from(mnist.train.labels!.subarray(0, 600)).filter((l) => l !== 7 && l !== 1).length;
    assert.ok(
      ex.err.some((l) => l.includes(`mnist: ${kept - 10} train, 10 validation, 600 test`)),
      ex.err.join('\n'),
    );
    const both = await runCli(tinyTrainArgs(join(root, 'both'), 1, ['--include-labels', '3', '--exclude-labels', '7']));
    assert.equal(both.code, 1);
    assert.match(errorLines(both.err)[0], /--include-labels and --exclude-labels: give one of them, not both/);
    const none = await runCli(['train', '--data', 'boston', '--include-labels', '1', '--epochs', '1', '--out', join(root, 'boston')]);
    assert.equal(none.code, 1);
    assert.match(errorLines(none.err)[0], /--include-labels: .* has no labels to select examples by \(a table names its label column with --label-column\)/);
  });
});

describe('vaekit evaluate adds the latent figures and the IWAE bound', () => {
  test('evaluation.json version 2: KL per dimension summing to the ELBO’s KL, active units, the IWAE bound at the K trained with, between the ELBO and log p(x)', async () => {
    const out = join(root, 'eval');
    const t = await runCli(tinyTrainArgs(out, 2, ['--objective', 'iwae', '--samples', '5']));
    assert.equal(t.code, 0, t.err.join('\n'));
    const r = await runCli(['evaluate', out, '--samples', '500']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const e = JSON.parse(readFileSync(join(out, 'evaluation.json'), 'utf8'));
    assert.equal(e.version, 2);
    assert.equal(e.latent.klPerDimension.length, 4);
    assert.ok(Math.abs(e.latent.klPerDimension.reduce((s: number, k: number) => s + k, 0) - e.elbo.kl) < 1e-3 * e.elbo.kl);
    assert.equal(e.latent.activeUnits, e.latent.meanVariance.filter((v: number) => v > 0.01).length);
    assert.equal(e.iwaeBound.numSamples, 5);
    assert.ok(
      e.elbo.mean < e.iwaeBound.value && e.iwaeBound.value < e.logLikelihoodEstimate.value,
      `ELBO ${e.elbo.mean} < L_5 ${e.iwaeBound.value} < L_500 ${e.logLikelihoodEstimate.value}`,
    );
    assert.ok(r.out.some((l) => /^IWAE bound \(K=5\): -\d+\.\d\d ± \d\.\d\d$/.test(l)));
    assert.ok(r.out.some((l) => /^active units: \d\/4 \(Var_x E_q\[z_u\] > 0.01\); KL per dimension, nats: z\d \d+\.\d\d/.test(l)));
  });
});

describe('progress on a terminal-less stderr', () => {
  test('a line with the time left every 30 s and one at the end; nothing for work done within 30 s', () => {
    let now = 0;
    const lines: string[] = [];
    const io = { out: () => {}, err: (l: string) => lines.push(l), progressStream: null };
    const quick = progressReporter(io, 'log p(x), K = 5', 'examples', () => now);
    now = 5000;
    quick.update(100, 100);
    assert.deepEqual(lines, []);
    now = 0;
    const slow = progressReporter(io, 'log p(x), K = 5000', 'examples', () => now);
    now = 10_000;
    slow.update(100, 1000);
    now = 31_000;
    slow.update(300, 1000);
    now = 40_000;
    slow.update(400, 1000);
    now = 100_000;
    slow.update(1000, 1000);
    assert.deepEqual(lines, ['log p(x), K = 5000: 300/1000 examples, about 1m 12s left', 'log p(x), K = 5000: 1000/1000 examples, 1m 40s']);
  });
});
