/**
 * The run configuration: resolveRunConfig's defaults (the library's and the kind of data's), its
 * checks naming the setting, the likelihood a partial model section asks for, linear runs, and the
 * migration of vaekit 0.1's flat config.json.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagNamer } from '../../src/cli/flags.js';
import { CheckpointError, ConfigError } from '../../src/errors.js';
import { MLP_DEFAULTS } from '../../src/nets/index.js';
import { isRunConfigV1, migrateRunConfig, resolveRunConfig, RUN_CONFIG_VERSION, type VaeModelConfig, type VaeRunConfig } from '../../src/node/runs/config.js';
import { TRAIN_DEFAULTS } from '../../src/training/options.js';

const images = () => 'image' as const;
const tables = () => 'table' as const;

/** The ConfigError `f` throws: its message as the library and as the CLI write it. */
function configError(f: () => unknown): { library: string; cli: string } {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return { library: e.message, cli: e.describe(flagNamer) };
  }
  assert.fail('expected a ConfigError');
}

test('an empty configuration is the CLI default run: MNIST, a 784-400-20 style VAE, the trainer defaults, wasm', () => {
  const c = resolveRunConfig({}, { dataKind: images }) as VaeRunConfig;
  assert.deepEqual([c.kind, c.version, c.out], ['vae-run', RUN_CONFIG_VERSION, 'runs/mnist']);
  assert.deepEqual(c.data, { source: 'mnist', scale: 255, limit: null, val: 5000, columns: null, labelColumn: null, standardization: null });
  assert.deepEqual(c.model, { kind: 'vae', latentDim: 20, conditionDim: 0, encoder: MLP_DEFAULTS, decoder: MLP_DEFAULTS, likelihood: { kind: 'bernoulli' } });
  assert.deepEqual(c.training, TRAIN_DEFAULTS);
  assert.deepEqual(c.compute, { backend: 'wasm', threads: 1 });
  assert.deepEqual(resolveRunConfig({ data: 'mnist' }, { dataKind: images }), c, "data: 'mnist' is data: { source: 'mnist' }");
});

test('a table gets a Gaussian decoder with learned σ², Z = 2, no validation split and scale 1', () => {
  const c = resolveRunConfig({ data: 'boston' }, { dataKind: tables }) as VaeRunConfig;
  assert.deepEqual(c.model.likelihood, { kind: 'gaussian', variance: 'learned' });
  assert.deepEqual([c.model.latentDim, c.data.val, c.data.scale, c.out], [2, 0, 1, 'runs/boston']);
});

test('a partial likelihood fills in from the data kind: a variance alone keeps a table Gaussian; gaussian alone on images gets σ² 1', () => {
  const lik = (model: object, dataKind: typeof images | typeof tables) => (resolveRunConfig({ model }, { dataKind }) as VaeRunConfig).model.likelihood;
  assert.deepEqual(lik({ likelihood: { variance: 2 } }, tables), { kind: 'gaussian', variance: 2 });
  assert.deepEqual(lik({ likelihood: { kind: 'gaussian' } }, tables), { kind: 'gaussian', variance: 'learned' });
  assert.deepEqual(lik({ likelihood: { kind: 'gaussian' } }, images), { kind: 'gaussian', variance: 1 });
  assert.match(configError(() => lik({ likelihood: { variance: 2 } }, images)).cli, /^--variance 2: .*not bernoulli/, 'a Bernoulli has no variance');
});

test('the MLP shorthand sets both networks, the decoder mirroring the encoder; separate configs stay separate', () => {
  const a = resolveRunConfig({ model: { hidden: [32], activation: 'tanh' } }, { dataKind: images }) as VaeRunConfig;
  assert.deepEqual((a.model as VaeModelConfig).encoder, { kind: 'mlp', hidden: [32], activation: 'tanh' });
  assert.deepEqual((a.model as VaeModelConfig).decoder, (a.model as VaeModelConfig).encoder);
  const b = resolveRunConfig(
    { model: { encoder: { kind: 'mlp', hidden: [64] }, decoder: { kind: 'mlp', hidden: [16, 8] } } },
    { dataKind: images },
  ) as VaeRunConfig;
  assert.deepEqual([(b.model as VaeModelConfig).encoder.hidden, (b.model as VaeModelConfig).decoder.hidden], [[64], [16, 8]]);
  const c = resolveRunConfig({ model: { encoder: { kind: 'mlp', activation: 'tanh' }, hidden: [3] } }, { dataKind: images }) as VaeRunConfig;
  assert.deepEqual((c.model as VaeModelConfig).encoder, { kind: 'mlp', hidden: [3], activation: 'tanh' }, 'the shorthand fills the encoder config');
  assert.ok(
    configError(() => resolveRunConfig({ model: { encoder: { kind: 'mlp', hidden: [4] }, hidden: [3] } }, { dataKind: images })).library.includes('not both'),
  );
});

test('a linear model makes a linear run with its own model and training sections', () => {
  const c = resolveRunConfig({ data: 'boston', model: { kind: 'fa' }, training: { seed: 3 } }, { dataKind: tables });
  assert.equal(c.kind, 'linear-run');
  assert.deepEqual(c.model, { kind: 'fa', latentDim: 2, numComponents: 10, covariance: 'diag', varianceFloor: 1e-2 });
  assert.deepEqual(c.training, { seed: 3, maxIter: null });
  assert.equal(c.out, 'runs/boston-fa');
  configError(() => resolveRunConfig({ model: { kind: 'pca' }, training: { epochs: 3 } }, { dataKind: images }));
  configError(() => resolveRunConfig({ model: { kind: 'gmm' }, data: { val: 10 } }, { dataKind: images }));
});

test('bad values are ConfigErrors naming the setting by its path, which the CLI shows as the flag', () => {
  const epochs = configError(() => resolveRunConfig({ training: { epochs: 0 } }, { dataKind: images }));
  assert.equal(epochs.library, 'training.epochs: expected an integer ≥ 1, got 0');
  assert.equal(epochs.cli, '--epochs: expected an integer ≥ 1, got 0');
  assert.match(configError(() => resolveRunConfig({ model: { latentDim: 1.5 } }, { dataKind: images })).cli, /^--latent: expected an integer ≥ 1, got 1.5$/);
  assert.match(
    configError(() => resolveRunConfig({ compute: { backend: 'gpu' as 'wasm' } }, { dataKind: images })).cli,
    /^--backend: expected one of wasm, cpu, tensorflow/,
  );
  assert.match(configError(() => resolveRunConfig({ training: { epoch: 3 } as object }, { dataKind: images })).library, /training: unknown field 'epoch'/);
  const bern = configError(() => resolveRunConfig({ data: 'boston', model: { likelihood: { kind: 'bernoulli' } } }, { dataKind: tables }));
  assert.match(bern.library, /^model\.likelihood\.kind 'bernoulli': boston is a table.*use model\.likelihood\.kind 'gaussian'/);
  assert.match(bern.cli, /^--likelihood bernoulli: boston is a table.*use --likelihood gaussian/);
  assert.match(
    configError(() => resolveRunConfig({ compute: { backend: 'tensorflow', threads: 2 } }, { dataKind: images })).cli,
    /^--threads 2: gradient workers need the wasm or cpu backend/,
  );
  assert.match(
    configError(() => resolveRunConfig({ data: { source: 'mnist', columns: ['a'] } }, { dataKind: images })).cli,
    /^--data mnist: columns, a label column and standardisation apply to tables/,
  );
});

test("a vaekit 0.1 VAE run's flat config.json migrates to the version-2 configuration it stood for", () => {
  const v1 = {
    data: 'mnist',
    out: 'runs/x',
    scale: 255,
    val: 100,
    limit: 600,
    latentDim: 4,
    hidden: [32],
    activation: 'relu',
    likelihood: { kind: 'bernoulli' },
    training: { epochs: 2, batchSize: 64, learningRate: 0.001, beta: 0.5, seed: 3, patience: null, binarize: 'none', evalBatchSize: 1000, logEvery: 20 },
    backend: 'cpu',
    threads: 2,
  };
  assert.ok(isRunConfigV1(v1));
  const c = resolveRunConfig(migrateRunConfig(v1), { dataKind: images }) as VaeRunConfig;
  assert.deepEqual([c.kind, c.out, c.data.source, c.data.limit, c.data.val, c.model.latentDim], ['vae-run', 'runs/x', 'mnist', 600, 100, 4]);
  assert.deepEqual([(c.model as VaeModelConfig).encoder.hidden, (c.model as VaeModelConfig).decoder.hidden], [[32], [32]]);
  assert.deepEqual(c.training.beta, { kind: 'constant', value: 0.5 });
  assert.deepEqual([c.training.epochs, c.training.seed], [2, 3]);
  assert.deepEqual(c.compute, { backend: 'cpu', threads: 2 });
});

test("a vaekit 0.1 linear run's config.json migrates, and version-2 and partial configurations pass through", () => {
  const v1 = {
    model: 'gmm',
    data: 'boston',
    out: 'runs/b',
    scale: 1,
    limit: null,
    latentDim: 2,
    numComponents: 3,
    covariance: 'full',
    seed: 5,
    maxIter: 50,
    varianceFloor: 0.01,
  };
  const c = resolveRunConfig(migrateRunConfig(v1), { dataKind: tables });
  assert.equal(c.kind, 'linear-run');
  assert.deepEqual(c.model, { kind: 'gmm', latentDim: 2, numComponents: 3, covariance: 'full', varianceFloor: 0.01 });
  assert.deepEqual(c.training, { seed: 5, maxIter: 50 });
  const partial = { training: { epochs: 5 } };
  assert.ok(!isRunConfigV1(partial));
  assert.equal(migrateRunConfig(partial), partial);
  const v2 = resolveRunConfig({}, { dataKind: images });
  assert.deepEqual(resolveRunConfig(migrateRunConfig(JSON.parse(JSON.stringify(v2))), { dataKind: images }), v2);
  assert.throws(() => migrateRunConfig({ kind: 'vae-run', version: 3 }), CheckpointError);
  assert.throws(() => migrateRunConfig({ kind: 'gan-run', version: 2 }), CheckpointError);
  assert.throws(() => migrateRunConfig([1, 2]), CheckpointError);
});
