/**
 * A grid of 16 decoded samples, from the prior or from the aggregated posterior, under the context's
 * condition:
 *   prior:      z ~ N(0, I)                          (the library's priorNoise, seed = the draw's number)
 *   aggregate:  z ~ Σ_k π_k N(m_k, S_k)              the run's fitted mixture (RUN/latent-prior-gmm.json,
 *                                                    `vaekit sample --prior gmm`; Ghosh et al. 2020)
 *              or z ~ (1/N) Σ_n N(μ_n, diag σ_n²)    the aggregated posterior of the explorer's N examples itself, when the run has none
 * Every draw is seeded by its number (0, 1, 2, … per source), so a reload shows the same samples and
 * each click the next draw. Clicking a sample sends its z as a 'latent' event.
 * @see Ghosh et al. 2020, "From variational to deterministic autoencoders", §4 (ex-post density estimation)
 */
import { GaussianMixture, priorNoise } from 'vaekit';
import { decodePoints, emit, fetchOk, on, rowOf, urlIn, type ExplorerContext } from '../context.js';
import { aggregatedPosterior } from '../pure/latent.js';
import { latestWins } from '../pure/latest.js';
import { button, div, imageZoom } from './controls.js';
import { renderOutput } from './output.js';

/** Samples per draw: a 4 × 4 grid. */
const NUM_SAMPLES = 16;

type Source = 'prior' | 'aggregate';

/** The aggregated posterior the samples come from, and how to say so. */
interface Aggregate {
  mixture: GaussianMixture;
  caption: string;
}

export function mountSamples(root: HTMLElement, ctx: ExplorerContext): void {
  const z = ctx.latentDim;
  const d = ctx.manifest.dataDim;
  const zoom = imageZoom(ctx.manifest.exampleShape, 56);
  const priorButton = button('samples-prior', 'sample the prior N(0, I)');
  const aggregateButton = button('samples-aggregate', 'sample the aggregated posterior');
  aggregateButton.title = ctx.manifest.files.latentPrior
    ? `the Gaussian mixture fitted to the training codes (${ctx.manifest.files.latentPrior})`
    : 'the aggregated posterior of the explorer examples, (1/N) Σ q(z|x_n) (the run has no fitted mixture: vaekit sample --prior gmm fits one)';
  const caption = div('muted');
  caption.id = 'samples-caption';
  const grid = div();
  grid.id = 'samples-grid';
  grid.style.cssText = 'display:grid;grid-template-columns:repeat(4, auto);gap:4px;justify-content:start;margin-top:0.4em';
  const controls = div();
  controls.append(priorButton, aggregateButton);
  root.append(controls, caption, grid);

  const draws: Record<Source, number> = { prior: 0, aggregate: -1 };
  let source: Source = 'prior';
  let aggregate: Promise<Aggregate> | null = null;

  const draw = latestWins(
    async () => {
      const seed = draws[source];
      let codes: Float32Array; // [16, Z]
      let text: string;
      if (source === 'prior') {
        const noise = priorNoise(NUM_SAMPLES, z, seed); // [16, Z]
        try {
          codes = (await noise.data()) as Float32Array;
        } finally {
          noise.dispose();
        }
        text = `${NUM_SAMPLES} samples from the prior N(0, I), draw ${seed}`;
      } else {
        aggregate ??= loadAggregate(ctx);
        const agg = await aggregate;
        codes = agg.mixture.sample(NUM_SAMPLES, seed);
        text = `${NUM_SAMPLES} samples from ${agg.caption}, draw ${seed}`;
      }
      const x = await decodePoints(ctx, codes); // [16, D]
      grid.replaceChildren(
        ...Array.from({ length: NUM_SAMPLES }, (_, i) => {
          const code = rowOf(codes, z, i);
          const cell = div();
          cell.style.cursor = 'pointer';
          cell.title = `z = (${Array.from(code.slice(0, 4), (v) => v.toFixed(2)).join(', ')}${z > 4 ? ', …' : ''}): click to show it in the decoder panel`;
          cell.append(renderOutput(rowOf(x, d, i), ctx.manifest, { zoom, size: [120, 50] }));
          cell.addEventListener('click', () => emit(ctx, 'latent', { z: code, from: `${source} sample ${i + 1} of draw ${seed}` }));
          return cell;
        }),
      );
      caption.textContent = ctx.condition ? `${text}, under the current condition` : text;
    },
    (e) => {
      aggregate = null;
      caption.textContent = `sampling failed: ${e instanceof Error ? e.message : String(e)}`;
    },
  );
  const drawNext = (s: Source) => {
    source = s;
    draws[s] += 1;
    void draw();
  };
  priorButton.addEventListener('click', () => drawNext('prior'));
  aggregateButton.addEventListener('click', () => drawNext('aggregate'));
  on(ctx, 'condition', () => void draw());
  root.dataset.view = 'samples';
  void draw();
}

/**
 * The run's fitted mixture when the manifest lists one of this latent size; else the aggregated
 * posterior of the explorer's examples, one component per example (the library's mixture samples both).
 */
async function loadAggregate(ctx: ExplorerContext): Promise<Aggregate> {
  const file = ctx.manifest.files.latentPrior;
  let why = 'the run has no fitted mixture; vaekit sample --prior gmm fits one';
  if (file) {
    const json = (await (await fetchOk(urlIn(ctx.runUrl, file))).json()) as { latentPrior?: { numExamples?: number } };
    const mixture = GaussianMixture.fromJSON(json);
    if (mixture.dataDim === ctx.latentDim) {
      const fitted = json.latentPrior?.numExamples;
      return {
        mixture,
        caption:
          `the run's ${mixture.numComponents}-component ${mixture.covariance}-covariance Gaussian mixture ` +
          `fitted to the posterior means of ${fitted ?? 'its'} training examples (${file})`,
      };
    }
    why = `${file} is for Z = ${mixture.dataDim}, the model's Z is ${ctx.latentDim}`;
  }
  const q = aggregatedPosterior(ctx.means, ctx.logVars, ctx.latentDim);
  return {
    mixture: new GaussianMixture('diag', q.weights, q.means, q.variances),
    caption: `the aggregated posterior (1/N) Σ q(z|x_n) of the ${ctx.manifest.numExamples} explorer examples (${why})`,
  };
}
