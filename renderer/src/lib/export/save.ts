/**
 * Handing an exported file to the user. In Electron the preload may offer a native save
 * dialog (`window.losslab.saveFile`); without it — browser mode, or before the shell has it —
 * the file downloads through an anchor and a Blob URL.
 */
import { downloadBlob } from './data';

/**
 * What the preload's `saveFile` must look like (to be added to `LossLabBridge`): shows the
 * native save dialog with `suggestedName` and writes `data` where the user chose.
 */
export interface SaveFileBridge {
  saveFile(file: {
    suggestedName: string;
    mimeType: string;
    data: ArrayBuffer;
  }): Promise<{ saved: boolean; path?: string }>;
}

export interface SaveResult {
  /** False when the user cancelled the save dialog. */
  saved: boolean;
  name: string;
  /** Bytes written. */
  size: number;
  /** Where the file went, when the shell says. */
  path?: string;
}

/** Saves a blob under a suggested name: native dialog in Electron, else a download. */
export async function saveFile(blob: Blob, suggestedName: string): Promise<SaveResult> {
  const bridge = (window.losslab as Partial<SaveFileBridge> | undefined)?.saveFile;
  if (bridge) {
    const result = await bridge({
      suggestedName,
      mimeType: blob.type || 'application/octet-stream',
      data: await blob.arrayBuffer(),
    });
    return { saved: result.saved, name: suggestedName, size: blob.size, path: result.path };
  }
  downloadBlob(blob, suggestedName);
  return { saved: true, name: suggestedName, size: blob.size };
}
