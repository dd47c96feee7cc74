/**
 * The session file's container: a zip (fflate) of `manifest.json` and the arrays as raw
 * little-endian bytes, each listed in the manifest with its dtype, length and SHA-256.
 *
 * Reading checks before it trusts: the zip's central directory sizes are summed before
 * anything is inflated (so a zip bomb is refused by what it claims), every entry is inflated in
 * chunks that stop as soon as its output passes the size it claimed (so a bomb that lies about
 * its size costs no more than its claim), every inflated entry must be exactly that size, and
 * every array must match its checksum, length and dtype. Each failure is one SessionError
 * saying what is wrong; the input bytes are never modified.
 */
import { createHash } from 'node:crypto';
import { Zip, ZipDeflate, ZipPassThrough, zipSync, type Zippable } from 'fflate';
import {
  checkMessageShape,
  DEFAULT_MESSAGE_BOUNDS,
  describeValue,
  oneLine,
} from '../../common/bounds';
import {
  arrayEntryName,
  DTYPE_BYTES,
  MANIFEST_ENTRY,
  MAX_MANIFEST_BYTES,
  MAX_SESSION_BYTES,
  SESSION_FORMAT,
  SESSION_VERSION,
  SessionError,
  sessionManifestSchema,
  type ArrayDtype,
  type ArrayInfo,
  type SessionManifest,
  type SessionTypedArray,
} from '../../common/session';
import { runSync, type Progress, type Steps } from './slices';
import { Crc32, formatBytes, inflateEntry, isZip, readDirectory, type ArchiveLimits } from './zip';

export { formatBytes };
export type { ArchiveLimits };

/** The manifest and every array, by name: what the zip holds. */
export interface SessionArchive {
  manifest: SessionManifest;
  arrays: Map<string, SessionTypedArray>;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** The dtype of a typed array the format can hold. */
export function dtypeOf(array: SessionTypedArray): ArrayDtype {
  if (array instanceof Float64Array) return 'f64';
  if (array instanceof Float32Array) return 'f32';
  if (array instanceof Int16Array) return 'i16';
  if (array instanceof Uint32Array) return 'u32';
  if (array instanceof Int32Array) return 'i32';
  return 'u8';
}

/** An array's bytes, little-endian (a view where the host already is). */
function bytesOf(array: SessionTypedArray): Uint8Array {
  const view = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  if (LITTLE_ENDIAN || array.BYTES_PER_ELEMENT === 1) return view;
  return swapped(view, array.BYTES_PER_ELEMENT);
}

function swapped(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) {
    for (let k = 0; k < width; k++) out[i + k] = bytes[i + width - 1 - k];
  }
  return out;
}

/** A typed array over little-endian bytes (copied when unaligned or on a big-endian host). */
function arrayFrom(bytes: Uint8Array, dtype: ArrayDtype): SessionTypedArray {
  const width = DTYPE_BYTES[dtype];
  let source = bytes;
  if (!LITTLE_ENDIAN && width > 1) source = swapped(bytes, width);
  else if (source.byteOffset % width !== 0) source = source.slice();
  const { buffer, byteOffset } = source;
  const length = source.length / width;
  switch (dtype) {
    case 'f64':
      return new Float64Array(buffer, byteOffset, length);
    case 'f32':
      return new Float32Array(buffer, byteOffset, length);
    case 'i16':
      return new Int16Array(buffer, byteOffset, length);
    case 'u32':
      return new Uint32Array(buffer, byteOffset, length);
    case 'i32':
      return new Int32Array(buffer, byteOffset, length);
    case 'u8':
      return new Uint8Array(buffer, byteOffset, length);
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Zips a manifest (without its array table, which this fills in) and its arrays. Floating
 * point arrays are stored (they hardly compress, and a stored entry costs nothing to read);
 * integer arrays and the manifest are deflated.
 */
export function packArchive(
  manifest: Omit<SessionManifest, 'arrays'>,
  arrays: ReadonlyMap<string, SessionTypedArray>,
): Uint8Array {
  const table: Record<string, ArrayInfo> = {};
  const mtime = new Date(manifest.savedAt);
  const files: Zippable = {};
  let total = 0;
  for (const [name, array] of arrays) {
    const bytes = bytesOf(array);
    const dtype = dtypeOf(array);
    table[name] = { dtype, length: array.length, sha256: sha256(bytes) };
    files[arrayEntryName(name)] = [bytes, { level: dtype[0] === 'f' ? 0 : 1, mtime }];
    total += bytes.length;
  }
  const json = JSON.stringify({ ...manifest, arrays: table });
  const text = new TextEncoder().encode(json);
  checkSize(total + text.length, text.length);
  // The manifest first, so a reader (or a person with `unzip -l`) meets it before the arrays.
  return zipSync({ [MANIFEST_ENTRY]: [text, { level: 6, mtime }], ...files });
}

/**
 * packArchive without blocking the event loop for long: arrays are hashed and zipped in
 * slices of `sliceBytes`, with a yield to the event loop between slices, so an autosave of a
 * large session does not stall playback. The zip streams (its entries' sizes and CRCs follow
 * their data, as zip's data descriptors allow); it reads exactly like packArchive's.
 */
export async function packArchiveAsync(
  manifest: Omit<SessionManifest, 'arrays'>,
  arrays: ReadonlyMap<string, SessionTypedArray>,
  sliceBytes = 4 * 2 ** 20,
): Promise<Uint8Array> {
  const pause = () => new Promise((resolve) => setImmediate(resolve));
  const slices = function* (bytes: Uint8Array) {
    for (let at = 0; at < bytes.length; at += sliceBytes) {
      yield bytes.subarray(at, Math.min(bytes.length, at + sliceBytes));
    }
  };
  const table: Record<string, ArrayInfo> = {};
  let total = 0;
  for (const [name, array] of arrays) {
    const bytes = bytesOf(array);
    const hash = createHash('sha256');
    for (const slice of slices(bytes)) {
      hash.update(slice);
      await pause();
    }
    table[name] = { dtype: dtypeOf(array), length: array.length, sha256: hash.digest('hex') };
    total += bytes.length;
  }
  const text = new TextEncoder().encode(JSON.stringify({ ...manifest, arrays: table }));
  checkSize(total + text.length, text.length);

  const mtime = new Date(manifest.savedAt);
  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure ??= err;
    else chunks.push(chunk);
  });
  const manifestEntry = new ZipDeflate(MANIFEST_ENTRY, { level: 6 });
  manifestEntry.mtime = mtime;
  zip.add(manifestEntry);
  manifestEntry.push(text, true);
  for (const [name, array] of arrays) {
    const bytes = bytesOf(array);
    const entry =
      dtypeOf(array)[0] === 'f'
        ? new ZipPassThrough(arrayEntryName(name))
        : new ZipDeflate(arrayEntryName(name), { level: 1 });
    entry.mtime = mtime;
    zip.add(entry);
    if (bytes.length === 0) entry.push(bytes, true);
    for (const slice of slices(bytes)) {
      entry.push(slice, slice.byteOffset + slice.length === bytes.byteOffset + bytes.length);
      await pause();
    }
  }
  zip.end();
  if (failure) throw failure;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function checkSize(total: number, manifestBytes: number): void {
  if (total > MAX_SESSION_BYTES || manifestBytes > MAX_MANIFEST_BYTES) {
    throw new SessionError(
      `this session is too large to save: ${formatBytes(total)} (at most ${formatBytes(MAX_SESSION_BYTES)})`,
    );
  }
}

/**
 * Reads a session's zip: the manifest (checked against the schema) and every array it lists
 * (checked against its dtype, length and SHA-256). Nothing else in the zip is inflated.
 */
export function unpackArchive(bytes: Uint8Array, limits: ArchiveLimits = {}): SessionArchive {
  return runSync(unpackArchiveSteps(bytes, limits));
}

/**
 * unpackArchive as steps that pause every few hundred KiB (see slices.ts). `progress` counts
 * the manifest's bytes and each array's bytes as they are inflated; its total is known once
 * the manifest is read, and includes `extraTotal` (work the caller does afterwards).
 */
export function* unpackArchiveSteps(
  bytes: Uint8Array,
  limits: ArchiveLimits = {},
  progress: Progress = { done: 0, total: 0 },
  extraTotal: (manifest: SessionManifest) => number = () => 0,
): Steps<SessionArchive> {
  if (bytes.length === 0) throw new SessionError('the file is empty: it is not a LossLab session');
  if (!isZip(bytes)) {
    throw new SessionError('this is not a LossLab session: the file is not a zip archive');
  }
  // Every entry's claimed size, summed from the central directory before anything is inflated.
  const entries = readDirectory(bytes, limits);
  const manifestEntry = entries.get(MANIFEST_ENTRY);
  if (!manifestEntry) {
    throw new SessionError(
      `this is not a LossLab session: the zip has no ${MANIFEST_ENTRY}`,
      'manifest',
    );
  }
  if (manifestEntry.originalSize > MAX_MANIFEST_BYTES) {
    throw new SessionError(
      `the manifest claims ${formatBytes(manifestEntry.originalSize)} (at most ${formatBytes(MAX_MANIFEST_BYTES)}): refusing to read it`,
      'manifest',
    );
  }
  progress.total = progress.done + manifestEntry.originalSize;
  const crc = new Crc32();
  const manifestBytes = yield* inflateEntry(bytes, manifestEntry, progress, (c) => crc.update(c));
  if (crc.value !== manifestEntry.crc) {
    throw new SessionError(
      `the session file is damaged: ${MANIFEST_ENTRY} fails its CRC-32 check`,
      'manifest',
    );
  }
  const manifest = parseManifest(manifestBytes);

  // The arrays the manifest lists, each checked before it becomes a typed array.
  const listed = Object.entries(manifest.arrays);
  progress.total += extraTotal(manifest);
  for (const [, info] of listed) progress.total += info.length * DTYPE_BYTES[info.dtype];
  const arrays = new Map<string, SessionTypedArray>();
  for (const [name, info] of listed) {
    const entryName = arrayEntryName(name);
    const field = `arrays.${name}`;
    const entry = entries.get(entryName);
    if (!entry) {
      throw new SessionError(
        `the session file is damaged: array "${name}" is listed in the manifest but the file has no ${entryName}`,
        field,
      );
    }
    const expected = info.length * DTYPE_BYTES[info.dtype];
    if (entry.originalSize !== expected) {
      throw new SessionError(
        `the session file is damaged: array "${name}" has ${entry.originalSize} bytes, but the manifest says ${info.length} ${info.dtype} values (${expected} bytes)`,
        field,
      );
    }
    const hash = createHash('sha256');
    const data = yield* inflateEntry(bytes, entry, progress, (chunk) => hash.update(chunk));
    const digest = hash.digest('hex');
    if (digest !== info.sha256) {
      throw new SessionError(
        `the session file is damaged: array "${name}" fails its checksum (SHA-256 ${digest.slice(0, 12)}…, the manifest says ${info.sha256.slice(0, 12)}…)`,
        field,
      );
    }
    arrays.set(name, arrayFrom(data, info.dtype));
  }
  return { manifest, arrays };
}

/** The manifest's bytes as a validated manifest, refusing other formats and versions first. */
function parseManifest(bytes: Uint8Array): SessionManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new SessionError(
      `the session's ${MANIFEST_ENTRY} is not valid JSON (${oneLine((err as Error).message, 160)})`,
      'manifest',
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SessionError(`the session's ${MANIFEST_ENTRY} is not a JSON object`, 'manifest');
  }
  const { format, version } = json as { format?: unknown; version?: unknown };
  if (format !== SESSION_FORMAT) {
    throw new SessionError(
      `this is not a LossLab session: its manifest's format is ${format === undefined ? 'missing' : describeValue(format)}, not "${SESSION_FORMAT}"`,
      'format',
    );
  }
  if (typeof version === 'number' && Number.isInteger(version) && version > SESSION_VERSION) {
    throw new SessionError(
      `this session was made by a newer LossLab (format version ${version}); this LossLab reads version ${SESSION_VERSION}`,
      'version',
    );
  }
  return validateManifest(json);
}

/**
 * What a manifest may hold before the schema looks at it: nesting no deeper than any message
 * can carry (the schema's validators recurse); values and text bounded by the manifest's size.
 */
const MANIFEST_SHAPE = {
  maxDepth: DEFAULT_MESSAGE_BOUNDS.maxDepth,
  maxValues: MAX_MANIFEST_BYTES,
  maxChars: MAX_MANIFEST_BYTES,
  maxBytes: 0,
};

/** A manifest checked against the schema; the first issue names its field. */
export function validateManifest(json: unknown): SessionManifest {
  const shape = checkMessageShape(json, MANIFEST_SHAPE);
  if (shape !== undefined) {
    throw new SessionError(
      `the session's manifest is invalid at ${shape.replace(/^message: /, 'its top level: ')}`,
    );
  }
  let parsed;
  try {
    parsed = sessionManifestSchema.safeParse(json);
  } catch (err) {
    throw new SessionError(`the session's manifest is invalid: ${(err as Error).message}`);
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map(String).join('.');
    throw new SessionError(
      `the session's manifest is invalid at ${field || 'its top level'}: ${issue.message}`,
      field || undefined,
    );
  }
  return parsed.data;
}
