/**
 * A CSV/TSV file the page sends in parts (net.data.part), read as the parts arrive: each part
 * is handed to the streaming reader (datasets/csv.ts) and answered once it was read, so the
 * file's text is never held whole and the page's progress bar follows the reading. The table
 * is then kept by its SHA-256 for net.setup to name.
 */
import type { CsvImported, CsvRead } from '../../../common/protocol';
import { FieldError } from '../../core/errors';
import { keepTable, readCsv, type CsvTable } from '../../datasets';

/**
 * Bytes handed over one part at a time: `push` resolves once the reader asks for the next
 * part (it is done with this one), `end` after the last.
 */
class PartFeed implements AsyncIterable<Uint8Array> {
  private part: Uint8Array | undefined;
  private ended = false;
  private reader: ((r: IteratorResult<Uint8Array>) => void) | undefined;
  private taken: (() => void) | undefined;

  push(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve) => {
      this.taken = resolve;
      if (this.reader) this.hand(bytes);
      else this.part = bytes;
    });
  }

  end(): void {
    this.ended = true;
    if (this.reader && !this.part) {
      const reader = this.reader;
      this.reader = undefined;
      reader({ done: true, value: undefined });
    }
  }

  private hand(bytes: Uint8Array): void {
    const reader = this.reader!;
    this.reader = undefined;
    reader({ done: false, value: bytes });
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => {
        // Asked for more: the part handed before has been read.
        const taken = this.taken;
        this.taken = undefined;
        taken?.();
        if (this.part) {
          const part = this.part;
          this.part = undefined;
          return Promise.resolve({ done: false, value: part });
        }
        if (this.ended) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => (this.reader = resolve));
      },
    };
  }
}

interface Import {
  upload: number;
  name: string;
  total: number;
  received: number;
  read: CsvRead;
  feed: PartFeed;
  abort: AbortController;
  table: Promise<CsvTable>;
}

/** The network lab's imports: one at a time (a new one replaces an unfinished one). */
export class DataImports {
  private current: Import | undefined;

  /** Reads one part; the last gives what the file holds (and the table is kept). */
  async part(message: {
    upload: number;
    name: string;
    total: number;
    offset: number;
    bytes: Uint8Array;
    read?: CsvRead;
  }): Promise<CsvImported | undefined> {
    const { upload, total, offset, bytes } = message;
    if (offset === 0) {
      this.cancel(this.current?.upload ?? -1);
      if (!message.read) {
        throw new FieldError('read', 'the first part says how to read the file (target, …)');
      }
      const feed = new PartFeed();
      const abort = new AbortController();
      const table = readCsv(feed, total, message.read, { signal: abort.signal });
      // Failures reach the part that is waiting, or the next one.
      table.catch(() => undefined);
      this.current = {
        upload,
        name: message.name,
        total,
        received: 0,
        read: message.read,
        feed,
        abort,
        table,
      };
    }
    const current = this.current;
    if (!current || current.upload !== upload) {
      throw new FieldError(
        'upload',
        `no import ${upload} is under way (its first part has offset 0)`,
      );
    }
    if (current.total !== total) {
      throw new FieldError(
        'total',
        `import ${upload} is ${current.total.toLocaleString('en')} bytes, not ${total.toLocaleString('en')}`,
      );
    }
    if (offset !== current.received || offset + bytes.length > total) {
      this.drop(current);
      throw new FieldError(
        'offset',
        `the next part of import ${upload} starts at ${current.received.toLocaleString('en')}, not ${offset.toLocaleString('en')}`,
      );
    }
    current.received += bytes.length;
    const last = current.received === total;
    try {
      if (!last) {
        await Promise.race([current.feed.push(bytes), current.table]);
        return undefined;
      }
      void current.feed.push(bytes);
      current.feed.end();
      const table = await current.table;
      keepTable(table, current.read);
      return {
        sha256: table.sha256,
        bytes: table.bytes,
        rows: table.n,
        task: table.task,
        inputs: table.inputs,
        ...(table.classNames ? { classNames: table.classNames } : {}),
      };
    } catch (err) {
      this.drop(current);
      throw err;
    } finally {
      if (last) this.drop(current);
    }
  }

  /** job.cancel: drops import `upload` if it is under way. */
  cancel(upload: number): void {
    if (this.current?.upload === upload) {
      this.current.abort.abort();
      this.drop(this.current);
    }
  }

  /** Forgets an import; its reader, if still waiting for a part, gets the end instead. */
  private drop(which: Import): void {
    which.feed.end();
    if (this.current === which) this.current = undefined;
  }
}
