/**
 * The 8×8 handwritten digits: UCI "Optical Recognition of Handwritten Digits" (the test part,
 * 1,797 images of 10 classes, pixel counts 0–16), as scikit-learn ships it. Bundled as
 * assets/digits.csv with the header `label,p0,…,p63` (pixels row by row).
 */
import fs from 'node:fs';
import path from 'node:path';
import { hereDir } from '../core/node-require';

export const DIGITS_FILE = 'digits.csv';
export const DIGITS_ROWS = 1797;
export const DIGITS_SIDE = 8;
export const DIGITS_PIXELS = DIGITS_SIDE * DIGITS_SIDE;
export const DIGITS_MAX = 16;

export interface Digits {
  /** Pixel counts 0–16, image after image, row-major within each image. */
  pixels: Float64Array;
  labels: Int32Array;
  count: number;
}

/**
 * assets/ sits at the repository (or app) root next to dist/: two folders above a built bundle
 * (dist/engine/, dist/cli/; in a packaged app app.asar/dist/engine → app.asar/assets), three
 * above this source folder's neighbour electron/engine/core when running from source.
 */
export function locateDigits(from: string = hereDir): string {
  const candidates = [
    path.join(from, '..', '..', 'assets', DIGITS_FILE),
    path.join(from, '..', '..', '..', 'assets', DIGITS_FILE),
    path.join(process.cwd(), 'assets', DIGITS_FILE),
  ];
  for (const file of candidates) if (fs.existsSync(file)) return file;
  throw new Error(`the digits dataset was not found in ${candidates.join(', ')}`);
}

let cached: Digits | undefined;

/** Reads and checks the CSV once per process. */
export function loadDigits(file?: string): Digits {
  if (cached && !file) return cached;
  const digits = parseDigits(fs.readFileSync(file ?? locateDigits(), 'utf8'));
  if (!file) cached = digits;
  return digits;
}

/** Parses `label,p0..p63` rows; throws on any malformed row, naming it. */
export function parseDigits(text: string): Digits {
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0);
  const header = lines.shift()?.split(',') ?? [];
  if (header[0] !== 'label' || header.length !== DIGITS_PIXELS + 1) {
    throw new Error(`digits.csv: expected the header label,p0,…,p63, got "${header.join(',')}"`);
  }
  const count = lines.length;
  const pixels = new Float64Array(count * DIGITS_PIXELS);
  const labels = new Int32Array(count);
  lines.forEach((line, row) => {
    const cells = line.split(',');
    if (cells.length !== DIGITS_PIXELS + 1) {
      throw new Error(`digits.csv row ${row + 2}: ${cells.length} cells, expected 65`);
    }
    const label = Number(cells[0]);
    if (!Number.isInteger(label) || label < 0 || label > 9) {
      throw new Error(`digits.csv row ${row + 2}: label "${cells[0]}" is not 0–9`);
    }
    labels[row] = label;
    for (let p = 0; p < DIGITS_PIXELS; p++) {
      const v = Number(cells[p + 1]);
      if (!(v >= 0 && v <= DIGITS_MAX)) {
        throw new Error(`digits.csv row ${row + 2}: pixel ${p} = "${cells[p + 1]}"`);
      }
      pixels[row * DIGITS_PIXELS + p] = v;
    }
  });
  return { pixels, labels, count };
}

/** An image moved by (dx, dy) pixels (right, down), zeros shifted in: the mismatch test set. */
export function shiftImage(
  image: Float64Array,
  dx: number,
  dy: number,
  out = new Float64Array(DIGITS_PIXELS),
): Float64Array {
  out.fill(0);
  for (let r = 0; r < DIGITS_SIDE; r++) {
    const sr = r - dy;
    if (sr < 0 || sr >= DIGITS_SIDE) continue;
    for (let c = 0; c < DIGITS_SIDE; c++) {
      const sc = c - dx;
      if (sc >= 0 && sc < DIGITS_SIDE) out[r * DIGITS_SIDE + c] = image[sr * DIGITS_SIDE + sc];
    }
  }
  return out;
}
