/**
 * Reading a TensorFlow.js Layers model — `model.json` and the weight files its manifest lists —
 * through tfjs's own io (`getModelArtifactsForJSON`, `fromMemory`, `loadLayersModel`), from
 * wherever the bytes are: files on disk (the CLI, Electron) or files a page uploaded (browser
 * mode). Sizes are checked before anything is read or decoded: model.json's bytes, then the
 * weights' bytes as the manifest declares them (shape × dtype), then each file against its part.
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import type * as TfModule from '@tensorflow/tfjs';
import {
  MAX_MODEL_FILES,
  MAX_MODEL_JSON_BYTES,
  MAX_MODEL_WEIGHT_BYTES,
} from '../../../common/limits';
import { formatBytes } from '../budget';
import type { Tf } from '../mlp';
import { ModelFileError, readTopology, type Topology } from './topology';

/** Where a model's files come from: model.json's bytes, and the weight files by name. */
export interface ModelSource {
  /** What the model is called in messages (its file name or folder). */
  label: string;
  /** The bytes of model.json, or its size when reading is deferred to `json()`. */
  jsonBytes: number;
  json(): Promise<Uint8Array>;
  /**
   * The bytes of a weight file the manifest lists (by its base name: weight files sit beside
   * model.json), or undefined when there is no such file; `size` before reading it.
   */
  size(name: string): number | undefined;
  read(name: string): Promise<Uint8Array>;
}

/** A model's files held in memory (a page's upload, a test). */
export function memorySource(
  label: string,
  files: readonly { name: string; bytes: Uint8Array }[],
): ModelSource {
  if (files.length > MAX_MODEL_FILES + 1) {
    throw new ModelFileError(
      'files',
      `${files.length} files; a model has at most ${MAX_MODEL_FILES} weight files`,
    );
  }
  const byName = new Map(files.map((f) => [baseName(f.name), f.bytes]));
  const json = files.find((f) => f.name.toLowerCase().endsWith('.json'));
  if (!json) throw new ModelFileError('files', 'no model.json among the files');
  return {
    label,
    jsonBytes: json.bytes.byteLength,
    json: () => Promise.resolve(json.bytes),
    size: (name) => byName.get(baseName(name))?.byteLength,
    read: (name) => {
      const bytes = byName.get(baseName(name));
      if (!bytes) throw new ModelFileError('files', `the weight file '${name}' is missing`);
      return Promise.resolve(bytes);
    },
  };
}

/** The last segment of a path ("a/b/c.bin" → "c.bin"): weight files are looked up beside model.json. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1];
}

/** A model read and checked: its topology, its artifacts for tfjs, and its weight bytes. */
export interface ModelFile {
  label: string;
  topology: Topology;
  artifacts: TfModule.io.ModelArtifacts;
  /** Bytes of all weights together. */
  weightBytes: number;
}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** Bytes a weight takes in its file (its quantized dtype when quantized). */
function storedBytes(entry: {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string };
}): number {
  const dtype = entry.quantization?.dtype ?? entry.dtype;
  const per = DTYPE_BYTES[dtype];
  if (per === undefined) {
    throw new ModelFileError(
      'weightsManifest',
      `the weight '${entry.name}' has dtype ${dtype}: LossLab reads float32, int32, bool and quantized uint8, uint16, float16`,
    );
  }
  let n = 1;
  for (const d of entry.shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ModelFileError(
        'weightsManifest',
        `the weight '${entry.name}' has shape [${entry.shape.join(', ')}]`,
      );
    }
    n *= d;
  }
  return n * per;
}

/**
 * Reads a model's files through tfjs io, with sizes checked first. Refusals name the file, the
 * manifest entry or the layer (see readTopology).
 */
export async function readModel(tf: Tf, source: ModelSource): Promise<ModelFile> {
  if (source.jsonBytes > MAX_MODEL_JSON_BYTES) {
    throw new ModelFileError(
      'model.json',
      `has ${formatBytes(source.jsonBytes)}; LossLab reads a model.json of at most ${formatBytes(MAX_MODEL_JSON_BYTES)}`,
    );
  }
  let json: TfModule.io.ModelJSON;
  try {
    json = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(await source.json()),
    ) as TfModule.io.ModelJSON;
  } catch (err) {
    throw new ModelFileError('model.json', `is not JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || !('modelTopology' in json)) {
    throw new ModelFileError(
      'model.json',
      'has no modelTopology: it is not a TensorFlow.js Layers model',
    );
  }
  const format = (json as { format?: unknown }).format;
  if (format !== undefined && format !== 'layers-model') {
    throw new ModelFileError(
      'model.json',
      `is a ${String(format)}: LossLab opens a layers-model (a graph model has no layers to train)`,
    );
  }
  const topology = readTopology(json.modelTopology);
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) throw new ModelFileError('model.json', 'has no weightsManifest');
  // Sizes as declared, before any weight file is read.
  let declared = 0;
  let files = 0;
  for (const [g, group] of manifest.entries()) {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new ModelFileError(`weightsManifest.${g}`, 'needs paths and weights');
    }
    files += group.paths.length;
    for (const w of group.weights) declared += storedBytes(w);
  }
  if (files > MAX_MODEL_FILES) {
    throw new ModelFileError(
      'weightsManifest',
      `lists ${files} files; LossLab reads at most ${MAX_MODEL_FILES}`,
    );
  }
  if (declared > MAX_MODEL_WEIGHT_BYTES) {
    throw new ModelFileError(
      'weightsManifest',
      `declares ${formatBytes(declared)} of weights; LossLab opens models of at most ${formatBytes(MAX_MODEL_WEIGHT_BYTES)}`,
    );
  }
  for (const group of manifest) {
    for (const p of group.paths) {
      const size = source.size(p);
      if (size === undefined) {
        throw new ModelFileError(
          'weightsManifest',
          `the weight file '${baseName(p)}' is missing (open it with model.json)`,
        );
      }
      if (size > MAX_MODEL_WEIGHT_BYTES) {
        throw new ModelFileError(
          baseName(p),
          `has ${formatBytes(size)}; LossLab opens models of at most ${formatBytes(MAX_MODEL_WEIGHT_BYTES)} of weights`,
        );
      }
    }
  }
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (groups) => {
    const specs: TfModule.io.WeightsManifestEntry[] = [];
    const buffers: Uint8Array[] = [];
    for (const group of groups) {
      let got = 0;
      for (const p of group.paths) {
        const bytes = await source.read(p);
        buffers.push(bytes);
        got += bytes.byteLength;
      }
      const want = group.weights.reduce((s, w) => s + storedBytes(w), 0);
      if (got !== want) {
        throw new ModelFileError(
          baseName(group.paths[0] ?? 'weights'),
          `the weight files ${group.paths.map((p) => `'${baseName(p)}'`).join(', ')} hold ${got.toLocaleString('en')} bytes; the manifest declares ${want.toLocaleString('en')}`,
        );
      }
      specs.push(...group.weights);
    }
    const all = new Uint8Array(buffers.reduce((s, b) => s + b.byteLength, 0));
    let at = 0;
    for (const b of buffers) {
      all.set(b, at);
      at += b.byteLength;
    }
    return [specs, all.buffer];
  });
  return { label: source.label, topology, artifacts, weightBytes: declared };
}

/** A model's files on disk: model.json at `path`, its weight files beside it. */
export function diskSource(path: string): ModelSource {
  const dir = nodePath.dirname(path);
  let jsonBytes: number;
  try {
    jsonBytes = fs.statSync(path).size;
  } catch (err) {
    throw new ModelFileError(
      'path',
      `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  const beside = (name: string) => nodePath.join(dir, baseName(name));
  return {
    label:
      nodePath.basename(dir) === '.'
        ? nodePath.basename(path)
        : `${nodePath.basename(dir)}/${nodePath.basename(path)}`,
    jsonBytes,
    json: () => fs.promises.readFile(path),
    size: (name) => {
      try {
        return fs.statSync(beside(name)).size;
      } catch {
        return undefined;
      }
    },
    read: (name) => fs.promises.readFile(beside(name)),
  };
}
