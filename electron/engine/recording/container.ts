/**
 * The session file's container: a zip (fflate) of `manifest.json` and the arrays as raw
 * little-endian bytes, each listed in the manifest with its dtype, length and SHA-256.
 *
 * Reading checks before it trusts: the zip's central directory sizes are summed before
 * anything is inflated (so a zip bomb is refused by what it claims), every inflated entry must
 * be exactly the size it claimed, and every array must match its checksum, length and dtype.
 * Each failure is one SessionError saying what is wrong; the input bytes are never modified.
 */
import { createHash } from 'node:crypto';
import { unzipSync, Zip, ZipDeflate, ZipPassThrough, zipSync, type Zippable } from 'fflate';
import {
  arrayEntryName,
  DTYPE_BYTES,
  MANIFEST_ENTRY,
  MAX_MANIFEST_BYTES,
  MAX_SESSION_BYTES,
  MAX_SESSION_ENTRIES,
  SESSION_FORMAT,
  SESSION_VERSION,
  SessionError,
  sessionManifestSchema,
  type ArrayDtype,
  type ArrayInfo,
  type SessionManifest,
  type SessionTypedArray,
} from '../../common/session';

/** The manifest and every array, by name: what the zip holds. */
export interface SessionArchive {
  manifest: SessionManifest;
  arrays: Map<string, SessionTypedArray>;
}

/** Limits a reader enforces; tests lower them. */
export interface ArchiveLimits {
  /** @default MAX_SESSION_BYTES (2 GiB) */
  maxBytes?: number;
  /** @default MAX_SESSION_ENTRIES */
  maxEntries?: number;
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

interface EntryInfo {
  originalSize: number;
  size: number;
  compression: number;
}

/**
 * Reads a session's zip: the manifest (checked against the schema) and every array it lists
 * (checked against its dtype, length and SHA-256). Nothing else in the zip is inflated.
 */
export function unpackArchive(bytes: Uint8Array, limits: ArchiveLimits = {}): SessionArchive {
  const maxBytes = limits.maxBytes ?? MAX_SESSION_BYTES;
  const maxEntries = limits.maxEntries ?? MAX_SESSION_ENTRIES;
  if (bytes.length === 0) throw new SessionError('the file is empty: it is not a LossLab session');
  if (!isZip(bytes)) {
    throw new SessionError('this is not a LossLab session: the file is not a zip archive');
  }

  // Pass 1: every entry's claimed size (from the central directory), then the manifest alone.
  const entries = new Map<string, EntryInfo>();
  let claimed = 0;
  const first = unzip(bytes, (file) => {
    if (entries.size >= maxEntries) {
      throw new SessionError(
        `the session file has more than ${maxEntries} entries: refusing to read it`,
      );
    }
    claimed += file.originalSize;
    if (claimed > maxBytes) {
      throw new SessionError(
        `the session file claims more than ${formatBytes(maxBytes)} of data once unzipped: ` +
          'refusing to read it',
      );
    }
    entries.set(file.name, file);
    if (file.name !== MANIFEST_ENTRY) return false;
    if (file.originalSize > MAX_MANIFEST_BYTES) {
      throw new SessionError(
        `the manifest claims ${formatBytes(file.originalSize)} (at most ${formatBytes(MAX_MANIFEST_BYTES)}): refusing to read it`,
        'manifest',
      );
    }
    return true;
  });
  const manifestBytes = first[MANIFEST_ENTRY];
  if (!manifestBytes) {
    throw new SessionError(
      `this is not a LossLab session: the zip has no ${MANIFEST_ENTRY}`,
      'manifest',
    );
  }
  checkInflated(MANIFEST_ENTRY, manifestBytes, entries.get(MANIFEST_ENTRY));
  const manifest = parseManifest(manifestBytes);

  // Pass 2: the arrays the manifest lists, each checked before it becomes a typed array.
  const wanted = new Map<string, string>();
  for (const name of Object.keys(manifest.arrays)) wanted.set(arrayEntryName(name), name);
  const raw = unzip(bytes, (file) => wanted.has(file.name));
  const arrays = new Map<string, SessionTypedArray>();
  for (const [name, info] of Object.entries(manifest.arrays)) {
    const entry = arrayEntryName(name);
    const field = `arrays.${name}`;
    const data = raw[entry];
    if (!data) {
      throw new SessionError(
        `the session file is damaged: array "${name}" is listed in the manifest but the file has no ${entry}`,
        field,
      );
    }
    checkInflated(entry, data, entries.get(entry));
    const expected = info.length * DTYPE_BYTES[info.dtype];
    if (data.length !== expected) {
      throw new SessionError(
        `the session file is damaged: array "${name}" has ${data.length} bytes, but the manifest says ${info.length} ${info.dtype} values (${expected} bytes)`,
        field,
      );
    }
    const digest = sha256(data);
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

/** A zip starts with a local file header, or (empty) with the end of central directory. */
function isZip(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) return false;
  return (bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6);
}

/** fflate's unzipSync, its errors turned into SessionErrors. */
function unzip(
  bytes: Uint8Array,
  filter: (file: { name: string } & EntryInfo) => boolean,
): Record<string, Uint8Array> {
  try {
    return unzipSync(bytes, { filter });
  } catch (err) {
    if (err instanceof SessionError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    if (message === 'invalid zip data') {
      // No end-of-central-directory record: the usual sign of a file cut short.
      throw new SessionError(
        'the session file is truncated or damaged: its zip directory is missing (was the file cut short?)',
      );
    }
    throw new SessionError(`the session file is damaged: ${message}`);
  }
}

/** An entry must inflate to exactly the size its directory record claimed. */
function checkInflated(name: string, data: Uint8Array, info: EntryInfo | undefined): void {
  const claimed = info?.originalSize ?? data.length;
  const storedMismatch = info !== undefined && info.compression === 0 && info.size !== claimed;
  if (data.length !== claimed || storedMismatch) {
    throw new SessionError(
      `the session file is truncated or damaged: ${name} holds ${data.length} bytes, its zip record says ${claimed}`,
    );
  }
}

/** The manifest's bytes as a validated manifest, refusing other formats and versions first. */
function parseManifest(bytes: Uint8Array): SessionManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new SessionError(
      `the session's ${MANIFEST_ENTRY} is not valid JSON (${(err as Error).message})`,
      'manifest',
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SessionError(`the session's ${MANIFEST_ENTRY} is not a JSON object`, 'manifest');
  }
  const { format, version } = json as { format?: unknown; version?: unknown };
  if (format !== SESSION_FORMAT) {
    throw new SessionError(
      `this is not a LossLab session: its manifest's format is ${JSON.stringify(format) ?? 'missing'}, not "${SESSION_FORMAT}"`,
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

/** A manifest checked against the schema; the first issue names its field. */
export function validateManifest(json: unknown): SessionManifest {
  let parsed;
  try {
    parsed = sessionManifestSchema.safeParse(json);
  } catch (err) {
    // z.json() recurses: absurdly deep nesting in `view` runs out of stack.
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

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${Number(v.toFixed(1))} ${units[u]}`;
}
