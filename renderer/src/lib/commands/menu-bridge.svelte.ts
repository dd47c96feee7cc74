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

/**
 * Connects a registry to the menu. `language()` is the page's language (the menu's labels
 * follow it). Call inside a component (it makes an effect); returns the function that ends it.
 */
export function connectMenu(
  registry: CommandRegistry,
  language: () => string,
  bridge: LossLabBridge | undefined = window.losslab,
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
  const cleanup = $effect.root(() => {
    $effect(() => {
      latest = registry.states(language());
      timer ??= setTimeout(send, STATES_DELAY_MS);
    });
  });
  return () => {
    stop();
    cleanup();
    if (timer) clearTimeout(timer);
  };
}
