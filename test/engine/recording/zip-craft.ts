/**
 * Zips built and taken apart by hand, for files no zip library would write: entries whose
 * records claim other sizes than their data has, bombs, damaged directories. Plain PKZIP
 * layout (local headers, data, central directory, end record), no zip64.
 */
import { createHash } from 'node:crypto';
import { crc32, deflateRawSync } from 'node:zlib';
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';

/** One entry as it goes into a crafted zip. */
export interface CraftEntry {
  name: string;
  /** The entry's data as stored (already deflated when `method` is 8). */
  data: Uint8Array;
  /** 0 stored, 8 deflated (or anything, to be refused). */
  method: number;
  /** Size once inflated, as both records claim. */
  originalSize: number;
  crc: number;
}

/** An entry from its plain bytes, stored or deflated. */
export function entryOf(name: string, plain: Uint8Array, method: 0 | 8 = 8): CraftEntry {
  return {
    name,
    data: method === 8 ? deflateRawSync(plain) : plain,
    method,
    originalSize: plain.length,
    crc: crc32(plain),
  };
}

/** A zip of the entries, in order. */
export function craftZip(entries: readonly CraftEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = strToU8(e.name);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, 0x800, true);
    lv.setUint16(8, e.method, true);
    lv.setUint32(14, e.crc, true);
    lv.setUint32(18, e.data.length, true);
    lv.setUint32(22, e.originalSize, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const record = new Uint8Array(46 + name.length);
    const cv = new DataView(record.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, 0x800, true);
    cv.setUint16(10, e.method, true);
    cv.setUint32(16, e.crc, true);
    cv.setUint32(20, e.data.length, true);
    cv.setUint32(24, e.originalSize, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    record.set(name, 46);
    parts.push(local, e.data);
    central.push(record);
    offset += local.length + e.data.length;
  }
  const directorySize = central.reduce((n, r) => n + r.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, directorySize, true);
  ev.setUint32(16, offset, true);
  return concat([...parts, ...central, end]);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Where things are in a zip: the end record and each directory record with its entry. */
export interface ZipLayout {
  end: number;
  records: { at: number; name: string; header: number; dataStart: number; size: number }[];
}

export function layoutOf(bytes: Uint8Array): ZipLayout {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - 22;
  while (dv.getUint32(end, true) !== 0x06054b50) end--;
  const count = dv.getUint16(end + 10, true);
  let at = dv.getUint32(end + 16, true);
  const records: ZipLayout['records'] = [];
  for (let i = 0; i < count; i++) {
    const n = dv.getUint16(at + 28, true);
    const header = dv.getUint32(at + 42, true);
    records.push({
      at,
      name: strFromU8(bytes.subarray(at + 46, at + 46 + n)),
      header,
      dataStart: header + 30 + dv.getUint16(header + 26, true) + dv.getUint16(header + 28, true),
      size: dv.getUint32(at + 20, true),
    });
    at += 46 + n + dv.getUint16(at + 30, true) + dv.getUint16(at + 32, true);
  }
  return { end, records };
}

/**
 * A deflate stream of at least `bytes` zeros, about a thousandth of that size, as a real bomb
 * is: one dynamic-Huffman block whose codes give "length 258, distance 1" two bits (both
 * zero), so its body is zero bytes. The header is written bit by bit; nothing is inflated or
 * deflated to make it.
 */
export function zeroBomb(bytes: number): Uint8Array {
  const matches = Math.ceil(Math.max(0, bytes - 1) / 258);
  const out = new Uint8Array(64 + Math.ceil((2 * matches) / 8));
  let bit = 0;
  /** `n` bits of a number, least significant first (header fields, extra bits). */
  const put = (value: number, n: number) => {
    for (let i = 0; i < n; i++, bit++) if ((value >> i) & 1) out[bit >> 3] |= 1 << (bit & 7);
  };
  /** A Huffman code, most significant bit first. */
  const code = (value: number, n: number) => {
    for (let i = n - 1; i >= 0; i--, bit++) if ((value >> i) & 1) out[bit >> 3] |= 1 << (bit & 7);
  };
  put(1, 1); // the final block
  put(2, 2); // dynamic Huffman
  put(29, 5); // 286 literal/length codes
  put(1, 5); // 2 distance codes
  put(14, 4); // 18 code-length codes, in the order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1
  for (const n of [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2]) put(n, 3);
  // Code lengths with that code (18 → 0, 1 → 10, 2 → 11): literal 0 and end-of-block get 2
  // bits, length 258 (symbol 285) 1 bit, both distance codes 1 bit.
  code(3, 2);
  code(0, 1);
  put(127, 7); // 138 zeros
  code(0, 1);
  put(106, 7); // 117 zeros: symbols 1 … 255
  code(3, 2); // 256 (end of block)
  code(0, 1);
  put(17, 7); // 28 zeros: 257 … 284
  code(2, 2); // 285
  code(2, 2);
  code(2, 2); // distances 0 and 1
  code(2, 2); // a literal 0, then each match is the bits 0 0: already there
  bit += 2 * matches;
  code(3, 2); // end of block
  return out.subarray(0, Math.ceil(bit / 8));
}

/** A session file's entries and manifest, to edit and zip again. */
export interface SessionParts {
  entries: Record<string, Uint8Array>;
  manifest: Record<string, unknown> & {
    arrays: Record<string, { dtype: string; length: number; sha256: string }>;
  };
}

export function partsOf(bytes: Uint8Array): SessionParts {
  const entries = unzipSync(bytes);
  return { entries, manifest: JSON.parse(strFromU8(entries['manifest.json'])) };
}

/** The parts zipped again (the manifest first, as LossLab writes it), or with `raw` as it. */
export function zipParts({ entries, manifest }: SessionParts, raw?: Uint8Array): Uint8Array {
  const files: Zippable = { 'manifest.json': raw ?? strToU8(JSON.stringify(manifest)) };
  for (const [name, data] of Object.entries(entries)) {
    if (name !== 'manifest.json') files[name] = data;
  }
  return zipSync(files);
}

/**
 * Replaces an array's bytes and puts their SHA-256 (and length) in the manifest, so only the
 * reader's checks of what the values mean can tell.
 */
export function setArray(parts: SessionParts, name: string, array: ArrayBufferView): void {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength).slice();
  parts.entries[`arrays/${name}.bin`] = bytes;
  const info = parts.manifest.arrays[name];
  info.length =
    bytes.length / (array as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  info.sha256 = createHash('sha256').update(bytes).digest('hex');
}

/** An array of a session file, as its dtype's typed array (a copy). */
export function getArray(parts: SessionParts, name: string) {
  const bytes = parts.entries[`arrays/${name}.bin`].slice();
  const { dtype } = parts.manifest.arrays[name];
  const types = {
    f64: Float64Array,
    f32: Float32Array,
    i16: Int16Array,
    u32: Uint32Array,
    i32: Int32Array,
    u8: Uint8Array,
  } as const;
  return new types[dtype as keyof typeof types](bytes.buffer);
}
