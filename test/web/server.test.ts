/** Browser mode's guard and bridge: token, Origin, Host, binary CBOR frames to a worker engine. */
import { decode, encode } from 'cborg/extended';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EngineMessage } from '../../electron/common/protocol';
import { startServer, type RunningServer } from '../../electron/web/server';
import { TestClient } from '../helpers/engine-client';

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
