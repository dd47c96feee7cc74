/**
 * The page's commands: what its buttons, its keys and the desktop menu run. Each command is
 * registered once, by the part of the page that owns its action (the shell for sessions, labs
 * and lessons; the Export menu for exports), as `run` with `enabled` and `checked` read from
 * the page's state — so a button, a key and the menu item do the same thing and are enabled
 * alike. In Electron the registry's states go to main, which enables the menu's items by them
 * (`menu-bridge.ts`); in browser mode there is no menu and the registry drives the page alone.
 *
 * The ids are the fixed list in `electron/common/menu.ts`; the menu's labels are there too.
 */
import { untrack } from 'svelte';
import type { CommandId, CommandState, CommandStates } from '../../../../electron/common/menu';

/** What a command's owner registers. */
export interface CommandHandler {
  /** Does it. `path`: Open Recent's session. */
  run(arg: { path?: string }): unknown;
  /** Whether it can be done now (read from reactive state). @default () => true */
  enabled?(): boolean;
  /** Why not, when it cannot: shown where the page shows the control's state. */
  reason?(): string | undefined;
  /** For toggles and the lab on show. */
  checked?(): boolean;
}

export class CommandRegistry {
  /** Replaced, never mutated, so that what reads it follows registrations. */
  private handlers = $state.raw<Partial<Record<CommandId, CommandHandler>>>({});

  constructor(
    /**
     * Commands the menu shows before their part of the page exists, with why they are
     * disabled until a handler is registered.
     */
    private readonly awaited: Partial<Record<CommandId, string>> = {},
  ) {}

  /**
   * Registers the action of a command. Returns the function that removes it (only if it is
   * still this handler: a component that replaced another's keeps its own). Inside a
   * component, `$effect(() => commands.register(id, handler))` removes it when it goes.
   */
  register(id: CommandId, handler: CommandHandler): () => void {
    // Untracked: an effect that registers must not re-run when the registry changes.
    this.handlers = { ...untrack(() => this.handlers), [id]: handler };
    return () => {
      const now = untrack(() => this.handlers);
      if (now[id] !== handler) return;
      const rest = { ...now };
      delete rest[id];
      this.handlers = rest;
    };
  }

  /** Registers several at once; one function removes them all. */
  registerAll(handlers: Partial<Record<CommandId, CommandHandler>>): () => void {
    const removers = Object.entries(handlers).map(([id, handler]) =>
      this.register(id as CommandId, handler as CommandHandler),
    );
    return () => removers.forEach((remove) => remove());
  }

  has(id: CommandId): boolean {
    return this.handlers[id] !== undefined;
  }

  enabled(id: CommandId): boolean {
    const handler = this.handlers[id];
    return handler !== undefined && (handler.enabled?.() ?? true);
  }

  checked(id: CommandId): boolean {
    return this.handlers[id]?.checked?.() ?? false;
  }

  /** Why a command cannot be run now, or undefined when it can. */
  reason(id: CommandId): string | undefined {
    const handler = this.handlers[id];
    if (!handler) return this.awaited[id] ?? 'Not available on this page';
    if (handler.enabled?.() ?? true) return undefined;
    return handler.reason?.() ?? 'Not available now';
  }

  /** Runs a command if it is enabled; resolves whether it ran. */
  async run(id: CommandId, arg: { path?: string } = {}): Promise<boolean> {
    const handler = this.handlers[id];
    if (!handler || !(handler.enabled?.() ?? true)) return false;
    await handler.run(arg);
    return true;
  }

  /**
   * Every command's state, as a plain object for main: the registered ones as their controls
   * are, the awaited ones disabled. Read inside an effect, it follows the page's state.
   */
  states(language: string): CommandStates {
    const commands: Partial<Record<CommandId, CommandState>> = {};
    for (const id of Object.keys(this.awaited) as CommandId[]) commands[id] = { enabled: false };
    for (const [id, handler] of Object.entries(this.handlers) as [CommandId, CommandHandler][]) {
      const enabled = handler.enabled?.() ?? true;
      commands[id] = handler.checked ? { enabled, checked: handler.checked() } : { enabled };
    }
    return { language, commands };
  }
}

/**
 * The page's one registry. Import Data and Open Loss Landscape are in the menu before the
 * shell registers them (App.svelte, on mount): until then each is disabled, with its reason.
 * A page that owns a command registers it in one line:
 *
 *     $effect(() => commands.register('importData', { run: () => openImport() }));
 */
export const commands = new CommandRegistry({
  importData: 'Importing data (CSV) is not available yet',
  openLandscapeFile: 'Opening loss-landscape .h5 files is not available yet',
});
