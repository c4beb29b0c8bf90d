/**
 * Headless chart rendering: Vega-Lite spec → Vega spec → SVG text, with no canvas and no
 * browser (vega's View with renderer 'none' and `toSVG`). Node-only because it writes files.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { VaeError } from '../../errors.js';
import { lossCurveSpec, type LossCurveOptions, type LossCurveRow } from '../../render/loss-curve.js';
import { writeFileAtomic } from './atomic.js';

/** Conventional file name of the loss curve inside a run folder. */
export const LOSS_CURVE_FILE = 'loss-curve.svg';

/**
 * Renders a Vega-Lite spec to SVG markup.
 * @param vegaLiteSpec - a Vega-Lite top-level spec with inline data (no URLs to load)
 * @returns the SVG document as a string, starting with `<svg`
 * @throws VaeError when the spec fails to compile or to render (the vega error is the cause)
 */
export async function renderSpecToSvg(vegaLiteSpec: TopLevelSpec): Promise<string> {
  let view: View | undefined;
  try {
    const vegaSpec = compile(vegaLiteSpec).spec;
    view = new View(parse(vegaSpec), { renderer: 'none' });
    return await view.toSVG();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new VaeError(`renderSpecToSvg: expected a renderable Vega-Lite spec, got an error (${reason})`, { cause });
  } finally {
    view?.finalize();
  }
}

/**
 * Renders the loss curve (−ELBO in nats per example against the epoch; see `lossCurveSpec`)
 * and writes it as SVG to `path` atomically (temporary file + rename).
 * @param path - destination file, conventionally `<runDir>/loss-curve.svg` (`LOSS_CURVE_FILE`);
 *   its folder must exist
 * @param rows - one row per epoch: epoch, trainLoss, and optional valLoss / testLoss
 * @param opts - title
 * @throws DataError when a row holds a non-finite epoch or loss
 * @throws VaeError when rendering or writing fails
 */
export async function writeLossCurve(path: string, rows: readonly LossCurveRow[], opts: LossCurveOptions = {}): Promise<void> {
  const svg = await renderSpecToSvg(lossCurveSpec(rows, opts));
  await writeFileAtomic(path, svg);
}
