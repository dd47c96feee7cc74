/**
 * What a run's panel asks of the lab that shows it, found in context: the panels serve both
 * labs without knowing either (the lab's page sets its host).
 */
import { getContext, setContext } from 'svelte';
import type { Schedule } from '../../../../electron/common/schemas';
import type { RunSettings } from '../state/optimizers';

/** The lab behind the run panels of a page. */
export interface RunPanelHost {
  /**
   * While the timeline shows a step the run has passed: that step and the settings in force
   * there (undefined when not known). Undefined while the panel shows the run live.
   */
  pastSettings(runId: string): { step: number; settings: RunSettings | undefined } | undefined;
  /** Shows every run live again (the timeline leaves the step it showed). */
  goLive(): void;
  /** The learning rate a schedule gives at each of `steps` steps, as the engine applies it. */
  schedulePreview(schedule: Schedule, lr: number, steps: number): Promise<Float64Array | undefined>;
}

const key = Symbol('run-panel-host');

/** Makes `host` the lab the run panels below ask (see useRunPanelHost). */
export function setRunPanelHost(host: RunPanelHost): void {
  setContext(key, host);
}

/** The lab behind the run panels, from the page's context. */
export function useRunPanelHost(): RunPanelHost {
  const host = getContext<RunPanelHost | undefined>(key);
  if (!host) throw new Error('useRunPanelHost() needs setRunPanelHost() in an ancestor component');
  return host;
}
