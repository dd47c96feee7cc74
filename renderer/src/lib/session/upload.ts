/**
 * Session files too big for one message travel in parts (session.upload): a WebSocket frame
 * holds at most 64 MiB, a session up to 2 GiB.
 */

/**
 * Bytes of one part: within the protocol's MAX_UPLOAD_PART_BYTES (16 MiB), whose value the
 * renderer cannot import (test/renderer/upload.test.ts checks it).
 */
export const UPLOAD_PART_BYTES = 8 * 2 ** 20;

/** [offset, end) of each part of a file of `total` bytes, in order. */
export function uploadParts(total: number, part = UPLOAD_PART_BYTES): [number, number][] {
  const parts: [number, number][] = [];
  for (let offset = 0; offset < total; offset += part) {
    parts.push([offset, Math.min(total, offset + part)]);
  }
  return parts;
}
