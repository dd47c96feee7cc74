/**
 * Where exports find the views on show: SurfaceView, ContourView and CurvesPanel register their
 * three.js scene, contour canvas and charts here when they mount and leave when they go.
 *
 * A module-level registry rather than a context: the export dialog sits in the header, beside
 * the views rather than above them, so no context set by one reaches the other. Registrations
 * stack — the explorer's views and the network lab's are never mounted together, but if two
 * were, the one mounted last is the one on show.
 */
import type { ContourCanvas } from './contour-canvas';
import type { CurveChart } from './curve-chart';
import type { SurfaceScene } from './surface-scene';
import type { ViewSource } from './view-source';
import type { ExportNote } from './view-data';

/** A view and the source it draws (for run labels and colours in legends). */
export interface ViewTarget<T> {
  view: T;
  source: ViewSource;
}

/** One chart of a curves panel, with the title shown above it. */
export interface ChartTarget {
  id: string;
  title: string;
  chart: CurveChart;
}

export class ExportTargets {
  private surfaces = $state.raw<ViewTarget<SurfaceScene>[]>([]);
  private contours = $state.raw<ViewTarget<ContourCanvas>[]>([]);
  private chartGroups = $state.raw<ChartTarget[][]>([]);
  /** Presentation notes pinned to the landscape on show, for images and videos of it. */
  notes = $state.raw<ExportNote[]>([]);

  /** The 3-D view on show. */
  get surface(): ViewTarget<SurfaceScene> | undefined {
    return this.surfaces.at(-1);
  }

  /** The contour view on show. */
  get contour(): ViewTarget<ContourCanvas> | undefined {
    return this.contours.at(-1);
  }

  /** The charts of the curves panel on show (empty when none is). */
  get charts(): ChartTarget[] {
    return this.chartGroups.at(-1) ?? [];
  }

  /** Registers a 3-D view; returns the function that unregisters it. */
  registerSurface(view: SurfaceScene, source: ViewSource): () => void {
    const entry = { view, source };
    this.surfaces = [...this.surfaces, entry];
    return () => (this.surfaces = this.surfaces.filter((e) => e !== entry));
  }

  /** Registers a contour view; returns the function that unregisters it. */
  registerContour(view: ContourCanvas, source: ViewSource): () => void {
    const entry = { view, source };
    this.contours = [...this.contours, entry];
    return () => (this.contours = this.contours.filter((e) => e !== entry));
  }

  /** Registers a curves panel's charts; returns the function that unregisters them. */
  registerCharts(charts: ChartTarget[]): () => void {
    this.chartGroups = [...this.chartGroups, charts];
    return () => (this.chartGroups = this.chartGroups.filter((g) => g !== charts));
  }
}

/** The one registry of the page. */
export const exportTargets = new ExportTargets();
