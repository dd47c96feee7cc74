/**
 * Run colours: distinct, colour-blind-aware (Okabe–Ito order), readable on dark and light. None
 * is white, black or grey: those mark the views' minima (★, white) and saddles (✕, dark).
 */
export const runColors = [
  '#f59e0b',
  '#38bdf8',
  '#f472b6',
  '#4ade80',
  '#a78bfa',
  '#f87171',
  '#facc15',
  '#2dd4bf',
];

/** Viridis at t ∈ [0, 1], as r, g, b in [0, 1]. Perceptually uniform, prints in grey. */
const viridisStops: [number, number, number][] = [
  [0.267, 0.005, 0.329],
  [0.283, 0.141, 0.458],
  [0.254, 0.265, 0.53],
  [0.207, 0.372, 0.553],
  [0.164, 0.471, 0.558],
  [0.128, 0.567, 0.551],
  [0.135, 0.659, 0.518],
  [0.267, 0.749, 0.441],
  [0.478, 0.821, 0.318],
  [0.741, 0.873, 0.15],
  [0.993, 0.906, 0.144],
];

export function viridis(t: number, out: Float32Array | number[], offset = 0): void {
  const clamped = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const scaled = clamped * (viridisStops.length - 1);
  const i = Math.min(viridisStops.length - 2, Math.floor(scaled));
  const f = scaled - i;
  const a = viridisStops[i];
  const b = viridisStops[i + 1];
  out[offset] = a[0] + (b[0] - a[0]) * f;
  out[offset + 1] = a[1] + (b[1] - a[1]) * f;
  out[offset + 2] = a[2] + (b[2] - a[2]) * f;
}

/** CSS gradient of the colour map, for legends, from its low end towards `direction`. */
export function viridisCss(direction: 'to right' | 'to top' = 'to right'): string {
  const stops = viridisStops.map(
    ([r, g, b], i) =>
      `rgb(${Math.round(r * 255)} ${Math.round(g * 255)} ${Math.round(b * 255)}) ${(i / (viridisStops.length - 1)) * 100}%`,
  );
  return `linear-gradient(${direction}, ${stops.join(', ')})`;
}
