/**
 * The basin map in and out of sessions: the last finished map is saved in the session's
 * explorer part, exactly as computed (its spec and every cell), and shown again on open.
 */
import type { BasinsResultMessage } from '../../../common/protocol';
import type { Domain, Point } from '../../../common/schemas';
import type { ExplorerRecording } from '../../../common/session';
import type { BasinsSpec } from '../../../common/spec';
import { countLabels } from './compute';

/** A finished basin map: what was asked (`basins.compute`'s spec) and what came out. */
export interface LiveBasinMap {
  spec: BasinsSpec;
  result: {
    domain: Domain;
    minima: Point[];
    radius: number;
    labels: Int16Array;
    steps: Uint32Array;
    finals: Float64Array;
  };
}

/** A recorded basin map, as a session holds it. */
export type BasinMapRecording = NonNullable<ExplorerRecording['basins']>;

/** A basin map as a session saves it (copies, so the map may be replaced meanwhile). */
export function recordBasinMap({ spec, result }: LiveBasinMap): BasinMapRecording {
  return {
    spec,
    domain: result.domain,
    minima: result.minima,
    radius: result.radius,
    labels: result.labels.slice(),
    steps: result.steps.slice(),
    finals: result.finals.slice(),
  };
}

/** A recorded basin map as `basins.result` shows it (a map from a file took no time). */
export function basinMapMessage(b: BasinMapRecording): Omit<BasinsResultMessage, 'type' | 'id'> {
  return {
    surface: typeof b.spec.surface === 'string' ? b.spec.surface : b.spec.surface.expr,
    resolution: b.spec.resolution,
    domain: b.domain,
    minima: b.minima,
    radius: b.radius,
    labels: b.labels,
    steps: b.steps,
    finals: b.finals,
    counts: countLabels(b.labels, b.minima.length),
    elapsedMs: 0,
    workers: 0,
  };
}
