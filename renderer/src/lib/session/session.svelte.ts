/**
 * Sessions in the renderer: Save and Open (native dialogs or download and upload), recent
 * files, dropping a file on the window, the Record button with its autosave, and the offer to
 * recover a recording a crash interrupted. The engine reads and writes the `.losslab` bytes;
 * this gathers the view state around them and rebuilds the labs from what it opened.
 */
import type {
  RecordingState,
  RecoverableInfo,
  SessionContext,
  SessionSummary,
} from '../../../../electron/common/protocol';
import type { Exercise } from '../../../../electron/common/exercise';
import type { JsonObject } from '../../../../electron/common/session';
import { EngineRequestError } from '../engine/client';
import type { CriticalStore, CriticalViewState } from '../labs/critical/critical.svelte';
import type { NetworkStore, NetworkViewState } from '../labs/network/network.svelte';
import type { ExplorerStore } from '../labs/explorer/explorer.svelte';
import type { ExplorerViewState } from '../labs/explorer/session-view';
import {
  openRecent,
  pickSession,
  recentSessions,
  rememberSession,
  saveBytes,
  type PickedFile,
  type RecentEntry,
} from './files';
import type { CameraPose } from '../views/view-source';
import type { Presentation, PresentationState } from './presentation.svelte';
import { UPLOAD_PART_BYTES, uploadParts } from './upload';
import { plural, t } from '../i18n';

/**
 * The page on show: the explorer, the network lab, the critical-points lab's experiments, or
 * the experiments lab.
 */
export type LabMode = 'surfaces' | 'network' | 'critical' | 'experiments';

/** The renderer's own part of a session (the manifest's `view`). */
export interface SessionView {
  /** Which lab was on show. */
  mode?: LabMode;
  explorer?: ExplorerViewState;
  network?: NetworkViewState;
  critical?: CriticalViewState;
  presentation?: PresentationState;
}

export interface SessionHooks {
  mode(): LabMode;
  setMode(mode: LabMode): void;
  /** The 3-D view's camera direction now, if a 3-D view is on show. */
  camera(): CameraPose | undefined;
  /** The exercise to save with the session, if one is being authored or taken. */
  exercise?(): Exercise | undefined;
  /** A session was opened (from `file`, unless recovered): its exercise, if any, takes over. */
  opened?(session: SessionSummary, file?: PickedFile): void;
}

/** The labs a session can hold. */
export type LabName = 'explorer' | 'network';

export interface Notice {
  kind: 'info' | 'error';
  text: string;
}

export class SessionDesk {
  recording = $state.raw<RecordingState>({ recording: false });
  /** An autosave a crash left behind, offered for recovery. */
  recoverable = $state.raw<RecoverableInfo | undefined>();
  /** What is being done, for a progress line ("Saving…"). */
  busy = $state<string | undefined>();
  /** How far opening a session has come (bytes read of the file), with its Cancel. */
  progress = $state.raw<{ done: number; total: number; cancel(): void } | undefined>();
  /** Uploads sent so far: each gets the next number. */
  private uploads = 0;
  /** Labs the user chose to include or leave out (Session menu); the others follow `used`. */
  private chosen = $state<Partial<Record<LabName, boolean>>>({});
  /** Each lab's progress when the recording began. */
  private baseline: Record<LabName, number> | undefined;
  /** Labs that joined the recording (once used, they stay in it). */
  private joined = $state<Partial<Record<LabName, boolean>>>({});
  /** The labs the last context sent said the session holds. */
  private sentLabs = '';
  notice = $state.raw<Notice | undefined>();
  /** The session's file name, once saved or opened. */
  fileName = $state<string | undefined>();
  recent = $state.raw<RecentEntry[]>([]);
  private contextTimer: ReturnType<typeof setTimeout> | undefined;
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly lab: ExplorerStore,
    private readonly net: NetworkStore,
    private readonly critical: CriticalStore,
    readonly presentation: Presentation,
    private readonly hooks: SessionHooks,
  ) {
    lab.client.on('record.state', ({ recording }) => {
      this.recording = recording;
    });
    // A lab used while recording joins the recording: tell the engine's autosave.
    const follow = () => {
      if (this.recording.recording && JSON.stringify(this.labs) !== this.sentLabs) {
        this.contextChanged();
      }
    };
    lab.client.on('frame', follow);
    lab.client.on('net.run.state', follow);
  }

  /**
   * How far each lab has gone: its runs' steps, and a basin map or landscape on show. A lab
   * whose progress grew since the recording began has been used in it.
   */
  private labProgress(): Record<LabName, number> {
    const { lab, net } = this;
    return {
      explorer:
        lab.runs.reduce((sum, r) => sum + (r.state?.step ?? 0), 0) +
        (lab.basins.status === 'done' ? 1 : 0),
      network:
        net.runs.reduce((sum, r) => sum + (r.state?.step ?? 0), 0) +
        (net.landscape.status === 'done' ? 1 : 0),
    };
  }

  /**
   * What the session is about, so it holds nothing nobody asked for: the lab on show; the
   * other one if it has been used (while recording: used since the recording began); and
   * either as chosen in the Session menu.
   */
  get labs(): Record<LabName, boolean> {
    const { lab, net } = this;
    // The critical-points page works on the network lab's problem and runs.
    const mode: LabName = this.hooks.mode() === 'surfaces' ? 'explorer' : 'network';
    const now = this.labProgress();
    const since = this.recording.recording ? this.baseline : undefined;
    const used = (name: LabName) =>
      name === mode || this.joined[name] === true || now[name] > (since?.[name] ?? 0);
    return {
      explorer: this.chosen.explorer ?? (lab.runs.length > 0 && used('explorer')),
      network: this.chosen.network ?? (net.problem !== undefined && used('network')),
    };
  }

  /** The Session menu's choice: include a lab, or leave it out, from now on. */
  choose(name: LabName, include: boolean): void {
    this.chosen = { ...this.chosen, [name]: include };
    this.contextChanged();
  }

  /**
   * What a session holds, for notices: "the explorer (3 runs)" and, when a lab with runs is
   * left out, "the network lab left out".
   */
  describeLabs(labs: Record<LabName, boolean> = this.labs): string {
    const { held, out } = this.heldAndOut(labs);
    return out.length > 0 ? t('{held}; {out} left out', { held, out: out.join(t(' and ')) }) : held;
  }

  private heldAndOut(labs: Record<LabName, boolean>): { held: string; out: string[] } {
    const runs = (n: number) => plural(n, '{n} run', '{n} runs');
    const parts: string[] = [];
    if (labs.explorer) parts.push(t('the explorer ({runs})', { runs: runs(this.lab.runs.length) }));
    if (labs.network)
      parts.push(t('the network lab ({runs})', { runs: runs(this.net.runs.length) }));
    const out: string[] = [];
    if (!labs.explorer && this.lab.runs.length > 0) out.push(t('the explorer'));
    if (!labs.network && this.net.problem) out.push(t('the network lab'));
    return { held: parts.join(t(' and ')) || t('nothing'), out };
  }

  /** Shows a notice; it fades by itself (an error stays longer). */
  say(notice: Notice | undefined): void {
    this.notice = notice;
    clearTimeout(this.noticeTimer);
    if (notice) {
      this.noticeTimer = setTimeout(
        () => {
          if (this.notice === notice) this.say(undefined);
        },
        notice.kind === 'error' ? 20_000 : 6_000,
      );
    }
  }

  /** Everything the engine needs besides its runs: title, view state, colours. */
  context(labs: Record<LabName, boolean> = this.labs): SessionContext {
    const { lab, net, presentation } = this;
    const view: SessionView = {
      mode: this.hooks.mode(),
      explorer: lab.viewState(this.hooks.camera()),
      network: net.viewState(),
      critical: this.critical.viewState(),
      presentation: presentation.state(),
    };
    const colors: Record<string, string> = {};
    for (const r of lab.runs) colors[r.runId] = r.color;
    for (const r of net.runs) colors[r.runId] = r.color;
    const exercise = this.hooks.exercise?.();
    return {
      ...(exercise ? { exercise } : {}),
      ...(presentation.title ? { title: presentation.title } : {}),
      view: JSON.parse(JSON.stringify(view)) as JsonObject,
      ...(lab.runs.length > 0 ? { explorer: { surface: lab.surface, start: lab.start } } : {}),
      colors,
      basins: lab.basins.status === 'done',
      landscape: net.landscape.status === 'done',
      labs: this.remember(labs),
    };
  }

  /** Notes the labs a context said the session holds (see `follow`), and gives them back. */
  private remember(labs: Record<LabName, boolean>): Record<LabName, boolean> {
    this.sentLabs = JSON.stringify(labs);
    if (this.recording.recording) {
      this.joined = { ...this.joined, ...(labs.explorer ? { explorer: true } : {}) };
      this.joined = { ...this.joined, ...(labs.network ? { network: true } : {}) };
    }
    return labs;
  }

  /** A file name for the session: its title, else the date. */
  suggestedName(): string {
    if (this.fileName) return this.fileName;
    const title = this.presentation.title.trim();
    const stem = title
      ? title
          .replace(/[^\p{L}\p{N}]+/gu, '-')
          .replace(/^-|-$/g, '')
          .slice(0, 60)
      : // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a timestamp, not state
        `losslab-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}`;
    return `${stem || 'losslab-session'}.losslab`;
  }

  private fail(what: string, err: unknown): void {
    const message =
      err instanceof EngineRequestError ? err.message : String((err as Error)?.message ?? err);
    this.say({ kind: 'error', text: t('{what}: {message}', { what, message }) });
  }

  /**
   * Saves the whole session: the Save dialog in Electron, a download in the browser. `labs`:
   * what to hold, when not what the session is about now (a recording just ended). `again`
   * (Save, not Save As): in Electron, writes over the file this session was last saved to or
   * opened from, without the dialog.
   */
  async save(labs: Record<LabName, boolean> = this.labs, again = false): Promise<boolean> {
    this.busy = t('Saving the session…');
    try {
      const reply = await this.lab.client.request({
        type: 'session.save',
        context: this.context(labs),
      });
      const name = this.suggestedName();
      const saved = await saveBytes(name, reply.bytes, again && this.fileName === name);
      if (!saved) return false;
      const savedName = saved.split(/[\\/]/).pop() ?? name;
      this.fileName = savedName;
      await rememberSession(savedName, reply.bytes);
      this.say({
        kind: 'info',
        text: t('Saved {name} ({runs} runs, {size}): {labs}', {
          name: savedName,
          runs: reply.runs,
          size: formatBytes(reply.bytes.length),
          labs: this.describeLabs(labs),
        }),
      });
      return true;
    } catch (err) {
      this.fail(t('Could not save the session'), err);
      return false;
    } finally {
      this.busy = undefined;
      void this.refreshRecent();
    }
  }

  /** Opens a session's bytes: nothing changes unless the whole file is good. */
  async open(file: PickedFile): Promise<boolean> {
    if (this.recording.recording) {
      this.say({ kind: 'error', text: t('Stop the recording before opening a session') });
      return false;
    }
    this.busy = t('Opening {name}…', { name: file.name });
    let stop: (() => void) | undefined;
    try {
      const source = await this.send(file);
      const reply = await this.lab.client.request(
        { type: 'session.open', ...source, name: file.name },
        (id) => {
          const cancel = () => this.lab.client.post({ type: 'job.cancel', id });
          stop = this.lab.client.on('session.progress', (p) => {
            if (p.id === id) this.progress = { done: p.done, total: p.total, cancel };
          });
        },
      );
      await this.adopt(reply.session, file);
      this.fileName = file.name;
      await rememberSession(file.name, file.bytes);
      this.say({
        kind: 'info',
        text: t('Opened {name}', { name: file.name }) + describe(reply.session),
      });
      return true;
    } catch (err) {
      this.fail(t('Could not open {name}', { name: file.name }), err);
      return false;
    } finally {
      stop?.();
      this.progress = undefined;
      this.busy = undefined;
      void this.refreshRecent();
    }
  }

  /**
   * The file for session.open: its bytes, or, past one part's size, the number of an upload
   * sent in parts first (one WebSocket frame holds at most 64 MiB; a session may hold 2 GiB).
   */
  private async send(file: PickedFile): Promise<{ bytes: Uint8Array } | { upload: number }> {
    const total = file.bytes.length;
    if (total <= UPLOAD_PART_BYTES) return { bytes: file.bytes };
    const upload = ++this.uploads;
    for (const [offset, end] of uploadParts(total)) {
      this.busy = t('Sending {name}… {done} of {total}', {
        name: file.name,
        done: formatBytes(offset),
        total: formatBytes(total),
      });
      await this.lab.client.request({
        type: 'session.upload',
        upload,
        total,
        offset,
        bytes: file.bytes.subarray(offset, end),
      });
    }
    this.busy = t('Opening {name}…', { name: file.name });
    return { upload };
  }

  /** Rebuilds both labs around what the engine opened, then asks for every run's data. */
  private async adopt(session: SessionSummary, file?: PickedFile): Promise<void> {
    const view = session.view as SessionView;
    this.presentation.restore(view.presentation);
    if (session.title) this.presentation.title = session.title;
    await this.lab.adoptSession(session.explorer, view.explorer);
    this.net.adoptSession(session.network, view.network);
    // The session's experiments come with the sync (critical.experiments).
    await this.lab.client.request({ type: 'sync' });
    this.critical.restoreView(view.critical);
    this.net.afterSync();
    if (view.explorer?.scrubStep !== undefined) this.lab.scrubStep = view.explorer.scrubStep;
    const mode =
      view.mode ?? (session.explorer || !session.network ? 'surfaces' : ('network' as const));
    this.hooks.setMode(mode);
    this.hooks.opened?.(session, file);
  }

  async openPicked(): Promise<void> {
    try {
      const file = await pickSession();
      if (file) await this.open(file);
    } catch (err) {
      this.fail(t('Could not open the session'), err);
    }
  }

  async openRecent(entry: RecentEntry): Promise<void> {
    try {
      const file = await openRecent(entry);
      if (file) await this.open(file);
    } catch (err) {
      this.fail(t('Could not open {name}', { name: entry.name }), err);
    }
  }

  async refreshRecent(): Promise<void> {
    this.recent = await recentSessions();
  }

  // ---- Recording

  async startRecording(): Promise<void> {
    try {
      this.baseline = this.labProgress();
      this.joined = {};
      const start = this.labs;
      await this.lab.client.request({ type: 'record.start', context: this.context(start) });
      // What the recording held from the start stays in it, wherever the user goes.
      this.joined = { explorer: start.explorer, network: start.network };
      const { held, out } = this.heldAndOut(start);
      this.say({
        kind: 'info',
        text:
          t('Recording {held}', { held }) +
          out.map((lab) => t('; {lab} joins once you use it', { lab })).join(''),
      });
    } catch (err) {
      this.fail(t('Could not start recording'), err);
    }
  }

  /** Stops recording, then offers to save what was recorded. */
  async stopRecording(): Promise<void> {
    // The file holds what the recording held, whatever is on show now.
    const labs = this.labs;
    try {
      await this.lab.client.request({ type: 'record.stop' });
    } catch (err) {
      this.fail(t('Could not stop recording'), err);
      return;
    }
    await this.save(labs);
  }

  /** While recording, the view state (camera, labels, notes) follows into the autosave. */
  contextChanged(): void {
    if (!this.recording.recording || this.contextTimer) return;
    this.contextTimer = setTimeout(() => {
      this.contextTimer = undefined;
      if (!this.recording.recording) return;
      void this.lab.client
        .request({ type: 'session.context', context: this.context() })
        .catch(() => undefined);
    }, 1000);
  }

  // ---- Recovery

  /** Looks for an autosave a crash left behind. */
  async checkRecoverable(): Promise<void> {
    try {
      const reply = await this.lab.client.request({ type: 'session.recover', action: 'check' });
      this.recoverable = reply.type === 'session.recoverable' ? reply.found : undefined;
    } catch {
      this.recoverable = undefined;
    }
  }

  /** Opens the interrupted recording; recording goes on from there. */
  async recover(): Promise<boolean> {
    this.busy = t('Recovering the recording…');
    try {
      const reply = await this.lab.client.request({ type: 'session.recover', action: 'open' });
      if (reply.type !== 'session.opened') return false;
      await this.adopt(reply.session);
      this.recoverable = undefined;
      this.say({
        kind: 'info',
        text: t('Recovered the recording') + describe(reply.session) + t('; recording goes on'),
      });
      return true;
    } catch (err) {
      this.fail(t('Could not recover the recording'), err);
      return false;
    } finally {
      this.busy = undefined;
    }
  }

  async discardRecoverable(): Promise<void> {
    try {
      await this.lab.client.request({ type: 'session.recover', action: 'discard' });
      this.recoverable = undefined;
    } catch (err) {
      this.fail(t('Could not discard the recording'), err);
    }
  }
}

/** ": 2 runs", ": 2 runs, 1 finished experiment": what an opened session brought (runs always said). */
function describe(session: SessionSummary): string {
  const n = (session.explorer?.runs.length ?? 0) + (session.network?.runs.length ?? 0);
  const stuck = [...(session.explorer?.runs ?? []), ...(session.network?.runs ?? [])].filter(
    (r) => !r.resumable,
  ).length;
  const experiments = (session.finished?.experiments ?? 0) + (session.finished?.critical ?? 0);
  return (
    plural(n, ': {n} run', ': {n} runs') +
    (stuck ? t(', {stuck} shown as recorded (they do not replay here)', { stuck }) : '') +
    (experiments
      ? plural(experiments, ', {n} finished experiment', ', {n} finished experiments')
      : '')
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
