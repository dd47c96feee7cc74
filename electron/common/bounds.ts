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
import { MAX_ERROR_CHARS } from './limits';

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

export { MAX_ERROR_CHARS };

/** Cuts a message to one line of at most `max` characters. */
export function oneLine(text: string, max = MAX_ERROR_CHARS): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A value on the walk's stack: its parent and key give its path, built only for a message. */
interface Node {
  value: unknown;
  depth: number;
  parent: Node | undefined;
  key: string | number | undefined;
}

/** "message", or the dotted path to a node (keys past 40 characters shortened). */
function pathOf(node: Node | undefined, last?: string | number): string {
  const keys: (string | number)[] = last === undefined ? [] : [last];
  for (let n = node; n && n.key !== undefined; n = n.parent) keys.push(n.key);
  if (keys.length === 0) return 'message';
  return keys
    .reverse()
    .slice(0, 12)
    .map((k) => {
      const text = String(k).replace(/[\p{Cc}]/gu, '?');
      return text.length > 40 ? `${text.slice(0, 39)}…` : text;
    })
    .join('.');
}

/**
 * Why a message is outside the bounds, as "where: what", or undefined when it is within them.
 * Never throws, whatever it is given. Plain values in arrays and objects are checked where
 * they stand; only nested objects and arrays go on the stack, so the walk needs memory in
 * proportion to the nesting, not to the values.
 */
export function checkMessageShape(
  value: unknown,
  bounds: MessageBounds = DEFAULT_MESSAGE_BOUNDS,
): string | undefined {
  let chars = 0;
  let bytes = 0;
  const tooManyValues = () =>
    `message: holds more than ${bounds.maxValues.toLocaleString('en')} values`;
  const tooMuchText = (where: string) =>
    `${where}: the message holds more than ${bounds.maxChars.toLocaleString('en')} characters of text`;
  const tooManyBytes = (where: string) =>
    `${where}: the message holds more than ${bounds.maxBytes.toLocaleString('en')} bytes of arrays`;

  /** Checks a value that needs no descent; returns why it is refused, or 'nested' to descend. */
  const leaf = (v: unknown, parent: Node | undefined, key: string | number | undefined) => {
    switch (typeof v) {
      case 'string':
        chars += v.length;
        return chars > bounds.maxChars ? tooMuchText(pathOf(parent, key)) : undefined;
      case 'number':
      case 'boolean':
      case 'undefined':
        return undefined;
      case 'bigint':
        return `${pathOf(parent, key)}: a big integer is not a number LossLab accepts (numbers must be at most 2^53 in size)`;
      case 'symbol':
      case 'function':
        return `${pathOf(parent, key)}: a ${typeof v} cannot travel in a message`;
    }
    if (v === null) return undefined;
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
      bytes += v.byteLength;
      return bytes > bounds.maxBytes ? tooManyBytes(pathOf(parent, key)) : undefined;
    }
    if (Array.isArray(v)) return 'nested';
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
      return `${pathOf(parent, key)}: a ${typeof name === 'string' && name ? name : 'non-plain object'} is not part of any message`;
    }
    return 'nested';
  };

  const root = leaf(value, undefined, undefined);
  if (root !== 'nested') return root;
  let values = 1;
  const stack: Node[] = [{ value, depth: 0, parent: undefined, key: undefined }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.depth >= bounds.maxDepth) {
      return `${pathOf(node)}: nested more than ${bounds.maxDepth} levels deep`;
    }
    const v = node.value as Record<string | number, unknown> | unknown[];
    const keys: (string | number)[] | undefined = Array.isArray(v) ? undefined : Object.keys(v);
    const length = keys ? keys.length : (v as unknown[]).length;
    values += length;
    if (values > bounds.maxValues) return tooManyValues();
    for (let i = 0; i < length; i++) {
      const key = keys ? keys[i] : i;
      if (keys) {
        chars += (key as string).length;
        if (chars > bounds.maxChars) return tooMuchText(pathOf(node));
      }
      const child = (v as Record<string | number, unknown>)[key];
      const verdict = leaf(child, node, key);
      if (verdict === 'nested') {
        stack.push({ value: child, depth: node.depth + 1, parent: node, key });
      } else if (verdict !== undefined) return verdict;
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
