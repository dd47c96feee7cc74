/**
 * Saving a tfjs Layers model built in a test as the files `model.save` writes (model.json and
 * one weights file), through tfjs io's save handler.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as TfModule from '@tensorflow/tfjs';
import type { Tf } from '../../../../electron/engine/network';

/** Saves `model` into a new folder as model.json + weights.bin; returns model.json's path. */
export async function saveModel(
  tf: Tf,
  model: TfModule.LayersModel,
  name = 'model',
): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `losslab-${name}-`));
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      fs.writeFileSync(path.join(dir, 'weights.bin'), weights);
      const json = {
        format: 'layers-model',
        generatedBy: 'test',
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs }],
      };
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return path.join(dir, 'model.json');
}
