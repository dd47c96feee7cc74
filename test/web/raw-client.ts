/**
 * A client that can say anything: raw HTTP over net.connect, and a WebSocket whose frames are
 * built byte by byte (a real client library refuses to send the invalid frames the server must
 * survive). Every wait is bounded; a wait that runs out is reported, never thrown.
 */
import crypto from 'node:crypto';
import net from 'node:net';

export interface RawResponse {
  /** The status of the first response, when one arrived. */
  status?: number;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection. */
  closed: boolean;
  /** Nothing ended the exchange before the deadline. */
  timedOut: boolean;
}

/** Parses the first HTTP response in `buffer`; `complete` once its whole body is there. */
function parseResponse(
  buffer: Buffer,
  head: boolean,
):
  { status: number; headers: Record<string, string>; body: string; complete: boolean } | undefined {
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) return undefined;
  const status = Number(match[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = buffer.subarray(end + 4);
  const length = Number(headers['content-length'] ?? NaN);
  const bodiless = head || status === 101 || status === 204 || status === 304 || status < 200;
  const complete = bodiless || (Number.isFinite(length) && rest.length >= length);
  const bodyBytes = Number.isFinite(length) ? rest.subarray(0, length) : rest;
  return { status, headers, body: bodiless ? '' : bodyBytes.toString('utf8'), complete };
}

export interface RawHttpOptions {
  /** @default 5000 */
  timeoutMs?: number;
  /** The request is HEAD: the response has no body. */
  head?: boolean;
  /** Reset the connection (TCP RST) right after writing, or right after the response starts. */
  reset?: 'after-write' | 'after-response';
  /** Pause between the chunks of `data`. @default 0 */
  chunkDelayMs?: number;
}

/** Writes `data` (one or more chunks) and reads the first response. */
export function rawHttp(
  port: number,
  data: string | Buffer | (string | Buffer)[],
  options: RawHttpOptions = {},
): Promise<RawResponse> {
  const chunks = Array.isArray(data) ? data : [data];
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    let done = false;
    const finish = (result: Partial<RawResponse>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const parsed = parseResponse(buffer, options.head ?? false);
      if (!socket.destroyed) socket.destroy();
      resolve({
        status: parsed?.status,
        headers: parsed?.headers ?? {},
        body: parsed?.body ?? '',
        closed: false,
        timedOut: false,
        ...result,
      });
    };
    const timer = setTimeout(() => finish({ timedOut: true }), options.timeoutMs ?? 5000);
    socket.on('error', () => finish({ closed: true }));
    socket.on('close', () => finish({ closed: true }));
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (options.reset === 'after-response') {
        socket.resetAndDestroy();
        finish({ closed: true });
        return;
      }
      if (parseResponse(buffer, options.head ?? false)?.complete) finish({});
    });
    socket.on('connect', async () => {
      for (const [i, chunk] of chunks.entries()) {
        if (i > 0 && options.chunkDelayMs) {
          await new Promise((r) => setTimeout(r, options.chunkDelayMs));
        }
        if (socket.destroyed) return;
        socket.write(chunk);
      }
      if (options.reset === 'after-write') {
        // Let the bytes leave before the RST.
        setTimeout(() => {
          if (!socket.destroyed) socket.resetAndDestroy();
          finish({ closed: true });
        }, 20);
      }
    });
  });
}

/** A request with the usual line endings; `headers` are written as given, in order. */
export function request(
  target: string,
  headers: [string, string][],
  method = 'GET',
  body = '',
): string {
  const lines = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return `${method} ${target} HTTP/1.1\r\n${lines}\r\n${body}`;
}

export interface WsFrameOptions {
  opcode: number;
  payload?: Buffer;
  /** @default true */
  fin?: boolean;
  /** RSV1..3 as bits 4, 2, 1 of this number. @default 0 */
  rsv?: number;
  /** @default true (clients must mask) */
  mask?: boolean;
  /** Write this length in the header instead of the payload's (the payload is still sent). */
  declaredLength?: number | bigint;
}

/** One WebSocket frame as a client would send it (masked with a zero key unless told not to). */
export function wsFrame(options: WsFrameOptions): Buffer {
  const payload = options.payload ?? Buffer.alloc(0);
  const length = options.declaredLength ?? payload.length;
  const first = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | options.opcode;
  const maskBit = (options.mask ?? true) ? 0x80 : 0;
  let header: Buffer;
  if (typeof length === 'number' && length < 126) {
    header = Buffer.from([first, maskBit | length]);
  } else if (typeof length === 'number' && length < 65536) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = maskBit | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  // A zero mask key leaves the payload as it is (and costs nothing for big payloads).
  const mask = maskBit ? Buffer.alloc(4) : Buffer.alloc(0);
  return Buffer.concat([header, mask, payload]);
}

export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/** A WebSocket opened by hand: raw frames out, parsed frames in. */
export class RawWebSocket {
  private buffer = Buffer.alloc(0);
  private readonly frames: ServerFrame[] = [];
  private readonly waiters: (() => void)[] = [];
  closed = false;
  private closeSent = false;
  /** The close code the server sent, if it sent a close frame. */
  closeCode: number | undefined;

  private constructor(
    readonly socket: net.Socket,
    rest: Buffer,
  ) {
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
    if (rest.length > 0) this.receive(rest);
  }

  /** Handshakes; resolves with the socket, or with the refusal the server answered. */
  static open(
    port: number,
    options: { target: string; host?: string; origin?: string; timeoutMs?: number },
  ): Promise<RawWebSocket | RawResponse> {
    const key = crypto.randomBytes(16).toString('base64');
    const headers: [string, string][] = [
      ['Host', options.host ?? `127.0.0.1:${port}`],
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
      ['Sec-WebSocket-Key', key],
      ['Sec-WebSocket-Version', '13'],
    ];
    if (options.origin !== undefined) headers.push(['Origin', options.origin]);
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let buffer = Buffer.alloc(0);
      let done = false;
      const finish = (value: RawWebSocket | RawResponse) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.removeListener('data', onData);
        resolve(value);
      };
      const refused = (extra: Partial<RawResponse>) => {
        const parsed = parseResponse(buffer, false);
        socket.destroy();
        finish({
          status: parsed?.status,
          headers: parsed?.headers ?? {},
          body: parsed?.body ?? '',
          closed: false,
          timedOut: false,
          ...extra,
        });
      };
      const timer = setTimeout(() => refused({ timedOut: true }), options.timeoutMs ?? 5000);
      const onData = (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (/^HTTP\/1\.1 101 /.test(buffer.toString('latin1', 0, 16))) {
          finish(new RawWebSocket(socket, buffer.subarray(end + 4)));
        } else if (parseResponse(buffer, false)?.complete) {
          refused({});
        }
      };
      socket.on('data', onData);
      socket.on('error', () => refused({ closed: true }));
      socket.on('close', () => refused({ closed: true }));
      socket.on('connect', () => socket.write(request(options.target, headers)));
    });
  }

  send(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Sends one binary message (a masked, final binary frame). */
  sendBinary(payload: Uint8Array): void {
    this.send(wsFrame({ opcode: 2, payload: Buffer.from(payload) }));
  }

  /** The next data frame (close frames are recorded, pings skipped); undefined after a close or the deadline. */
  async next(timeoutMs = 5000): Promise<ServerFrame | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame) return frame;
      if (this.closed || Date.now() >= deadline) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the connection to end; true when it did before the deadline. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      this.frames.length = 0;
      await this.next(Math.max(1, deadline - Date.now()));
    }
    return this.closed;
  }

  /** A clean close from our side (once). */
  close(): void {
    if (this.closeSent) return;
    this.closeSent = true;
    const code = Buffer.alloc(2);
    code.writeUInt16BE(1000);
    this.send(wsFrame({ opcode: 8, payload: code }));
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) break;
      const opcode = this.buffer[0] & 0x0f;
      let length = this.buffer[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) break;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) break;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.buffer.length < offset + length) break;
      const payload = this.buffer.subarray(offset, offset + length);
      this.buffer = this.buffer.subarray(offset + length);
      if (opcode === 8) {
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        // Answer the close as a client does, so the server may end the connection at once.
        this.close();
      } else if (opcode === 1 || opcode === 2) {
        this.frames.push({ opcode, payload: Buffer.from(payload) });
      }
    }
    this.wake();
  }
}
