/**
 * `--out FILE.losslab`: what a command computed, written as a session the app opens (File ›
 * Open Session…). The path is checked before any work starts, so a typo does not cost a
 * training; the file is written whole or not at all (a temporary file renamed over it).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ExperimentRecord, ExperimentSpec } from '../common/protocol';
import type { SessionData } from '../common/session';
import type { TrainedLandscape } from '../engine/landscape/landscape-spec';
import type { NetworkProblem, NetworkRun } from '../engine/network';
import type { LiveSession } from '../engine/recording/live-session';
import { SpecError } from './spec';

/** Refuses, as `--out: …`, a path the session could not be written to. */
export async function checkOutPath(file: string): Promise<void> {
  if (!file.endsWith('.losslab')) {
    throw new SpecError(`--out: ${file} does not end in .losslab; name the session FILE.losslab`);
  }
  const dir = path.dirname(path.resolve(file));
  const where = await fs.stat(dir).catch(() => undefined);
  if (!where?.isDirectory()) throw new SpecError(`--out: the folder ${dir} does not exist`);
  const there = await fs.stat(file).catch(() => undefined);
  if (there?.isDirectory()) throw new SpecError(`--out: ${file} is a directory`);
  try {
    await fs.access(dir, fs.constants.W_OK);
  } catch {
    throw new SpecError(`--out: the folder ${dir} is not writable`);
  }
}

/** The app's version, from the package.json the CLI ships with (`unknown` if not found). */
async function appVersion(): Promise<string> {
  for (const up of ['..', '../..']) {
    try {
      const file = path.join(__dirname, up, 'package.json');
      const pkg = JSON.parse(await fs.readFile(file, 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'losslab' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here
    }
  }
  return 'unknown';
}

/**
 * Writes the session of `live` (and `more`: a lab's part sessionFromRuns does not build) to
 * `file`, checked by checkOutPath.
 */
export async function writeSessionFile(
  file: string,
  live: LiveSession,
  more: Pick<SessionData, 'experiments'> = {},
): Promise<void> {
  const [{ sessionFromRuns }, { writeSessionAsync }, { writeAtomically }] = await Promise.all([
    import('../engine/recording/live-session'),
    import('../engine/recording/codec'),
    import('../engine/recording/autosave'),
  ]);
  const data = {
    ...sessionFromRuns({ app: { name: 'LossLab', version: await appVersion() }, ...live }),
    ...more,
  };
  await writeAtomically(file, await writeSessionAsync(data));
}

/** The app opens a CLI session on the lab that holds it. */
const onLab = (mode: 'network' | 'experiments') => ({ view: { mode } });

/** `train --out`, `hessian --out`: the network lab with the SPEC's data, model and runs. */
export const saveNetwork =
  (file: string) =>
  ({ problem, runs }: { problem: NetworkProblem; runs: NetworkRun[] }): Promise<void> =>
    writeSessionFile(file, { network: { problem, runs }, ...onLab('network') });

/** `landscape --out`: the network lab with its runs and the landscape on show. */
export const saveLandscape =
  (file: string) =>
  (t: TrainedLandscape): Promise<void> =>
    writeSessionFile(file, {
      network: {
        problem: t.problem,
        runs: t.runs,
        landscapes: [
          {
            grid: t.grid,
            directions: t.directions,
            center: t.center,
            ...(t.centerOf ? { centerOf: t.centerOf } : {}),
            projections: t.projections,
          },
        ],
      },
      ...onLab('network'),
    });

/** `experiment --out`: the experiments lab with this one finished experiment. */
export function saveExperiment(
  file: string,
  spec: ExperimentSpec,
  result: ExperimentRecord['result'],
): Promise<void> {
  const record: ExperimentRecord = {
    id: 'experiment-0',
    spec,
    result,
    finishedAt: new Date().toISOString(),
  };
  return writeSessionFile(file, onLab('experiments'), { experiments: { experiments: [record] } });
}
