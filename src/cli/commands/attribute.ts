/**
 * `vaekit attribute RUN --from-label A --to-label B --index I [--strength s]`: resynthesis with an
 * attribute vector (Prince §17.8.3), the difference of the mean latent codes of the training examples
 * labelled B and A, added to test example I's code at strengths 0 … s; a PNG strip, or CSV in raw
 * units for a table run. Codes are encoder means, or with --method map posterior modes by Adam.
 */
import { Command } from 'commander';
import type { BackendName } from '../../node/compute/backend.js';
import type { NativeChoice } from '../../node/compute/native-kernels.js';

import { ATTRIBUTE_RUN_DEFAULTS, attributeRun } from '../../node/runs/latent-tools.js';
import { backendOption, int, nativeOption, positiveNumberFlag } from '../flags.js';
import type { CliIo } from '../io.js';
import { openRunOnBackend } from '../open-run.js';
import { mapFlags, rejectMapFlagsWithoutMap, type MapFlags } from './encode.js';

interface AttributeFlags extends MapFlags {
  fromLabel: number;
  toLabel: number;
  index: number;
  strength: number;
  steps: number;
  out?: string;
  backend: BackendName;
  native: NativeChoice;
}

export function attributeCommand(io: CliIo, done: (code: number) => void): Command {
  const command = new Command('attribute')
    .description("move a test example's latent code along an attribute vector, the difference of two labelled groups' mean codes (VAE runs)")
    .argument('<run>', 'a VAE run folder (or a VAE model folder)')
    .requiredOption('--from-label <a>', 'label of the group the vector points from', int('--from-label', 0))
    .requiredOption('--to-label <b>', 'label of the group the vector points to', int('--to-label', 0))
    .requiredOption('--index <i>', 'the test example to edit', int('--index', 0))
    .option(
      '--strength <s>',
      'the largest multiple of the vector added (1: the whole difference of the means)',
      positiveNumberFlag('--strength'),
      ATTRIBUTE_RUN_DEFAULTS.strength,
    )
    .option('--steps <n>', 'strengths shown, from 0 to --strength', int('--steps', 2), ATTRIBUTE_RUN_DEFAULTS.numSteps)
    .option('--out <file>', 'file to write (default RUN/attribute.png, or .csv for a table)');
  return mapFlags(command, "the groups' and the example's codes")
    .addOption(backendOption())
    .addOption(nativeOption())
    .action(async (run: string, o: AttributeFlags) => {
      rejectMapFlagsWithoutMap(o);
      const saved = await openRunOnBackend(run, o);
      const r = await attributeRun(saved, {
        fromLabel: o.fromLabel,
        toLabel: o.toLabel,
        index: o.index,
        strength: o.strength,
        numSteps: o.steps,
        out: o.out,
        method: o.method,
        steps: o.mapSteps,
        learningRate: o.mapLr,
      });
      const code = r.method === 'map' ? 'MAP code' : 'code';
      io.out(
        `attribute vector: mean ${code} of label ${r.toLabel} (${r.numTo} training examples) − mean ${code} of label ${r.fromLabel} (${r.numFrom}), ‖v‖ = ${r.vectorNorm.toFixed(3)}`,
      );
      io.out(
        `wrote test example ${r.index}${r.label === null ? '' : ` (label ${r.label})`} and its decoder means at ${r.method === 'map' ? 'ẑ(x)' : 'μ(x)'} + α·v, α = ${r.strengths.map((a) => Number(a.toPrecision(4))).join(', ')}, to ${r.file}` +
          (r.format === 'csv' ? ' (raw units)' : ''),
      );
      done(0);
    });
}
