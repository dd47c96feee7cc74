/**
 * Handing an exported file to the user: in Electron the preload's native Save dialog
 * (`window.losslab.saveFile`), in browser mode a download through an anchor and a Blob URL.
 */
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
  const bridge = window.losslab;
  if (bridge) {
    const path = await bridge.saveFile(suggestedName, new Uint8Array(await blob.arrayBuffer()));
    if (path === undefined) return { saved: false, name: suggestedName, size: blob.size };
    return { saved: true, name: path.split(/[\\/]/).pop() ?? suggestedName, size: blob.size, path };
  }
  downloadBlob(blob, suggestedName);
  return { saved: true, name: suggestedName, size: blob.size };
}

/** Hands a file to the user: a download in the browser (Electron asks where to save it). */
function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
