/**
 * The shape guard every host runs before anything else looks at a message: how deep it nests,
 * how many values it holds, how long its strings and byte arrays are, and that it holds only
 * what JSON and structured clone can carry without surprise (no BigInt, no symbols, no
 * functions). A message past these bounds is refused with one line naming where it went wrong,
 * before a validator, `JSON.stringify` or `postMessage` gets to recurse into it: a message
 * nested 5,000 deep overflows the stack of every one of those.
 *
 * The walk is iterative (an explicit stack), so it never overflows itself.
 */

/** Bounds on a message's shape. */
export interface MessageBounds {
  /** Deepest nesting of objects and arrays. @default 64 */
  maxDepth: number;
  /** Most values (objects, arrays, strings, numbers, …) in the whole message. @default 1,000,000 */
  maxValues: number;
  /** Most characters in all its strings and keys together. @default 32 Mi */
  maxChars: number;
  /** Most bytes in all its typed arrays together. @default 2 GiB */
  maxBytes: number;
}

export const DEFAULT_MESSAGE_BOUNDS: MessageBounds = {
  maxDepth: 64,
  maxValues: 1_000_000,
  maxChars: 32 * 2 ** 20,
  maxBytes: 2 * 2 ** 30,
};

/** Longest error message a host sends back: one line, never a wall of text. */
export const MAX_ERROR_CHARS = 400;

/** Cuts a message to one line of at most `max` characters. */
export function oneLine(text: string, max = MAX_ERROR_CHARS): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function pathOf(path: (string | number)[]): string {
  if (path.length === 0) return 'message';
  return path.map((p) => (String(p).length > 40 ? `${String(p).slice(0, 39)}…` : p)).join('.');
}

/**
 * Why a message is outside the bounds, as "where: what", or undefined when it is within them.
 * Never throws, whatever it is given.
 */
export function checkMessageShape(
  value: unknown,
  bounds: MessageBounds = DEFAULT_MESSAGE_BOUNDS,
): string | undefined {
  let values = 0;
  let chars = 0;
  let bytes = 0;
  // Each entry: a value, its depth and (lazily) its path, kept short for messages.
  const stack: { value: unknown; depth: number; path: (string | number)[] }[] = [
    { value, depth: 0, path: [] },
  ];
  while (stack.length > 0) {
    const { value: v, depth, path } = stack.pop()!;
    if (++values > bounds.maxValues) {
      return `message: holds more than ${bounds.maxValues.toLocaleString('en')} values`;
    }
    switch (typeof v) {
      case 'string':
        chars += v.length;
        if (chars > bounds.maxChars) {
          return `${pathOf(path)}: the message holds more than ${bounds.maxChars.toLocaleString('en')} characters of text`;
        }
        continue;
      case 'number':
      case 'boolean':
      case 'undefined':
        continue;
      case 'bigint':
        return `${pathOf(path)}: a big integer is not a number LossLab accepts (numbers must be at most 2^53 in size)`;
      case 'symbol':
      case 'function':
        return `${pathOf(path)}: a ${typeof v} cannot travel in a message`;
    }
    if (v === null) continue;
    if (ArrayBuffer.isView(v)) {
      bytes += v.byteLength;
      if (bytes > bounds.maxBytes) {
        return `${pathOf(path)}: the message holds more than ${bounds.maxBytes.toLocaleString('en')} bytes of arrays`;
      }
      continue;
    }
    if (v instanceof ArrayBuffer) {
      bytes += v.byteLength;
      if (bytes > bounds.maxBytes) {
        return `${pathOf(path)}: the message holds more than ${bounds.maxBytes.toLocaleString('en')} bytes of arrays`;
      }
      continue;
    }
    if (depth >= bounds.maxDepth) {
      return `${pathOf(path)}: nested more than ${bounds.maxDepth} levels deep`;
    }
    // Only plain objects and arrays: a Map, Date or class instance is nothing the protocol has.
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ value: v[i], depth: depth + 1, path: path.length < 8 ? [...path, i] : path });
      }
      continue;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
      return `${pathOf(path)}: a ${typeof name === 'string' && name ? name : 'non-plain object'} is not part of any message`;
    }
    const keys = Object.keys(v as object);
    for (const key of keys) {
      chars += key.length;
      if (chars > bounds.maxChars) {
        return `${pathOf(path)}: the message holds more than ${bounds.maxChars.toLocaleString('en')} characters of text`;
      }
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      stack.push({
        value: (v as Record<string, unknown>)[key],
        depth: depth + 1,
        path: path.length < 8 ? [...path, key] : path,
      });
    }
  }
  return undefined;
}

/** A value for a one-line message: short, never throwing (BigInt, cycles, deep nesting). */
export function describeValue(value: unknown, max = 60): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'bigint') return `${value}n`.slice(0, max);
  if (typeof value === 'string') {
    const quoted = JSON.stringify(value.length > max ? value.slice(0, max) : value);
    return quoted.length > max ? `${quoted.slice(0, max - 3)}...` : quoted;
  }
  if (typeof value !== 'object' || value === null) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${value.byteLength} bytes`;
  return 'an object';
}
