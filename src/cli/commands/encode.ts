/**
 * `vaekit encode RUN [--method mean|map]`: the latent code of each example of a split, written as CSV
 * with J = log p(x|z) + log p(z) at the encoder mean and at the code (nats per example): the encoder
 * mean μ(x), or the posterior mode found by Adam from it (Prince §17.8.3, resynthesis option ii), with
 * the mean and median gain over the encoder means printed.
 */
import { Command } from 'commander';
import { ENCODE_METHODS, MAP_ENCODE_DEFAULTS, type EncodeMethod } from '../../latent/map-encode.js';
import type { BackendName } from '../../node/compute/backend.js';
import type { NativeChoice } from '../../node/compute/native-kernels.js';
import { encodeRun } from '../../node/runs/latent-tools.js';
import { checkWritableFile } from '../../node/runs/results.js';
import { SPLITS, type Split } from '../../node/runs/run-data.js';
import { backendOption, int, nativeOption, oneOf, positiveNumberFlag } from '../flags.js';
import { UsageError, type CliIo } from '../io.js';
import { openRunOnBackend } from '../open-run.js';
import { withProgress } from '../progress.js';

/** The flags of a MAP code, shared by encode, reconstruct and attribute. */
export interface MapFlags {
  method: EncodeMethod;
  mapSteps?: number;
  mapLr?: number;
}

/** Adds --method (default mean), --map-steps and --map-lr to a command. */
export function mapFlags(command: Command, what: string): Command {
  return command
    .option(
      '--method <method>',
      `${what}: ${ENCODE_METHODS.join(' or ')}, the encoder mean μ(x) or the mode of p(z|x) by Adam from μ(x)`,
      oneOf('--method', ENCODE_METHODS),
      'mean',
    )
    .option('--map-steps <n>', `--method map: Adam steps per example [${MAP_ENCODE_DEFAULTS.steps}]`, int('--map-steps', 0))
    .option('--map-lr <x>', `--method map: Adam's learning rate [${MAP_ENCODE_DEFAULTS.learningRate}]`, positiveNumberFlag('--map-lr'));
}

/** @throws UsageError for --map-steps or --map-lr without --method map */
export function rejectMapFlagsWithoutMap(o: MapFlags): void {
  const given = [o.mapSteps !== undefined && '--map-steps', o.mapLr !== undefined && '--map-lr'].filter(Boolean);
  if (o.method !== 'map' && given.length > 0) throw new UsageError(`${given.join(', ')}: expected with --method map only, got --method ${o.method}`);
}

interface EncodeFlags extends MapFlags {
  split: Split;
  n?: number;
  out?: string;
  backend: BackendName;
  native: NativeChoice;
}

const nats = (v: number) => v.toFixed(2);

export function encodeCommand(io: CliIo, done: (code: number) => void): Command {
  const command = new Command('encode')
    .description(
      "latent codes of a split's examples as CSV: the encoder mean, or (--method map) the posterior mode by Adam from it, with log p(x|z) + log p(z) before and after (VAE runs)",
    )
    .argument('<run>', 'a VAE run folder (or a VAE model folder)')
    .option('--split <split>', `which split (${SPLITS.join(', ')})`, oneOf('--split', SPLITS), 'test')
    .option('--n <n>', 'only the first n examples of the split (default: all)', int('--n', 1))
    .option('--out <file>', 'CSV file to write (default RUN/latents-<split>-<method>.csv)');
  return mapFlags(command, 'the codes')
    .addOption(backendOption())
    .addOption(nativeOption())
    .action(async (run: string, o: EncodeFlags) => {
      rejectMapFlagsWithoutMap(o);
      const saved = await openRunOnBackend(run, o);
      if (o.out) await checkWritableFile(o.out, '--out');
      const label = o.method === 'map' ? `MAP codes, ${o.mapSteps ?? MAP_ENCODE_DEFAULTS.steps} Adam steps` : 'encoder means';
      const r = await withProgress(io, label, (onProgress) =>
        encodeRun(saved, { method: o.method, steps: o.mapSteps, learningRate: o.mapLr, split: o.split, numExamples: o.n, out: o.out, onProgress }),
      );
      io.out(
        `wrote the ${r.method === 'map' ? 'MAP codes' : 'encoder means'} of ${r.numExamples} ${r.split} examples (Z = ${r.latentDim}) of ${r.dataset} to ${r.file}`,
      );
      if (r.method === 'map') {
        io.out(
          `log p(x|z) + log p(z): ${nats(r.logJointBefore)} at the encoder mean → ${nats(r.logJointAfter)} at the MAP code, nats/example ` +
            `(${r.steps} Adam steps, learning rate ${r.learningRate}); gain mean ${r.meanGain.toFixed(3)}, median ${r.medianGain.toFixed(3)} nats, ` +
            `${r.numImproved} of ${r.numExamples} examples improved`,
        );
        io.out(`log p(x|z): ${nats(r.logLikelihoodBefore)} → ${nats(r.logLikelihoodAfter)} nats/example`);
      } else {
        io.out(`log p(x|z) + log p(z) at the encoder mean: ${nats(r.logJointBefore)} nats/example (log p(x|z) ${nats(r.logLikelihoodBefore)})`);
      }
      done(0);
    });
}
