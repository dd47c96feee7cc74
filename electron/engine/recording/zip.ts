/**
 * Reading a zip without trusting it: its central directory, every entry's claimed sizes summed
 * and checked against the limits before anything is inflated, and each entry inflated in
 * chunks that stop as soon as its output passes the size it claimed (a zip bomb costs no more
 * than its claim). Read here rather than by fflate's unzipSync, which inflates every entry to
 * the end whatever it claimed.
 */
import { Inflate } from 'fflate';
import { MAX_SESSION_BYTES, MAX_SESSION_ENTRIES, SessionError } from '../../common/session';
import type { Progress, Steps } from './slices';

/** Limits a reader enforces; tests lower them. */
export interface ArchiveLimits {
  /** @default MAX_SESSION_BYTES (2 GiB) */
  maxBytes?: number;
  /** @default MAX_SESSION_ENTRIES */
  maxEntries?: number;
}

/** One entry of the zip's central directory. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  compression: number;
  /** Bytes of its data in the file. */
  size: number;
  /** Bytes once inflated, as the directory claims. */
  originalSize: number;
  crc: number;
  /** Where its local header starts. */
  headerOffset: number;
}

/** Bytes of input inflated between two pauses: at most ~16 MiB of output (deflate's 1032:1). */
export const INFLATE_CHUNK = 16 * 2 ** 10;
/** Bytes copied or hashed between two pauses. */
const COPY_CHUNK = 2 ** 20;

/** A zip starts with a local file header, or (empty) with the end of central directory. */
export function isZip(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) return false;
  return (bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6);
}

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const ZIP64_LOCATOR = 0x07064b50;

function damaged(what: string): SessionError {
  return new SessionError(`the session file is damaged: ${what}`);
}

/**
 * The zip's central directory, every entry's claimed sizes checked against the limits. Read
 * here rather than by fflate's unzipSync, which inflates every entry it is given to the end
 * (whatever size the entry claimed), and whose streaming Unzip finds the end of an entry
 * written with a data descriptor by searching its data for a signature.
 */
export function readDirectory(bytes: Uint8Array, limits: ArchiveLimits): Map<string, ZipEntry> {
  const maxBytes = limits.maxBytes ?? MAX_SESSION_BYTES;
  const maxEntries = limits.maxEntries ?? MAX_SESSION_ENTRIES;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end-of-directory record: 22 bytes and a comment of at most 65,535, at the very end.
  let end = bytes.length - 22;
  const lowest = Math.max(0, bytes.length - 22 - 0xffff);
  while (end >= lowest && dv.getUint32(end, true) !== END_OF_DIRECTORY) end--;
  if (end < lowest) {
    // The usual sign of a file cut short.
    throw new SessionError(
      'the session file is truncated or damaged: its zip directory is missing (was the file cut short?)',
    );
  }
  if (end >= 20 && dv.getUint32(end - 20, true) === ZIP64_LOCATOR) {
    throw damaged('it is a zip64 archive, which no LossLab session is');
  }
  const count = dv.getUint16(end + 10, true);
  const directorySize = dv.getUint32(end + 12, true);
  const directoryStart = dv.getUint32(end + 16, true);
  if (dv.getUint16(end + 4, true) !== 0 || dv.getUint16(end + 8, true) !== count) {
    throw damaged('its zip directory says it spans several disks');
  }
  if (count > maxEntries) {
    throw new SessionError(
      `the session file has more than ${maxEntries} entries: refusing to read it`,
    );
  }
  if (directoryStart + directorySize > end) {
    throw damaged(
      `its zip directory (${directorySize} bytes at ${directoryStart}) runs past the end of the file`,
    );
  }
  const entries = new Map<string, ZipEntry>();
  let claimed = 0;
  let at = directoryStart;
  const limit = directoryStart + directorySize;
  for (let i = 0; i < count; i++) {
    if (at + 46 > limit || dv.getUint32(at, true) !== DIRECTORY_ENTRY) {
      throw damaged(`zip directory record ${i} of ${count} is missing or broken`);
    }
    const flags = dv.getUint16(at + 8, true);
    const nameLength = dv.getUint16(at + 28, true);
    const next = at + 46 + nameLength + dv.getUint16(at + 30, true) + dv.getUint16(at + 32, true);
    if (next > limit) throw damaged(`zip directory record ${i} runs past the directory`);
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(
      bytes.subarray(at + 46, at + 46 + nameLength),
    );
    const entry: ZipEntry = {
      name,
      compression: dv.getUint16(at + 10, true),
      crc: dv.getUint32(at + 16, true),
      size: dv.getUint32(at + 20, true),
      originalSize: dv.getUint32(at + 24, true),
      headerOffset: dv.getUint32(at + 42, true),
    };
    claimed += entry.originalSize;
    if (claimed > maxBytes) {
      throw new SessionError(
        `the session file claims more than ${formatBytes(maxBytes)} of data once unzipped: ` +
          'refusing to read it',
      );
    }
    if (flags & 1) throw damaged(`${quoteName(name)} is encrypted`);
    if (entries.has(name)) throw damaged(`the zip holds two entries named ${quoteName(name)}`);
    entries.set(name, entry);
    at = next;
  }
  return entries;
}

/** An entry's name for a message: quoted, cut short. */
function quoteName(name: string): string {
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 79)}…` : name);
}

/**
 * An entry's bytes, inflated in chunks: inflation stops as soon as the output passes the size
 * the directory claimed (a zip bomb costs no more than its claim), and output short of the
 * claim is refused too. Each chunk goes to `onChunk` (a checksum) as it comes.
 */
export function* inflateEntry(
  bytes: Uint8Array,
  entry: ZipEntry,
  progress: Progress,
  onChunk?: (chunk: Uint8Array) => void,
): Steps<Uint8Array> {
  const { name, size, originalSize } = entry;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = entry.headerOffset;
  if (header + 30 > bytes.length || dv.getUint32(header, true) !== LOCAL_HEADER) {
    throw damaged(`the zip record of ${quoteName(name)} points at no entry`);
  }
  const start = header + 30 + dv.getUint16(header + 26, true) + dv.getUint16(header + 28, true);
  if (start + size > bytes.length) {
    throw new SessionError(
      `the session file is truncated or damaged: ${name} runs past the end of the file`,
    );
  }
  const input = bytes.subarray(start, start + size);
  if (entry.compression === 0) {
    if (size !== originalSize) {
      throw new SessionError(
        `the session file is truncated or damaged: ${name} holds ${size} bytes, its zip record says ${originalSize}`,
      );
    }
    const out = new Uint8Array(size);
    for (let at = 0; at < size; at += COPY_CHUNK) {
      const chunk = input.subarray(at, Math.min(size, at + COPY_CHUNK));
      out.set(chunk, at);
      onChunk?.(chunk);
      progress.done += chunk.length;
      yield progress;
    }
    return out;
  }
  if (entry.compression !== 8) {
    throw damaged(
      `${quoteName(name)} uses zip compression method ${entry.compression}; a session uses only stored (0) and deflate (8)`,
    );
  }
  // The output grows as it comes (up to the claim): a claim is not memory spent.
  let out = new Uint8Array(Math.min(originalSize, Math.max(2 ** 16, 4 * size)));
  let written = 0;
  const inflate = new Inflate((chunk) => {
    if (written + chunk.length > originalSize) {
      throw damaged(
        `${name} inflates to more than the ${originalSize} bytes its zip record claims: refusing to read it`,
      );
    }
    if (written + chunk.length > out.length) {
      const grown = new Uint8Array(
        Math.min(originalSize, Math.max(2 * out.length, written + chunk.length)),
      );
      grown.set(out.subarray(0, written));
      out = grown;
    }
    out.set(chunk, written);
    written += chunk.length;
    onChunk?.(chunk);
    progress.done += chunk.length;
  });
  for (let at = 0; ; at += INFLATE_CHUNK) {
    const last = at + INFLATE_CHUNK >= size;
    try {
      inflate.push(input.subarray(at, Math.min(size, at + INFLATE_CHUNK)), last);
    } catch (err) {
      if (err instanceof SessionError) throw err;
      throw damaged(`${name} does not inflate (${(err as Error).message})`);
    }
    yield progress;
    if (last) break;
  }
  if (written !== originalSize) {
    throw new SessionError(
      `the session file is truncated or damaged: ${name} holds ${written} bytes, its zip record says ${originalSize}`,
    );
  }
  return out;
}

/** Zip's CRC-32 (polynomial 0xEDB88320), fed in chunks. */
export class Crc32 {
  private crc = -1;

  update(bytes: Uint8Array): void {
    let crc = this.crc;
    for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    this.crc = crc;
  }

  get value(): number {
    return (this.crc ^ -1) >>> 0;
  }
}

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

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
