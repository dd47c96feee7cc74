/**
 * The page's side of the desktop menu: commands chosen in the menu run through the registry,
 * and the registry's states go to main whenever they change (so the menu's items are enabled
 * and checked as the page's controls are). In browser mode (no `window.losslab`) it does
 * nothing: there is no native menu.
 */
import type { LossLabBridge } from '../../../../electron/common/bridge';
import type { CommandRegistry } from './commands.svelte';

/** Within this long of a change, further changes go to main together. */
export const STATES_DELAY_MS = 50;

/** Runs `update` now and again whenever the reactive state it read changes. */
function followChanges(update: () => void): () => void {
  return $effect.root(() => {
    $effect(update);
  });
}

/**
 * Connects a registry to the menu (`bridge`: `window.losslab`, absent in browser mode).
 * `language()` is the page's language (the menu's labels follow it). Returns the function that
 * ends it. `watch` follows the registry's states (a test hands its own).
 */
export function connectMenu(
  registry: CommandRegistry,
  language: () => string,
  bridge: LossLabBridge | undefined,
  watch: (update: () => void) => () => void = followChanges,
): () => void {
  if (!bridge) return () => {};
  const stop = bridge.onMenuCommand((command) => {
    void registry.run(command.id, command.path !== undefined ? { path: command.path } : {});
  });
  let sent = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let latest = registry.states(language());
  const send = () => {
    timer = undefined;
    const text = JSON.stringify(latest);
    if (text === sent) return;
    sent = text;
    bridge.setCommandStates(latest);
  };
  const unwatch = watch(() => {
    latest = registry.states(language());
    timer ??= setTimeout(send, STATES_DELAY_MS);
  });
  return () => {
    stop();
    unwatch();
    if (timer) clearTimeout(timer);
  };
}
