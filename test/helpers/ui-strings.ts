/**
 * Finds the UI's strings in the renderer's sources, for the i18n test: text a Svelte template
 * shows without `t(...)` (text nodes, user-facing attributes, string literals an expression
 * shows), and the keys given to `t`, `plural` and `msg` in templates, scripts and `.ts` files.
 * Templates are read with Svelte's own parser, TypeScript with TypeScript's, so quoting and
 * comments cannot fool it.
 */

import { parse } from 'svelte/compiler';
import ts from 'typescript';

/** Attributes and component props whose text is shown or read out. */
export const USER_FACING = new Set([
  'aria-label',
  'aria-description',
  'aria-roledescription',
  'aria-valuetext',
  'title',
  'placeholder',
  'alt',
  'label',
]);

/** The functions whose string arguments are dictionary keys. */
export const KEY_FUNCTIONS = new Set(['t', 'msg', 'plural', 'translate']);

/**
 * Words that stay as they are in every language: brand and product names, file formats,
 * optimizers' and functions' names, keys on the keyboard, units. Text made of these, numbers,
 * math and punctuation needs no translation.
 */
export const UNTRANSLATED_WORDS = new Set(
  (
    'LossLab PyTorch torch tfjs TensorFlow wasm WebGL WebGPU WebAssembly SIMD Electron Chrome Node Chromium ' +
    'PNG SVG GIF CSV JSON glTF gltf GLB glb WebM MP H5 HDF5 PSNR ' +
    'SGD Adam AdamW AdaGrad AMSGrad RMSProp Adagrad Nesterov MSE ReLU tanh sigmoid softmax Softmax GELU ' +
    'Dropout ' +
    'Lanczos SLQ Hutchinson Hessian ' +
    'log ln exp sin cos max min sqrt lr ' +
    'Esc Ctrl Shift Alt Space Enter Tab PgUp PgDn Home End ' +
    'px ms fps dB MB GB KB kB ' +
    'English 中文'
  ).split(' '),
);

/** Letters that make a string text: two Latin letters in a row, or any Chinese. */
const TEXTY = /[A-Za-z]{2,}|[\u3400-\u9fff]/;

/** `text` still needs translating once the words of {@link UNTRANSLATED_WORDS} are left out. */
export function needsTranslation(text: string): boolean {
  const rest = text
    .replace(/\{\w+\}/g, ' ') // parameters are filled in, not translated
    .split(/([A-Za-z]+|[\u3400-\u9fff]+)/)
    .filter((part) => !UNTRANSLATED_WORDS.has(part))
    .join(' ');
  return TEXTY.test(rest);
}

/** Looks like a sentence or a label rather than an identifier ('exp', 'train'). */
function looksLikeText(text: string): boolean {
  return /\s/.test(text.trim()) || /^[A-Z][a-z]/.test(text) || /[\u3400-\u9fff]/.test(text);
}

export interface Finding {
  line: number;
  text: string;
  where: string;
}

type Node = { type: string; start: number; end: number; [key: string]: unknown };

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';

function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < source.length; i++) if (source[i] === '\n') line++;
  return line;
}

/**
 * The string literals an expression shows: as its value (`'a'`, `c ? 'a' : 'b'`, `x ?? 'a'`,
 * `'a' + b`, template literals) always; as an argument of another call only when it looks like
 * text. Arguments of t/msg/plural, comparison operands, object keys and computed member names
 * are not shown.
 */
function literalsShown(expr: Node, out: { text: string; start: number }[], valued: boolean): void {
  switch (expr.type) {
    case 'Literal':
      if (typeof expr.value === 'string' && (valued || looksLikeText(expr.value)))
        out.push({ text: expr.value, start: expr.start });
      return;
    case 'TemplateLiteral':
      for (const q of expr.quasis as Node[]) {
        const text = (q.value as { cooked: string }).cooked;
        if (valued || looksLikeText(text)) out.push({ text, start: q.start });
      }
      for (const e of expr.expressions as Node[]) literalsShown(e, out, valued);
      return;
    case 'CallExpression': {
      const callee = expr.callee as Node;
      if (callee.type === 'Identifier' && KEY_FUNCTIONS.has(callee.name as string)) {
        // The keys are translated; the values of their parameters are shown as they are.
        for (const a of expr.arguments as Node[])
          if (a.type === 'ObjectExpression')
            for (const p of a.properties as Node[])
              if (p.type === 'Property') literalsShown(p.value as Node, out, true);
        return;
      }
      literalsShown(callee, out, false);
      for (const a of expr.arguments as Node[]) literalsShown(a, out, false);
      return;
    }
    case 'ConditionalExpression':
      literalsShown(expr.test as Node, out, false);
      literalsShown(expr.consequent as Node, out, valued);
      literalsShown(expr.alternate as Node, out, valued);
      return;
    case 'LogicalExpression':
      literalsShown(expr.left as Node, out, valued);
      literalsShown(expr.right as Node, out, valued);
      return;
    case 'BinaryExpression':
      if (['===', '!==', '==', '!=', 'in', 'instanceof'].includes(expr.operator as string)) {
        for (const side of [expr.left, expr.right] as Node[])
          if (side.type !== 'Literal') literalsShown(side, out, false);
        return;
      }
      literalsShown(expr.left as Node, out, valued && expr.operator === '+');
      literalsShown(expr.right as Node, out, valued && expr.operator === '+');
      return;
    case 'MemberExpression':
      literalsShown(expr.object as Node, out, false);
      if (expr.computed && (expr.property as Node).type !== 'Literal')
        literalsShown(expr.property as Node, out, false);
      return;
    case 'Property':
      literalsShown(expr.value as Node, out, false);
      return;
    case 'ArrowFunctionExpression':
    case 'FunctionExpression':
      // Handlers: what they do is not what the attribute shows.
      return;
    default:
      for (const [key, value] of Object.entries(expr)) {
        if (key === 'type' || key === 'loc' || key === 'typeAnnotation') continue;
        if (Array.isArray(value)) {
          for (const v of value) if (isNode(v)) literalsShown(v, out, false);
        } else if (isNode(value)) literalsShown(value, out, false);
      }
  }
}

/** Elements whose text is code or a key cap, shown as it is in every language. */
const VERBATIM_ELEMENTS = new Set(['code', 'kbd', 'style', 'script']);

/** The template's strings that do not go through `t(...)`. */
export function untranslated(source: string): Finding[] {
  const ast = parse(source, { modern: true });
  const findings: Finding[] = [];
  const report = (text: string, start: number, where: string) => {
    if (needsTranslation(text))
      findings.push({ line: lineOf(source, start), text: text.trim(), where });
  };
  const checkExpression = (expr: Node, where: string) => {
    const shown: { text: string; start: number }[] = [];
    literalsShown(expr, shown, true);
    for (const s of shown) report(s.text, s.start, where);
  };

  const visit = (node: unknown, verbatim: boolean): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n, verbatim);
      return;
    }
    if (!isNode(node)) return;
    switch (node.type) {
      case 'Text':
        if (!verbatim) report(node.data as string, node.start, 'text');
        return;
      case 'ExpressionTag':
        if (!verbatim) checkExpression(node.expression as Node, 'expression');
        return;
      case 'Attribute': {
        const name = node.name as string;
        if (!USER_FACING.has(name)) return;
        const value = node.value;
        const parts = Array.isArray(value) ? value : isNode(value) ? [value] : [];
        for (const part of parts as Node[]) {
          if (part.type === 'Text') report(part.data as string, part.start, name);
          else if (part.type === 'ExpressionTag') checkExpression(part.expression as Node, name);
        }
        return;
      }
      case 'RegularElement':
        visit(node.attributes, verbatim);
        visit(node.fragment, verbatim || VERBATIM_ELEMENTS.has(node.name as string));
        return;
      default:
        for (const [key, value] of Object.entries(node)) {
          // Block conditions, each-expressions and bindings are logic, not text.
          if (
            ['expression', 'context', 'key', 'test', 'index', 'metadata', 'name_loc'].includes(key)
          )
            continue;
          visit(value, verbatim);
        }
    }
  };
  visit(ast.fragment, false);
  return findings;
}

export interface KeyUse {
  key: string;
  line: number;
}

/** Keys given as literals to t/msg/plural in TypeScript source; calls with other keys. */
export function keysInScript(
  source: string,
  fileName: string,
): { keys: KeyUse[]; dynamic: KeyUse[] } {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const keys: KeyUse[] = [];
  const dynamic: KeyUse[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      KEY_FUNCTIONS.has(node.expression.text)
    ) {
      const name = node.expression.text;
      // plural(n, one, other), translate(language, key), t(key) and msg(key).
      const args =
        name === 'plural'
          ? node.arguments.slice(1, 3)
          : name === 'translate'
            ? node.arguments.slice(1, 2)
            : node.arguments.slice(0, 1);
      // A key is a literal, or a choice between literals (`on ? 'A' : 'B'`).
      const take = (arg: ts.Expression): void => {
        const line = file.getLineAndCharacterOfPosition(arg.getStart()).line + 1;
        if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))
          keys.push({ key: arg.text, line });
        else if (ts.isParenthesizedExpression(arg)) take(arg.expression);
        else if (ts.isConditionalExpression(arg)) {
          take(arg.whenTrue);
          take(arg.whenFalse);
        } else dynamic.push({ key: arg.getText(), line });
      };
      for (const arg of args) take(arg);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { keys, dynamic };
}

/** The same for a Svelte file: its scripts and its template's expressions. */
export function keysInSvelte(
  source: string,
  fileName: string,
): { keys: KeyUse[]; dynamic: KeyUse[] } {
  // The template's expressions are JavaScript inside `{…}`; reading the whole file as
  // TypeScript would trip on markup, so each script and each expression is read alone.
  const ast = parse(source, { modern: true });
  const keys: KeyUse[] = [];
  const dynamic: KeyUse[] = [];
  const add = (code: string, offset: number) => {
    const found = keysInScript(code, fileName + '.ts');
    const base = lineOf(source, offset) - 1;
    for (const k of found.keys) keys.push({ key: k.key, line: k.line + base });
    for (const k of found.dynamic) dynamic.push({ key: k.key, line: k.line + base });
  };
  for (const script of [ast.instance, ast.module]) {
    if (script) {
      const content = script.content as unknown as Node;
      add(source.slice(content.start, content.end), content.start);
    }
  }
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (!isNode(node)) return;
    if (node.type === 'Program') return; // the scripts, read above
    for (const [key, value] of Object.entries(node)) {
      if (isNode(value) && key !== 'fragment' && value.type !== 'Fragment' && isEstree(value)) {
        add('(' + source.slice(value.start, value.end) + ')', value.start);
        continue;
      }
      visit(value);
    }
  };
  visit(ast.fragment);
  return { keys, dynamic };
}

/** An ESTree node (an expression or pattern inside the template), not a Svelte one. */
function isEstree(node: Node): boolean {
  return !/^(Text|Comment|ExpressionTag|HtmlTag|ConstTag|DebugTag|RenderTag|AttachTag|Attribute|SpreadAttribute|BindDirective|OnDirective|ClassDirective|StyleDirective|UseDirective|TransitionDirective|AnimateDirective|LetDirective|RegularElement|Component|SvelteElement|SvelteComponent|SvelteSelf|SvelteFragment|SvelteHead|SvelteBody|SvelteWindow|SvelteDocument|SvelteBoundary|SlotElement|TitleElement|IfBlock|EachBlock|AwaitBlock|KeyBlock|SnippetBlock|Fragment)$/.test(
    node.type,
  );
}
