/**
 * Defaults that adapt to the data, and settings that cannot apply (issue 13): the validation
 * default is at most a tenth of a limited training set, and a decoder variance given for a
 * likelihood without one is an error naming the setting, not dropped.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagNamer } from '../../src/cli/flags.js';
import { ConfigError } from '../../src/errors.js';
import type { DataKind } from '../../src/node/datasets/data-source.js';
import { DATA_KIND_DEFAULTS, resolveRunConfig, type PartialRunConfig, type VaeRunConfig } from '../../src/node/runs/config.js';

const images = (): DataKind => 'image';
const tables = (): DataKind => 'table';

/** The ConfigError resolving `partial` throws: its message as the library and as the CLI write it. */
function configError(partial: PartialRunConfig, dataKind = images): { library: string; cli: string } {
  try {
    resolveRunConfig(partial, { dataKind });
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return { library: e.message, cli: e.describe(flagNamer) };
  }
  assert.fail('expected a ConfigError');
}

const valOf = (data: PartialRunConfig['data'], dataKind = images) => (resolveRunConfig({ data }, { dataKind }) as VaeRunConfig).data.val;

test('without a limit the validation default is the data kind’s (the full datasets keep 5000 images, tables 0)', () => {
  assert.equal(DATA_KIND_DEFAULTS.image.val, 5000);
  assert.equal(valOf('mnist'), 5000);
  assert.equal(valOf({ source: 'mnist', limit: null }), 5000);
  assert.equal(valOf('t.csv', tables), 0);
});

test('with a limit the validation default is at most a tenth of the training examples: --limit 6000 validates on 600, trains on 5400', () => {
  assert.equal(valOf({ source: 'mnist', limit: 6000 }), 600);
  assert.equal(valOf({ source: 'mnist', limit: 1000 }), 100);
  assert.equal(valOf({ source: 'mnist', limit: 60000 }), 5000, 'a limit at the dataset size keeps the default');
  assert.equal(valOf({ source: 'mnist', limit: 9 }), 0, 'below ten examples: no validation split');
  assert.equal(valOf({ source: 't.csv', limit: 100 }, tables), 0, 'tables hold out none unless asked');
});

test('a validation size given is kept whatever the limit', () => {
  assert.equal(valOf({ source: 'mnist', limit: 6000, val: 5000 }), 5000);
  assert.equal(valOf({ source: 'mnist', limit: 600, val: 0 }), 0);
});

test('a linear run still holds out no validation examples with a limit', () => {
  const c = resolveRunConfig({ data: { source: 'mnist', limit: 6000 }, model: { kind: 'pca' } }, { dataKind: images });
  assert.equal(c.data.val, 0);
});

test('a decoder variance with the Bernoulli likelihood (the image default) is an error naming --variance and --likelihood', () => {
  for (const variance of [0.5, -1, 'learned'] as const) {
    const e = configError({ data: 'mnist', model: { likelihood: { variance } as never } });
    assert.match(e.library, new RegExp(`^model\\.likelihood\\.variance '${variance}': a decoder variance σ² applies to Gaussian likelihoods .*not bernoulli`));
    assert.match(e.cli, new RegExp(`^--variance ${variance}: .*not bernoulli; add --likelihood gaussian or leave the variance out$`));
  }
  const e = configError({ data: 'mnist', model: { likelihood: { kind: 'bernoulli', variance: 0.5 } as never } });
  assert.match(e.cli, /^--variance 0\.5: /);
});

test('a decoder variance ≤ 0 with a Gaussian likelihood is an error; a positive one is kept', () => {
  for (const variance of [0, -1]) {
    assert.match(configError({ data: 'mnist', model: { likelihood: { kind: 'gaussian', variance } } }).cli, /^--variance: expected a positive number/);
  }
  const c = resolveRunConfig({ data: 'mnist', model: { likelihood: { kind: 'gaussian', variance: 0.25 } } }, { dataKind: images }) as VaeRunConfig;
  assert.deepEqual(c.model.likelihood, { kind: 'gaussian', variance: 0.25 });
  const t = resolveRunConfig({ data: 't.csv', model: { likelihood: { variance: 0.5 } } }, { dataKind: tables }) as VaeRunConfig;
  assert.deepEqual(t.model.likelihood, { kind: 'gaussian', variance: 0.5 }, 'a variance alone on a table keeps its Gaussian');
});
