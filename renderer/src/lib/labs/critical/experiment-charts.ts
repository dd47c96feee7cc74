/**
 * What each experiment's charts draw: the lecture's scatter of the minimum ratio against the
 * training loss; the loss from a saddle, plain and after one Escape step; the edge of
 * stability's λ_max against the step with a dashed 2/η per learning rate, and its losses; the
 * sharpness, trace and loss along a run. Line charts are CurveCharts (Series of the views'
 * curve chart), the scatter a PointsChart; both export as the network lab's curves do.
 */
import type {
  CriticalExperimentKind,
  CriticalExperimentResult,
} from '../../../../../electron/common/protocol';
import type { Series } from '../../views/curve-chart';
import { runColors } from '../../views/palette';
import { minimumRatioGroups } from './experiment-data';
import type { PointGroup, ReferenceLine } from './points-chart';
import { msg, t } from '../../i18n';

export interface ExperimentChartSpec {
  id: string;
  /** Above the chart, and in exports. */
  title: string;
  y: string;
  x: string;
  type: 'points' | 'curves';
  /** A log y axis to start with (losses). */
  logY?: boolean;
  /** A log x axis to start with (the scatter's losses). */
  logX?: boolean;
}

/** The charts of each experiment, in the order shown. */
export const EXPERIMENT_CHARTS: Record<CriticalExperimentKind, ExperimentChartSpec[]> = {
  'minimum-ratio': [
    {
      id: 'minimum-ratio',
      title: msg('Minimum ratio against training loss (one point per network)'),
      y: msg('minimum ratio'),
      x: msg('training loss'),
      type: 'points',
      logX: true,
    },
  ],
  'saddle-escape': [
    {
      id: 'saddle-escape',
      title: msg('Training loss from the saddle: plain and after one Escape step'),
      y: msg('loss'),
      x: msg('step'),
      type: 'curves',
    },
  ],
  'edge-of-stability': [
    {
      id: 'eos-sharpness',
      title: msg('Sharpness λ_max (dashed: 2/η)'),
      y: 'λ_max',
      x: msg('step'),
      type: 'curves',
    },
    {
      id: 'eos-loss',
      title: msg('Training loss'),
      y: msg('loss'),
      x: msg('step'),
      type: 'curves',
      logY: true,
    },
  ],
  sharpness: [
    {
      id: 'sharpness-lambda',
      title: msg('Sharpness λ_max'),
      y: 'λ_max',
      x: msg('step'),
      type: 'curves',
    },
    {
      id: 'sharpness-trace',
      title: msg('Trace of the Hessian'),
      y: msg('trace'),
      x: msg('step'),
      type: 'curves',
    },
    {
      id: 'sharpness-loss',
      title: msg('Loss'),
      y: msg('loss'),
      x: msg('step'),
      type: 'curves',
      logY: true,
    },
  ],
};

/** The colour of the i-th learning rate (the runs' palette). */
export const lrColor = (i: number) => runColors[i % runColors.length];

/** What one chart draws: points (and reference lines), or curves. */
export type ChartContent =
  | { type: 'points'; groups: PointGroup[]; lines: ReferenceLine[] }
  | { type: 'curves'; series: Series[] };

const ESCAPED = '#5eead4';
const PLAIN = '#a8b3cf';

/**
 * Each chart's content for a result, by chart id. `generation` tells the curve charts the
 * data was rewritten (a partial result is replaced by a longer one, not appended to).
 */
export function chartContents(
  result: CriticalExperimentResult,
  generation: number,
): Record<string, ChartContent> {
  const source = (count: number) => ({ count, generation });
  switch (result.kind) {
    case 'minimum-ratio': {
      const losses = result.points.map((p) => p.loss).filter((l) => Number.isFinite(l) && l > 0);
      const lo = losses.length ? Math.min(...losses) : 1e-3;
      const hi = losses.length ? Math.max(...losses) : 1;
      return {
        'minimum-ratio': {
          type: 'points',
          groups: minimumRatioGroups(result.points),
          lines: [
            {
              id: 'ratio-1',
              label: t('minimum (ratio 1)'),
              color: '#5eead4',
              points: [
                { x: lo, y: 1 },
                { x: hi, y: 1 },
              ],
            },
          ],
        },
      };
    }
    case 'saddle-escape': {
      const s = result.steps;
      return {
        'saddle-escape': {
          type: 'curves',
          series: [
            {
              id: 'plain',
              label: t('plain training'),
              color: PLAIN,
              dashed: true,
              source: source(s.length),
              value: (i) => result.plain[i],
              x: (i) => s[i],
            },
            {
              id: 'escaped',
              label: t('after Escape (t = {t})', { t: result.t }),
              color: ESCAPED,
              source: source(s.length),
              value: (i) => result.escaped[i],
              x: (i) => s[i],
            },
          ],
        },
      };
    }
    case 'edge-of-stability': {
      const sharpness: Series[] = [];
      const loss: Series[] = [];
      result.series.forEach((r, k) => {
        const color = lrColor(k);
        const first = r.steps.length ? r.steps[0] : 0;
        const lastStep = r.steps.length ? r.steps[r.steps.length - 1] : 1;
        sharpness.push(
          {
            id: `lambda-${k}`,
            label: `η = ${r.lr}${r.diverged ? ' (diverged)' : ''}`,
            color,
            source: source(r.sharpnessSteps.length),
            value: (i) => r.sharpness[i],
            x: (i) => r.sharpnessSteps[i],
          },
          {
            id: `threshold-${k}`,
            label: `2/η = ${Number(r.threshold.toPrecision(4))}`,
            color,
            dashed: true,
            source: source(2),
            value: () => r.threshold,
            x: (i) => (i === 0 ? first : lastStep),
          },
        );
        loss.push({
          id: `loss-${k}`,
          label: `η = ${r.lr}`,
          color,
          source: source(r.steps.length),
          value: (i) => r.loss[i],
          x: (i) => r.steps[i],
          outlier: r.diverged === true,
        });
      });
      return {
        'eos-sharpness': { type: 'curves', series: sharpness },
        'eos-loss': { type: 'curves', series: loss },
      };
    }
    case 'sharpness': {
      const s = result.steps;
      const one = (id: string, label: string, values: Float64Array, color: string) => ({
        type: 'curves' as const,
        series: [
          {
            id,
            label,
            color,
            source: source(s.length),
            value: (i: number) => values[i],
            x: (i: number) => s[i],
          },
        ],
      });
      return {
        'sharpness-lambda': one('lambda', 'λ_max', result.lambdaMax, runColors[1]),
        'sharpness-trace': one('trace', 'trace', result.trace, runColors[4]),
        'sharpness-loss': one('loss', 'loss', result.loss, runColors[0]),
      };
    }
  }
}
