// Benchmark part "startup": the app as a user meets it, in headless Chromium (SwiftShader WebGL)
// against the built app in browser mode, each round a fresh server (dist/web/server.js, its
// own data folder) and a fresh browser profile (cold HTTP cache):
//   (a) start-up: from navigation start to the engine's first answer (its hello:
//       `losslab:engine-ready`) and to the first surface drawn in the explorer's views
//       (`losslab:first-surface`), both performance marks on the page's clock; the later of the
//       two is when the app is ready. Where the time goes comes from the navigation and resource
//       timing and from the engine socket's frames (Chrome DevTools protocol, same clock);
//   (b) the engine's idle memory with the default session (the explorer's first race) after
//       start-up. In browser mode the engine is a worker thread of the server process, so it
//       is the server's RSS once the page is idle less its RSS before the page opened;
//   (c) the network lab: from the click on Train to the first update shown ("step 1" in the
//       lab's step count), timed in the page (the click event's time stamp, a MutationObserver);
//   (d) exports through the Export dialog after a 150-step race, as export.e2e's measuring test
//       does: a 1920 × 1080, 30 fps, 5 s video of both views side by side (its status note's
//       codec and PSNR), then a GIF of both views at the dialog's default GIF settings
//       (480 × 270, 15 fps, 4 s). Timed from the click on Export to the "Saved …" status.
// Medians over the rounds, with min–max.
//
//   node scripts/bench/startup.mjs [--rounds 5] [--chromium /usr/bin/chromium]
//                                  [--startup-only] [--dist DIR]...
//
// --startup-only measures (a) and (b) alone. --dist names a built app's dist/ folder (default
// this repo's): given twice or more, each round measures each build in turn, so two builds are
// compared under the same load (a copy of dist/ must sit where its packages resolve, e.g. beside
// a symlink to node_modules).
//
// Needs `npm run build` first (the renderer and the server; `npm run bench` builds only the
// Node side). Also a module of `npm run bench` (scripts/bench.mjs): the default export takes
// its context ({ rounds, log }) and resolves with a table.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultChromium, launchChromium } from './shared/chromium.mjs';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '../..');
const defaultDist = path.join(root, 'dist');
const serverScriptIn = (dist) => path.join(dist, 'web/server.js');
const rendererIndexIn = (dist) => path.join(dist, 'renderer/index.html');

const GOALS = {
  /** Navigation start to engine ready and first surface, whichever comes later. */
  startupMs: 1500,
  /** Click on Train to the first update shown. */
  firstStepMs: 1000,
  /** The engine's RSS, idle after start-up with the default session. */
  engineMiB: 250,
  /** 1920 × 1080, 30 fps, 5 s of both views. */
  videoS: 10,
};
const VIEWPORT = { width: 1440, height: 900 };
/** Steps the explorer's race takes before the exports (export.e2e's). */
const RACE_STEPS = 150;

// ---------------------------------------------------------------------------------------------
// Processes: the server, and memory read from /proc (Linux).

/** Starts browser mode in a child process; resolves with its URL once it prints it. */
async function startServer(dataDir, dist) {
  const child = spawn(process.execPath, [serverScriptIn(dist)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOSSLAB_DATA_DIR: dataDir },
  });
  const url = await new Promise((resolve, reject) => {
    child.once('exit', () => reject(new Error('the server stopped; run `npm run build` first')));
    child.stdout.on('data', (chunk) => {
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\w+)/.exec(String(chunk));
      if (match) resolve(match[1]);
    });
  });
  return {
    url,
    pid: child.pid,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

/** Resident and peak resident memory of a process (MiB), from /proc/PID/status. */
function memoryOf(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}

/** Every process on the machine as { pid, ppid, cmdline }. */
function processes() {
  const list = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses: fields resume after ") ".
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      list.push({ pid: Number(entry), ppid, cmdline });
    } catch {
      // It ended while we looked.
    }
  }
  return list;
}

/**
 * This round's Chromium processes: the browser started with our profile folder and its
 * descendants, with their kinds (`--type=renderer`, `gpu-process`, …; the browser's is "browser").
 */
function chromiumProcesses(userDataDir) {
  const all = processes();
  const ours = (p) => p?.cmdline.includes(`--user-data-dir=${userDataDir}`);
  // Its children carry the flag too: the browser is the one whose parent does not.
  const browser = all.find((p) => ours(p) && !ours(all.find((q) => q.pid === p.ppid)));
  if (!browser) return [];
  const found = [{ pid: browser.pid, type: 'browser' }];
  for (let i = 0; i < found.length; i++) {
    for (const p of all) {
      if (p.ppid !== found[i].pid) continue;
      found.push({ pid: p.pid, type: /--type=([\w-]+)/.exec(p.cmdline)?.[1] ?? 'other' });
    }
  }
  return found;
}

/** The largest Chromium renderer's RSS now (the page's: the spare renderers are small), MiB. */
function pageMemory(userDataDir) {
  const renderers = chromiumProcesses(userDataDir).filter((p) => p.type === 'renderer');
  return renderers.length ? Math.max(...renderers.map((p) => memoryOf(p.pid).rss)) : NaN;
}

/**
 * Samples the largest Chromium renderer's RSS (the page's: the spare renderers are small) every
 * 200 ms until `stop()`, which resolves with its peak in MiB.
 */
function samplePageMemory(userDataDir) {
  let pids = [];
  let peak = 0;
  const sample = () => {
    for (const pid of pids) peak = Math.max(peak, memoryOf(pid).rss || 0);
  };
  const refresh = () => {
    pids = chromiumProcesses(userDataDir)
      .filter((p) => p.type === 'renderer')
      .map((p) => p.pid);
  };
  refresh();
  sample();
  const timer = setInterval(sample, 200);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// One round: a fresh server and browser, every workload in turn.

async function oneRound(executablePath, log, { dist = defaultDist, startupOnly = false } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-bench-data-'));
  const server = await startServer(dataDir, dist);
  let browser;
  try {
    await sleep(500);
    const serverAlone = memoryOf(server.pid);
    browser = await launchChromium(executablePath, {
      viewport: VIEWPORT,
      deviceScaleFactor: 1,
      acceptDownloads: true,
    });
    const { context, page, userDataDir } = browser;
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));

    // (a) Start-up.
    const wire = await watchNetwork(context, page);
    await page.goto(server.url);
    await page
      .waitForFunction(
        () =>
          performance.getEntriesByName('losslab:engine-ready').length > 0 &&
          performance.getEntriesByName('losslab:first-surface').length > 0,
        null,
        { timeout: 60_000, polling: 100 },
      )
      .catch((err) => {
        throw new Error(
          `no losslab:engine-ready and losslab:first-surface marks within 60 s (a renderer built before them? run \`npm run build\`): ${err.message}`,
        );
      });
    await page.getByRole('region', { name: /^Run 1:/ }).waitFor({ timeout: 60_000 });
    await page.getByTestId('play-pause').waitFor();
    const startup = await startupTimes(page, wire);
    await wire.detach();
    log(
      `  start-up: engine ready ${ms(startup.engineReady)}, first surface ${ms(startup.firstSurface)}`,
    );

    // (b) The engine idle with the default session: the server's RSS, settled.
    await sleep(2000);
    const samples = [];
    for (let k = 0; k < 8; k++) {
      samples.push(memoryOf(server.pid).rss);
      await sleep(250);
    }
    const serverIdle = { rss: median(samples), peak: memoryOf(server.pid).peak };
    const memory = {
      engine: serverIdle.rss - serverAlone.rss,
      serverAlone: serverAlone.rss,
      serverIdle: serverIdle.rss,
      serverPeak: serverIdle.peak,
      page: pageMemory(userDataDir),
    };
    log(
      `  engine idle: ${mib(memory.engine)} (server ${mib(serverAlone.rss)} → ${mib(serverIdle.rss)})`,
    );
    if (startupOnly) {
      if (problems.length) log(`  page errors: ${problems.join(' | ')}`);
      return { startup, memory, chromium: context.browser()?.version() ?? '' };
    }

    // (c) The network lab's first update after Train.
    await page.getByRole('tab', { name: 'Network lab' }).click();
    await page.getByTestId('net-summary').waitFor({ timeout: 60_000 });
    const train = page.getByTestId('net-play-pause');
    await page.waitForFunction(
      () => !document.querySelector('[data-testid="net-play-pause"]')?.hasAttribute('disabled'),
      null,
      { timeout: 60_000 },
    );
    // A user reads the lab before pressing Train: let its set-up settle.
    await sleep(1000);
    const firstStep = await timeClick(page, train, '[data-testid="net-step-count"]', {
      pattern: '^step [1-9]',
      timeout: 60_000,
    });
    await train.click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="net-play-pause"]')?.textContent === 'Train',
    );
    const trainPeak = memoryOf(server.pid).peak;
    log(`  network lab: Train → ${firstStep.text.trim()} in ${ms(firstStep.ms)}`);

    // (d) Exports of the explorer's race after 150 steps.
    await page.getByRole('tab', { name: 'Surfaces' }).click();
    await playUntil(page, RACE_STEPS);
    await page.getByRole('button', { name: 'Export ▾' }).click();
    await page.getByRole('menuitem', { name: 'Video…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export' });
    await dialog.waitFor();
    await dialog.getByRole('combobox', { name: 'View' }).selectOption('both');
    await dialog
      .getByRole('combobox', { name: 'Resolution' })
      .selectOption({ label: '1920 × 1080 (Full HD)' });
    await dialog.getByRole('combobox', { name: 'Frame rate' }).selectOption('30');
    await dialog.getByRole('spinbutton', { name: 'Duration (seconds)' }).fill('5');
    const video = await timedExport(page, dialog, userDataDir);
    log(`  video: ${video.seconds.toFixed(1)} s — ${video.note}`);

    await dialog.getByRole('combobox', { name: 'What to export' }).selectOption('gif');
    await dialog.getByRole('combobox', { name: 'View' }).selectOption('both');
    const gif = await timedExport(page, dialog, userDataDir);
    log(`  GIF: ${gif.seconds.toFixed(1)} s — ${gif.note}`);
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();

    if (problems.length) log(`  page errors: ${problems.join(' | ')}`);
    return {
      startup,
      memory,
      firstStep: { ms: firstStep.ms, text: firstStep.text.trim(), serverPeak: trainPeak },
      video,
      gif,
      chromium: context.browser()?.version() ?? '',
    };
  } finally {
    await browser?.close();
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Records, on the DevTools protocol's clock, when the document was requested and when the
 * engine socket opened and carried its first frames (the hello and its answer), so start-up can
 * be split into page load, engine start and the first race's set-up.
 */
async function watchNetwork(context, page) {
  const cdp = await context.newCDPSession(page);
  const seen = { document: undefined, socketOpen: undefined, sent: [], received: [] };
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.type === 'Document' && !seen.document)
      seen.document = { timestamp: e.timestamp, wallTime: e.wallTime };
  });
  cdp.on('Network.webSocketHandshakeResponseReceived', (e) => {
    seen.socketOpen ??= e.timestamp;
  });
  cdp.on('Network.webSocketFrameSent', (e) => seen.sent.push(e.timestamp));
  cdp.on('Network.webSocketFrameReceived', (e) => seen.received.push(e.timestamp));
  await cdp.send('Network.enable');
  return { seen, detach: () => cdp.detach() };
}

/** Start-up times in ms from navigation start, with where they went. */
async function startupTimes(page, wire) {
  const inPage = await page.evaluate(() => {
    const at = (name) => performance.getEntriesByName(name)[0]?.startTime;
    const nav = performance.getEntriesByType('navigation')[0];
    // The app mounted (a build before the mark: DOMContentLoaded, when its one bundle had run).
    const appMounted = at('losslab:app-mounted') ?? nav?.domContentLoadedEventEnd;
    const allScripts = performance
      .getEntriesByType('resource')
      .filter((r) => r.initiatorType === 'script' || /\.js(\?|$)/.test(r.name));
    // What the first view waited for, and what was fetched on demand after it.
    const scripts = allScripts.filter((r) => r.startTime < appMounted);
    const later = allScripts.filter((r) => r.startTime >= appMounted);
    const firstSurface = at('losslab:first-surface');
    // The 3-D render that drew it: the render-3d measure ending where the mark is.
    const render = performance
      .getEntriesByName('losslab:render-3d')
      .find((m) => Math.abs(m.startTime + m.duration - firstSurface) < 1);
    return {
      timeOrigin: performance.timeOrigin,
      engineReady: at('losslab:engine-ready'),
      firstSurface,
      firstRenderMs: render?.duration,
      htmlEnd: nav?.responseEnd,
      scriptsEnd: Math.max(0, ...scripts.map((r) => r.responseEnd)),
      scriptBytes: scripts.reduce((n, r) => n + (r.encodedBodySize || 0), 0),
      laterScriptBytes: later.reduce((n, r) => n + (r.encodedBodySize || 0), 0),
      domContentLoaded: nav?.domContentLoadedEventEnd,
      appMounted,
      backendKnown: at('losslab:engine-backend'),
    };
  });
  // DevTools time stamps (seconds, monotonic) to the page's clock through the document
  // request's wall time.
  const { document: doc, socketOpen, sent, received } = wire.seen;
  const toPage = (t) =>
    doc && t !== undefined
      ? (t - doc.timestamp) * 1000 + (doc.wallTime * 1000 - inPage.timeOrigin)
      : undefined;
  const helloSent = toPage(sent[0]);
  const helloAnswered = toPage(received[0]);
  return {
    ...inPage,
    ready: Math.max(inPage.engineReady, inPage.firstSurface),
    socketOpen: toPage(socketOpen),
    helloSent,
    helloAnswered,
  };
}

/**
 * Clicks `button` and times, in the page, from the click event to the first change of the
 * element at `selector` whose text matches `pattern`. Resolves with { ms, text }.
 */
async function timeClick(page, button, selector, { pattern, failPattern, timeout }) {
  await page.evaluate(
    ({ selector, pattern, failPattern }) => {
      const target = document.querySelector(selector);
      if (!target) throw new Error(`nothing at ${selector}`);
      const watch = { click: undefined, done: undefined, text: '' };
      window.__losslabBench = watch;
      document.addEventListener(
        'click',
        (e) => {
          watch.click = e.timeStamp;
        },
        { capture: true, once: true },
      );
      const re = new RegExp(pattern);
      const failed = failPattern ? new RegExp(failPattern) : undefined;
      const observer = new MutationObserver(() => {
        const text = target.textContent ?? '';
        if (!re.test(text) && !failed?.test(text)) return;
        watch.done = performance.now();
        watch.text = text;
        observer.disconnect();
      });
      observer.observe(target, { childList: true, characterData: true, subtree: true });
    },
    { selector, pattern, failPattern },
  );
  await button.click();
  await page.waitForFunction(() => window.__losslabBench.done !== undefined, null, {
    timeout,
    polling: 200,
  });
  const watch = await page.evaluate(() => window.__losslabBench);
  if (failPattern && new RegExp(failPattern).test(watch.text)) throw new Error(watch.text);
  return { ms: watch.done - watch.click, text: watch.text };
}

/**
 * Presses the dialog's Export and times it to its "Saved …" status; the status note's codec,
 * PSNR and render seconds, the file's size, the mean per-frame stages and the page's peak RSS.
 */
async function timedExport(page, dialog, userDataDir) {
  await page.evaluate(() => performance.clearMeasures());
  const memory = samplePageMemory(userDataDir);
  const download = page.waitForEvent('download', { timeout: 900_000 });
  download.catch(() => undefined); // a failed export throws below instead
  const timed = await timeClick(
    page,
    dialog.getByRole('button', { name: 'Export', exact: true }),
    '[data-testid="export-status"]',
    { pattern: '^Saved ', failPattern: '^(Export failed|Cancelled|Not saved)', timeout: 900_000 },
  );
  const peakMiB = memory.stop();
  const file = await (await download).path();
  const bytes = file ? fs.statSync(file).size : NaN;
  const stages = await page.evaluate(() =>
    Object.fromEntries(
      ['losslab:export-frame', 'losslab:export-3d', 'losslab:export-encode'].map((name) => {
        const entries = performance.getEntriesByName(name);
        const total = entries.reduce((t, e) => t + e.duration, 0);
        return [name.replace('losslab:export-', ''), entries.length ? total / entries.length : NaN];
      }),
    ),
  );
  // "Saved NAME (SIZE; NOTE)." — the note: "MP4 avc, 1920 × 1080, 150 frames, 9.8 s to render,
  // PSNR 41.2 dB" for a video, "480 × 270, 60 frames" for a GIF.
  const note = /\(([^;]+); (.*)\)\.$/.exec(timed.text)?.[2] ?? timed.text;
  return {
    seconds: timed.ms / 1000,
    note,
    psnr: Number(/PSNR (\d+(?:\.\d+)?) dB/.exec(note)?.[1] ?? NaN),
    renderS: Number(/([\d.]+) s to render/.exec(note)?.[1] ?? NaN),
    bytes,
    stages,
    peakMiB,
  };
}

/** Plays the explorer's race until every run has `steps` steps (or stopped), then pauses. */
async function playUntil(page, steps) {
  await page.getByRole('combobox', { name: 'Speed (steps per frame)' }).selectOption('10');
  const button = page.getByTestId('play-pause');
  await button.click();
  const stepCount = async () =>
    Number(/step (\d+)/.exec((await page.getByTestId('step-count').textContent()) ?? '')?.[1]);
  const deadline = Date.now() + 120_000;
  while ((await stepCount()) < steps) {
    if (Date.now() > deadline) throw new Error(`playback did not reach ${steps} steps`);
    if ((await button.textContent()) === 'Play' && (await stepCount()) > 0) break;
    await sleep(250);
  }
  if ((await button.textContent()) === 'Pause') await button.click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="play-pause"]')?.textContent === 'Play',
  );
}

// ---------------------------------------------------------------------------------------------
// The rounds and the table.

/**
 * The rounds: each round measures each build of `ctx.dists` (default: this repo's dist/) in
 * turn. Resolves with one table per build.
 */
async function measure(ctx) {
  const { rounds, log } = ctx;
  const dists = ctx.dists?.length ? ctx.dists : [defaultDist];
  const loadBefore = os.loadavg()[0];
  const executablePath = ctx.chromium ?? defaultChromium;
  for (const dist of dists) {
    if (!fs.existsSync(rendererIndexIn(dist)) || !fs.existsSync(serverScriptIn(dist))) {
      throw new Error(`no built app in ${dist}: run \`npm run build\` first`);
    }
  }
  if (!fs.existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath} (set CHROMIUM_PATH, or --chromium)`);
  }
  const results = dists.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, dist] of dists.entries()) {
      log(`startup: round ${r + 1} of ${rounds}${dists.length > 1 ? `, ${dist}` : ''}`);
      results[i].push(
        await oneRound(executablePath, log, { dist, startupOnly: ctx.startupOnly === true }),
      );
    }
  }
  const load = [loadBefore, os.loadavg()[0]];
  return dists.map((dist, i) =>
    report(results[i], load, dists.length > 1 ? path.relative(process.cwd(), dist) : undefined),
  );
}

async function run(ctx) {
  return (await measure(ctx))[0];
}

function report(results, load, label) {
  const pick = (f) => results.map(f).filter((v) => Number.isFinite(v));
  const med = (f) => median(pick(f));
  const range = (f, format) => {
    const values = pick(f);
    if (values.length === 0) return 'n/a';
    const [lo, hi] = [format(Math.min(...values)), format(Math.max(...values))];
    return lo === hi
      ? `${lo} (${values.length} round${values.length === 1 ? '' : 's'})`
      : `${lo}–${hi}`;
  };
  const met = (value, goal) => (Number.isFinite(value) ? (value < goal ? '✓' : '✗') : '?');
  const s1 = (v) => `${v.toFixed(1)} s`;

  const ready = med((r) => r.startup.ready);
  const firstStep = med((r) => r.firstStep?.ms);
  const engine = med((r) => r.memory.engine);
  const video = med((r) => r.video?.seconds);
  const gif = med((r) => r.gif?.seconds);
  const last = results[results.length - 1];
  const codec = /^(\w+ [\w.-]+)/.exec(last.video?.note ?? '')?.[1] ?? '';

  const rows = [
    [
      'start-up: navigation → engine ready (its hello answered) — ms',
      ms(med((r) => r.startup.engineReady)),
      '–',
      '–',
      range((r) => r.startup.engineReady, ms),
      `HTML in ${ms(med((r) => r.startup.htmlEnd))}, the ${kb(last.startup.scriptBytes)} of script loaded before the app mounted in ${ms(med((r) => r.startup.scriptsEnd))} (${kb(last.startup.laterScriptBytes)} more later, on demand), DOMContentLoaded ${ms(med((r) => r.startup.domContentLoaded))}, engine socket open ${ms(med((r) => r.startup.socketOpen))}, hello sent ${ms(med((r) => r.startup.helloSent))} and answered ${ms(med((r) => r.startup.helloAnswered))} (the engine worker's start: ${ms(med((r) => r.startup.helloAnswered - r.startup.socketOpen))}), app mounted ${ms(med((r) => r.startup.appMounted))}; the tfjs backend known ${ms(med((r) => r.startup.backendKnown))} (the badge; the explorer does not wait for it)`,
    ],
    [
      "start-up: navigation → first surface drawn (explorer's 3-D and contour views) — ms",
      ms(med((r) => r.startup.firstSurface)),
      '–',
      '–',
      range((r) => r.startup.firstSurface, ms),
      `${ms(med((r) => r.startup.firstSurface - Math.max(r.startup.engineReady, r.startup.appMounted || 0)))} after engine ready and the app mounted (the first race set up, its surface computed, sent and drawn; the 3-D render that drew it ${ms(med((r) => r.startup.firstRenderMs))})`,
    ],
    [
      'start-up: ready (the later of the two) — ms',
      ms(ready),
      `< ${ms(GOALS.startupMs)}`,
      met(ready, GOALS.startupMs),
      range((r) => r.startup.ready, ms),
      `the page's renderer process ${mib(med((r) => r.memory.page))} RSS after start-up; the server's peak RSS so far ${mib(med((r) => r.memory.serverPeak))}`,
    ],
    [
      "engine's idle RSS with the default session, after start-up — MiB",
      mib(engine),
      `< ${GOALS.engineMiB} MiB`,
      met(engine, GOALS.engineMiB),
      range((r) => r.memory.engine, mib),
      `the engine is a worker thread of the server process: its RSS idle (${mib(med((r) => r.memory.serverIdle))}) less its RSS before the page opened (${mib(med((r) => r.memory.serverAlone))}); the process's peak so far ${mib(med((r) => r.memory.serverPeak))}`,
    ],
    [
      'network lab: Train → first update shown (default two spirals, 2 runs) — ms',
      ms(firstStep),
      `< ${ms(GOALS.firstStepMs)}`,
      met(firstStep, GOALS.firstStepMs),
      range((r) => r.firstStep?.ms, ms),
      `click event to the step count's text changing to "${last.firstStep?.text}" (painted at the next frame); server peak RSS ${mib(med((r) => r.firstStep?.serverPeak))}`,
    ],
    [
      'video export: 1920 × 1080, 30 fps, 5 s, both views (150 frames) — s',
      s1(video),
      `≤ ${GOALS.videoS} s`,
      Number.isFinite(video) ? (video <= GOALS.videoS ? '✓' : '✗') : '?',
      range((r) => r.video?.seconds, s1),
      `${codec}, PSNR ${med((r) => r.video?.psnr).toFixed(1)} dB (middle frame), ${mb(med((r) => r.video?.bytes))}; note's render time ${s1(med((r) => r.video?.renderS))}; per frame: draw ${ms(med((r) => r.video?.stages.frame))} (3-D ${ms(med((r) => r.video?.stages['3d']))}), encode ${ms(med((r) => r.video?.stages.encode))}; page's peak RSS ${mib(med((r) => r.video?.peakMiB))}`,
    ],
    [
      "GIF export: both views at the dialog's defaults (480 × 270, 15 fps, 4 s: 60 frames) — s",
      s1(gif),
      '–',
      '–',
      range((r) => r.gif?.seconds, s1),
      `${last.gif?.note}, ${mb(med((r) => r.gif?.bytes))}; page's peak RSS ${mib(med((r) => r.gif?.peakMiB))}`,
    ],
  ];
  // --startup-only: the start-up and memory rows alone.
  if (!last.firstStep) rows.length = 4;
  return {
    title: `Start-up, first training step, memory and export (Chromium ${last.chromium} headless, SwiftShader, browser mode)${label ? ` — ${label}` : ''}`,
    columns: ['workload', 'LossLab', 'goal', 'met', 'spread', 'notes'],
    rows,
    notes: [
      `${results.length} round${results.length === 1 ? '' : 's'}, each a fresh server and browser profile (cold cache), viewport ${VIEWPORT.width} × ${VIEWPORT.height}, ${os.cpus().length} cores, load average ${load[0].toFixed(1)} at the start and ${load[1].toFixed(1)} at the end; medians, spread min–max. Times are from navigation start on the page's clock (performance marks \`losslab:engine-ready\`, \`losslab:first-surface\`).`,
      "Page's peak RSS: the largest Chromium renderer process's RSS, sampled every 200 ms during the export. Server RSS and peak: /proc/PID/status VmRSS and VmHWM of the browser-mode server.",
    ],
  };
}

// ---------------------------------------------------------------------------------------------

function sleep(msToWait) {
  return new Promise((resolve) => setTimeout(resolve, msToWait));
}

function median(values) {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const ms = (v) => (Number.isFinite(v) ? `${Math.round(v).toLocaleString('en')} ms` : 'n/a');
const mib = (v) => (Number.isFinite(v) ? `${Math.round(v)} MiB` : 'n/a');
const kb = (v) => (Number.isFinite(v) ? `${Math.round(v / 1000).toLocaleString('en')} kB` : 'n/a');
const mb = (v) => (Number.isFinite(v) ? `${(v / 1e6).toFixed(1)} MB` : 'n/a');

/** The table as Markdown, as `npm run bench` prints it. */
function markdown({ title, columns, rows, notes }) {
  const lines = [`## ${title}`, '', `| ${columns.join(' | ')} |`];
  lines.push(`|${columns.map(() => '---').join('|')}|`);
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  if (notes.length) lines.push('', ...notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
  };
  const rounds = Number(option('rounds', '5'));
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error('--rounds must be a positive integer');
  const dists = args.flatMap((a, i) =>
    a === '--dist' && i + 1 < args.length ? [args[i + 1]] : [],
  );
  const tables = await measure({
    rounds,
    chromium: option('chromium', undefined),
    dists: dists.map((d) => path.resolve(d)),
    startupOnly: args.includes('--startup-only'),
    log: (line) => process.stderr.write(line + '\n'),
  });
  process.stdout.write(tables.map(markdown).join('\n\n') + '\n');
}

export default run;
