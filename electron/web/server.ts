/**
 * Browser mode: serves the built renderer on 127.0.0.1 and bridges a WebSocket to an engine in
 * a worker thread. The page and the socket need the random token printed with the URL; the
 * socket also needs the page's own Origin, and every request a Host naming this server (so a
 * rebinding DNS name cannot reach it).
 */
import { decode, encode } from 'cborg/extended';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { WebSocketServer, type WebSocket } from 'ws';
import type { HostMessage } from '../common/protocol';
import { CONTENT_SECURITY_POLICY } from '../common/security';

export interface ServerOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** Folder of the built renderer. @default dist/renderer beside this bundle */
  rendererDir?: string;
  /** The engine worker script. @default dist/engine/worker.js beside this bundle */
  workerPath?: string;
  /** @default a fresh random token */
  token?: string;
  /** Options handed to each engine worker. */
  engineOptions?: Record<string, unknown>;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  /** Live engine workers, one per connected page. */
  readonly engines: number;
  /** Stops every engine worker as if it had crashed (pages are told, and can restart). */
  crashEngines(): Promise<void>;
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const TOKEN_COOKIE = 'losslab_token';
const MAX_FRAME_BYTES = 256 * 1024 * 1024;

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.csv': 'text/csv; charset=utf-8',
  '.map': 'application/json',
};

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function cookieToken(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return rest.join('=');
  }
  return undefined;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const rendererDir = path.resolve(options.rendererDir ?? path.join(here, '..', 'renderer'));
  const workerPath = options.workerPath ?? path.join(here, '..', 'engine', 'worker.js');
  const token = options.token ?? crypto.randomBytes(24).toString('hex');
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
    throw new Error(`no built renderer in ${rendererDir}: run \`npm run build\` first`);
  }
  if (!fs.existsSync(workerPath))
    throw new Error(`no engine worker at ${workerPath}: run \`npm run build\``);

  let port = 0;
  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = () => allowedHosts().map((host) => `http://${host}`);

  const server = http.createServer((req, res) => {
    const refuse = (status: number, why: string) => {
      res
        .writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' })
        .end(`${status}: ${why}\n`);
    };
    if (!allowedHosts().includes(req.headers.host ?? '')) return refuse(403, 'unknown host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, 'method not allowed');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const authorized =
      sameToken(url.searchParams.get('token'), token) ||
      sameToken(cookieToken(req.headers.cookie), token);
    if (!authorized)
      return refuse(403, 'open the URL printed by `npm run web` (it carries the token)');

    const relative =
      url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = path.resolve(rendererDir, relative);
    if (!file.startsWith(rendererDir + path.sep)) return refuse(404, 'not found');
    fs.stat(file, (err, stat) => {
      if (err || !stat.isFile()) return refuse(404, 'not found');
      const headers: http.OutgoingHttpHeaders = {
        'Content-Type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
        'Content-Length': stat.size,
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cache-Control': relative === 'index.html' ? 'no-store' : 'private, max-age=3600',
      };
      if (relative === 'index.html') {
        headers['Set-Cookie'] = `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
      }
      res.writeHead(200, headers);
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file).pipe(res);
    });
  });

  // tfjs-node works in one thread per process: only the first live engine may load it.
  let nativeHolder: Worker | undefined;
  const workers = new Set<Worker>();

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const deny = (why: string) => {
      socket.end(
        `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${why}\n`,
      );
    };
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (!allowedHosts().includes(req.headers.host ?? '')) return deny('unknown host');
    if (url.pathname !== '/engine') return deny('no such endpoint');
    if (!sameToken(url.searchParams.get('token'), token)) return deny('bad token');
    if (!allowedOrigins().includes(req.headers.origin ?? '')) return deny('bad origin');
    wss.handleUpgrade(req, socket, head, (ws) => bridge(ws));
  });

  function spawnEngine(): Worker {
    const allowNative = nativeHolder === undefined;
    const worker = new Worker(workerPath, {
      workerData: { ...options.engineOptions, allowNative },
    });
    if (allowNative) nativeHolder = worker;
    workers.add(worker);
    worker.once('exit', () => {
      workers.delete(worker);
      if (nativeHolder === worker) nativeHolder = undefined;
    });
    return worker;
  }

  function bridge(ws: WebSocket): void {
    let worker: Worker;
    let closing = false;
    const sendToPage = (message: unknown) => {
      if (ws.readyState === ws.OPEN) ws.send(encode(message), { binary: true });
    };
    const attach = () => {
      worker = spawnEngine();
      worker.on('message', sendToPage);
      let reason = '';
      worker.on('error', (err) => {
        reason = `the engine crashed: ${err.message}`;
      });
      worker.on('exit', (code) => {
        if (closing) return;
        const gone: HostMessage = {
          type: 'engine.gone',
          reason: reason || `the engine stopped (exit code ${code})`,
          exitCode: code,
        };
        sendToPage(gone);
      });
    };
    attach();
    /** Messages that arrive while the engine restarts wait here for the new one. */
    let backlog: unknown[] | undefined;
    ws.on('message', (data, isBinary) => {
      let message: unknown;
      try {
        if (!isBinary) throw new Error('text frame');
        message = decode(data as Buffer);
      } catch {
        sendToPage({ type: 'error', message: 'the frame was not a binary CBOR message' });
        return;
      }
      if ((message as { type?: unknown })?.type === 'engine.restart') {
        if (backlog) return;
        backlog = [];
        closing = true;
        void worker.terminate().then(() => {
          closing = false;
          attach();
          for (const queued of backlog ?? []) worker.postMessage(queued);
          backlog = undefined;
        });
        return;
      }
      if (backlog) backlog.push(message);
      else worker.postMessage(message);
    });
    ws.on('close', () => {
      closing = true;
      void worker.terminate();
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    get engines() {
      return workers.size;
    },
    async crashEngines() {
      await Promise.all([...workers].map((w) => w.terminate()));
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await Promise.all([...workers].map((w) => w.terminate()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
