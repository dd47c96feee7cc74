/**
 * Reading one WebSocket frame as one CBOR message, within bounds. cborg's decoder recurses once
 * per level and builds every value it meets, so a hostile frame could overflow the stack
 * (a few thousand nested arrays) or fill the heap (a 64 MiB frame of empty maps is 67 million
 * objects, past V8's heap limit: a crash no try/catch sees). The tokens are counted, and their
 * nesting tracked, as cborg reads them; the decode stops at the first token past the bounds.
 */
import { Tokenizer, Type, type Token } from 'cborg';
import { decode } from 'cborg/extended';
import { oneLine } from '../common/bounds';

/** How far a frame may nest before decoding stops. @default 256 */
export const FRAME_MAX_DEPTH = 256;
/** How many CBOR items (keys, values, tags) a frame may hold. @default 3,000,000 */
export const FRAME_MAX_ITEMS = 3_000_000;

/** cborg's own defaults (decode applies them only to a tokenizer it makes itself). */
const TOKENIZER_OPTIONS = {
  strict: false,
  allowIndefinite: true,
  allowUndefined: true,
  allowBigInt: true,
};

class FrameBoundsError extends Error {}

/** cborg's tokenizer, refusing a frame that nests or holds more than the bounds. */
class BoundedTokenizer {
  private readonly inner: Tokenizer;
  private items = 0;
  /** Open containers: the depth of their items and how many are still to come. */
  private readonly open: { depth: number; left: number }[] = [];

  constructor(
    data: Uint8Array,
    private readonly maxDepth: number,
    private readonly maxItems: number,
  ) {
    this.inner = new Tokenizer(data, TOKENIZER_OPTIONS);
  }

  done(): boolean {
    return this.inner.done();
  }

  pos(): number {
    return this.inner.pos();
  }

  /** How deep the next token sits (0: the top-level value). */
  nextDepth(): number {
    return this.open.at(-1)?.depth ?? 0;
  }

  next(): Token {
    const token = this.inner.next();
    if (++this.items > this.maxItems) {
      throw new FrameBoundsError(
        `the frame holds more than ${this.maxItems.toLocaleString('en')} CBOR items`,
      );
    }
    const top = this.open.at(-1);
    if (Type.equals(token.type, Type.break)) {
      // cborg itself refuses a break that ends no indefinite container.
      if (top?.left === Infinity) this.open.pop();
      return token;
    }
    const depth = top?.depth ?? 0;
    if (top && top.left !== Infinity && --top.left === 0) this.open.pop();
    let items: number;
    let itemDepth = depth + 1;
    if (Type.equals(token.type, Type.array)) items = Number(token.value);
    else if (Type.equals(token.type, Type.map)) items = Number(token.value) * 2;
    else if (Type.equals(token.type, Type.tag)) {
      // A tag wraps one value (a typed array's bytes, a date): no level of its own.
      items = 1;
      itemDepth = depth;
    } else return token;
    if (itemDepth > this.maxDepth) {
      throw new FrameBoundsError(`the frame nests more than ${this.maxDepth} levels deep`);
    }
    if (items > 0) this.open.push({ depth: itemDepth, left: items });
    return token;
  }
}

/**
 * The `id` of a top-level map's "id" entry, read without building anything, for a frame that
 * is refused before it is decoded (so the page's pending request still gets its answer).
 * Undefined when there is none, or it is no safe integer ≥ 0.
 */
export function peekId(data: Uint8Array, maxItems = FRAME_MAX_ITEMS): number | undefined {
  try {
    // No depth limit: skipping is iterative here, nothing recurses.
    const tokens = new BoundedTokenizer(data, Number.POSITIVE_INFINITY, maxItems);
    if (!Type.equals(tokens.next().type, Type.map)) return undefined;
    let index = 0;
    let isIdKey = false;
    while (!tokens.done()) {
      const depth = tokens.nextDepth();
      if (depth < 1) return undefined;
      const token = tokens.next();
      if (depth > 1 || Type.equals(token.type, Type.tag)) continue;
      if (Type.equals(token.type, Type.break)) return undefined;
      if (index++ % 2 === 0) {
        isIdKey = Type.equals(token.type, Type.string) && token.value === 'id';
      } else if (isIdKey) {
        const id: unknown = token.value;
        return Type.equals(token.type, Type.uint) && Number.isSafeInteger(id)
          ? (id as number)
          : undefined;
      }
    }
  } catch {
    // A frame cborg cannot even tokenize has no id to give back.
  }
  return undefined;
}

/**
 * The message in a binary frame, or one line saying why there is none (with the request's id
 * when the frame shows one). Never throws: cborg's own errors (a truncated frame, an unknown
 * tag, a non-string key) become the line.
 */
export function decodeFrame(
  data: Uint8Array,
  maxDepth = FRAME_MAX_DEPTH,
  maxItems = FRAME_MAX_ITEMS,
): { message: unknown } | { error: string; id?: number } {
  try {
    const tokenizer = new BoundedTokenizer(data, maxDepth, maxItems);
    return { message: decode(data, { tokenizer }) };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const id = peekId(data, maxItems);
    return {
      error: oneLine(`the frame is not a CBOR message LossLab can read: ${why}`),
      ...(id === undefined ? {} : { id }),
    };
  }
}
