/**
 * Files on either host: in Electron, native Save and Open dialogs through the preload; in the
 * browser, a download and a file picker. Recent sessions: main's list in Electron, the
 * browser's own storage (IndexedDB, the files' bytes) in browser mode.
 */

export interface PickedFile {
  name: string;
  bytes: Uint8Array;
}

export interface RecentEntry {
  name: string;
  /** ISO 8601. */
  at: string;
  /** Electron: the file's path. */
  path?: string;
  /** Browser: the key of the stored copy. */
  key?: string;
  bytes?: number;
}

/**
 * Saves bytes as a file: the native Save dialog in Electron, a download in the browser.
 * `again`: Electron writes over the file last saved or opened under this name, if there is one.
 */
export async function saveBytes(
  name: string,
  bytes: Uint8Array,
  again = false,
): Promise<string | undefined> {
  const bridge = window.losslab;
  if (bridge) return bridge.saveFile(name, bytes, again);
  const url = URL.createObjectURL(new Blob([bytes as BlobPart]));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

/** Asks for a session file: the native Open dialog in Electron, a file picker in the browser. */
export async function pickSession(): Promise<PickedFile | undefined> {
  const bridge = window.losslab;
  if (bridge) {
    const opened = await bridge.openSession();
    return opened && { name: opened.name, bytes: opened.bytes };
  }
  const input = document.createElement('input');
  input.type = 'file';
  input.accept = '.losslab';
  input.style.display = 'none';
  document.body.append(input);
  try {
    const file = await new Promise<File | undefined>((resolve) => {
      input.addEventListener('change', () => resolve(input.files?.[0]), { once: true });
      input.addEventListener('cancel', () => resolve(undefined), { once: true });
      input.click();
    });
    return file && readFile(file);
  } finally {
    input.remove();
  }
}

/** A file from a drop or a picker. */
export async function readFile(file: File): Promise<PickedFile> {
  return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}

// ---- Recent sessions

const DB_NAME = 'losslab';
const STORE = 'recent-sessions';
/** Sessions the browser keeps copies of. */
const MAX_BROWSER_RECENT = 6;
/** Larger sessions are not copied into the browser's storage. */
const MAX_BROWSER_COPY_BYTES = 256 * 1024 * 1024;

interface StoredSession {
  key: string;
  name: string;
  at: string;
  bytes: Uint8Array;
}

function database(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'key' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB is unavailable'));
  });
}

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

async function storedSessions(): Promise<StoredSession[]> {
  const db = await database();
  try {
    const all = await done(
      db.transaction(STORE).objectStore(STORE).getAll() as IDBRequest<StoredSession[]>,
    );
    return all.sort((a, b) => b.at.localeCompare(a.at));
  } finally {
    db.close();
  }
}

/** Sessions opened or saved lately, newest first. */
export async function recentSessions(): Promise<RecentEntry[]> {
  try {
    const bridge = window.losslab;
    if (bridge) return await bridge.recentSessions();
    return (await storedSessions()).map((s) => ({
      name: s.name,
      at: s.at,
      key: s.key,
      bytes: s.bytes.length,
    }));
  } catch {
    return [];
  }
}

/**
 * Notes a session just opened or saved. In the browser a copy of its bytes is kept (a page
 * cannot reopen a file by its path); Electron's main keeps its own list.
 */
export async function rememberSession(name: string, bytes: Uint8Array): Promise<void> {
  if (window.losslab) {
    // Main keeps the list; a picked or dropped file joins it now that it opened.
    window.losslab.sessionOpened(name);
    return;
  }
  if (bytes.length > MAX_BROWSER_COPY_BYTES) return;
  try {
    const existing = await storedSessions();
    const db = await database();
    try {
      const tx = db.transaction(STORE, 'readwrite');
      const store = tx.objectStore(STORE);
      for (const old of existing.filter((s) => s.name === name)) store.delete(old.key);
      const kept = existing.filter((s) => s.name !== name);
      for (const old of kept.slice(MAX_BROWSER_RECENT - 1)) store.delete(old.key);
      store.put({ key: `${Date.now()}-${name}`, name, at: new Date().toISOString(), bytes });
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error ?? new Error('IndexedDB write failed'));
      });
    } finally {
      db.close();
    }
  } catch {
    // Private windows may refuse storage: recent files are a convenience.
  }
}

/** Reads a recent session again. */
export async function openRecent(entry: RecentEntry): Promise<PickedFile | undefined> {
  const bridge = window.losslab;
  if (bridge && entry.path) {
    const opened = await bridge.openSession(entry.path);
    return opened && { name: opened.name, bytes: opened.bytes };
  }
  const stored = (await storedSessions()).find((s) => s.key === entry.key);
  if (!stored) throw new Error(`"${entry.name}" is no longer among the recent sessions`);
  return { name: stored.name, bytes: stored.bytes };
}
