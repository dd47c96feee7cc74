/**
 * An expression tree compiled into plain closures over a fixed table of functions: no string
 * ever reaches `eval` or `new Function`, and a name outside the table is an error, not a
 * lookup.
 */
import type { MathNode } from 'mathjs';
import { FieldError } from '../core/errors';

/**
 * A bad expression: the surface is at fault as a whole. `position` is the 1-based character the
 * parser stopped at, if known.
 */
export class ExpressionError extends FieldError {
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(undefined, message, 'surface');
  }
}

export type Fn = (x: number, y: number) => number;

const unary: Record<string, (a: number) => number> = {
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  sec: (a) => 1 / Math.cos(a),
  csc: (a) => 1 / Math.sin(a),
  cot: (a) => 1 / Math.tan(a),
  sech: (a) => 1 / Math.cosh(a),
  csch: (a) => 1 / Math.sinh(a),
  coth: (a) => 1 / Math.tanh(a),
  exp: Math.exp,
  log: Math.log,
  log10: Math.log10,
  log2: Math.log2,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  cbrt: Math.cbrt,
  abs: Math.abs,
  sign: Math.sign,
  square: (a) => a * a,
  cube: (a) => a * a * a,
};

const binary: Record<string, (a: number, b: number) => number> = {
  pow: (a, b) => a ** b,
  log: (a, b) => Math.log(a) / Math.log(b),
  atan2: Math.atan2,
};

const constants: Record<string, number> = { pi: Math.PI, e: Math.E, PI: Math.PI, E: Math.E };

/** Own keys only: `name in table` would also find "toString", "constructor", "__proto__"… */
export const has = (table: object, name: string) => Object.hasOwn(table, name);

/** One line naming a node, for error messages: never the whole (maybe multi-line) source. */
function describeNode(node: MathNode): string {
  const text = node.toString().replace(/\s+/g, ' ');
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
}

/** Names a user may write, for error messages and the UI's help. */
export const expressionFunctions = Object.keys(unary).concat(['pow', 'atan2', 'log(a, base)']);

export function compileNode(node: MathNode): Fn {
  switch (node.type) {
    case 'ConstantNode': {
      const value = (node as unknown as { value: unknown }).value;
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw new ExpressionError(`unsupported constant ${describeNode(node)}`);
      return () => value;
    }
    case 'SymbolNode': {
      const name = (node as unknown as { name: string }).name;
      if (name === 'x') return (x) => x;
      if (name === 'y') return (_x, y) => y;
      if (has(constants, name)) {
        const value = constants[name];
        return () => value;
      }
      throw new ExpressionError(`unknown variable ${JSON.stringify(name)} (use x and y)`);
    }
    case 'ParenthesisNode':
      return compileNode((node as unknown as { content: MathNode }).content);
    case 'OperatorNode': {
      const { op, args } = node as unknown as { op: string; args: MathNode[] };
      if (args.length === 1) {
        const a = compileNode(args[0]);
        if (op === '-') return (x, y) => -a(x, y);
        if (op === '+') return a;
        throw new ExpressionError(`unsupported operator ${JSON.stringify(op)}`);
      }
      if (args.length !== 2)
        throw new ExpressionError(`unsupported operator ${JSON.stringify(op)}`);
      const a = compileNode(args[0]);
      // The exponent is compiled by compilePower alone: compiling it here too would double the
      // work at every level of a tower x^y^x^…, exponentially.
      if (op === '^') return compilePower(a, args[1]);
      const b = compileNode(args[1]);
      switch (op) {
        case '+':
          return (x, y) => a(x, y) + b(x, y);
        case '-':
          return (x, y) => a(x, y) - b(x, y);
        case '*':
          return (x, y) => a(x, y) * b(x, y);
        case '/':
          return (x, y) => a(x, y) / b(x, y);
        default:
          throw new ExpressionError(`unsupported operator ${JSON.stringify(op)}`);
      }
    }
    case 'FunctionNode': {
      const { fn, args } = node as unknown as { fn: { name?: unknown }; args: MathNode[] };
      const name = fn.name;
      if (typeof name !== 'string' || name === '') {
        throw new ExpressionError(`${describeNode(node)} is not a function call on a name`);
      }
      // The name first: `evaluate("…")` is an unknown function, whatever its argument.
      if (!has(unary, name) && !has(binary, name)) {
        throw new ExpressionError(`unknown function ${JSON.stringify(name)}`);
      }
      const compiled = args.map(compileNode);
      if (compiled.length === 1 && has(unary, name)) {
        const f = unary[name];
        const a = compiled[0];
        return (x, y) => f(a(x, y));
      }
      if (compiled.length === 2 && has(binary, name)) {
        const f = binary[name];
        const [a, b] = compiled;
        return (x, y) => f(a(x, y), b(x, y));
      }
      throw new ExpressionError(`${name}() does not take ${args.length} argument(s)`);
    }
    default:
      throw new ExpressionError(`${describeNode(node)} is not allowed in a loss expression`);
  }
}

/** Small integer powers as products: exact, and far faster than Math.pow. */
function compilePower(a: Fn, exponent: MathNode): Fn {
  if (exponent.type === 'ConstantNode') {
    const n = Number((exponent as unknown as { value: unknown }).value);
    if (n === 2)
      return (x, y) => {
        const v = a(x, y);
        return v * v;
      };
    if (n === 3)
      return (x, y) => {
        const v = a(x, y);
        return v * v * v;
      };
    if (n === 4)
      return (x, y) => {
        const v = a(x, y);
        const s = v * v;
        return s * s;
      };
    return (x, y) => a(x, y) ** n;
  }
  const b = compileNode(exponent);
  return (x, y) => a(x, y) ** b(x, y);
}
