/**
 * The network lab's curves as data: JSON (per run, a column per quantity, per update and per
 * epoch) and CSV (one row per update per run). What the engine reported, unrounded.
 */
import type { NetworkProblemInfo, NetworkRunState } from '../../../../electron/common/protocol';
import { csvField, finite } from './data';

/** A column store as the export reads it: rows held, and each named column. */
interface ColumnsView<K extends string> {
  readonly count: number;
  get(name: K): Float64Array;
}

/** A network run as its curves' export reads it; the network lab's runs implement it. */
export interface NetworkExportRun {
  readonly runId: string;
  readonly color: string;
  readonly state: NetworkRunState | undefined;
  readonly steps: ColumnsView<'loss' | 'accuracy' | 'gradNorm' | 'lr' | 'updateMs'>;
  readonly epochs: ColumnsView<
    'step' | 'trainLoss' | 'trainAccuracy' | 'validationLoss' | 'validationAccuracy' | 'epochMs'
  >;
  /** The latest test evaluation asked for. */
  readonly test: { loss: number; accuracy: number; step: number } | undefined;
}

export interface NetworkCurvesExport {
  format: 'losslab-network-curves';
  version: 1;
  dataset: NetworkProblemInfo['dataset'] | null;
  runs: {
    runId: string;
    label: string;
    color: string;
    optimizer: string;
    hyper: NetworkRunState['hyper'] | null;
    batchSize: NetworkRunState['batchSize'] | null;
    status: string;
    changes: NetworkRunState['changes'];
    /** Per update: row i is update i + 1. */
    updates: Record<'loss' | 'accuracy' | 'gradNorm' | 'lr' | 'updateMs', (number | null)[]>;
    /** Per epoch: the update it ended at, training and validation loss and accuracy. */
    epochs: Record<
      'step' | 'trainLoss' | 'trainAccuracy' | 'validationLoss' | 'validationAccuracy' | 'epochMs',
      (number | null)[]
    >;
    test: NetworkExportRun['test'] | null;
  }[];
}

function column(values: Float64Array, count: number): (number | null)[] {
  return Array.from(values.subarray(0, count), finite);
}

export function networkCurvesJson<R extends NetworkExportRun>(
  problem: NetworkProblemInfo | undefined,
  runs: R[],
  labelOf: (run: R) => string,
): NetworkCurvesExport {
  return {
    format: 'losslab-network-curves',
    version: 1,
    dataset: problem?.dataset ?? null,
    runs: runs.map((run) => {
      const s = run.steps;
      const e = run.epochs;
      return {
        runId: run.runId,
        label: labelOf(run),
        color: run.color,
        optimizer: run.state?.optimizer ?? 'unknown',
        hyper: run.state?.hyper ?? null,
        batchSize: run.state?.batchSize ?? null,
        status: run.state?.status ?? 'unknown',
        changes: run.state?.changes ?? [],
        updates: {
          loss: column(s.get('loss'), s.count),
          accuracy: column(s.get('accuracy'), s.count),
          gradNorm: column(s.get('gradNorm'), s.count),
          lr: column(s.get('lr'), s.count),
          updateMs: column(s.get('updateMs'), s.count),
        },
        epochs: {
          step: column(e.get('step'), e.count),
          trainLoss: column(e.get('trainLoss'), e.count),
          trainAccuracy: column(e.get('trainAccuracy'), e.count),
          validationLoss: column(e.get('validationLoss'), e.count),
          validationAccuracy: column(e.get('validationAccuracy'), e.count),
          epochMs: column(e.get('epochMs'), e.count),
        },
        test: run.test ?? null,
      };
    }),
  };
}

export const NETWORK_CSV_COLUMNS = [
  'run',
  'label',
  'optimizer',
  'update',
  'loss',
  'accuracy',
  'grad_norm',
  'lr',
  'update_ms',
] as const;

/** One row per update per run, with a header row; non-finite values are left empty. */
export function networkCurvesCsv<R extends NetworkExportRun>(
  runs: R[],
  labelOf: (run: R) => string,
): string {
  const lines = [NETWORK_CSV_COLUMNS.join(',')];
  for (const run of runs) {
    const s = run.steps;
    const label = labelOf(run);
    const optimizer = run.state?.optimizer ?? '';
    const [loss, accuracy, grad, lr, ms] = (
      ['loss', 'accuracy', 'gradNorm', 'lr', 'updateMs'] as const
    ).map((name) => s.get(name));
    for (let i = 0; i < s.count; i++) {
      lines.push(
        [run.runId, label, optimizer, i + 1, loss[i], accuracy[i], grad[i], lr[i], ms[i]]
          .map(csvField)
          .join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
