/**
 * The loss landscape as the 3-D and contour views draw it: the grid over (α, β) around a
 * run's θ, and every run projected onto that plane.
 */
import type { NetworkLandscape } from '../../../../../electron/common/protocol';
import type { ViewGrid, ViewRun, ViewSettingsLike, ViewSource } from '../../views/view-source';
import { t } from '../../i18n';

/** Where the landscape stands (`id`: the engine's request, to cancel it). */
export type LandscapeState =
  | { status: 'idle' }
  | {
      status: 'computing';
      done: number;
      total: number;
      phase: 'directions' | 'coarse' | 'full';
      id: number;
    }
  | { status: 'done'; landscape: NetworkLandscape; id: number }
  | { status: 'failed'; message: string };

/** What the landscape views draw: the grid over (α, β) and each run projected onto the plane. */
export class LandscapeSource implements ViewSource {
  viewGrid = $state.raw<ViewGrid | undefined>();
  viewRuns = $state.raw<ViewRun[]>([]);
  dataVersion = $state(0);
  hoverStep = undefined;
  /** Replay: paths drawn up to this point index (undefined: whole). */
  scrubStep = $state<number | undefined>();
  view = $state<ViewSettingsLike>({
    logHeight: false,
    wireframe: false,
    contours: true,
    stepMode: false,
  });
  inspections = {};
  cameraVersion = $state(0);
  cameraPose = { azimuth: 35, elevation: 40 };

  /** Shows a landscape (or its partial grid while it is being computed). */
  show(
    landscape: Pick<NetworkLandscape, 'values' | 'resolution' | 'range' | 'min' | 'max'>,
    runs: ViewRun[],
  ): void {
    const [[a0, a1], [b0, b1]] = landscape.range;
    this.viewGrid = {
      values: landscape.values,
      resolution: landscape.resolution,
      domain: landscape.range,
      min: landscape.min,
      max: landscape.max,
      info: {
        name: 'landscape',
        title: t('Loss landscape'),
        description: 'L(θ* + α d₁ + β d₂)',
        domain: [
          [a0, a1],
          [b0, b1],
        ],
        minima: [],
        saddles: [],
        start: [0, 0],
        logScale: false,
        axes: ['α (d₁)', 'β (d₂)'],
      },
    };
    this.viewRuns = runs;
    this.dataVersion++;
  }
}
