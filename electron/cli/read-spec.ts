/**
 * Reading a SPEC: from a file or stdin, bounded in bytes, as UTF-8 JSON (one leading BOM
 * allowed, as Windows editors write it), bounded in shape before any validator walks it. Every
 * refusal is a SpecError "spec: …" of one line.
 */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { checkMessageShape, DEFAULT_MESSAGE_BOUNDS, type MessageBounds } from '../common/bounds';
import { SpecError } from './spec';

/** Largest SPEC read: a given θ of three million numbers fits; an endless stream does not. */
export const MAX_SPEC_BYTES = 64 * 2 ** 20;

/**
 * The shape every SPEC must have before its schema sees it. No SPEC needs more than a few
 * thousand values (64 runs of a dozen fields); 100,000 keeps the shape check (which costs a few
 * hundred bytes per value) within a few tens of MB. A command's `bulk` arrays come on top.
 */
export const SPEC_BOUNDS: MessageBounds = { ...DEFAULT_MESSAGE_BOUNDS, maxValues: 100_000 };

/** Most numbers in each of a command's bulk arrays (a network's θ, as the schema bounds it). */
export const MAX_BULK_VALUES = 10_000_000;

const MiB = 2 ** 20;
const bytes = (n: number) => `${n.toLocaleString('en')} bytes`;

/** The bytes of a SPEC file, or of stdin for "-". */
export async function readSpecBytes(source: string, stdin: Readable): Promise<Buffer> {
  if (source === '-') {
    try {
      return await readBounded(stdin);
    } catch (err) {
      if (err instanceof SpecError) throw err;
      throw new SpecError(`spec: cannot read stdin: ${(err as Error).message}`);
    }
  }
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(source);
  } catch (err) {
    throw new SpecError(`spec: cannot read ${source}: ${(err as Error).message}`);
  }
  if (stat.isDirectory()) {
    throw new SpecError(`spec: ${source} is a directory; give a SPEC file (or - for stdin)`);
  }
  if (stat.isFile() && stat.size > MAX_SPEC_BYTES) {
    throw new SpecError(
      `spec: the SPEC is ${bytes(stat.size)}; at most ${MAX_SPEC_BYTES / MiB} MiB`,
    );
  }
  // Regular files, and FIFOs or devices (`<(…)`, /dev/stdin), whose size is known only at the end.
  let stream: fs.ReadStream;
  try {
    stream = fs.createReadStream(source, { highWaterMark: MiB });
  } catch (err) {
    throw new SpecError(`spec: cannot read ${source}: ${(err as Error).message}`);
  }
  try {
    return await readBounded(stream);
  } catch (err) {
    if (err instanceof SpecError) throw err;
    throw new SpecError(`spec: cannot read ${source}: ${(err as Error).message}`);
  }
}

/** Everything a stream holds, refused as soon as it passes MAX_SPEC_BYTES. */
async function readBounded(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      size += buffer.length;
      if (size > MAX_SPEC_BYTES) {
        throw new SpecError(
          `spec: the SPEC is more than ${bytes(MAX_SPEC_BYTES)}; at most ${MAX_SPEC_BYTES / MiB} MiB`,
        );
      }
      chunks.push(buffer);
    }
  } finally {
    // Leaving the loop early destroys the stream; stop reading stdin either way.
    if (!stream.destroyed) stream.destroy();
  }
  return Buffer.concat(chunks, size);
}

/** The text of a SPEC's bytes: UTF-8, with one leading BOM dropped. */
export function decodeSpec(data: Uint8Array): string {
  if (data.length === 0) throw new SpecError('spec: the SPEC is empty');
  // UTF-16 and UTF-32 BOMs (UTF-32 LE starts like UTF-16 LE).
  if ((data[0] === 0xff && data[1] === 0xfe) || (data[0] === 0xfe && data[1] === 0xff)) {
    throw new SpecError('spec: the SPEC is UTF-16 (or UTF-32) text; save it as UTF-8');
  }
  if (data[0] === 0 && data[1] === 0 && data[2] === 0xfe && data[3] === 0xff) {
    throw new SpecError('spec: the SPEC is UTF-32 text; save it as UTF-8');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(data);
  } catch {
    throw new SpecError(
      `spec: the SPEC is not UTF-8 text (byte 0x${firstBadByte(data)}); save it as UTF-8`,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    throw new SpecError(
      `spec: the SPEC holds a NUL character at offset ${nul} (binary data, or UTF-16 text without its BOM?)`,
    );
  }
  if (text.trim() === '') throw new SpecError('spec: the SPEC is empty');
  return text;
}

/** The first byte that is not UTF-8, in hex, with its offset. */
function firstBadByte(data: Uint8Array): string {
  // Decoded leniently, bad bytes become U+FFFD; a U+FFFD that the file spells as EF BF BD is real.
  const lenient = Buffer.from(data.buffer, data.byteOffset, data.length).toString('utf8');
  let offset = 0;
  let from = 0;
  for (let i = lenient.indexOf('\uFFFD'); i >= 0; i = lenient.indexOf('\uFFFD', i + 1)) {
    offset += Buffer.byteLength(lenient.slice(from, i));
    from = i;
    if (!(data[offset] === 0xef && data[offset + 1] === 0xbf && data[offset + 2] === 0xbd)) break;
  }
  return `${data[offset].toString(16).padStart(2, '0')} at offset ${offset}`;
}

/**
 * How many values the JSON text holds, counted on the text itself, so a 64 MiB array of zeros
 * or a 32-million-deep nesting is refused before JSON.parse builds it. Exact for valid JSON (an
 * empty array or object counts one value too many). Stops counting past `maxValues`.
 */
function countValues(text: string, maxDepth: number, maxValues: number): number {
  let depth = 0;
  let values = 1;
  for (let i = 0; i < text.length && values <= maxValues; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string, escapes included.
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) {
        throw new SpecError(`spec: nested more than ${maxDepth} levels deep (at character ${i})`);
      }
      values++;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    } else if (c === 0x2c) {
      values++;
    }
  }
  return values;
}

const tooMany = (max: number) =>
  new SpecError(`spec: holds more than ${max.toLocaleString('en')} values`);

/** The value at a path of plain objects, or undefined. */
function at(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** A copy of `value` with the array at `path` emptied (copying only the objects on the path). */
function without(value: unknown, path: readonly string[]): unknown {
  if (path.length === 0) return [];
  const copy = { ...(value as Record<string, unknown>) };
  Object.defineProperty(copy, path[0], {
    value: without(copy[path[0]], path.slice(1)),
    enumerable: true,
    configurable: true,
    writable: true,
  });
  return copy;
}

/**
 * Parses a SPEC's text and checks its shape (depth, values, text, no oddities) before a schema
 * sees it. `bulk` paths may hold arrays of plain numbers beyond the value bound.
 */
export function parseSpecText(
  text: string,
  bulk: readonly (readonly string[])[] = [],
  bounds: MessageBounds = SPEC_BOUNDS,
): unknown {
  const values = countValues(
    text,
    bounds.maxDepth,
    bounds.maxValues + bulk.length * MAX_BULK_VALUES,
  );
  if (values > bounds.maxValues + bulk.length * MAX_BULK_VALUES) throw tooMany(bounds.maxValues);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // JSON.parse quotes the text around the fault, which may hold newlines or control bytes.
    // (A second byte-order mark would show as a space.)
    const reason = (err as Error).message
      .replace(/\uFEFF/g, 'U+FEFF')
      .replace(/[\s\p{Cc}]+/gu, ' ');
    throw new SpecError(`spec: not valid JSON (${reason})`);
  }
  let walked = raw;
  let bulkValues = 0;
  for (const path of bulk) {
    const array = at(raw, path);
    if (!Array.isArray(array) || !array.every((v) => typeof v === 'number')) continue;
    bulkValues += array.length;
    walked = without(walked, path);
  }
  // The rest must be within bounds before the shape walk, which costs memory per value.
  if (values - bulkValues > bounds.maxValues) throw tooMany(bounds.maxValues);
  const reason = checkMessageShape(walked, bounds);
  if (reason) {
    const line = reason.replace(/\bthe message\b/g, 'the SPEC');
    throw new SpecError(line.startsWith('message:') ? `spec${line.slice(7)}` : `spec.${line}`);
  }
  return raw;
}
