/**
 * Typed expressions L(x, y): parsed by mathjs, differentiated symbolically by mathjs, then
 * compiled into a tree of plain closures over a fixed table of functions. No string ever
 * reaches `eval` or `new Function`; a name outside the table is an error, not a lookup.
 */
import { ConstantNode, derivative, OperatorNode, parse, SymbolNode, type MathNode } from 'mathjs';
import type { Domain } from '../../common/schemas';
import { FieldError } from '../core/errors';
import type { Surface } from './surface';
import { compileNode, ExpressionError, has, type Fn } from './compile';

export { ExpressionError, expressionFunctions } from './compile';

/** Deepest nesting accepted: the parser, mathjs's derivative and the compiled closures recurse. */
export const MAX_EXPRESSION_DEPTH = 300;
/**
 * Most nodes a derivative may have (a subtree counted each time it is used): derivatives of
 * nested expressions grow quadratically and more, and each node is a call per evaluation.
 */
export const MAX_DERIVATIVE_NODES = 50_000;

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

/** Rewrites for differentiation: A (and B) stand for the rewritten arguments. */
const rewrites: Record<string, string> = {
  square: 'A ^ 2',
  cube: 'A ^ 3',
  log2: 'log(A, 2)',
  log1p: 'log(1 + A)',
  expm1: 'exp(A) - 1',
};

/**
 * atan2(a, b) for differentiation: P + S (a − A₀) + R (b − B₀), where P, S, R, A₀, B₀ are
 * placeholders (constants to mathjs) put back afterwards as atan2(a, b), b/(a² + b²),
 * −a/(a² + b²), a and b. Its value is atan2(a, b) exactly and its derivative the exact
 * (b a′ − a b′)/(a² + b²); no single closed form without atan2 is both exact and free of
 * cancellation on each side of the branch cut.
 */
const ATAN2_CARRIER = 'P + S * (A - A0) + R * (B - B0)';
const ATAN2_PARTS: Record<string, string> = {
  P: 'atan2(A, B)',
  S: 'B / (A ^ 2 + B ^ 2)',
  R: '-A / (A ^ 2 + B ^ 2)',
  A0: 'A',
  B0: 'B',
};

/** Parses a template and puts the given nodes (shared, not copied) in place of its symbols. */
function instantiate(template: string, bindings: Record<string, MathNode>): MathNode {
  return parse(template).transform((t) => {
    if (t.type !== 'SymbolNode') return t;
    const symbol = (t as SymbolNode).name;
    return has(bindings, symbol) ? bindings[symbol] : t;
  });
}

/**
 * Functions mathjs cannot differentiate, rewritten (for differentiation only; L itself is
 * compiled from the original) into equal expressions it can. The arguments are shared, not
 * copied, so nesting cannot blow the rewrite up. `sign` becomes a placeholder symbol, a constant
 * to mathjs (its derivative is 0 wherever it exists), put back afterwards.
 */
function differentiable(node: MathNode, placeholders: Map<string, MathNode>): MathNode {
  return node.transform((n) => {
    if (n.type !== 'FunctionNode') return n;
    const { fn, args } = n as unknown as { fn: { name?: unknown }; args: MathNode[] };
    const name = typeof fn.name === 'string' ? fn.name : '';
    if (name === 'sign' && args.length === 1) {
      const symbol = `sign_${placeholders.size}_`;
      placeholders.set(symbol, n);
      return new SymbolNode(symbol);
    }
    if (name === 'atan2' && args.length === 2) {
      const [a, b] = args.map((arg) => differentiable(arg, placeholders));
      const bindings: Record<string, MathNode> = { A: a, B: b };
      for (const [part, template] of Object.entries(ATAN2_PARTS)) {
        const symbol = `atan2_${part}_${placeholders.size}_`;
        // The parts hold the original arguments: atan2 stays atan2 in the value.
        placeholders.set(symbol, instantiate(template, { A: args[0], B: args[1] }));
        bindings[part] = new SymbolNode(symbol);
      }
      return instantiate(ATAN2_CARRIER, bindings);
    }
    if (!has(rewrites, name) || args.length !== 1) return n;
    return instantiate(rewrites[name], { A: differentiable(args[0], placeholders) });
  });
}

/** Nodes in a tree, each use of a shared subtree counted; stops counting past `limit`. */
function treeSize(root: MathNode, limit: number): number {
  let count = 0;
  const stack: MathNode[] = [root];
  while (stack.length > 0 && count <= limit) {
    const node = stack.pop() as MathNode;
    count++;
    node.forEach((child) => stack.push(child));
  }
  return count;
}

/** How deeply a tree nests, without recursing. */
function treeDepth(root: MathNode): number {
  let deepest = 0;
  const stack: [MathNode, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [MathNode, number];
    if (depth > deepest) deepest = depth;
    node.forEach((child) => stack.push([child, depth + 1]));
  }
  return deepest;
}

function differentiate(node: MathNode, variable: 'x' | 'y'): MathNode {
  const placeholders = new Map<string, MathNode>();
  const input = differentiable(node, placeholders);
  // mathjs walks shared subtrees once per use: bound the walk before it starts.
  if (treeSize(input, MAX_DERIVATIVE_NODES) > MAX_DERIVATIVE_NODES) {
    throw new ExpressionError(
      `the expression is too large to differentiate (over ${MAX_DERIVATIVE_NODES.toLocaleString('en')} terms)`,
    );
  }
  let d: MathNode;
  try {
    d = derivative(input, variable, { simplify: false });
  } catch (err) {
    throw new ExpressionError(`cannot differentiate: ${oneLine(err)}`);
  }
  if (placeholders.size > 0) {
    d = d.transform((n) =>
      n.type === 'SymbolNode' && placeholders.has((n as SymbolNode).name)
        ? (placeholders.get((n as SymbolNode).name) as MathNode)
        : n,
    );
  }
  const size = treeSize(d, MAX_DERIVATIVE_NODES);
  if (size > MAX_DERIVATIVE_NODES) {
    throw new ExpressionError(
      `the derivative in ${variable} is too large to compile (over ${MAX_DERIVATIVE_NODES.toLocaleString('en')} terms)`,
    );
  }
  // mathjs's own simplify is not used: it is superlinear, and a sum of fifty terms can keep it
  // busy for minutes. Folding constants (below) removes most of what derivatives leave behind.
  return foldConstants(tidyDerivative(d));
}

const isConstant = (n: MathNode): n is ConstantNode =>
  n.type === 'ConstantNode' && typeof (n as ConstantNode).value === 'number';
const valueOf = (n: MathNode) => (n as ConstantNode).value as number;

/**
 * Folds what mathjs's derivative leaves behind, bottom-up in one pass: constant subexpressions
 * (when finite), 1·u, u·1, 0·u, u·0, u ± 0, 0 + u, u/1, u^1, u^0 and parentheses. Only applied to
 * derivatives: dropping the NaN a 0·u would carry is harmless there, because L itself is
 * compiled unfolded and a point where it is NaN is refused or ends the run.
 */
function foldConstants(node: MathNode): MathNode {
  if (node.type === 'ParenthesisNode') {
    return foldConstants((node as unknown as { content: MathNode }).content);
  }
  if (node.type !== 'OperatorNode' && node.type !== 'FunctionNode') return node;
  return foldNode(node.map((child) => foldConstants(child)));
}

/** One node's folding, its children already folded. */
function foldNode(folded: MathNode): MathNode {
  const args = (folded as unknown as { args: MathNode[] }).args;
  if (args.length > 0 && args.every(isConstant)) {
    try {
      const value = compileNode(folded)(0, 0);
      if (Number.isFinite(value)) return new ConstantNode(value);
    } catch {
      // Not ours to fold (an unknown function): compileNode reports it later.
    }
  }
  if (folded.type !== 'OperatorNode') return folded;
  const { op } = folded as unknown as { op: string };
  /** u as c·v with c constant, when it is one (c·v, or −v as −1·v). */
  const scaled = (u: MathNode): [number, MathNode] | undefined => {
    if (u.type !== 'OperatorNode') return undefined;
    const { op: uop, args: uargs } = u as unknown as { op: string; args: MathNode[] };
    if (uop === '*' && uargs.length === 2 && isConstant(uargs[0]))
      return [valueOf(uargs[0]), uargs[1]];
    if (uop === '-' && uargs.length === 1) {
      const inner = scaled(uargs[0]);
      return inner ? [-inner[0], inner[1]] : [-1, uargs[0]];
    }
    return undefined;
  };
  const times = (c: number, v: MathNode): MathNode =>
    c === 1 ? v : new OperatorNode('*', 'multiply', [new ConstantNode(c), v]);
  if (op === '-' && args.length === 1) {
    // −(c·v) → (−c)·v, so that constants meet and fold.
    const inner = scaled(args[0]);
    if (inner && inner[0] !== -1) return times(-inner[0], inner[1]);
    return folded;
  }
  if (args.length !== 2) return folded;
  const [a, b] = args;
  const is = (n: MathNode, v: number) => isConstant(n) && valueOf(n) === v;
  switch (op) {
    case '*': {
      if (is(a, 0) || is(b, 0)) return new ConstantNode(0);
      if (is(a, 1)) return b;
      if (is(b, 1)) return a;
      // Products as mathjs's derivative nests them, c₁·(c₂·v) and (c₁·v)·c₂: one constant.
      if (isConstant(a)) {
        const inner = scaled(b);
        if (inner && Number.isFinite(valueOf(a) * inner[0])) {
          return times(valueOf(a) * inner[0], inner[1]);
        }
      }
      if (isConstant(b)) {
        const inner = scaled(a);
        if (inner && Number.isFinite(valueOf(b) * inner[0])) {
          return times(valueOf(b) * inner[0], inner[1]);
        }
        return new OperatorNode('*', 'multiply', [b, a]);
      }
      const left = scaled(a);
      if (left && left[0] !== -1)
        return times(left[0], new OperatorNode('*', 'multiply', [left[1], b]));
      break;
    }
    case '+':
      if (is(a, 0)) return b;
      if (is(b, 0)) return a;
      break;
    case '-':
      if (is(b, 0)) return a;
      if (is(a, 0)) return foldNode(new OperatorNode('-', 'unaryMinus', [b]));
      break;
    case '/':
      if (is(b, 1)) return a;
      break;
    case '^':
      if (is(b, 1)) return a;
      if (is(b, 0)) return new ConstantNode(1);
      break;
  }
  return folded;
}

/** An error's message on one line. */
function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
}

function parseExpression(source: string): MathNode {
  if (source.trim() === '') throw new ExpressionError('the expression is empty');
  let node: MathNode;
  try {
    node = parse(source);
  } catch (err) {
    if (isStackOverflow(err)) {
      throw new ExpressionError(`the expression is nested too deeply to parse`);
    }
    const e = err as Error & { char?: number };
    const position = typeof e.char === 'number' ? e.char : undefined;
    const where = position === undefined ? '' : ` at character ${position}`;
    throw new ExpressionError(
      `syntax error${where}: ${oneLine(e).replace(/ \(char \d+\)$/, '')}`,
      position,
    );
  }
  const depth = treeDepth(node);
  if (depth > MAX_EXPRESSION_DEPTH) {
    throw new ExpressionError(
      `the expression is too long or nested too deeply (${depth} levels of operations; at most ${MAX_EXPRESSION_DEPTH})`,
    );
  }
  return node;
}

/** The domain shown for an expression when none is given. */
export const DEFAULT_EXPRESSION_DOMAIN: Domain = [
  [-3, 3],
  [-3, 3],
];

/** Runs a compile step, turning a stack overflow on a pathological tree into an ExpressionError. */
function guardStack<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (isStackOverflow(err)) {
      throw new ExpressionError(`the expression is too deeply nested to compile`);
    }
    throw err;
  }
}

/** A RangeError that is no refusal (a FieldError is a RangeError too): the stack ran out. */
function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && !(err instanceof FieldError);
}

/** Compiles an expression surface with exact gradient and Hessian. Throws ExpressionError. */
export function compileExpression(
  source: string,
  domain: Domain = DEFAULT_EXPRESSION_DOMAIN,
): Surface {
  const node = parseExpression(source);
  const [f, dxNode, dyNode, fx, fy] = guardStack(() => {
    // L first: it refuses unknown names and operators with the clearest message.
    const value = compileNode(node);
    const dx = differentiate(node, 'x');
    const dy = differentiate(node, 'y');
    return [value, dx, dy, compileNode(dx), compileNode(dy)] as const;
  });
  // Second derivatives are compiled on first use: most runs never ask for a Hessian. A failure
  // (too large) is kept, so that asking again does not redo the work.
  let second: [Fn, Fn, Fn] | ExpressionError | undefined;
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
      try {
        second ??= guardStack(() => [
          compileNode(differentiate(dxNode, 'x')),
          compileNode(differentiate(dxNode, 'y')),
          compileNode(differentiate(dyNode, 'y')),
        ]);
      } catch (err) {
        second = err instanceof ExpressionError ? err : new ExpressionError(oneLine(err));
      }
      if (second instanceof ExpressionError) throw second;
      h[0] = second[0](x, y);
      h[1] = second[1](x, y);
      h[2] = second[2](x, y);
    },
  };
}
