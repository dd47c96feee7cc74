/**
 * SVG as strings, for the SVG exports: elements with escaped attributes, short coordinates,
 * ids, the document around a body. Pure, so unit tests in plain Node check the markup.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The SVG's font stack: what the viewer of the file is likely to have. */
export const SVG_FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';

/** Width in CSS pixels of a text at a font size in {@link SVG_FONT}. */
export type TextWidth = (text: string, size: number) => number;

/** Escapes text for XML content and attribute values. */
export function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** An element as a string; `undefined` attributes are left out. */
export function el(
  name: string,
  attrs: Record<string, string | number | undefined>,
  children: string | string[] = '',
): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${esc(typeof v === 'number' ? num(v) : (v as string))}"`)
    .join('');
  const body = Array.isArray(children) ? children.join('') : children;
  return body ? `<${name}${a}>${body}</${name}>` : `<${name}${a}/>`;
}

/** A coordinate, short: two decimals, no trailing zeros. */
export function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** A fragment of an id: letters, digits, '-' and '_' only. */
export function idPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '-');
}

/** The opaque background of a `width` × `height` document. */
export function backgroundRect(width: number, height: number, fill: string): string {
  return el('rect', { class: 'background', width, height, fill });
}

/** The document: its size, viewBox, font and title around `body`. */
export function svgDocument(width: number, height: number, title: string, body: string[]): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    el(
      'svg',
      {
        xmlns: SVG_NS,
        width: Math.round(width),
        height: Math.round(height),
        viewBox: `0 0 ${num(width)} ${num(height)}`,
        'font-family': SVG_FONT,
      },
      [el('title', {}, esc(title)), ...body],
    ) +
    '\n'
  );
}

/**
 * `text` cut to fit `width` (as `measure` measures it) with an ellipsis, or the whole of it
 * when it fits: a chart's long title would otherwise run into the next chart's.
 */
export function ellipsize(text: string, width: number, measure: (text: string) => number): string {
  if (measure(text) <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(`${text.slice(0, mid).trimEnd()}…`) <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo).trimEnd()}…`;
}
