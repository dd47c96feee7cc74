/**
 * Autosave of a recording in progress: the session is written to the engine's data folder
 * every few seconds while it changes, so a crash loses at most the last interval (plus one
 * write). Each write goes to a temporary file that is flushed to disk and then renamed over
 * the previous autosave: a crash mid-write leaves the previous autosave whole.
 *
 * A clean stop (the user pressed Stop recording) deletes the autosave; saving a session while
 * recording leaves it, since the recording goes on. So an autosave found at the next start is a
 * recording that never stopped cleanly (a crash, a killed process) and is offered for recovery.
 * After the stop the recording stays in the engine and can still be saved from the menu.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RecoverableInfo } from '../../common/protocol';
import type { SessionData } from '../../common/session';
import { readSessionAsync, writeSessionAsync } from './codec';

/** The autosave's file name in the data folder. */
export const AUTOSAVE_FILE = 'recording-autosave.losslab';
const TEMP_SUFFIX = '.tmp';

/** Options of an Autosaver. */
export interface AutosaverOptions {
  /** Least time between two writes, ms. @default 3000 */
  intervalMs?: number;
  /** A write failed (disk full, folder gone); recording goes on and the next write retries. */
  onError?(error: Error): void;
  /** A write completed. */
  onSaved?(info: { path: string; bytes: number; savedAt: Date; ms: number }): void;
}

/**
 * Writes `<dir>/recording-autosave.losslab` from `produce()` while recording: at once on
 * start, then at most every `intervalMs` whenever touch() said something changed.
 */
export class Autosaver {
  readonly path: string;
  private readonly intervalMs: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private touched = false;
  private writing: Promise<void> | undefined;
  private active = false;

  constructor(
    readonly dir: string,
    private readonly produce: () => SessionData,
    private readonly options: AutosaverOptions = {},
  ) {
    this.path = path.join(dir, AUTOSAVE_FILE);
    this.intervalMs = options.intervalMs ?? 3000;
  }

  /** Whether a recording is being autosaved. */
  get recording(): boolean {
    return this.active;
  }

  /** Starts autosaving: writes now, then every interval while touched. */
  start(): void {
    if (this.active) return;
    this.active = true;
    this.touched = true;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    // The autosave must never be what keeps the engine's process alive.
    this.timer.unref?.();
    void this.tick();
  }

  /** Something in the session changed: the next tick writes it. */
  touch(): void {
    this.touched = true;
  }

  /** Writes now if anything changed since the last write, and waits for it. */
  async flush(): Promise<void> {
    await this.writing;
    if (this.active && this.touched) await this.write();
  }

  /**
   * A clean stop: no more writes, and the autosave is deleted (there is nothing to recover;
   * the session itself lives on in the engine, for the user to save).
   */
  async stop(): Promise<void> {
    this.halt();
    await this.writing;
    await discardRecoverable(this.dir);
  }

  /**
   * Stops writing but leaves the autosave in place, as a crash would: for an engine that is
   * shutting down without the user's say (and for tests).
   */
  halt(): void {
    this.active = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (!this.active || !this.touched || this.writing) return;
    await this.write();
  }

  private write(): Promise<void> {
    this.touched = false;
    const t0 = performance.now();
    const job = (async () => {
      try {
        const savedAt = new Date();
        const bytes = await writeSessionAsync({ ...this.produce(), autosave: true }, { savedAt });
        await fs.mkdir(this.dir, { recursive: true });
        await writeAtomically(this.path, bytes);
        this.options.onSaved?.({
          path: this.path,
          bytes: bytes.length,
          savedAt,
          ms: performance.now() - t0,
        });
      } catch (err) {
        // Retry on the next tick rather than lose the changes.
        this.touched = true;
        this.options.onError?.(err instanceof Error ? err : new Error(String(err)));
      }
    })();
    this.writing = job.finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }
}

/** Writes a file so that readers see either the old content or the new, never a part. */
export async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
  const temp = file + TEMP_SUFFIX;
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, file);
  // The rename is durable only once the folder is flushed too (not possible on Windows).
  try {
    const folder = await fs.open(path.dirname(file), 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  } catch {
    /* best effort */
  }
}

/** What the recovery offer shows about an autosave left by a crash, and where it is. */
export interface RecoverableSession extends RecoverableInfo {
  path: string;
}

/**
 * The autosave a crashed recording left in `dir`, or undefined when there is none (or it is
 * not a readable session: it was written atomically, so only a damaged disk makes that).
 */
export async function findRecoverable(dir: string): Promise<RecoverableSession | undefined> {
  const file = path.join(dir, AUTOSAVE_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch {
    return undefined;
  }
  let session: SessionData;
  try {
    session = await readSessionAsync(bytes);
  } catch {
    return undefined;
  }
  const savedAt = session.savedAt ?? session.createdAt;
  const runs: RecoverableSession['runs'] = [];
  for (const r of session.explorer?.runs ?? []) {
    runs.push({
      kind: 'analytic',
      runId: r.config.runId,
      ...(r.config.label !== undefined ? { label: r.config.label } : {}),
      steps: r.steps,
      status: r.status,
    });
  }
  for (const r of session.network?.runs ?? []) {
    runs.push({
      kind: 'network',
      runId: r.config.runId,
      ...(r.config.label !== undefined ? { label: r.config.label } : {}),
      steps: r.steps,
      status: r.status,
    });
  }
  return {
    path: file,
    savedAt,
    createdAt: session.createdAt,
    ageMs: Date.now() - Date.parse(savedAt),
    ...(session.title !== undefined ? { title: session.title } : {}),
    bytes: bytes.length,
    runs,
  };
}

/** The session in the autosave of `dir` (throws a SessionError when it cannot be read). */
export async function recoverSession(dir: string): Promise<SessionData> {
  return readSessionAsync(await fs.readFile(path.join(dir, AUTOSAVE_FILE)));
}

/** Deletes the autosave of `dir` (and any half-written one); nothing to recover afterwards. */
export async function discardRecoverable(dir: string): Promise<void> {
  const file = path.join(dir, AUTOSAVE_FILE);
  await fs.rm(file + TEMP_SUFFIX, { force: true });
  await fs.rm(file, { force: true });
}
