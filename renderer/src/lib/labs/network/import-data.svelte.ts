/**
 * Your own data in the network lab: `importData()` opens the CSV/TSV import (the network lab's
 * "Import data…" button, a file dropped on the window, a menu item), and `sendCsv` streams the
 * chosen file to the engine in parts — the engine reads each part as it arrives, so a file of
 * a million rows is never held whole on either side — with progress and Cancel.
 */
import Papa from 'papaparse';
import type { CsvImported, CsvReadInput } from '../../../../../electron/common/protocol';
import type { EngineClient } from '../../engine/client';
import { t } from '../../i18n';

/** Whether the import is open, and the file it starts with (a dropped one). */
class DataImport {
  open = $state(false);
  file = $state.raw<File | undefined>(undefined);
}

export const dataImport = new DataImport();

/**
 * Opens the import of a CSV/TSV file into the network lab, with `file` already chosen (a
 * drop) or a file picker first. The caller shows the network lab.
 */
export function importData(file?: File): void {
  dataImport.file = file;
  dataImport.open = true;
}

/** Whether a file's name says it is a table LossLab reads. */
export function isTableFile(name: string): boolean {
  return /\.(csv|tsv|tab|txt)$/i.test(name);
}

/** Bytes per part: well within a WebSocket frame and the protocol's part limit (16 MiB). */
const PART_BYTES = 4 * 2 ** 20;
/** Bytes read for the preview: enough for the header and the first rows. */
const PREVIEW_BYTES = 64 * 1024;

/** The header and first rows of a file, parsed as the engine will (papaparse, BOM dropped). */
export interface CsvPreview {
  header: string[];
  rows: string[][];
  delimiter: string;
}

export async function previewCsv(file: File, rows = 8): Promise<CsvPreview> {
  let text = await file.slice(0, PREVIEW_BYTES).text();
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // The last line may be cut by the slice: parse whole lines only.
  if (file.size > PREVIEW_BYTES) text = text.slice(0, Math.max(0, text.lastIndexOf('\n')));
  const parsed = Papa.parse<string[]>(text, { preview: rows + 1, skipEmptyLines: 'greedy' });
  const [header = [], ...body] = parsed.data;
  return { header: header.map((h) => h.trim()), rows: body, delimiter: parsed.meta.delimiter };
}

/** Whether every previewed cell of column `c` is a number. */
export function numericColumn(preview: CsvPreview, c: number): boolean {
  return preview.rows.every((row) => row[c] !== undefined && Number.isFinite(Number(row[c])));
}

let uploads = 0;

/**
 * Sends `file` in parts; each is answered once the engine has read it. Resolves what the
 * engine made of the file; rejects with the engine's one-line refusal (a cell's row and
 * column, a size) or, when `signal` aborts, with an AbortError after the engine dropped it.
 */
export async function sendCsv(
  client: EngineClient,
  file: File,
  read: CsvReadInput,
  onProgress: (done: number, total: number) => void,
  signal: AbortSignal,
): Promise<CsvImported> {
  // Far above the request ids, so a job.cancel of this import stops nothing else.
  const upload = 2 ** 40 + ++uploads;
  const total = file.size;
  if (total === 0) throw new Error(t('{name} is empty', { name: file.name }));
  for (let offset = 0; offset < total; offset += PART_BYTES) {
    if (signal.aborted) {
      client.post({ type: 'job.cancel', id: upload });
      throw new DOMException('the import was cancelled', 'AbortError');
    }
    onProgress(offset, total);
    const bytes = new Uint8Array(await file.slice(offset, offset + PART_BYTES).arrayBuffer());
    const reply = await client.request({
      type: 'net.data.part',
      upload,
      name: file.name.slice(0, 260),
      total,
      offset,
      bytes,
      ...(offset === 0 ? { read } : {}),
    });
    if (reply.type === 'net.data.imported') {
      onProgress(total, total);
      return reply.table;
    }
  }
  throw new Error(t('the engine did not finish reading {name}', { name: file.name }));
}
