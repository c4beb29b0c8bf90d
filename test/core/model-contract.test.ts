/**
 * The model contract after the redesign: a VAE whose encoder and decoder configs differ keeps both
 * through artifacts, description and a saved folder (before, the decoder's config was dropped on
 * reload and rebuilt as the encoder's mirror); the model registry by `kind`; loadModel / saveModel;
 * and the readers of version-1 metrics rows and trainer states. On the cpu backend.
 */
import assert from 'node:assert/strict';
import { assertCheckpointError } from '../helpers/assert.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '../../src/index.js'; // the browser-safe entry: registers the http store
import { setModelStore } from '../../src/models/model-store.js';
import { fsModelStore } from '../../src/node/formats/model-store.js';
import { ConfigError } from '../../src/errors.js';
import type { ModelDescription } from '../../src/models/description.js';
import { MODEL_KINDS, loadModel, modelFromArtifacts, modelFromDescription, saveModel } from '../../src/models/index.js';
import { resolveVaeConfig, vaeOptionsFromConfig, type VaeConfig } from '../../src/models/vae-config.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { METRICS_VERSION, migrateMetrics, migrateTrainerState, type EpochMetrics, type TrainerState } from '../../src/training/state.js';

// What the Node entry (src/node/index.ts) does on import, without loading the rest of it (runs, datasets).
setModelStore(fsModelStore);

const root = mkdtempSync(join(tmpdir(), 'vaekit-model-contract-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Encoder: 6-7-5-2 tanh. Decoder: 2-4-6 elu, not the encoder's mirror. Gaussian decoder with learned σ². */
const ENCODER = { kind: 'mlp' as const, hidden: [7, 5], activation: 'tanh' as const };
const DECODER = { kind: 'mlp' as const, hidden: [4], activation: 'elu' as const };

/** A VAE with different encoder and decoder configs, its weights moved off their initial values. */
function asymmetricVae(): VAE {
  const vae = new VAE({
    inputShape: [2, 3, 1],
    latentDim: 2,
    encoder: ENCODER,
    decoder: DECODER,
    likelihood: { kind: 'gaussian', variance: 'learned' },
    seed: 8,
  });
  for (const m of [vae.encoder, vae.decoder]) m.setWeights(m.getWeights().map((w) => tf.tidy(() => tf.add(tf.mul(w, 1.5), 0.01))));
  tf.tidy(() => vae.likelihood.variables()[0].assign(tf.scalar(0.37)));
  vae.preprocessing = { scale: 1, binarize: 'none' };
  vae.provenance = { dataset: 'toy' };
  vae.metrics = { testLoss: 12.5 };
  return vae;
}

/** The networks' configs of a model (its likelihood's learned values are in its description). */
const networks = (m: VAE) => ({ encoder: m.config.encoder, decoder: m.config.decoder });

/** Dense layers of a network whose name starts with `prefix`: [units, activation]. */
function denseLayers(net: tf.LayersModel, prefix: string): Array<[number, string]> {
  return net.layers
    .filter((l) => l.name.startsWith(prefix))
    .map((l) => {
      const c = l.getConfig() as { units: number; activation: string };
      return [c.units, c.activation];
    });
}

/** encode (mean, logVar), decode, reconstruct and sample, as arrays. */
function outputs(vae: VAE): number[][] {
  return tf.tidy(() => {
    const x = tf.tensor2d(
      Array.from({ length: 18 }, (_, i) => Math.sin(i) * 0.8),
      [3, 6],
    );
    const z = tf.tensor2d([0.3, -1.2, 0.8, 2, 0, -0.5], [3, 2]);
    const { mean, logVar } = vae.encode(x);
    return [mean, logVar, vae.decode(z), vae.reconstruct(x), vae.sample(4, { seed: 17 })].map((t) => Array.from(t.dataSync()));
  });
}

before(async () => {
  await useBackend('cpu');
});

describe('a VAE with different encoder and decoder configs', () => {
  let vae: VAE;
  before(() => {
    vae = asymmetricVae();
  });

  test("is of kind 'vae', the one model kind, and its description says so", async () => {
    assert.equal(vae.kind, 'vae');
    assert.deepEqual(MODEL_KINDS, ['vae', 'hvae']);
    assert.equal((await vae.describe()).config.kind, 'vae');
  });

  test('keeps both configs and builds each network from its own', () => {
    assert.deepEqual(vae.config.encoder, ENCODER);
    assert.deepEqual(vae.config.decoder, DECODER);
    assert.deepEqual(denseLayers(vae.encoder, 'encoder_hidden'), [
      [7, 'tanh'],
      [5, 'tanh'],
    ]);
    assert.deepEqual(denseLayers(vae.decoder, 'decoder_hidden'), [[4, 'elu']]);
  });

  /** `back` has both saved network configs, the same description and the same outputs as `vae`. */
  async function assertSameAsymmetricVae(back: VAE, vae: VAE): Promise<void> {
    assert.deepEqual(networks(back), { encoder: ENCODER, decoder: DECODER });
    assert.deepEqual(denseLayers(back.decoder, 'decoder_hidden'), [[4, 'elu']]);
    assert.deepEqual(await back.describe(), await vae.describe());
    assert.deepEqual(outputs(back), outputs(vae));
  }

  test('round-trips through toArtifacts / fromArtifacts with both configs and identical outputs', async () => {
    const back = await VAE.fromArtifacts(await vae.toArtifacts());
    await assertSameAsymmetricVae(back as VAE, vae);
    back.dispose();
  });

  test('round-trips through VAE.save / VAE.load of a folder, whose vaekit.json holds the decoder config', async () => {
    const dir = join(root, 'asymmetric');
    await vae.save(dir);
    const json = JSON.parse(readFileSync(join(dir, 'vaekit.json'), 'utf8')) as ModelDescription;
    assert.deepEqual((json.config as VaeConfig).decoder, DECODER);
    assert.deepEqual((json.config as VaeConfig).encoder, ENCODER);
    const back = await VAE.load(dir);
    await assertSameAsymmetricVae(back as VAE, vae);
    back.dispose();
  });

  test('a model rebuilt from its description alone (fresh weights) has the saved decoder, not the encoder’s mirror', async () => {
    const d = await vae.describe();
    for (const fresh of [VAE.fromDescription(d), modelFromDescription(d) as VAE]) {
      assert.ok(fresh instanceof VAE);
      assert.deepEqual(fresh.config.decoder, DECODER);
      assert.deepEqual(denseLayers(fresh.decoder, 'decoder_hidden'), [[4, 'elu']]);
      assert.deepEqual(fresh.provenance, vae.provenance);
      assert.deepEqual(fresh.metrics, vae.metrics);
      // Same architecture and seed as the unperturbed model, so not the trained weights.
      assert.notDeepEqual(outputs(fresh), outputs(vae));
      fresh.dispose();
    }
  });

  test('loadModel / saveModel round-trip any model kind through a folder, and modelFromArtifacts through memory', async () => {
    const dir = join(root, 'by-kind');
    await saveModel(vae, dir);
    const fromFolder = await loadModel(dir);
    const fromMemory = await modelFromArtifacts(await vae.toArtifacts());
    for (const back of [fromFolder, fromMemory]) {
      assert.ok(back instanceof VAE);
      assert.equal(back.kind, 'vae');
      assert.deepEqual(networks(back as VAE), { encoder: ENCODER, decoder: DECODER });
      assert.deepEqual(outputs(back), outputs(vae));
      back.dispose();
    }
  });

  test('saveModel to an http URL is a CheckpointError (read-only store); loadModel of an unknown scheme is one too', async () => {
    await assertCheckpointError(saveModel(vae, 'https://example.invalid/model'), /read-only/, /https:\/\/example\.invalid\/model/);
    await assertCheckpointError(loadModel('s3://bucket/model'), /no model store for 's3:' locations/);
  });
});

describe('VAE configs', () => {
  test('without a decoder config, the decoder is the encoder’s mirror: the same config, widths reversed', () => {
    const vae = new VAE({ inputShape: [6], latentDim: 2, encoder: ENCODER, seed: 1 });
    assert.deepEqual(vae.config.decoder, vae.config.encoder);
    assert.deepEqual(denseLayers(vae.decoder, 'decoder_hidden'), [
      [5, 'tanh'],
      [7, 'tanh'],
    ]);
    vae.dispose();
  });

  test('a saved description without a decoder config (as vaekit 0.1 may hold) loads with the mirror', () => {
    const config = resolveVaeConfig({ inputShape: [6], latentDim: 2, encoder: ENCODER });
    const { decoder: _dropped, ...old } = config;
    const vae = modelFromDescription({ format: 'vaekit-model', version: 1, config: old as VaeConfig }) as VAE;
    assert.deepEqual(vae.config.decoder, ENCODER);
    vae.dispose();
  });

  test('vaeOptionsFromConfig inverts resolveVaeConfig, decoder included', () => {
    const config = resolveVaeConfig({ inputShape: [2, 3, 1], latentDim: 2, encoder: ENCODER, decoder: DECODER, seed: 4 });
    assert.deepEqual(resolveVaeConfig(vaeOptionsFromConfig(config)), config);
    assert.deepEqual(vaeOptionsFromConfig(config).decoder, DECODER);
  });

  test('a shorthand also given inside the encoder config is a ConfigError; a bad decoder field is named as decoder', () => {
    assert.throws(
      () => resolveVaeConfig({ inputShape: [6], hidden: [3], encoder: { ...ENCODER, hidden: [5] } }),
      (e: unknown) => e instanceof ConfigError && /^hidden: a shorthand for encoder.hidden/.test(e.message),
    );
    assert.throws(
      () => resolveVaeConfig({ inputShape: [6], decoder: { hidden: [0] } }),
      (e: unknown) => e instanceof ConfigError && e.message === 'decoder.hidden[0]: expected an integer ≥ 1, got 0',
    );
  });
});

describe('modelFromDescription', () => {
  let good: ModelDescription;
  before(async () => {
    const vae = new VAE({ inputShape: [6], latentDim: 2, hidden: [3], seed: 2 });
    good = await vae.describe();
    vae.dispose();
  });
  const withConfig = (patch: Record<string, unknown>): ModelDescription => ({ ...good, config: { ...good.config, ...patch } as VaeConfig });

  test('rejects an unknown kind with a CheckpointError naming it and the known kinds', async () => {
    await assertCheckpointError(() => modelFromDescription(withConfig({ kind: 'gmm' })), /^model: expected a model of kind vae, hvae, got 'gmm'$/);
  });

  test('does not take inherited property names for kinds', async () => {
    for (const kind of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      await assertCheckpointError(() => modelFromDescription(withConfig({ kind })), new RegExp(`got '${kind}'`));
    }
  });

  test('rejects another format tag or version with a CheckpointError, from a description and from artifacts', async () => {
    await assertCheckpointError(() => modelFromDescription({ ...good, format: 'keras' as 'vaekit-model' }), /expected format 'vaekit-model', got 'keras'/);
    await assertCheckpointError(() => modelFromDescription({ ...good, version: 2 }), /expected format version 1, got 2/);
    const vae = new VAE({ inputShape: [6], latentDim: 2, hidden: [3], seed: 2 });
    const a = await vae.toArtifacts();
    vae.dispose();
    await assertCheckpointError(modelFromArtifacts({ ...a, description: { ...a.description, version: 99 } }), /expected format version 1, got 99/);
    await assertCheckpointError(
      modelFromArtifacts({ ...a, description: { ...a.description, config: { ...(a.description.config as VaeConfig), kind: 'pca' as 'vae' } } }),
      /got 'pca'/,
    );
  });

  test('a description without a config is a CheckpointError, not a TypeError', async () => {
    await assertCheckpointError(() => modelFromDescription({ format: 'vaekit-model', version: 1 } as ModelDescription), /config/);
  });

  test('artifacts whose description disagrees with the saved networks (latent or data size) are a CheckpointError at load, not at first use', async () => {
    const vae = new VAE({ inputShape: [6], latentDim: 2, hidden: [3], seed: 2 });
    const a = await vae.toArtifacts();
    vae.dispose();
    for (const patch of [{ latentDim: 5 }, { inputShape: [7], dataDim: 7 }]) {
      await assertCheckpointError(modelFromArtifacts({ ...a, description: { ...a.description, config: { ...a.description.config, ...patch } } }));
      await assertCheckpointError(VAE.fromArtifacts({ ...a, description: { ...a.description, config: { ...a.description.config, ...patch } } }));
    }
  });
});

/** The first metrics row of test/fixtures/runs-v0.1/mnist-vae/metrics.jsonl, as vaekit 0.1 wrote it. */
const V1_ROW = {
  epoch: 1,
  trainLoss: 553.2207438151041,
  reconstruction: 553.0145467122396,
  kl: 0.20620402693748474,
  beta: 1,
  valLoss: 549.2273189163208,
  valReconstruction: 548.8883984375,
  valKl: 0.3389204788208008,
  testLoss: 548.509394607544,
  testReconstruction: 548.1499609375,
  testKl: 0.35943367004394533,
  examplesPerSecond: 712.7136106034457,
  seconds: 0.21046321799999987,
  evalSeconds: 0.05129981199999997,
};

describe('reading what vaekit 0.1 wrote', () => {
  test('migrateMetrics gives a version-1 row version 3, terms { reconstruction, kl } and null latent figures, every value carried over exactly', () => {
    const input = structuredClone(V1_ROW);
    const row = migrateMetrics(input);
    assert.equal(METRICS_VERSION, 3);
    assert.deepEqual(row, {
      ...V1_ROW,
      version: 3,
      terms: { reconstruction: 553.0145467122396, kl: 0.20620402693748474 },
      klPerDimension: null,
      activeUnits: null,
      logLikelihood: null,
    });
    assert.deepEqual(input, V1_ROW, 'the input row is not changed');
  });

  test('migrateMetrics leaves a version-3 row as it is, and is idempotent', () => {
    const v2 = migrateMetrics(structuredClone(V1_ROW));
    const copy = structuredClone(v2);
    assert.deepEqual(migrateMetrics(v2), copy);
    const odd: EpochMetrics = { ...copy, terms: { reconstruction: 1, kl: 2 } }; // a v2 row's terms are its own
    assert.deepEqual(migrateMetrics(odd).terms, { reconstruction: 1, kl: 2 });
  });

  test('migrateTrainerState turns partial [loss·n, rec·n, kl·n, examples, seconds] into named sums and migrates the history', () => {
    const old = {
      epoch: 1,
      step: 3,
      partial: [1650.5, 1648.25, 2.25, 24, 0.75],
      history: [structuredClone(V1_ROW)],
      bestValLoss: 549.2273189163208,
      bestEpoch: 1,
      epochsWithoutImprovement: 0,
    };
    const state = migrateTrainerState(old as unknown as TrainerState);
    assert.deepEqual(state, {
      epoch: 1,
      step: 3,
      partial: { examples: 24, seconds: 0.75, loss: 1650.5, terms: { reconstruction: 1648.25, kl: 2.25 } },
      history: [
        {
          ...V1_ROW,
          version: 3,
          terms: { reconstruction: 553.0145467122396, kl: 0.20620402693748474 },
          klPerDimension: null,
          activeUnits: null,
          logLikelihood: null,
        },
      ],
      bestValLoss: 549.2273189163208,
      bestEpoch: 1,
      epochsWithoutImprovement: 0,
    });
  });

  test('migrateTrainerState leaves a current state as it is', () => {
    const current: TrainerState = {
      epoch: 2,
      step: 0,
      partial: { examples: 0, seconds: 0, loss: 0, terms: {} },
      history: [migrateMetrics(structuredClone(V1_ROW))],
      bestValLoss: null,
      bestEpoch: null,
      epochsWithoutImprovement: 1,
    };
    assert.deepEqual(migrateTrainerState(structuredClone(current)), current);
  });
});
