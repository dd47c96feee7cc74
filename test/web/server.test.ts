/** Browser mode's guard and bridge: token, Origin, Host, binary CBOR frames to a worker engine. */
import { decode, encode } from 'cborg/extended';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EngineMessage } from '../../electron/common/protocol';
import { startServer, type RunningServer } from '../../electron/web/server';
import {
  CONTENT_SECURITY_POLICY,
  CONTENT_SECURITY_POLICY_META,
} from '../../electron/common/security';
import { TestClient } from '../helpers/engine-client';
import { rawHttp } from './raw-client';

const root = path.resolve(__dirname, '../..');
let server: RunningServer;

beforeAll(async () => {
  expect(
    fs.existsSync(path.join(root, 'dist/renderer/index.html')),
    'run `npm run build` first',
  ).toBe(true);
  server = await startServer({
    rendererDir: path.join(root, 'dist/renderer'),
    workerPath: path.join(root, 'dist/engine/worker.js'),
  });
});
afterAll(() => server.close());

function get(
  pathname: string,
  headers: Record<string, string> = {},
): Promise<http.IncomingMessage & { body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: pathname,
        headers: { host: `127.0.0.1:${server.port}`, ...headers },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(Object.assign(res, { body })));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function socket(query: string, origin: string | undefined): WebSocket {
  return new WebSocket(`ws://127.0.0.1:${server.port}/engine${query}`, origin ? { origin } : {});
}

function refusal(ws: WebSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', (err) => {
      const match = /Unexpected server response: (\d+)/.exec(err.message);
      if (match) resolve(Number(match[1]));
      else reject(err);
    });
    ws.on('open', () => reject(new Error('the socket opened')));
  });
}

function clientOver(ws: WebSocket): TestClient {
  return new TestClient({
    send: (m) => ws.send(encode(m)),
    onMessage: (listener) =>
      ws.on('message', (data: Buffer) => listener(decode(new Uint8Array(data)) as EngineMessage)),
  });
}

describe('browser-mode server: the page', () => {
  it('refuses the page without the token, or with a wrong one', async () => {
    expect((await get('/')).statusCode).toBe(403);
    expect((await get('/?token=nope')).statusCode).toBe(403);
    expect((await get(`/?token=${server.token}x`)).statusCode).toBe(403);
  });

  it('serves the page with the token, its CSP, and a cookie for the assets', async () => {
    const page = await get(`/?token=${server.token}`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const cookie = String(page.headers['set-cookie']?.[0] ?? '');
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    expect(asset).toBeDefined();
    expect((await get(`/${asset}`)).statusCode).toBe(403);
    expect((await get(`/${asset}`, { cookie: cookie.split(';')[0] })).statusCode).toBe(200);
  });

  it('refuses a foreign Host (DNS rebinding), other methods and paths outside the renderer', async () => {
    expect((await get(`/?token=${server.token}`, { host: 'evil.example' })).statusCode).toBe(403);
    const outside = await get(`/..%2f..%2fpackage.json?token=${server.token}`);
    expect([403, 404]).toContain(outside.statusCode);
    const post = await new Promise<number>((resolve) => {
      const req = http.request(
        { host: '127.0.0.1', port: server.port, path: `/?token=${server.token}`, method: 'POST' },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.end();
    });
    expect(post).toBe(405);
  });
});

describe('browser-mode server: the engine socket', () => {
  const origin = () => `http://127.0.0.1:${server.port}`;

  it('refuses a socket without the token, with a wrong token, or from another origin', async () => {
    expect(await refusal(socket('', origin()))).toBe(403);
    expect(await refusal(socket('?token=bad', origin()))).toBe(403);
    expect(await refusal(socket(`?token=${server.token}`, 'http://evil.example'))).toBe(403);
    expect(await refusal(socket(`?token=${server.token}`, undefined))).toBe(403);
  });

  it('bridges binary CBOR frames to an engine worker: hello, typed arrays, errors', async () => {
    const ws = socket(`?token=${server.token}`, origin());
    await new Promise((resolve) => ws.once('open', resolve));
    const client = clientOver(ws);
    const hello = await client.hello();
    expect(hello.backend).toBe('wasm');
    expect(hello.selfCheck.ok).toBe(true);

    await client.request({
      type: 'run.create',
      run: {
        runId: 'a',
        surface: 'bowl',
        start: [-3, 1],
        optimizer: { optimizer: 'adam', lr: 0.1 },
      },
    });
    await client.request({ type: 'step', steps: 5 });
    const frame = client.log.find((m) => m.type === 'frame');
    expect(frame?.type === 'frame' && frame.runs[0].points).toBeInstanceOf(Float64Array);
    expect(client.trajectory('a').points).toHaveLength(6);

    // A text frame is not a message; the bridge says so and the engine carries on.
    const complaint = client.waitFor((m) => m.type === 'error');
    ws.send('{"type":"hello"}');
    expect(await complaint).toMatchObject({ type: 'error', message: /binary CBOR/ });
    const junk = client.waitFor((m) => m.type === 'error');
    ws.send(new Uint8Array([0xff, 0x00, 0x13]));
    expect(await junk).toMatchObject({ type: 'error' });
    expect((await client.hello()).type).toBe('hello');
    ws.close();
  });

  it('restarts its engine on request: a fresh engine without the old runs', async () => {
    const ws = socket(`?token=${server.token}`, origin());
    await new Promise((resolve) => ws.once('open', resolve));
    const client = clientOver(ws);
    await client.hello();
    await client.request({
      type: 'run.create',
      run: {
        runId: 'old',
        surface: 'saddle',
        start: [1, 0.1],
        optimizer: { optimizer: 'sgd', lr: 0.1 },
      },
    });
    ws.send(encode({ type: 'engine.restart' }));
    await new Promise((r) => setTimeout(r, 300));
    await client.hello();
    const stepped = await client.request({ type: 'step', steps: 1, runId: 'old' });
    expect(stepped).toMatchObject({ type: 'error', field: 'runId' });
    ws.close();
  });
});

describe('browser-mode server: headers on every answer', () => {
  it('sends nosniff and the CSP with frame-ancestors on pages, assets and refusals', async () => {
    const page = await get(`/?token=${server.token}`);
    const cookie = String(page.headers['set-cookie']?.[0] ?? '').split(';')[0];
    const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    const answers = [
      page,
      await get(`/${asset}`, { cookie }),
      await get('/'),
      await get(`/?token=${server.token}`, { host: 'evil.example' }),
      await get('/no-such-file', { cookie }),
      await get('/%', { cookie }),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 403, 403, 404, 400]);
    for (const answer of answers) {
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
    for (const refusal of answers.slice(2)) expect(refusal.body.trim()).not.toContain('\n');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(answers[1].headers['set-cookie']).toBeUndefined();
  });

  it('puts the CSP <meta> of the built page before its first script, without frame-ancestors', () => {
    const html = fs.readFileSync(path.join(root, 'dist/renderer/index.html'), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html);
    expect(meta?.[1]).toBe(CONTENT_SECURITY_POLICY_META);
    expect(meta?.[1]).not.toContain('frame-ancestors');
    expect(CONTENT_SECURITY_POLICY).toBe(`${CONTENT_SECURITY_POLICY_META}; frame-ancestors 'none'`);
    const firstScript = html.indexOf('<script');
    expect(firstScript).toBeGreaterThan(0);
    expect(meta!.index).toBeLessThan(firstScript);
    expect(meta!.index).toBeLessThan(html.indexOf('<link'));
  });
});

describe('browser-mode server: limits', () => {
  const open = async (target: RunningServer) => {
    const ws = new WebSocket(`ws://127.0.0.1:${target.port}/engine?token=${target.token}`, {
      origin: `http://127.0.0.1:${target.port}`,
    });
    const first = new Promise<EngineMessage | undefined>((resolve) => {
      ws.once('message', (data: Buffer) => resolve(decode(new Uint8Array(data)) as EngineMessage));
      ws.once('close', () => resolve(undefined));
    });
    await new Promise((resolve) => ws.once('open', resolve));
    return { ws, client: clientOver(ws), first };
  };

  /** A hello with a generous deadline: several engines start at once on two cores. */
  let helloId = 1000;
  const slowHello = (client: TestClient) => {
    const id = helloId++;
    return client.sendAndWait(
      { type: 'hello', id, protocol: 1 },
      (m) => 'id' in m && m.id === id,
      90_000,
    );
  };

  it('runs at most 4 engines by default; a fifth page is told why, and waits', async () => {
    await expect.poll(() => server.pages.engines).toBe(0);
    const pages: Awaited<ReturnType<typeof open>>[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        pages.push(await open(server));
        expect(await slowHello(pages[i].client)).toMatchObject({ type: 'hello' });
      }
      expect(server.pages).toEqual({ engines: 4, waiting: 0 });
      const fifth = await open(server);
      pages.push(fifth);
      expect(await fifth.first).toMatchObject({
        type: 'engine.gone',
        reason:
          'this server already runs 4 engines, one per open page; close another LossLab page and press Restart engine',
      });
      expect(server.pages).toEqual({ engines: 4, waiting: 1 });
      // Its requests are answered with the reason, by id.
      expect(await slowHello(fifth.client)).toMatchObject({
        type: 'error',
        message: /already runs 4 engines/,
      });
      // An admitted page's restart keeps its own slot.
      pages[0].ws.send(encode({ type: 'engine.restart' }));
      expect(await slowHello(pages[0].client)).toMatchObject({ type: 'hello' });
      expect(server.pages).toEqual({ engines: 4, waiting: 1 });
      expect(server.engines).toBeLessThanOrEqual(4);
      // Once a page closes, the waiting one's Restart engine gets an engine.
      pages[1].ws.close();
      await expect.poll(() => server.pages.engines).toBe(3);
      fifth.ws.send(encode({ type: 'engine.restart' }));
      expect(await slowHello(fifth.client)).toMatchObject({ type: 'hello' });
      expect(server.pages).toEqual({ engines: 4, waiting: 0 });
    } finally {
      for (const page of pages) page.ws.close();
    }
    await expect.poll(() => server.engines, { timeout: 10_000 }).toBe(0);
  }, 300_000);

  it('refuses a message out of shape by id, and the page goes on', async () => {
    const page = await open(server);
    const deep: unknown[] = [];
    let inner = deep;
    for (let i = 0; i < 100; i++) inner.push((inner = []));
    const refused = await page.client.sendAndWait(
      { type: 'hello', id: 9, protocol: 1, deep },
      (m) => m.type === 'error',
    );
    expect(refused).toMatchObject({ id: 9, message: /nested more than 64 levels deep/ });
    const big = await page.client.sendAndWait(
      { type: 'hello', id: 10, protocol: 2n ** 64n },
      (m) => m.type === 'error',
    );
    expect(big).toMatchObject({ id: 10, message: /big integer/ });
    expect((await page.client.hello()).type).toBe('hello');
    page.ws.close();
  });

  it('closes a socket whose message is over maxFrameBytes with 1009; the server goes on', async () => {
    const small = await startServer({
      rendererDir: path.join(root, 'dist/renderer'),
      workerPath: path.join(root, 'dist/engine/worker.js'),
      maxFrameBytes: 1024,
      headersTimeoutMs: 500,
    });
    try {
      const { ws } = await open(small);
      ws.on('error', () => undefined);
      const closed = new Promise<number>((resolve) => ws.once('close', resolve));
      ws.send(new Uint8Array(1025));
      expect(await closed).toBe(1009);
      const again = await open(small);
      expect((await again.client.hello()).type).toBe('hello');
      again.ws.close();
    } finally {
      await small.close();
    }
  });

  it('answers a request whose headers never end with 408 once headersTimeoutMs is up', async () => {
    const small = await startServer({
      rendererDir: path.join(root, 'dist/renderer'),
      workerPath: path.join(root, 'dist/engine/worker.js'),
      headersTimeoutMs: 500,
    });
    try {
      const started = Date.now();
      const answer = await rawHttp(
        small.port,
        `GET /?token=${small.token} HTTP/1.1\r\nHost: 127.0.0.1:${small.port}\r\nX-Slow: `,
        { timeoutMs: 10_000 },
      );
      const waited = Date.now() - started;
      console.log(`slow request answered ${answer.status} after ${waited} ms (timeout 500 ms)`);
      expect(answer.status).toBe(408);
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      // Node checks the timeout once a second: well within 10 s on a loaded machine.
      expect(waited).toBeLessThan(10_000);
    } finally {
      await small.close();
    }
  });
});
