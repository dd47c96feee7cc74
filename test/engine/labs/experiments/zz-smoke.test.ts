import { it } from 'vitest';
import { experimentSpecSchema } from '../../../../electron/common/protocol';
import { loadBackend } from '../../../../electron/engine/backend/select';
import { experimentBase, runExperimentJob } from '../../../../electron/engine/labs/experiments/experiment-job';

it('smoke', async () => {
  const { tf } = await loadBackend();
  for (const input of [
    
    
    
    
    
    { kind: 'batch-size', dataset: { kind: 'moons', n: 300, noise: 0.3 }, model: {width: 32}, epochs: 30, timedUpdates: 5 },
  ]) {
    const spec = experimentSpecSchema.parse(input);
    const base = experimentBase(spec, undefined, tf.getBackend());
    const t0 = performance.now();
    let partials = 0;
    const r = await runExperimentJob(tf, spec, base, undefined, {
      signal: new AbortController().signal,
      checkpoint: () => undefined,
      onProgress: (p) => { if (p.partial) partials++; },
    });
    console.log(spec.kind, (performance.now() - t0).toFixed(0), 'ms', partials, 'partials', r.trainings.length, 'trainings', r.verdict?.branch, JSON.stringify(r.notes), JSON.stringify(r.table.rows), JSON.stringify(r.figures.map(f=>[f.id, f.series.map(s=>s.y.map(v=>v===null?null:+v.toPrecision(3)))])));
  }
}, 300_000);
