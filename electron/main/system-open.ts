/**
 * Sessions the system hands the app: a `.losslab` file opened from a file manager (the file
 * association), from the Dock's or a jump list's recent documents, or on the command line. The
 * page opens it as it opens a recent session — main lets it read that one file — once it can
 * (its Open Recent command is enabled: the engine is ready, nothing is recording).
 */
import path from 'node:path';

/** What the waiting file is handed to. */
export interface SystemOpenTarget {
  /** Lets the page read this file (once). */
  allow(file: string): void;
  /** Whether the page can open a session now. */
  canOpen(): boolean;
  /** Asks the page to open it; false if there is no page to ask. */
  open(file: string): boolean;
}

export class SystemOpens {
  /** The latest file asked for and not yet handed on (one page opens one session). */
  private waiting: string | undefined;
  private target: SystemOpenTarget | undefined;

  /** Session files among command-line arguments (the app's own, or a second instance's). */
  static sessionsIn(argv: readonly string[]): string[] {
    return argv.filter((a) => !a.startsWith('-') && path.extname(a).toLowerCase() === '.losslab');
  }

  /** A file the system asks to open (anything but a session is ignored). */
  add(file: string): void {
    if (path.extname(file).toLowerCase() !== '.losslab') return;
    this.waiting = path.resolve(file);
    this.flush();
  }

  /** The page's side, once main is ready. */
  connect(target: SystemOpenTarget): void {
    this.target = target;
    this.flush();
  }

  /** Hands the waiting file on if the page can open it now (call when its states change). */
  flush(): void {
    const file = this.waiting;
    if (!file || !this.target?.canOpen()) return;
    this.target.allow(file);
    if (this.target.open(file)) this.waiting = undefined;
  }
}
