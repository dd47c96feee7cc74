/**
 * Driving the export dialog and reading what it wrote, for the export and session e2e tests.
 */
import fs from 'node:fs';
import { ALL_FORMATS, BufferSource, EncodedPacketSink, Input } from 'mediabunny';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

/** Opens the export dialog from an item of the Export menu. */
export async function openExportDialog(page: Page, item: string): Promise<Locator> {
  await page.getByRole('button', { name: 'Export ▾' }).click();
  await page.getByRole('menuitem', { name: item }).click();
  const dialog = page.getByRole('dialog', { name: 'Export' });
  await dialog.waitFor();
  return dialog;
}

export async function closeExportDialog(dialog: Locator): Promise<void> {
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** Presses Export, waits for the file and for the status line; returns the file's bytes. */
export async function runExport(page: Page, dialog: Locator, timeout = 120_000): Promise<Buffer> {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout }),
    dialog.getByRole('button', { name: 'Export', exact: true }).click(),
  ]);
  const bytes = fs.readFileSync((await download.path())!);
  await expect
    .poll(() => dialog.getByRole('status').textContent(), { timeout })
    .toMatch(/^Saved .+ \(\d+(\.\d)? (B|kB|MB)/);
  return bytes;
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** A video parsed back with mediabunny: container, codec, size, packets and duration. */
export async function parseVideo(bytes: Buffer) {
  const input = new Input({
    source: new BufferSource(new Uint8Array(bytes)),
    formats: ALL_FORMATS,
  });
  const track = (await input.getPrimaryVideoTrack())!;
  expect(track).toBeTruthy();
  let packets = 0;
  let keyFrames = 0;
  for await (const packet of new EncodedPacketSink(track).packets()) {
    packets++;
    if (packet.type === 'key') keyFrames++;
  }
  return {
    mime: await input.getMimeType(),
    codec: await track.getCodec(),
    width: await track.getDisplayWidth(),
    height: await track.getDisplayHeight(),
    packets,
    keyFrames,
    duration: await track.computeDuration(),
  };
}

/** The share of pixels that differ (by more than 30 in R+G+B) between two PNGs of one size. */
export async function pixelChange(page: Page, a: Buffer, b: Buffer): Promise<number> {
  return page.evaluate(
    async ([a64, b64]) => {
      const load = async (b64: string) => {
        const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const bitmap = await createImageBitmap(new Blob([raw], { type: 'image/png' }));
        const canvas = document.createElement('canvas');
        canvas.width = bitmap.width;
        canvas.height = bitmap.height;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(bitmap, 0, 0);
        return ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      };
      const [pa, pb] = [await load(a64), await load(b64)];
      if (pa.length !== pb.length) throw new Error('the two images differ in size');
      let n = 0;
      for (let i = 0; i < pa.length; i += 4) {
        const d =
          Math.abs(pa[i] - pb[i]) +
          Math.abs(pa[i + 1] - pb[i + 1]) +
          Math.abs(pa[i + 2] - pb[i + 2]);
        if (d > 30) n++;
      }
      return n / (pa.length / 4);
    },
    [a.toString('base64'), b.toString('base64')],
  );
}
