/**
 * What the lab on show gives the exports besides its views: its runs as data files, a file name
 * stem, and a pause so an animation's frames match each other. The export menu builds it from
 * the lab's store; the dialog and the encoders see only this.
 */
export interface LabExports {
  /** The file names' stem: the surface's name, or the network lab's dataset. */
  readonly stem: string;
  /** Runs there are to export. */
  readonly runCount: number;
  /** The runs' data as JSON (trajectories and curves, or the network lab's curves). */
  json(): { runs: unknown[] };
  /** The same as CSV: one row per step per run. */
  csv(): string;
  /** Pauses playback, if it is on. */
  pause(): Promise<void>;
}
