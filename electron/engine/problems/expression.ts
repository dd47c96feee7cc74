/**
 * Typed expressions L(x, y): parsed by mathjs, differentiated symbolically by mathjs, then
 * compiled into a tree of plain closures over a fixed table of functions. No string ever
 * reaches `eval` or `new Function`; a name outside the table is an error, not a lookup.
 */
import { derivative, parse, type MathNode } from 'mathjs';
import type { Domain } from '../../common/schemas';
import type { Surface } from './surface';

/** A bad expression. `position` is the 1-based character the parser stopped at, if known. */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(message);
  }
}

type Fn = (x: number, y: number) => number;

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

/** Names a user may write, for error messages and the UI's help. */
export const expressionFunctions = Object.keys(unary).concat(['pow', 'atan2', 'log(a, base)']);

function compileNode(node: MathNode): Fn {
  switch (node.type) {
    case 'ConstantNode': {
      const value = Number((node as unknown as { value: unknown }).value);
      if (!Number.isFinite(value))
        throw new ExpressionError(`unsupported constant ${node.toString()}`);
      return () => value;
    }
    case 'SymbolNode': {
      const name = (node as unknown as { name: string }).name;
      if (name === 'x') return (x) => x;
      if (name === 'y') return (_x, y) => y;
      if (name in constants) {
        const value = constants[name];
        return () => value;
      }
      throw new ExpressionError(`unknown variable "${name}" (use x and y)`);
    }
    case 'ParenthesisNode':
      return compileNode((node as unknown as { content: MathNode }).content);
    case 'OperatorNode': {
      const { op, args } = node as unknown as { op: string; args: MathNode[] };
      if (args.length === 1) {
        const a = compileNode(args[0]);
        if (op === '-') return (x, y) => -a(x, y);
        if (op === '+') return a;
        throw new ExpressionError(`unsupported operator "${op}"`);
      }
      if (args.length !== 2) throw new ExpressionError(`unsupported operator "${op}"`);
      const a = compileNode(args[0]);
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
        case '^':
          return compilePower(a, args[1]);
        default:
          throw new ExpressionError(`unsupported operator "${op}"`);
      }
    }
    case 'FunctionNode': {
      const { fn, args } = node as unknown as { fn: { name: string }; args: MathNode[] };
      const name = fn.name;
      const compiled = args.map(compileNode);
      if (compiled.length === 1 && name in unary) {
        const f = unary[name];
        const a = compiled[0];
        return (x, y) => f(a(x, y));
      }
      if (compiled.length === 2 && name in binary) {
        const f = binary[name];
        const [a, b] = compiled;
        return (x, y) => f(a(x, y), b(x, y));
      }
      if (name in unary || name in binary) {
        throw new ExpressionError(`${name}() does not take ${args.length} argument(s)`);
      }
      throw new ExpressionError(`unknown function "${name}"`);
    }
    default:
      throw new ExpressionError(`"${node.toString()}" is not allowed in a loss expression`);
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

/** d|u|/du is written by mathjs as |u|/u, which is 0/0 at u = 0; use sign(u) instead. */
function tidyDerivative(node: MathNode): MathNode {
  return node.transform((n) => {
    if (n.type !== 'OperatorNode') return n;
    const { op, args } = n as unknown as { op: string; args: MathNode[] };
    if (op !== '/' || args.length !== 2 || args[0].type !== 'FunctionNode') return n;
    const f = args[0] as unknown as { fn: { name: string }; args: MathNode[] };
    if (f.fn.name === 'abs' && f.args[0].toString() === args[1].toString()) {
      return parse(`sign(${args[1].toString()})`);
    }
    return n;
  });
}

function differentiate(node: MathNode, variable: 'x' | 'y'): MathNode {
  try {
    return tidyDerivative(derivative(node, variable));
  } catch (err) {
    throw new ExpressionError(`cannot differentiate: ${(err as Error).message}`);
  }
}

function parseExpression(source: string): MathNode {
  if (source.trim() === '') throw new ExpressionError('the expression is empty');
  let node: MathNode;
  try {
    node = parse(source);
  } catch (err) {
    const e = err as Error & { char?: number };
    const position = typeof e.char === 'number' ? e.char : undefined;
    const where = position === undefined ? '' : ` at character ${position}`;
    throw new ExpressionError(
      `syntax error${where}: ${e.message.replace(/ \(char \d+\)$/, '')}`,
      position,
    );
  }
  return node;
}

/** The domain shown for an expression when none is given. */
export const DEFAULT_EXPRESSION_DOMAIN: Domain = [
  [-3, 3],
  [-3, 3],
];

/** Compiles an expression surface with exact gradient and Hessian. Throws ExpressionError. */
export function compileExpression(
  source: string,
  domain: Domain = DEFAULT_EXPRESSION_DOMAIN,
): Surface {
  const node = parseExpression(source);
  const f = compileNode(node);
  const dxNode = differentiate(node, 'x');
  const dyNode = differentiate(node, 'y');
  const fx = compileNode(dxNode);
  const fy = compileNode(dyNode);
  // Second derivatives are compiled on first use: most runs never ask for a Hessian.
  let second: [Fn, Fn, Fn] | undefined;
  const center: [number, number] = [
    (domain[0][0] + domain[0][1]) / 2,
    (domain[1][0] + domain[1][1]) / 2,
  ];
  return {
    info: {
      name: source,
      title: source,
      description: 'A typed expression.',
      domain,
      minima: [],
      saddles: [],
      start: center,
      logScale: false,
    },
    value: f,
    valueAndGrad(x, y, g, o) {
      g[o] = fx(x, y);
      g[o + 1] = fy(x, y);
      return f(x, y);
    },
    hessian(x, y, h) {
      second ??= [
        compileNode(differentiate(dxNode, 'x')),
        compileNode(differentiate(dxNode, 'y')),
        compileNode(differentiate(dyNode, 'y')),
      ];
      h[0] = second[0](x, y);
      h[1] = second[1](x, y);
      h[2] = second[2](x, y);
    },
  };
}
