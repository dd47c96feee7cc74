import { viridis } from './palette';
import type { ValueScale } from './scale';

/**
 * A grid of loss values as an n × n image through the colour map, y up (row j = 0 at the
 * bottom); non-finite values in slate. Draw it scaled with drawImage.
 */
export function heatmapTile(values: Float32Array, n: number, scale: ValueScale): HTMLCanvasElement {
  const image = new ImageData(n, n);
  const rgb = [0, 0, 0];
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const value = values[j * n + i];
      const k = 4 * ((n - 1 - j) * n + i);
      if (Number.isNaN(value)) {
        image.data.set([40, 40, 48, 255], k);
        continue;
      }
      viridis(scale(value), rgb);
      image.data[k] = rgb[0] * 255;
      image.data[k + 1] = rgb[1] * 255;
      image.data[k + 2] = rgb[2] * 255;
      image.data[k + 3] = 255;
    }
  }
  const tile = document.createElement('canvas');
  tile.width = n;
  tile.height = n;
  tile.getContext('2d')!.putImageData(image, 0, 0);
  return tile;
}

/** The last tile made per grid of values, with the scale it was coloured through. */
const tiles = new WeakMap<
  Float32Array,
  { n: number; log: boolean; min: number; max: number; tile: HTMLCanvasElement }
>();

/**
 * {@link heatmapTile}, made once per grid and scale: the contour view repaints its base on
 * every new size, reserve, theme and font, several times while the page settles at start-up.
 * `values` must not change afterwards; the tile is shared, to draw from only.
 */
export function sharedHeatmapTile(
  values: Float32Array,
  n: number,
  scale: ValueScale,
): HTMLCanvasElement {
  const known = tiles.get(values);
  if (
    known &&
    known.n === n &&
    known.log === scale.log &&
    known.min === scale.min &&
    known.max === scale.max
  )
    return known.tile;
  const tile = heatmapTile(values, n, scale);
  tiles.set(values, { n, log: scale.log, min: scale.min, max: scale.max, tile });
  return tile;
}
