/**
 * Loss-landscape files of Li, Xu, Taylor, Studer and Goldstein's code (github.com/tomgoldstein/
 * loss-landscape), read with h5wasm (the HDF5 library compiled to WebAssembly). A surface file
 * holds `xcoordinates` (and `ycoordinates` for a 2-D plot) and any of `train_loss`,
 * `train_acc`, `test_loss`, `test_acc`, filled as its `crunch` loop computes them (−1 until
 * then); a projected-trajectory file (`project_trajectory`'s `…_proj_cos.h5`) holds
 * `proj_xcoord` and `proj_ycoord`, one point per saved model. Every refusal is one line naming
 * the file and the dataset.
 */
import { FieldError } from '../core/errors';
import type { LandscapeFileData } from '../../common/protocol';

/** The surfaces Li et al.'s code writes, in the order a reader is offered them. */
export const SURFACE_NAMES = ['train_loss', 'test_loss', 'train_acc', 'test_acc'] as const;

/** Most points along one axis of a surface file (Li et al. use 51; 4096² floats are 128 MiB). */
export const MAX_FILE_AXIS = 4096;

/** What h5wasm's node build exports that this reader uses. */
interface H5Module {
  ready: Promise<unknown>;
  FS: { writeFile(path: string, data: Uint8Array): void; unlink(path: string): void } | null;
  File: new (path: string, mode: 'r') => H5File;
}
interface H5File {
  keys(): string[];
  get(name: string): unknown;
  close(): void;
}
interface H5Dataset {
  shape: number[] | null;
  value: unknown;
}

let module: Promise<H5Module> | undefined;

/** h5wasm, loaded (and its WebAssembly compiled) on first use. */
function h5wasm(): Promise<H5Module> {
  module ??= import('h5wasm/node').then(async (m) => {
    const h5 = m as unknown as H5Module;
    await h5.ready;
    return h5;
  });
  return module;
}

let serial = 0;

/** One HDF5 file's datasets by name (those at its root), read through h5wasm's memory FS. */
async function readDatasets(
  name: string,
  bytes: Uint8Array,
  wanted: readonly string[],
): Promise<Map<string, { shape: number[]; values: Float64Array }>> {
  const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!HDF5_SIGNATURE.every((b, i) => bytes[i] === b)) {
    throw new FieldError('files', `${name}: not an HDF5 file (its first 8 bytes are not HDF5's)`);
  }
  const h5 = await h5wasm();
  if (!h5.FS) throw new Error('h5wasm has no file system');
  const path = `/landscape-${++serial}.h5`;
  h5.FS.writeFile(path, bytes);
  let file: H5File | undefined;
  try {
    try {
      file = new h5.File(path, 'r');
    } catch (err) {
      throw new FieldError('files', `${name}: HDF5 cannot open it (${String(err).slice(0, 120)})`);
    }
    return readAll(name, file, wanted);
  } catch (err) {
    if (err instanceof FieldError) throw err;
    // h5wasm reports a damaged file from inside the HDF5 library: one line, the file named.
    throw new FieldError('files', `${name}: HDF5 cannot read it (${String(err).slice(0, 120)})`);
  } finally {
    file?.close();
    h5.FS.unlink(path);
  }
}

/** The wanted datasets at the root of an open file, checked. */
function readAll(
  name: string,
  file: H5File,
  wanted: readonly string[],
): Map<string, { shape: number[]; values: Float64Array }> {
  const out = new Map<string, { shape: number[]; values: Float64Array }>();
  const keys = new Set(file.keys());
  for (const key of wanted) {
    if (!keys.has(key)) continue;
    const entity = file.get(key) as H5Dataset | null;
    if (!entity || !('shape' in entity) || !entity.shape) {
      throw new FieldError('files', `${name}: ${key} is not a dataset`);
    }
    const shape = entity.shape;
    if (shape.length > 2 || shape.some((n) => n > MAX_FILE_AXIS)) {
      throw new FieldError(
        'files',
        `${name}: ${key} is [${shape.join(', ')}]; a landscape file's datasets have 1 or 2 axes of at most ${MAX_FILE_AXIS}`,
      );
    }
    const value = entity.value;
    if (!ArrayBuffer.isView(value) || value instanceof DataView || typeof value === 'string') {
      throw new FieldError('files', `${name}: ${key} is not an array of numbers`);
    }
    const numbers = value as unknown as ArrayLike<number | bigint>;
    out.set(key, { shape, values: Float64Array.from(numbers, Number) });
  }
  return out;
}

/** x's values, checked: finite and strictly increasing. */
function axis(name: string, key: string, values: Float64Array): Float64Array {
  if (values.length < 2) throw new FieldError('files', `${name}: ${key} has fewer than 2 points`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]) || (i > 0 && !(values[i] > values[i - 1]))) {
      throw new FieldError(
        'files',
        `${name}: ${key}[${i}] = ${values[i]}; the coordinates must be finite and increasing`,
      );
    }
  }
  return values;
}

/**
 * A surface sampled on (x, y) resampled bilinearly onto n × n points evenly spread over the
 * same rectangle (NaN wherever a neighbour of non-zero weight is NaN): the 3-D and contour
 * views draw square grids.
 */
export function resampleSquare(
  values: Float64Array,
  x: Float64Array,
  y: Float64Array,
  n: number,
): Float32Array {
  const out = new Float32Array(n * n);
  const at = (coords: Float64Array, t: number): [number, number] => {
    let k = 0;
    while (k + 2 < coords.length && coords[k + 1] <= t) k++;
    const f = (t - coords[k]) / (coords[k + 1] - coords[k]);
    return [k, Math.min(1, Math.max(0, f))];
  };
  const nx = x.length;
  for (let j = 0; j < n; j++) {
    const yt = y[0] + ((y[y.length - 1] - y[0]) * j) / (n - 1);
    const [j0, fy] = at(y, yt);
    for (let i = 0; i < n; i++) {
      const xt = x[0] + ((x[nx - 1] - x[0]) * i) / (n - 1);
      const [i0, fx] = at(x, xt);
      // Only neighbours of non-zero weight count: a grid point keeps its own value.
      const weights = [
        [0, 0, (1 - fy) * (1 - fx)],
        [0, 1, (1 - fy) * fx],
        [1, 0, fy * (1 - fx)],
        [1, 1, fy * fx],
      ];
      let v = 0;
      for (const [dj, di, w] of weights) if (w > 0) v += w * values[(j0 + dj) * nx + i0 + di];
      out[j * n + i] = v;
    }
  }
  return out;
}

/**
 * Reads a surface file, and a projected-trajectory file when given (in either order). Refuses,
 * naming the file and dataset: not HDF5; no `xcoordinates` or surface; a surface whose size is
 * not len(x) × len(y); coordinates not finite and increasing; two surface files or two
 * trajectory files; a trajectory whose two coordinate lists differ in length.
 */
export async function readLandscapeFiles(
  files: readonly { name: string; bytes: Uint8Array }[],
): Promise<LandscapeFileData> {
  const keys = ['xcoordinates', 'ycoordinates', ...SURFACE_NAMES, 'proj_xcoord', 'proj_ycoord'];
  const read = [];
  for (const f of files)
    read.push({ name: f.name, sets: await readDatasets(f.name, f.bytes, keys) });
  const surfaceFiles = read.filter((r) => r.sets.has('xcoordinates'));
  const trajectoryFiles = read.filter((r) => r.sets.has('proj_xcoord'));
  if (surfaceFiles.length !== 1) {
    throw new FieldError(
      'files',
      surfaceFiles.length === 0
        ? `${files.map((f) => f.name).join(', ')}: no xcoordinates — not a surface file of Li et al.'s loss-landscape code`
        : 'two surface files: give one, with its projected-trajectory file if any',
    );
  }
  if (trajectoryFiles.length > 1) throw new FieldError('files', 'two projected-trajectory files');
  const surface = surfaceFiles[0];
  const name = surface.name;
  const x = axis(name, 'xcoordinates', surface.sets.get('xcoordinates')!.values);
  const yRead = surface.sets.get('ycoordinates');
  const y = yRead ? axis(name, 'ycoordinates', yRead.values) : undefined;
  const points = x.length * (y?.length ?? 1);
  const surfaces: LandscapeFileData['surfaces'] = [];
  for (const key of SURFACE_NAMES) {
    const set = surface.sets.get(key);
    if (!set) continue;
    if (set.values.length !== points) {
      throw new FieldError(
        'files',
        `${name}: ${key} holds ${set.values.length} values; xcoordinates × ycoordinates make ${points}`,
      );
    }
    // −1 is the code's "not computed yet" (losses and accuracies are never negative).
    const values = set.values.map((v) => (Number.isFinite(v) && v >= 0 ? v : NaN));
    surfaces.push({ name: key, values });
  }
  if (surfaces.length === 0) {
    throw new FieldError('files', `${name}: no ${SURFACE_NAMES.join(', ')}: nothing to draw`);
  }
  const out: LandscapeFileData = {
    names: [name, ...trajectoryFiles.map((t) => t.name)],
    dims: y ? 2 : 1,
    x,
    ...(y ? { y } : {}),
    surfaces,
  };
  if (y && y.length !== x.length) {
    const n = Math.max(x.length, y.length);
    out.square = {
      resolution: n,
      surfaces: surfaces.map((s) => ({ name: s.name, values: resampleSquare(s.values, x, y, n) })),
    };
  }
  const trajectory = trajectoryFiles[0];
  if (trajectory) {
    const px = trajectory.sets.get('proj_xcoord')!.values;
    const py = trajectory.sets.get('proj_ycoord')?.values;
    if (!py || py.length !== px.length) {
      throw new FieldError(
        'files',
        `${trajectory.name}: proj_ycoord ${py ? `holds ${py.length} points; proj_xcoord ${px.length}` : 'is missing'}`,
      );
    }
    out.trajectory = { x: px, y: py };
  }
  return out;
}
