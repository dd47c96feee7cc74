/**
 * The CLI's output: JSON text written to stdout in chunks as it is produced, so no output is
 * ever one giant string (V8 refuses strings past 512 MiB, and a 4 GB trajectory would not fit
 * in the heap anyway). Waits for 'drain' when the stream says it is full, and stops producing
 * as soon as the reader has gone (`losslab … | head`).
 */

/** Where the text goes: process.stdout, or any Writable in tests. */
export interface Out {
  write(text: string, callback?: (err?: Error | null) => void): unknown;
  once?(event: string, listener: (...args: unknown[]) => void): unknown;
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
  off?(event: string, listener: (...args: unknown[]) => void): unknown;
  readonly destroyed?: boolean;
}

/**
 * Characters buffered before a write: large enough that writes are few, small enough that the
 * text held at once stays a few MB (a JS string of 1 Mi one-byte characters is 1 MiB).
 * @default 64 Ki
 */
export const CHUNK_CHARS = 2 ** 16;

/** A write failed: EPIPE (the reader left) or a real error (ENOSPC, EBADF, …). */
function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

export class JsonSink {
  /** Text not yet written; producers append to it and call `flush` when `full`. */
  text = '';
  /** The stream is gone: producers should stop. */
  closed = false;
  /** Why it is gone, unless the reader just left (EPIPE), which is no error of ours. */
  failure: Error | undefined;
  private readonly onError = (err: unknown) => this.fail(err);

  constructor(
    private readonly out: Out,
    private readonly chunkChars = CHUNK_CHARS,
  ) {
    out.on?.('error', this.onError);
  }

  get full(): boolean {
    return this.text.length >= this.chunkChars;
  }

  /** Appends text, writing the buffer once it holds a chunk. */
  async push(text: string): Promise<void> {
    this.text += text;
    if (this.full) await this.flush();
  }

  /** Writes what is buffered and waits while the stream is over its high-water mark. */
  async flush(): Promise<void> {
    const text = this.text;
    this.text = '';
    if (this.closed || text === '') return;
    let ok: unknown;
    try {
      ok = this.out.write(text);
    } catch (err) {
      // A synchronous stream (a file) may throw where a pipe would emit 'error'.
      this.fail(err);
      return;
    }
    if (ok === false && !this.closed) await this.drained();
  }

  /**
   * Writes what is left and waits until the stream has taken it, so a failure of the last write
   * (a full disk) is known before the exit code is.
   */
  async end(): Promise<void> {
    const text = this.text;
    this.text = '';
    if (this.closed || text === '') return;
    const out = this.out;
    await new Promise<void>((resolve) => {
      let settled = false;
      const settle = (err?: unknown) => {
        if (settled) return;
        settled = true;
        out.off?.('close', settle);
        if (err) this.fail(err);
        resolve();
      };
      // A stream that closes without calling back (or is closed already) must not hold us.
      out.once?.('close', () => settle());
      try {
        out.write(text, (err) => settle(err));
      } catch (err) {
        settle(err);
      }
      if (out.destroyed) settle();
    });
  }

  /** Stops listening to the stream (it stays open: stdout belongs to the process). */
  release(): void {
    this.out.off?.('error', this.onError);
  }

  private fail(err: unknown): void {
    this.closed = true;
    this.text = '';
    if (errorCode(err) !== 'EPIPE' && !this.failure) {
      this.failure = err instanceof Error ? err : new Error(String(err));
    }
  }

  private drained(): Promise<void> {
    const out = this.out;
    if (!out.once || out.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        out.off?.('drain', done);
        out.off?.('close', closed);
        out.off?.('error', done);
        resolve();
      };
      const closed = () => {
        this.closed = true;
        done();
      };
      out.once!('drain', done);
      out.once!('close', closed);
      out.once!('error', done);
    });
  }
}

/** A number as JSON.stringify writes it: the shortest round-trip text, or null if not finite. */
export function jsonNumber(v: number): string {
  return Number.isFinite(v) ? String(v) : 'null';
}

/** Longest run of array numbers handed on as one piece. */
const BATCH_CHARS = 2 ** 16;

/** A value as JSON.stringify sees it: after toJSON, boxed primitives unwrapped. */
function resolved(value: unknown, key: string): unknown {
  let v = value;
  if (v !== null && (typeof v === 'object' || typeof v === 'bigint')) {
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') v = (toJSON as (key: string) => unknown).call(v, key);
  }
  if (v instanceof Number) return Number(v);
  if (v instanceof String) return String(v);
  if (v instanceof Boolean) return v.valueOf();
  return v;
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
function unrepresentable(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/**
 * The pieces of JSON.stringify(value), in order, without ever building the whole text: same
 * key order, same number and string formatting, same omissions (undefined, functions and
 * symbols as object members; null in arrays), toJSON honoured. Throws on BigInt and cycles,
 * as JSON.stringify does.
 */
export function* jsonPieces(value: unknown): Generator<string> {
  const ancestors = new Set<object>();
  function* piece(v: unknown): Generator<string> {
    switch (typeof v) {
      case 'string':
        yield JSON.stringify(v);
        return;
      case 'number':
        yield jsonNumber(v);
        return;
      case 'boolean':
        yield v ? 'true' : 'false';
        return;
      case 'bigint':
        throw new TypeError('Do not know how to serialize a BigInt');
      case 'undefined':
      case 'function':
      case 'symbol':
        yield 'null';
        return;
    }
    if (v === null) {
      yield 'null';
      return;
    }
    const object = v as object;
    if (ancestors.has(object)) throw new TypeError('Converting circular structure to JSON');
    ancestors.add(object);
    if (Array.isArray(object)) {
      // Runs of numbers (the bulk of every output) go out in batches, not one piece each.
      let batch = '[';
      for (let i = 0; i < object.length; i++) {
        const element: unknown = object[i];
        if (i > 0) batch += ',';
        if (typeof element === 'number') {
          batch += jsonNumber(element);
          if (batch.length >= BATCH_CHARS) {
            yield batch;
            batch = '';
          }
        } else {
          yield batch;
          batch = '';
          yield* piece(resolved(element, String(i)));
        }
      }
      yield `${batch}]`;
    } else {
      yield '{';
      let first = true;
      for (const k of Object.keys(object)) {
        const member = resolved((object as Record<string, unknown>)[k], k);
        if (unrepresentable(member)) continue;
        yield first ? `${JSON.stringify(k)}:` : `,${JSON.stringify(k)}:`;
        first = false;
        yield* piece(member);
      }
      yield '}';
    }
    ancestors.delete(object);
  }
  yield* piece(resolved(value, ''));
}

/** Writes JSON.stringify(value) + '\n' through the sink, chunk by chunk. */
export async function writeJson(sink: JsonSink, value: unknown): Promise<void> {
  for (const piece of jsonPieces(value)) {
    sink.text += piece;
    if (sink.full) {
      await sink.flush();
      if (sink.closed) return;
    }
  }
  sink.text += '\n';
  await sink.end();
}
