/** SVG markup helpers and the exports' legend content: escaping, short numbers, ids, labels. */
import { describe, expect, it } from 'vitest';
import {
  legendLabel,
  legendRuns,
  viridisColor,
} from '../../../renderer/src/lib/export/overlay-content';
import {
  el,
  ellipsize,
  esc,
  idPart,
  num,
  svgDocument,
} from '../../../renderer/src/lib/export/svg-markup';
import type { ViewRun } from '../../../renderer/src/lib/views/view-data';

describe('svg markup', () => {
  it('escapes text and attribute values', () => {
    expect(esc('a < b & "c" > d')).toBe('a &lt; b &amp; &quot;c&quot; &gt; d');
  });

  it('writes coordinates with at most two decimals', () => {
    expect(num(1.005)).toBe('1');
    expect(num(-3.14159)).toBe('-3.14');
    expect(num(2)).toBe('2');
  });

  it('leaves undefined attributes out and closes empty elements', () => {
    expect(el('rect', { x: 1.234, y: undefined, fill: 'a"b' })).toBe(
      '<rect x="1.23" fill="a&quot;b"/>',
    );
    expect(el('g', { id: 'k' }, ['<a/>', '<b/>'])).toBe('<g id="k"><a/><b/></g>');
  });

  it('makes ids of letters, digits, - and _ only', () => {
    expect(idPart('run 1/η')).toBe('run-1-');
  });

  it('cuts a text to a width with an ellipsis, the most that fits', () => {
    // One unit per character.
    const measure = (t: string) => t.length;
    expect(ellipsize('Training loss', 13, measure)).toBe('Training loss');
    expect(ellipsize('Training loss', 12, measure)).toBe('Training lo…');
    expect(ellipsize('Training loss', 10, measure)).toBe('Training…');
    expect(ellipsize('Training loss', 9, measure)).toBe('Training…');
    expect(ellipsize('Training loss', 8, measure)).toBe('Trainin…');
    expect(ellipsize('Training loss', 0, measure)).toBe('…');
  });

  it('wraps a body in a titled document of the given size', () => {
    const doc = svgDocument(100.4, 50, 'T & U', ['<g/>']);
    expect(doc.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')).toBe(true);
    expect(doc).toContain('width="100" height="50" viewBox="0 0 100.4 50"');
    expect(doc).toContain('<title>T &amp; U</title><g/></svg>\n');
  });
});

describe('legend content', () => {
  const runs = [
    { runId: 'a', label: 'GD', color: '#111111', diverged: false, onSurface: true },
    { runId: 'b', label: 'Adam', color: '#222222', diverged: true, onSurface: false },
  ] as ViewRun[];

  it('lists the runs, only those on the surface when asked', () => {
    expect(legendRuns(runs).map((r) => r.label)).toEqual(['GD', 'Adam']);
    expect(legendRuns(runs, true).map((r) => r.label)).toEqual(['GD']);
  });

  it('says when a run diverged', () => {
    expect(legendRuns(runs).map(legendLabel)).toEqual(['GD', 'Adam — diverged']);
  });

  it('spans the colour map from dark purple to yellow', () => {
    expect(viridisColor(0)).toBe('rgb(68, 1, 84)');
    expect(viridisColor(1)).toBe('rgb(253, 231, 37)');
  });
});
