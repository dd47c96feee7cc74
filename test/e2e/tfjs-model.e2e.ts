/**
 * Your own model, end to end: a TensorFlow.js Layers conv model built and saved here, opened in
 * the network lab with "Open model…" on the digits, trained from the file's θ, its landscape
 * drawn; an unsupported layer is refused by name and the lab keeps working.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../engine/network/layers/helpers';
import { canvasStats, loadApp, openApp, type Harness } from './harness';

let h: Harness;
let convFiles: string[];
let lstmFiles: string[];

const filesBeside = (json: string) =>
  fs.readdirSync(path.dirname(json)).map((f) => path.join(path.dirname(json), f));

beforeAll(async () => {
  await tf.setBackend('cpu');
  const conv = tf.sequential({
    name: 'digits_cnn',
    layers: [
      tf.layers.reshape({ targetShape: [8, 8, 1], inputShape: [64] }),
      tf.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  convFiles = filesBeside(await saveModel(tf, conv, 'e2e-conv'));
  const lstm = tf.sequential({
    layers: [
      tf.layers.reshape({ targetShape: [8, 8], inputShape: [64] }),
      tf.layers.lstm({ units: 4, name: 'lstm_1' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  lstmFiles = filesBeside(await saveModel(tf, lstm, 'e2e-lstm'));
  h = await openApp({ viewport: { width: 1600, height: 1000 } });
  await loadApp(h);
  await h.page.getByRole('tab', { name: 'Network lab' }).click();
  await h.page.getByTestId('net-summary').waitFor({ timeout: 60_000 });
});
afterAll(() => h?.close());

const text = async (locator: { textContent(): Promise<string | null> }) =>
  ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
const netStep = async () =>
  Number(/step (\d+)/.exec((await h.page.getByTestId('net-step-count').textContent()) ?? '')?.[1]);

describe('your own model in the network lab', () => {
  it('opens a conv model on the digits, trains it and draws its landscape', async () => {
    // The digits first (the model takes 64 inputs and gives 10 classes).
    const details = h.page.locator('details.setup');
    if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
    await h.page.getByRole('combobox', { name: 'Dataset' }).selectOption('digits');
    await h.page.getByRole('button', { name: /Rebuild data and network/ }).click();
    await expect.poll(() => text(h.page.getByTestId('net-summary'))).toMatch(/^10 classes/);
    await details.locator('summary').click();

    await h.page.getByLabel('Model files (model.json and its weights)').setInputFiles(convFiles);
    const model = h.page.getByTestId('net-model');
    await expect.poll(() => text(model), { timeout: 60_000 }).toMatch(/runs through its own graph/);
    expect(await text(model)).toMatch(/Conv2D\(6, relu\).*Dense\(10, softmax\); 1,030 parameters/);
    // conv 6·9 + 6 = 60, dense 10·(4·4·6) + 10 = 970.
    expect(await text(h.page.getByTestId('net-summary'))).toMatch(/1,030 parameters/);
    const runs = h.page.getByRole('region', { name: /^Run \d+:/ });
    await expect.poll(() => runs.count()).toBe(2);

    const button = h.page.getByTestId('net-play-pause');
    await button.click();
    const deadline = Date.now() + 90_000;
    while ((await netStep()) < 60 && Date.now() < deadline) await h.page.waitForTimeout(250);
    await button.click();
    await expect.poll(() => button.textContent()).toBe('Train');
    expect(await netStep()).toBeGreaterThanOrEqual(60);

    const settings = h.page.getByRole('form', { name: 'Landscape settings' });
    await settings.getByRole('combobox', { name: 'Directions' }).selectOption('random');
    await settings.getByRole('combobox', { name: 'Landscape resolution' }).selectOption('21');
    await settings.getByRole('button', { name: 'Compute landscape' }).click();
    await h.page.getByTestId('landscape-result').waitFor({ timeout: 120_000 });
    await h.page.waitForTimeout(800);
    const contour = await canvasStats(h.page, '[data-testid="landscape-contour"] canvas');
    expect(contour.colors).toBeGreaterThan(30);
    await h.shot('tfjs-model-landscape');
  });

  it('refuses an LSTM by name, and keeps the model it has', async () => {
    await h.page.getByLabel('Model files (model.json and its weights)').setInputFiles(lstmFiles);
    const alert = h.page.getByRole('alert').filter({ hasText: 'LSTM' });
    await expect
      .poll(() => text(alert), { timeout: 30_000 })
      .toMatch(/layer 1 'lstm_1' \(LSTM\) is not supported: LossLab handles .*Conv2D/);
    expect(await text(h.page.getByTestId('net-model'))).toMatch(/runs through its own graph/);
    await h.shot('tfjs-model-refused');
  });
});
