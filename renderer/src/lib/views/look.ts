/**
 * The colours and the font the canvas-drawn and SVG parts of the views use (chart axes, contour
 * axes, legends drawn into exports), for the dark and the light theme. Plain data, free of
 * Svelte and the DOM, so exports' pure parts and unit tests read it too.
 */

export type ThemeName = 'dark' | 'light';

/**
 * The font canvases draw text in: the app's own (bundled, see app.css), then the system's. A
 * canvas does not inherit CSS fonts, so charts, axes and exports name it themselves.
 */
export const CANVAS_FONT =
  "'Inter Variable', 'Noto Sans SC Variable', 'Noto Sans Symbols 2', system-ui, sans-serif";

export interface ViewPalette {
  /** Text on the page's background. */
  text: string;
  /** Axis labels and ticks. */
  muted: string;
  /** Plot frames and tick marks. */
  axis: string;
  /** Chart grid lines. */
  grid: string;
  /** The replay cursor on the curves. */
  cursor: string;
  /** A diverged run's label. */
  danger: string;
  /** Boxes drawn over the views (notes). */
  panel: string;
  /** Pins and highlights. */
  accent: string;
}

export const PALETTES: Record<ThemeName, ViewPalette> = {
  dark: {
    text: '#e6eaf3',
    muted: '#a8b3cf',
    axis: '#6b7696',
    grid: '#2a3147',
    cursor: '#e6eaf3',
    danger: '#f87171',
    panel: '#161b2c',
    accent: '#5eead4',
  },
  light: {
    text: '#182033',
    muted: '#556178',
    axis: '#8a94a8',
    grid: '#e1e5ee',
    cursor: '#182033',
    danger: '#c62828',
    panel: '#ffffff',
    accent: '#0f766e',
  },
};

/**
 * The colours of the Hessian's picture (eigenvector arrows, the Taylor model's level lines and
 * mesh), from the theme: readable on its panels and, over a halo, on the heatmap.
 */
export interface CurvatureColors {
  /** λ > 0: the model curves up. */
  positive: string;
  /** λ < 0: the model curves down. */
  negative: string;
  /** λ within ±τ·max|λ|. */
  flat: string;
  /** Under lines and text, so they read on any colour of the heatmap. */
  halo: string;
  text: string;
}

/**
 * Positive curvature in the theme's accent (teal), negative in its danger colour (red): a pair
 * colour-blind readers tell apart by lightness too; each drawn over a halo of the theme's panel.
 */
export function curvatureColors(palette: ViewPalette): CurvatureColors {
  return {
    positive: palette.accent,
    negative: palette.danger,
    flat: palette.muted,
    halo: palette.panel,
    text: palette.text,
  };
}
