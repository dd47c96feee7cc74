// Frame budget of the explorer (issue 4): 8 runs × 10,000 points on a 256×256 surface, in real
// headless Chromium against browser mode — playing, orbiting, and playing while the
// experiments lab trains on both cores. Measures main-thread time per rendered frame from a
// Chrome trace (every task on the renderer's main thread between two frames: our JS, Svelte,
// chart.js, three.js, style, layout, paint), plus the app's own performance.measure marks.
//
//   node scripts/bench-frame.mjs [--seconds 6] [--chromium /usr/bin/chromium]
//
// Prints a Markdown table. Run `npm run build` first.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultChromium, launchChromium } from './bench/shared/chromium.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const seconds = Number(option('seconds', '6'));
const executablePath = option('chromium', defaultChromium);

const serverProcess = spawn(process.execPath, [path.join(root, 'dist/web/server.js')], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  serverProcess.once('exit', () =>
    reject(new Error('the server stopped; run `npm run build` first')),
  );
  serverProcess.stdout.on('data', (chunk) => {
    const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\w+)/.exec(String(chunk));
    if (match) resolve(match[1]);
  });
});
const server = { url, close: async () => serverProcess.kill() };
const browser = await launchChromium(executablePath, { viewport: { width: 1600, height: 1000 } });
const { context, page } = browser;

try {
  await page.goto(server.url);
  await page.getByRole('region', { name: /^Run 3:/ }).waitFor({ timeout: 60_000 });
  for (let k = 4; k <= 8; k++) {
    await page.getByRole('button', { name: 'Add run' }).click();
    await page.getByRole('region', { name: new RegExp(`^Run ${k}:`) }).waitFor();
  }
  const stepCount = async () =>
    Number(/step (\d+)/.exec((await page.getByTestId('step-count').textContent()) ?? '')?.[1]);
  await page.getByRole('combobox', { name: 'Speed (steps per frame)' }).selectOption('500');
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  while ((await stepCount()) < 10_000) await page.waitForTimeout(200);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
  const gridSize = await page.evaluate(
    () => document.querySelector('[data-testid="surface-view"] canvas') !== null,
  );
  if (!gridSize) throw new Error('no 3-D canvas');

  const scenarios = [
    {
      name: 'playing (1 step per frame, 8 runs × 10,000+ points)',
      start: async () => {
        await page.getByRole('combobox', { name: 'Speed (steps per frame)' }).selectOption('1');
        await page.getByRole('button', { name: 'Play', exact: true }).click();
      },
      stop: async () => {
        await page.getByRole('button', { name: 'Pause', exact: true }).click();
      },
    },
    {
      name: 'orbiting the 3-D view (paused)',
      start: async () => {
        const box = await page.getByTestId('surface-view').boundingBox();
        const cx = box.x + box.width / 2;
        const cy = box.y + box.height / 2;
        await page.mouse.move(cx, cy);
        await page.mouse.down();
        const t0 = Date.now();
        let k = 0;
        while (Date.now() - t0 < seconds * 1000) {
          await page.mouse.move(cx + 150 * Math.sin(k / 10), cy + 40 * Math.cos(k / 13));
          await page.waitForTimeout(16);
          k++;
        }
        await page.mouse.up();
      },
      stop: async () => {},
      drivesItself: true,
    },
    {
      // The experiments lab busy on both cores (a 5-fold cross-validation of 4 widths, long
      // enough to outlast the measurement) while the explorer plays.
      name: 'playing while an experiment trains on both cores',
      start: async () => {
        await page.getByRole('tab', { name: 'Experiments' }).click();
        const form = page.getByRole('form', { name: 'Experiment settings' });
        await page.getByRole('tab', { name: 'N-fold cross-validation', exact: true }).click();
        await form.getByRole('spinbutton', { name: 'Epochs', exact: true }).fill('2000');
        await form.getByRole('button', { name: 'Run' }).click();
        await form.getByRole('progressbar', { name: 'Experiment progress' }).waitFor();
        await page.getByRole('tab', { name: 'Surfaces' }).click();
        await page.getByRole('combobox', { name: 'Speed (steps per frame)' }).selectOption('1');
        await page.getByRole('button', { name: 'Play', exact: true }).click();
      },
      stop: async () => {
        await page.getByRole('button', { name: 'Pause', exact: true }).click();
        await page.getByRole('tab', { name: 'Experiments' }).click();
        await page.getByRole('button', { name: 'Cancel' }).click();
      },
    },
  ];

  const rows = [];
  for (const scenario of scenarios) {
    const cdp = await context.newCDPSession(page);
    const events = [];
    cdp.on('Tracing.dataCollected', ({ value }) => events.push(...value));
    const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await page.evaluate(() => performance.clearMeasures());
    await cdp.send('Tracing.start', {
      categories: 'devtools.timeline,disabled-by-default-devtools.timeline.frame,toplevel,blink',
      transferMode: 'ReportEvents',
    });
    await scenario.start();
    if (!scenario.drivesItself) await page.waitForTimeout(seconds * 1000);
    await cdp.send('Tracing.end');
    await done;
    await scenario.stop();
    const marks = await page.evaluate(() => {
      const byName = {};
      for (const m of performance.getEntriesByType('measure'))
        (byName[m.name] ??= []).push(m.duration);
      return byName;
    });
    rows.push({ name: scenario.name, ...analyse(events), marks });
    await cdp.detach();
  }

  console.log(
    `\n### Explorer frame budget (Chromium ${context.browser()?.version() ?? ''} headless, SwiftShader)\n`,
  );
  console.log(
    '| scenario | frames | main-thread ms/frame: median | p90 | mean | fps | our marks, median ms |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const marks = Object.entries(r.marks)
      .map(([name, values]) => `${name.replace('losslab:', '')} ${median(values).toFixed(2)}`)
      .join(', ');
    console.log(
      `| ${r.name} | ${r.frames} | ${r.median.toFixed(2)} | ${r.p90.toFixed(2)} | ${r.mean.toFixed(2)} | ${r.fps.toFixed(1)} | ${marks} |`,
    );
  }
  console.log('\nGoal: median < 8 ms of main-thread time per rendered frame.');
} finally {
  await browser.close();
  await server.close();
}

/**
 * Main-thread busy time per frame: the renderer main thread's top-level tasks, bucketed by the
 * frames the page rendered (each rendering update runs one PrePaint phase).
 */
function analyse(events) {
  const names = new Map();
  for (const e of events) {
    if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args.name);
  }
  if (process.env.BENCH_DEBUG) {
    console.error('threads', JSON.stringify([...names.values()]), 'events', events.length);
    const counts = {};
    for (const e of events) counts[e.name] = (counts[e.name] ?? 0) + 1;
    console.error(
      JSON.stringify(
        Object.entries(counts)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 30),
      ),
    );
  }
  const main = [...names.entries()].filter(([, n]) => n === 'CrRendererMain').map(([k]) => k);
  // The page's renderer is the main thread with the most work.
  const busy = new Map();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (
      main.includes(key) &&
      e.ph === 'X' &&
      (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask')
    )
      busy.set(key, (busy.get(key) ?? 0) + e.dur);
  }
  const thread = [...busy.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const onThread = events.filter((e) => `${e.pid}:${e.tid}` === thread);
  if (process.env.BENCH_DEBUG) {
    const counts = {};
    for (const e of onThread) counts[e.name] = (counts[e.name] ?? 0) + 1;
    console.error(
      JSON.stringify(
        Object.entries(counts)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 40),
      ),
    );
  }
  const frames = onThread
    .filter((e) => e.name === 'PrePaint' || e.name === 'BeginMainThreadFrame')
    .map((e) => e.ts)
    .sort((a, b) => a - b);
  const tasks = onThread.filter(
    (e) => e.ph === 'X' && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask'),
  );
  const perFrame = [];
  for (let k = 1; k < frames.length; k++) {
    const [a, b] = [frames[k - 1], frames[k]];
    let us = 0;
    for (const t of tasks) {
      const s = Math.max(a, t.ts);
      const e = Math.min(b, t.ts + t.dur);
      if (e > s) us += e - s;
    }
    perFrame.push(us / 1000);
  }
  const sorted = [...perFrame].sort((x, y) => x - y);
  const span = (frames.at(-1) - frames[0]) / 1e6;
  return {
    frames: perFrame.length,
    median: median(sorted),
    p90: sorted[Math.floor(0.9 * (sorted.length - 1))] ?? NaN,
    mean: sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length),
    fps: perFrame.length / Math.max(span, 1e-9),
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
