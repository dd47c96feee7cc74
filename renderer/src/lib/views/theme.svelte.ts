/**
 * The theme the canvas-drawn parts of the views follow (its colours are in look.ts), and
 * presentation mode's larger type and lines. CSS follows the theme by itself (app.css);
 * canvases read it here.
 */

import { PALETTES, type ThemeName, type ViewPalette } from './look';

class ViewTheme {
  name = $state<ThemeName>('dark');
  /** Presentation mode: larger type and lines. */
  presenting = $state(false);

  get palette(): ViewPalette {
    return PALETTES[this.name];
  }

  /** Multiplier of trajectory line widths. */
  get lineScale(): number {
    return this.presenting ? 2 : 1;
  }

  /** Multiplier of canvas-drawn type (axes, ticks). */
  get fontScale(): number {
    return this.presenting ? 1.4 : 1;
  }
}

/** The page's one view theme, set by the app from presentation mode. */
export const viewTheme = new ViewTheme();

/** Colours and sizes for a chart now (reading it inside an effect follows the theme). */
export function chartLook(): { palette: ViewPalette; fontScale: number; lineScale: number } {
  return {
    palette: viewTheme.palette,
    fontScale: viewTheme.fontScale,
    lineScale: viewTheme.lineScale,
  };
}
