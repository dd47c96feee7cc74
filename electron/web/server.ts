/**
 * Browser mode: serves the built renderer on 127.0.0.1 and bridges a WebSocket to an engine in
 * a worker thread. The page and the socket need the random token printed with the URL; the
 * socket also needs the page's own Origin, and every request a Host naming this server (so a
 * rebinding DNS name cannot reach it).
 *
 * Anything a stranger sends gets an answer or a one-line refusal and the server goes on: every
 * handler (request, upgrade, socket, frame, worker) catches what it throws, every socket has an
 * error listener, frames are size- and shape-checked before anything recurses into them, and at
 * most `maxEngines` engines run at once.
 */
import { encode } from 'cborg/extended';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import serveStatic from 'serve-static';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { checkMessageShape, oneLine } from '../common/bounds';
import {
  DEFAULT_MAX_ENGINES,
  DEFAULT_MAX_FRAME_BYTES,
  MAX_BACKLOG,
  MAX_CONNECTIONS,
  MAX_WAITING_PAGES,
} from '../common/limits';
import type { HostMessage } from '../common/protocol';
import { decodeFrame } from './frames';
import {
  COMMON_HEADERS,
  cookieToken,
  describeError,
  guarded,
  logCaught,
  parseTarget,
  positiveInteger,
  refuse,
  refuseSocket,
  sameToken,
  STATIC_REFUSALS,
  TOKEN_COOKIE,
  usableId,
} from './guards';

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
  /**
   * Most engines alive at once, one per open page (each holds ~100 MB). A page past the cap is
   * told why and waits, connected, until its "Restart engine" finds a free one.
   * @default 4
   */
  maxEngines?: number;
  /** Largest WebSocket message; a bigger one closes that socket with 1009. @default 64 MiB */
  maxFrameBytes?: number;
  /** Time for a request's headers to arrive before a 408. @default 10,000 ms */
  headersTimeoutMs?: number;
  /** Time for a whole request to arrive before a 408. @default 20,000 ms */
  requestTimeoutMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  /** Live engine workers (one per page that holds an engine, plus any still stopping). */
  readonly engines: number;
  /** Open engine sockets: pages holding an engine slot, and pages waiting for one. */
  readonly pages: { engines: number; waiting: number };
  /** Stops every engine worker as if it had crashed (pages are told, and can restart). */
  crashEngines(): Promise<void>;
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));

export { DEFAULT_MAX_ENGINES, DEFAULT_MAX_FRAME_BYTES };

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const rendererDir = path.resolve(options.rendererDir ?? path.join(here, '..', 'renderer'));
  const workerPath = options.workerPath ?? path.join(here, '..', 'engine', 'worker.js');
  const token = options.token ?? crypto.randomBytes(24).toString('hex');
  const maxEngines = positiveInteger(options.maxEngines, DEFAULT_MAX_ENGINES, 'maxEngines');
  const maxFrameBytes = positiveInteger(
    options.maxFrameBytes,
    DEFAULT_MAX_FRAME_BYTES,
    'maxFrameBytes',
  );
  const headersTimeout = positiveInteger(options.headersTimeoutMs, 10_000, 'headersTimeoutMs');
  const requestTimeout = Math.max(
    headersTimeout,
    positiveInteger(options.requestTimeoutMs, 20_000, 'requestTimeoutMs'),
  );
  const indexFile = path.join(rendererDir, 'index.html');
  if (!fs.existsSync(indexFile)) {
    throw new Error(`no built renderer in ${rendererDir}: run \`npm run build\` first`);
  }
  if (!fs.existsSync(workerPath))
    throw new Error(`no engine worker at ${workerPath}: run \`npm run build\``);

  let port = 0;
  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = () => allowedHosts().map((host) => `http://${host}`);

  // serve-static (pillarjs `send`) decodes the path (400 on bad escapes and NUL), refuses `..`
  // (403), ignores dotfiles, handles HEAD, ranges and conditional requests, and reports a file
  // that vanishes mid-stream instead of throwing.
  const serveFiles = serveStatic(rendererDir, {
    index: ['index.html'],
    redirect: false,
    fallthrough: false,
    dotfiles: 'ignore',
    setHeaders: (res, file) => {
      if (file === indexFile) {
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader('Set-Cookie', `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      } else {
        res.setHeader('Cache-Control', 'private, max-age=3600');
      }
    },
  });

  function handleRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    for (const [name, value] of Object.entries(COMMON_HEADERS)) res.setHeader(name, value);
    if (!allowedHosts().includes(req.headers.host ?? '')) return refuse(res, 403, 'unknown host');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return refuse(res, 405, 'only GET and HEAD are served');
    }
    const url = parseTarget(req.url);
    if (!url) return refuse(res, 400, 'the request target must be a path');
    const authorized =
      sameToken(url.searchParams.get('token'), token) ||
      sameToken(cookieToken(req.headers.cookie), token);
    if (!authorized) {
      return refuse(res, 403, 'open the URL printed by `npm run web` (it carries the token)');
    }
    serveFiles(req, res, (err?: unknown) => {
      try {
        const status = (err as { status?: unknown } | undefined)?.status;
        const code = typeof status === 'number' && status >= 400 && status < 600 ? status : 404;
        if (code >= 500) logCaught(`serving ${oneLine(req.url ?? '', 120)}`, err);
        refuse(res, code, STATIC_REFUSALS[code] ?? 'the file could not be read');
      } catch (caught) {
        logCaught('static refusal', caught);
        res.destroy();
      }
    });
  }

  const server = http.createServer({
    headersTimeout,
    requestTimeout,
    // Node checks the two timeouts on this beat (30 s by default): a slow request is cut soon
    // after its time is up.
    connectionsCheckingInterval: 1000,
    keepAliveTimeout: 5000,
    // A request without Host gets this server's own refusal (403, with its headers), not Node's.
    requireHostHeader: false,
  });
  server.maxConnections = MAX_CONNECTIONS;

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    try {
      handleRequest(req, res);
    } catch (err) {
      logCaught('request', err);
      try {
        refuse(res, 500, 'the server could not answer this request');
      } catch {
        res.destroy();
      }
    }
  });

  // Malformed requests, oversized headers, timeouts, resets: Node's parser reports them here.
  server.on(
    'clientError',
    guarded('client error', (err: NodeJS.ErrnoException, socket: Duplex) => {
      const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })
        ._httpMessage;
      if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
        socket.destroy();
        return;
      }
      if (err.code === 'HPE_HEADER_OVERFLOW') {
        refuseSocket(socket, 431, 'the request headers are too large');
      } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        refuseSocket(socket, 408, 'the request took too long to arrive');
      } else {
        refuseSocket(socket, 400, 'malformed HTTP request');
      }
    }),
  );
  server.on(
    'connect',
    guarded('CONNECT', (_req: http.IncomingMessage, socket: Duplex) => {
      refuseSocket(socket, 405, 'only GET and HEAD are served');
    }),
  );
  server.on(
    'checkExpectation',
    guarded('expectation', (_req: http.IncomingMessage, res: http.ServerResponse) => {
      refuse(res, 417, 'no expectations are met here');
    }),
  );

  // tfjs-node works in one thread per process: only the first live engine may load it.
  let nativeHolder: Worker | undefined;
  const workers = new Set<Worker>();
  /** Pages holding an engine slot (their engine may be restarting), and pages waiting. */
  const admitted = new Set<WebSocket>();
  const waiting = new Set<WebSocket>();

  const capReason = () =>
    `this server already runs ${maxEngines} engine${maxEngines === 1 ? '' : 's'}, one per open page; close another LossLab page and press Restart engine`;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxFrameBytes,
    perMessageDeflate: false,
    clientTracking: true,
  });
  wss.on('error', (err) => logCaught('websocket server', err));
  // A handshake ws refuses (bad key, version, method): our refusal, with our headers.
  wss.on(
    'wsClientError',
    guarded('websocket handshake', (err: Error, socket: Duplex) => {
      refuseSocket(socket, 400, `not a WebSocket handshake: ${err.message}`);
    }),
  );

  function handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!allowedHosts().includes(req.headers.host ?? '')) {
      return refuseSocket(socket, 403, 'unknown host');
    }
    const url = parseTarget(req.url);
    if (!url || url.pathname !== '/engine') return refuseSocket(socket, 404, 'no such endpoint');
    if (!sameToken(url.searchParams.get('token'), token)) {
      return refuseSocket(socket, 403, 'bad token');
    }
    if (!allowedOrigins().includes(req.headers.origin ?? '')) {
      return refuseSocket(socket, 403, 'bad origin');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        bridge(ws);
      } catch (err) {
        logCaught('bridge', err);
        ws.terminate();
      }
    });
  }

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands the socket over without its error listener: a reset would throw.
    socket.on('error', () => socket.destroy());
    try {
      handleUpgrade(req, socket, head);
    } catch (err) {
      logCaught('upgrade', err);
      socket.destroy();
    }
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
    let worker: Worker | undefined;
    /** Workers this page stopped itself: their exits are no deaths to report. */
    const dismissed = new WeakSet<Worker>();
    let closed = false;
    /** Messages that arrive while the engine restarts wait here for the new one. */
    let backlog: unknown[] | undefined;

    const sendToPage = (message: unknown) => {
      if (ws.readyState !== ws.OPEN) return;
      let bytes: Uint8Array;
      try {
        bytes = encode(message);
      } catch (err) {
        bytes = encode({
          type: 'error',
          message: oneLine(
            `the server could not encode the engine's message: ${describeError(err)}`,
          ),
        });
      }
      ws.send(bytes, { binary: true }, (err) => {
        if (err) ws.terminate();
      });
    };
    const refuseMessage = (message: unknown, why: string) => {
      const id = usableId(message);
      sendToPage({ type: 'error', ...(id === undefined ? {} : { id }), message: oneLine(why) });
    };
    const toEngine = (message: unknown) => {
      try {
        worker?.postMessage(message);
      } catch (err) {
        refuseMessage(message, `the message could not reach the engine: ${describeError(err)}`);
      }
    };

    const attach = () => {
      const current = spawnEngine();
      worker = current;
      let reason = '';
      current.on('message', guarded('engine message', sendToPage));
      current.on(
        'messageerror',
        guarded('engine message', (err: Error) => {
          sendToPage({ type: 'error', message: `an engine message was lost: ${err.message}` });
        }),
      );
      current.on(
        'error',
        guarded('engine', (err: Error) => {
          reason = oneLine(`the engine crashed: ${err.message}`);
        }),
      );
      current.on(
        'exit',
        guarded('engine exit', (code: number) => {
          if (dismissed.has(current) || closed) return;
          const gone: HostMessage = {
            type: 'engine.gone',
            reason: reason || `the engine stopped (exit code ${code})`,
            exitCode: code,
          };
          sendToPage(gone);
        }),
      );
    };
    const stopEngine = (): Promise<unknown> => {
      const current = worker;
      worker = undefined;
      if (!current) return Promise.resolve();
      dismissed.add(current);
      return current.terminate().catch((err: unknown) => logCaught('engine stop', err));
    };
    const admit = (): boolean => {
      if (admitted.has(ws)) return true;
      if (admitted.size >= maxEngines) return false;
      waiting.delete(ws);
      admitted.add(ws);
      return true;
    };

    const restart = () => {
      if (backlog) return;
      if (!admit()) {
        sendToPage({ type: 'engine.gone', reason: capReason() });
        return;
      }
      backlog = [];
      void stopEngine().then(
        guarded('engine restart', () => {
          const queued = backlog ?? [];
          backlog = undefined;
          if (closed) return;
          attach();
          for (const message of queued) toEngine(message);
        }),
      );
    };

    const onFrame = (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        sendToPage({
          type: 'error',
          message: 'the frame was text: the engine socket takes binary CBOR messages',
        });
        return;
      }
      const bytes = Array.isArray(data)
        ? Buffer.concat(data)
        : data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : data;
      const decoded = decodeFrame(bytes);
      if ('error' in decoded) {
        const { id, error } = decoded;
        sendToPage({ type: 'error', ...(id === undefined ? {} : { id }), message: error });
        return;
      }
      const { message } = decoded;
      const shape = checkMessageShape(message);
      if (shape !== undefined) {
        refuseMessage(message, `the message was refused: ${shape}`);
        return;
      }
      if ((message as { type?: unknown } | null)?.type === 'engine.restart') {
        restart();
        return;
      }
      if (!admitted.has(ws)) {
        refuseMessage(message, `no engine for this page: ${capReason()}`);
        return;
      }
      if (backlog) {
        if (backlog.length >= MAX_BACKLOG) {
          refuseMessage(message, 'the engine is restarting and too many messages are waiting');
        } else backlog.push(message);
        return;
      }
      toEngine(message);
    };

    ws.on('message', guarded('frame', onFrame));
    // Invalid frames, bad UTF-8, oversize messages: ws closes the socket with the matching
    // code (1002, 1007, 1009); this listener keeps the error from reaching the process.
    ws.on('error', () => undefined);
    ws.on(
      'close',
      guarded('socket close', () => {
        closed = true;
        admitted.delete(ws);
        waiting.delete(ws);
        void stopEngine();
      }),
    );

    if (admit()) {
      attach();
      return;
    }
    sendToPage({ type: 'engine.gone', reason: capReason() });
    if (waiting.size >= MAX_WAITING_PAGES) {
      ws.close(1013, 'too many LossLab pages are open');
      return;
    }
    // The page stays connected so its notice keeps the reason; Restart engine asks again.
    waiting.add(ws);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logCaught('server', err));
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    get engines() {
      return workers.size;
    },
    get pages() {
      return { engines: admitted.size, waiting: waiting.size };
    },
    async crashEngines() {
      await Promise.all([...workers].map((w) => w.terminate()));
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await Promise.all([...workers].map((w) => w.terminate()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
