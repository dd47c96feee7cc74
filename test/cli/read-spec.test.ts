/**
 * Reading a SPEC's bytes into a value the schema may see: UTF-8 with one optional BOM, within
 * the shape bounds (depth, values, text), a command's bulk arrays of numbers beyond them.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeSpec,
  MAX_SPEC_BYTES,
  parseSpecText,
  SPEC_BOUNDS,
} from '../../electron/cli/read-spec';
import { SpecError } from '../../electron/cli/spec';
import { runCli } from './harness';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as Error).message;
  }
  throw new Error('expected a SpecError');
}

describe('decodeSpec', () => {
  it('drops one leading BOM and keeps everything else', () => {
    const text = '{"a": "\uFEFF"}';
    expect(decodeSpec(Buffer.from(`\uFEFF${text}`))).toBe(text);
    expect(decodeSpec(Buffer.from(text))).toBe(text);
    expect(decodeSpec(Buffer.from(`\uFEFF\uFEFF${text}`))).toBe(`\uFEFF${text}`);
  });

  it('names the first byte that is not UTF-8, after real U+FFFD characters', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"a": "\uFFFD\uFFFD", "b": "'),
      Buffer.from([0xe9]),
      Buffer.from('"}'),
    ]);
    const at = bytes.indexOf(0xe9);
    expect(refusal(() => decodeSpec(bytes))).toBe(
      `spec: the SPEC is not UTF-8 text (byte 0xe9 at offset ${at}); save it as UTF-8`,
    );
  });
});

describe('parseSpecText', () => {
  it('refuses nesting past the bound before parsing, and allows it up to the bound', () => {
    const depth = SPEC_BOUNDS.maxDepth;
    expect(parseSpecText('['.repeat(depth) + ']'.repeat(depth))).toBeDefined();
    expect(refusal(() => parseSpecText('['.repeat(depth + 1) + ']'.repeat(depth + 1)))).toBe(
      `spec: nested more than ${depth} levels deep (at character ${depth})`,
    );
    // Brackets in strings are text, not nesting.
    expect(parseSpecText(JSON.stringify({ a: '['.repeat(1000) }))).toBeDefined();
  });

  it('counts values on the text, exactly for non-empty containers', () => {
    const max = SPEC_BOUNDS.maxValues;
    // The array itself and its elements: max values in all.
    expect(parseSpecText(`[${Array(max - 1).fill(0)}]`)).toHaveLength(max - 1);
    expect(refusal(() => parseSpecText(`[${Array(max).fill(0)}]`))).toBe(
      'spec: holds more than 100,000 values',
    );
    // Commas inside strings are not values.
    expect(parseSpecText(JSON.stringify([','.repeat(max * 2)]))).toHaveLength(1);
  });

  it("passes a command's bulk arrays of numbers beyond the value bound, nothing else", () => {
    const theta = Array.from({ length: 250_000 }, (_, i) => i / 7);
    const bulk = [['landscape', 'theta']];
    const spec = { landscape: { theta }, runs: [] };
    const parsed = parseSpecText(JSON.stringify(spec), bulk) as typeof spec;
    expect(parsed.landscape.theta).toEqual(theta);
    // Not at the bulk path, or not all numbers: the bound holds.
    expect(refusal(() => parseSpecText(JSON.stringify({ other: theta }), bulk))).toMatch(
      /^spec: holds more than 100,000 values$/,
    );
    const mixed = { landscape: { theta: [...theta.slice(1), 'x'] } };
    expect(refusal(() => parseSpecText(JSON.stringify(mixed), bulk))).toMatch(
      /^spec: holds more than/,
    );
    // Everything else is still walked: deep nesting beside a bulk array is found.
    const deep = { landscape: { theta }, x: JSON.parse('['.repeat(70) + ']'.repeat(70)) };
    expect(refusal(() => parseSpecText(JSON.stringify(deep), bulk))).toMatch(/nested more/);
  });

  it('maps the shape check to spec and its path', () => {
    const text = JSON.stringify({ runs: [{ label: 'x'.repeat(33 * 2 ** 20) }] });
    expect(text.length).toBeLessThan(MAX_SPEC_BYTES);
    expect(refusal(() => parseSpecText(text))).toBe(
      'spec.runs.0.label: the SPEC holds more than 33,554,432 characters of text',
    );
  });
});

describe('a landscape SPEC with a saved θ of 230,000 numbers', () => {
  it('is read whole and used (it is more values than any other SPEC may hold)', async () => {
    // 2 → 480 → 480 → 2 with tanh: 2·480 + 480 + 480·480 + 480 + 480·2 + 2 = 233,282 parameters.
    const model = { depth: 2, width: 480, activation: 'tanh' };
    const size = 2 * 480 + 480 + 480 * 480 + 480 + 480 * 2 + 2;
    const theta = Array.from({ length: size }, (_, i) => Math.sin(i) * 0.01);
    const spec = {
      dataset: { kind: 'moons', n: 60 },
      model,
      landscape: { resolution: 2, coarse: 0, threads: 0, theta },
    };
    const { code, out, err } = await runCli(['landscape', '-'], JSON.stringify(spec));
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out) as { center: string; model: { parameters: number } };
    expect(result.center).toBe('given');
    expect(result.model.parameters).toBe(size);
  }, 60_000);
});
