/**
 * The page's command registry: what a button, a key and the desktop menu run; enabled and
 * disabled alike; Import Data and Open Loss Landscape waiting, with their reasons, for their
 * pages; the menu bridge sending states when they change and running what the menu asks; and
 * the shell registering every lesson of every lab under the menu's ids and labels.
 */
import { describe, expect, it, vi } from 'vitest';
import { registerShellCommands, type ShellCommandHost } from '../../../renderer/src/app-commands';
import { CommandRegistry, commands } from '../../../renderer/src/lib/commands/commands.svelte';
import {
  connectMenu,
  STATES_DELAY_MS,
} from '../../../renderer/src/lib/commands/menu-bridge.svelte';
import { criticalLessons } from '../../../renderer/src/lib/labs/critical/lessons';
import { experimentLessons } from '../../../renderer/src/lib/labs/experiments/lessons';
import { lessons as explorerLessons } from '../../../renderer/src/lib/labs/explorer/lessons';
import {
  COMMAND_IDS,
  EXPORT_COMMANDS,
  LESSON_IDS,
  LESSON_LABS,
  MENU_LABELS,
  type CommandStates,
  type MenuCommand,
} from '../../../electron/common/menu';
import type { LossLabBridge } from '../../../electron/common/bridge';

const later = (ms = STATES_DELAY_MS * 3) => new Promise((r) => setTimeout(r, ms));

describe('command registry', () => {
  it('runs a registered command only while it is enabled, and says why not', async () => {
    const registry = new CommandRegistry();
    let ready = false;
    const run = vi.fn();
    expect(registry.enabled('saveSession')).toBe(false);
    expect(registry.reason('saveSession')).toBe('Not available on this page');
    expect(await registry.run('saveSession')).toBe(false);
    registry.register('saveSession', {
      run,
      enabled: () => ready,
      reason: () => 'The engine is not ready',
    });
    expect(registry.enabled('saveSession')).toBe(false);
    expect(registry.reason('saveSession')).toBe('The engine is not ready');
    expect(await registry.run('saveSession')).toBe(false);
    expect(run).not.toHaveBeenCalled();
    ready = true;
    expect(registry.enabled('saveSession')).toBe(true);
    expect(registry.reason('saveSession')).toBeUndefined();
    expect(await registry.run('saveSession')).toBe(true);
    await registry.run('openRecent');
    registry.register('openRecent', { run });
    await registry.run('openRecent', { path: '/s/a.losslab' });
    expect(run.mock.calls).toEqual([[{}], [{ path: '/s/a.losslab' }]]);
  });

  it('a handler removed by its owner only, so a replacement stays', () => {
    const registry = new CommandRegistry();
    const first = registry.register('exportPng', { run: () => 1 });
    const second = registry.register('exportPng', { run: () => 2, enabled: () => false });
    first();
    expect(registry.has('exportPng')).toBe(true);
    expect(registry.enabled('exportPng')).toBe(false);
    second();
    expect(registry.has('exportPng')).toBe(false);
  });

  it('Import Data and Open Loss Landscape wait, disabled with a reason, for their pages', async () => {
    for (const id of ['importData', 'openLandscapeFile'] as const) {
      expect(commands.enabled(id)).toBe(false);
      expect(commands.reason(id)).toMatch(/not available yet/);
      expect(commands.states('en').commands[id]).toEqual({ enabled: false });
      // The one line the page that builds it adds.
      const open = vi.fn();
      const remove = commands.register(id, { run: open });
      expect(commands.states('en').commands[id]).toEqual({ enabled: true });
      expect(await commands.run(id)).toBe(true);
      expect(open).toHaveBeenCalledTimes(1);
      remove();
      expect(commands.enabled(id)).toBe(false);
    }
  });

  it('states: every command as its control is, as a plain object for main', () => {
    const registry = new CommandRegistry({ importData: 'later' });
    let on = false;
    registry.register('togglePresentation', { run: () => {}, checked: () => on });
    registry.register('showNetwork', { run: () => {}, enabled: () => false });
    expect(registry.states('zh')).toEqual({
      language: 'zh',
      commands: {
        importData: { enabled: false },
        togglePresentation: { enabled: true, checked: false },
        showNetwork: { enabled: false },
      },
    });
    on = true;
    expect(registry.states('en').commands.togglePresentation).toEqual({
      enabled: true,
      checked: true,
    });
    // Survives a structured clone (what crosses the preload).
    expect(structuredClone(registry.states('en'))).toEqual(registry.states('en'));
  });
});

describe('menu bridge', () => {
  it('sends the states when they change, once each, and runs what the menu asks', async () => {
    const registry = new CommandRegistry();
    const sent: CommandStates[] = [];
    let menu: ((command: MenuCommand) => void) | undefined;
    const bridge = {
      setCommandStates: (states: CommandStates) => sent.push(structuredClone(states)),
      onMenuCommand: (listener: (command: MenuCommand) => void) => {
        menu = listener;
        return () => (menu = undefined);
      },
    } as unknown as LossLabBridge;
    const save = vi.fn();
    registry.register('saveSession', { run: save });
    // The page's effect, by hand: Node's Svelte runs no effects.
    let update: (() => void) | undefined;
    const watch = (fn: () => void) => {
      update = fn;
      fn();
      return () => (update = undefined);
    };
    const changed = async () => {
      update?.();
      await later();
    };
    const stop = connectMenu(registry, () => 'en', bridge, watch);
    await later();
    expect(sent).toEqual([{ language: 'en', commands: { saveSession: { enabled: true } } }]);
    // A command registered later (a page opened): the menu hears of it.
    const open = vi.fn();
    const remove = registry.register('openRecent', { run: open });
    await changed();
    expect(sent.at(-1)?.commands).toEqual({
      saveSession: { enabled: true },
      openRecent: { enabled: true },
    });
    const count = sent.length;
    menu!({ id: 'saveSession' });
    menu!({ id: 'openRecent', path: '/s/b.losslab' });
    await later(0);
    expect(save).toHaveBeenCalledWith({});
    expect(open).toHaveBeenCalledWith({ path: '/s/b.losslab' });
    remove();
    await changed();
    // Nothing new: nothing sent.
    await changed();
    expect(sent.length).toBe(count + 1);
    expect(sent.at(-1)?.commands).toEqual({ saveSession: { enabled: true } });
    stop();
    expect(menu).toBeUndefined();
    expect(update).toBeUndefined();
    registry.register('showAbout', { run: () => {} });
    await later();
    expect(sent.length).toBe(count + 1);
  });

  it('does nothing without the desktop bridge (browser mode)', () => {
    const registry = new CommandRegistry();
    expect(() => connectMenu(registry, () => 'en', undefined)()).not.toThrow();
  });
});

describe('shell commands', () => {
  function host() {
    const calls: string[] = [];
    const h = {
      engine: { ready: true },
      desk: {
        recording: { recording: false },
        busy: undefined,
        labs: { explorer: true, network: false },
        openPicked: vi.fn(),
        openRecent: vi.fn(),
        save: vi.fn(),
      },
      explorer: { applyLesson: vi.fn(async (l: { id: string }) => calls.push(`explorer ${l.id}`)) },
      critical: {
        runningExperiment: undefined as string | undefined,
        applyLesson: vi.fn(async (l: { id: string }) => calls.push(`critical ${l.id}`)),
      },
      experiments: {
        running: false,
        applyLesson: vi.fn(async (l: { id: string }) => calls.push(`experiments ${l.id}`)),
      },
      presentation: { on: false },
      mode: () => 'surfaces' as const,
      switchMode: vi.fn((mode: string) => calls.push(`show ${mode}`)),
      present: vi.fn(async () => {}),
      showShortcuts: vi.fn(),
      showAbout: vi.fn(),
    };
    return { h, calls, shell: h as unknown as ShellCommandHost };
  }

  it('registers every menu command but the exports and the awaited pages', () => {
    const registry = new CommandRegistry();
    const { shell } = host();
    const remove = registerShellCommands(registry, shell);
    const others = new Set<string>([...EXPORT_COMMANDS, 'importData', 'openLandscapeFile']);
    expect(COMMAND_IDS.filter((id) => !others.has(id) && !registry.has(id))).toEqual([]);
    remove();
    expect(COMMAND_IDS.filter((id) => registry.has(id))).toEqual([]);
  });

  it("every lab's lessons are the menu's, with its labels, and play on their own page", async () => {
    const all = [
      ...explorerLessons.map((l) => ({ ...l, lab: 'surfaces' })),
      ...criticalLessons.map((l) => ({ ...l, lab: 'critical' })),
      ...experimentLessons.map((l) => ({ ...l, lab: 'experiments' })),
    ];
    expect(all.map((l) => l.id)).toEqual([...LESSON_IDS]);
    for (const l of all) {
      expect(MENU_LABELS.en[`lesson.${l.id as (typeof LESSON_IDS)[number]}`]).toBe(
        `(${l.letter}) ${l.title.en}`,
      );
      expect(LESSON_LABS[l.id as (typeof LESSON_IDS)[number]]).toBe(l.lab);
    }
    const registry = new CommandRegistry();
    const { shell, calls } = host();
    registerShellCommands(registry, shell);
    for (const id of LESSON_IDS) expect(await registry.run(`lesson.${id}`), id).toBe(true);
    expect(calls).toEqual(
      all.flatMap((l) => [`show ${l.lab}`, `${l.lab === 'surfaces' ? 'explorer' : l.lab} ${l.id}`]),
    );
  });

  it('enables as the page does: opening not while recording, lessons not while one runs', async () => {
    const registry = new CommandRegistry();
    const { shell, h } = host();
    registerShellCommands(registry, shell);
    expect(registry.enabled('openSession')).toBe(true);
    h.desk.recording.recording = true;
    expect(registry.enabled('openSession')).toBe(false);
    expect(registry.enabled('openRecent')).toBe(false);
    expect(registry.reason('openSession')).toBe('Stop the recording before opening a session');
    expect(registry.enabled('saveSession')).toBe(true);
    h.critical.runningExperiment = 'minimum-ratio';
    expect(registry.enabled('lesson.edge-of-stability')).toBe(false);
    expect(registry.enabled('lesson.mismatch')).toBe(true);
    h.experiments.running = true;
    expect(registry.enabled('lesson.mismatch')).toBe(false);
    expect(registry.enabled('lesson.momentum')).toBe(true);
    h.engine.ready = false;
    for (const id of ['lesson.momentum', 'showNetwork', 'saveSession'] as const) {
      expect(registry.enabled(id), id).toBe(false);
    }
    expect(registry.enabled('showSurfaces')).toBe(true);
    // Save writes over the session's file; Save As asks.
    h.engine.ready = true;
    await registry.run('saveSession');
    await registry.run('saveSessionAs');
    expect(h.desk.save.mock.calls).toEqual([
      [h.desk.labs, true],
      [h.desk.labs, false],
    ]);
    h.desk.recording.recording = false;
    await registry.run('openRecent', { path: '/s/x/run.losslab' });
    expect(h.desk.openRecent).toHaveBeenCalledWith({
      name: 'run.losslab',
      path: '/s/x/run.losslab',
      at: '',
    });
  });
});
