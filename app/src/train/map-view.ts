/** The live latent map: posterior means as dots on a canvas (the explorer's map geometry and colours), with a legend. */
import { labelColour } from '../pure/colours.js';
import { fitTransform, mapPoints, toPixel } from '../pure/map-geometry.js';
import type { LatentMap } from './session.js';

const SIZE = { width: 320, height: 320, padding: 8 };

/** A map in `parent` (a canvas, #train-map); `draw` repaints it. */
export function latentMapView(parent: HTMLElement): { draw(map: LatentMap, classNames: string[] | null): void; clear(): void } {
  const canvas = Object.assign(document.createElement('canvas'), { id: 'train-map', width: SIZE.width, height: SIZE.height });
  canvas.style.border = '1px solid #ddd';
  const caption = Object.assign(document.createElement('div'), { className: 'muted', id: 'train-map-caption' });
  const legend = Object.assign(document.createElement('div'), { id: 'train-map-legend' });
  parent.append(canvas, caption, legend);
  const ctx = canvas.getContext('2d')!;
  return {
    clear() {
      ctx.clearRect(0, 0, SIZE.width, SIZE.height);
      caption.textContent = '';
      legend.replaceChildren();
    },
    draw(map, classNames) {
      const points = mapPoints(map.coords, map.numComponents); // [N, 2]
      const t = fitTransform(points, SIZE.width, SIZE.height, SIZE.padding);
      const n = points.length / 2;
      ctx.clearRect(0, 0, SIZE.width, SIZE.height);
      for (let i = 0; i < n; i++) {
        const [x, y] = toPixel(t, points[2 * i], points[2 * i + 1]);
        ctx.fillStyle = labelColour(map.labels ? map.labels[i] : null);
        ctx.beginPath();
        ctx.arc(x, y, 2.2, 0, 2 * Math.PI);
        ctx.fill();
      }
      const axes = map.method === 'pca' ? 'their first two principal components' : map.numComponents === 1 ? 'z across (one dimension)' : 'z₁ across, z₂ up';
      caption.textContent = `posterior means of the first ${n} training examples: ${axes}`;
      const seen = map.labels ? [...new Set(map.labels)].sort((a, b) => a - b) : [];
      legend.replaceChildren(
        ...seen.map((k) => {
          const item = document.createElement('span');
          item.style.marginRight = '0.8em';
          const dot = Object.assign(document.createElement('span'), { textContent: '●' });
          dot.style.color = labelColour(k);
          item.append(dot, ` ${classNames?.[k] ?? k}`);
          return item;
        }),
      );
    },
  };
}
