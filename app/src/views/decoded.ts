/**
 * The decoder's output at the current latent point: follows every 'latent' event (map hover, sliders,
 * a drawing's encoding, …), decoding at most one point at a time (the latest wins).
 */
import { decodePoints, on, type ExplorerContext } from '../context.js';
import { renderOutput } from './output.js';

export function mountDecoded(root: HTMLElement, ctx: ExplorerContext): void {
  const caption = document.createElement('div');
  caption.className = 'muted';
  let shown: HTMLElement | SVGElement | null = null;
  let pending: { z: Float32Array; from: string } | null = null;
  let busy = false;
  const draw = async () => {
    if (busy) return;
    busy = true;
    try {
      await drawPending();
    } catch (e) {
      caption.textContent = `decoding failed: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      busy = false;
    }
  };
  const drawPending = async () => {
    while (pending) {
      const { z, from } = pending;
      pending = null;
      const values = await decodePoints(ctx, z);
      const el = renderOutput(values, ctx.manifest, { zoom: 6, into: shown });
      if (el !== shown) {
        shown?.remove();
        root.prepend(el);
        shown = el;
      }
      caption.textContent = `z = (${Array.from(z.slice(0, 4), (v) => v.toFixed(2)).join(', ')}${z.length > 4 ? ', …' : ''}) from ${from}`;
    }
  };
  root.append(caption);
  on<{ z: Float32Array; from: string }>(ctx, 'latent', (d) => {
    pending = d;
    void draw();
  });
  on(ctx, 'condition', () => {
    if (lastZ) pending = { z: lastZ, from: 'condition' };
    void draw();
  });
  let lastZ: Float32Array | null = null;
  on<{ z: Float32Array }>(ctx, 'latent', (d) => {
    lastZ = d.z;
  });
  root.dataset.view = 'decoded';
}
