/**
 * Files for the renderer: native Save and Open dialogs, and the recent sessions. The page never
 * names a path it was not given: it can open only what the user picked in a dialog or a
 * session in the recent list (which only main writes).
 */
import { app, dialog, type BrowserWindow, type FileFilter } from 'electron';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { OpenedFile, RecentSession } from '../common/bridge';

/** Most sessions in the recent list. */
export const MAX_RECENT = 10;
/** Largest session main reads for the page (the format's own limit is checked by the engine). */
export const MAX_OPEN_BYTES = 1024 * 1024 * 1024;

export const SESSION_FILTER: FileFilter = { name: 'LossLab session', extensions: ['losslab'] };

/** Dialog filters for a file name, by its extension. */
export function filtersFor(name: string): FileFilter[] {
  const ext = path.extname(name).slice(1).toLowerCase();
  const named: Record<string, string> = {
    losslab: 'LossLab session',
    png: 'PNG image',
    svg: 'SVG image',
    mp4: 'MP4 video',
    webm: 'WebM video',
    gif: 'GIF animation',
    csv: 'CSV table',
    json: 'JSON',
    gltf: 'glTF scene',
    glb: 'glTF scene (binary)',
  };
  return ext ? [{ name: named[ext] ?? ext.toUpperCase(), extensions: [ext] }] : [];
}

export class SessionFiles {
  /**
   * Files handed to the page (picked, dropped) that join the recent list only once the engine
   * has opened them: by name, the latest offer of each.
   */
  private readonly offered = new Map<string, string>();
  /** Files the system handed the app (a file manager, the Dock): each may be read once. */
  private readonly allowed = new Set<string>();
  /** Per window (by its id): the session it last saved or opened, which Save writes over. */
  private readonly current = new Map<number, string>();

  constructor(
    /** The JSON file holding the recent list. */
    private readonly store: string,
    /** Called after the recent list changed (the menu's Open Recent follows it). */
    private readonly onChange: () => void = () => {},
  ) {}

  /** Lets the page read a session the system asked the app to open (once). */
  allow(file: string): void {
    this.allowed.add(file);
  }

  /** Notes a session file on its way to the engine (picked or dropped). */
  offer(file: string): void {
    if (path.extname(file).toLowerCase() !== '.losslab') return;
    this.offered.set(path.basename(file), file);
  }

  /**
   * The session the page opened under `name`: it joins the recent list, and is the one Save
   * writes over in `window`.
   */
  async opened(name: string, window?: BrowserWindow | null): Promise<void> {
    const file = this.offered.get(name);
    if (!file) return;
    this.offered.delete(name);
    if (window) this.current.set(window.id, file);
    await this.remember(file);
  }

  /** The recent list, newest first, without files that are gone. */
  async recent(): Promise<RecentSession[]> {
    let list: RecentSession[];
    try {
      list = JSON.parse(await fs.readFile(this.store, 'utf8')) as RecentSession[];
      if (!Array.isArray(list)) return [];
    } catch {
      return [];
    }
    const alive: RecentSession[] = [];
    for (const entry of list) {
      if (typeof entry?.path !== 'string' || typeof entry.name !== 'string') continue;
      try {
        if ((await fs.stat(entry.path)).isFile()) alive.push(entry);
      } catch {
        // Moved or deleted since.
      }
    }
    return alive.slice(0, MAX_RECENT);
  }

  /** Puts a session at the top of the recent list (and the OS's recent documents). */
  async remember(file: string): Promise<void> {
    if (path.extname(file).toLowerCase() !== '.losslab') return;
    const entry: RecentSession = {
      name: path.basename(file),
      path: file,
      at: new Date().toISOString(),
    };
    const list = [entry, ...(await this.recent()).filter((e) => e.path !== file)].slice(
      0,
      MAX_RECENT,
    );
    await fs.mkdir(path.dirname(this.store), { recursive: true });
    await fs.writeFile(this.store, JSON.stringify(list, null, 2));
    app.addRecentDocument(file);
    this.onChange();
  }

  /** Empties the recent list (the menu's Clear Menu), the OS's recent documents too. */
  async clear(): Promise<void> {
    await fs.mkdir(path.dirname(this.store), { recursive: true });
    await fs.writeFile(this.store, '[]');
    app.clearRecentDocuments();
    this.onChange();
  }

  /**
   * Reads a session: a recent one by its path, or one the user picks. Refuses a path that is
   * not in the recent list: the page may not read arbitrary files.
   */
  async open(window: BrowserWindow | null, file?: string): Promise<OpenedFile | undefined> {
    if (file !== undefined) {
      if (!this.allowed.delete(file) && !(await this.recent()).some((e) => e.path === file)) {
        throw new Error(`"${file}" is not among the recent sessions`);
      }
    } else {
      const options = {
        title: 'Open a LossLab session',
        filters: [SESSION_FILTER],
        properties: ['openFile' as const],
      };
      const picked = window
        ? await dialog.showOpenDialog(window, options)
        : await dialog.showOpenDialog(options);
      if (picked.canceled || picked.filePaths.length === 0) return undefined;
      file = picked.filePaths[0];
    }
    const { size } = await fs.stat(file);
    if (size > MAX_OPEN_BYTES) {
      throw new Error(`"${path.basename(file)}" is ${size} bytes; sessions over 1 GiB are refused`);
    }
    const bytes = new Uint8Array(await fs.readFile(file));
    // Into the recent list once the engine has opened it (opened()), not before.
    this.offer(file);
    return { name: path.basename(file), path: file, bytes };
  }

  /**
   * Asks where to save (starting at `name` in Documents) and writes the bytes there. `again`
   * (Save, not Save As): a session is written over the file `window` last saved or opened
   * under the same name, without asking — the page never names the path itself.
   */
  async save(
    window: BrowserWindow | null,
    name: string,
    bytes: Uint8Array,
    again = false,
  ): Promise<string | undefined> {
    const safe = path.basename(name) || 'losslab-export';
    const known = window ? this.current.get(window.id) : undefined;
    if (
      again &&
      known &&
      path.basename(known) === safe &&
      path.extname(safe).toLowerCase() === '.losslab'
    ) {
      await fs.writeFile(known, bytes);
      await this.remember(known);
      return known;
    }
    const options = {
      title: 'Save',
      defaultPath: path.join(app.getPath('documents'), safe),
      filters: filtersFor(safe),
    };
    const picked = window
      ? await dialog.showSaveDialog(window, options)
      : await dialog.showSaveDialog(options);
    if (picked.canceled || !picked.filePath) return undefined;
    await fs.writeFile(picked.filePath, bytes);
    if (window && path.extname(picked.filePath).toLowerCase() === '.losslab') {
      this.current.set(window.id, picked.filePath);
    }
    await this.remember(picked.filePath);
    return picked.filePath;
  }
}
