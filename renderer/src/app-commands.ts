/**
 * The shell's commands: sessions, the lab on show, presentation, help, and every lab's
 * lessons — registered in the page's command registry, which the shell's buttons and keys run
 * and the desktop menu runs too (the Export menu registers the exports itself).
 */
import type { CommandHandler, CommandRegistry } from './lib/commands/commands.svelte';
import type { EngineConnection } from './lib/engine/connection.svelte';
import type { CriticalStore } from './lib/labs/critical/critical.svelte';
import { criticalLessons } from './lib/labs/critical/lessons';
import type { ExperimentsStore } from './lib/labs/experiments/experiments.svelte';
import { experimentLessons } from './lib/labs/experiments/lessons';
import type { ExplorerStore } from './lib/labs/explorer/explorer.svelte';
import { lessons as explorerLessons } from './lib/labs/explorer/lessons';
import type { Presentation } from './lib/session/presentation.svelte';
import type { LabMode, SessionDesk } from './lib/session/session.svelte';
import type { CommandId, LessonId } from '../../electron/common/menu';

/** What the shell hands its commands. */
export interface ShellCommandHost {
  engine: EngineConnection;
  desk: SessionDesk;
  explorer: ExplorerStore;
  critical: CriticalStore;
  experiments: ExperimentsStore;
  presentation: Presentation;
  mode(): LabMode;
  switchMode(mode: LabMode): void;
  present(on: boolean): Promise<void>;
  showShortcuts(): void;
  showAbout(): void;
}

/** Registers the shell's commands; returns the function that removes them. */
export function registerShellCommands(
  registry: CommandRegistry,
  host: ShellCommandHost,
): () => void {
  const { engine, desk } = host;
  const ready = () => engine.ready;
  /** Opening replaces what is on show: not while recording or while a file is on its way. */
  const canOpen = () => engine.ready && !desk.recording.recording && !desk.busy;
  const openReason = () =>
    !engine.ready
      ? 'The engine is not ready'
      : desk.recording.recording
        ? 'Stop the recording before opening a session'
        : desk.busy;
  const canSave = () => engine.ready && !desk.busy;
  const saveReason = () => (!engine.ready ? 'The engine is not ready' : desk.busy);
  const lab = (mode: LabMode, needsEngine: boolean): CommandHandler => ({
    run: () => host.switchMode(mode),
    enabled: needsEngine ? ready : () => true,
    reason: () => 'The engine is not ready',
    checked: () => host.mode() === mode,
  });

  const handlers: Partial<Record<CommandId, CommandHandler>> = {
    openSession: { run: () => desk.openPicked(), enabled: canOpen, reason: openReason },
    openRecent: {
      run: ({ path }) => {
        if (!path) return;
        const name = path.split(/[\\/]/).pop() ?? path;
        return desk.openRecent({ name, path, at: '' });
      },
      enabled: canOpen,
      reason: openReason,
    },
    saveSession: { run: () => desk.save(desk.labs, true), enabled: canSave, reason: saveReason },
    saveSessionAs: {
      run: () => desk.save(desk.labs, false),
      enabled: canSave,
      reason: saveReason,
    },
    showSurfaces: lab('surfaces', false),
    showNetwork: lab('network', true),
    showCritical: lab('critical', true),
    showExperiments: lab('experiments', true),
    togglePresentation: {
      run: () => host.present(!host.presentation.on),
      checked: () => host.presentation.on,
    },
    showShortcuts: { run: () => host.showShortcuts() },
    showAbout: { run: () => host.showAbout() },
  };

  // Every lesson of every lab: its page is shown, then the lesson set up, as its button does.
  for (const lesson of explorerLessons) {
    handlers[`lesson.${lesson.id as LessonId}`] = {
      run: async () => {
        host.switchMode('surfaces');
        await host.explorer.applyLesson(lesson);
      },
      enabled: ready,
    };
  }
  for (const lesson of criticalLessons) {
    handlers[`lesson.${lesson.id as LessonId}`] = {
      run: async () => {
        host.switchMode('critical');
        await host.critical.applyLesson(lesson);
      },
      enabled: () => engine.ready && !host.critical.runningExperiment,
      reason: () => 'An experiment is running',
    };
  }
  for (const lesson of experimentLessons) {
    handlers[`lesson.${lesson.id as LessonId}`] = {
      run: async () => {
        host.switchMode('experiments');
        await host.experiments.applyLesson(lesson);
      },
      enabled: () => engine.ready && !host.experiments.running,
      reason: () => 'An experiment is running',
    };
  }
  return registry.registerAll(handlers);
}
