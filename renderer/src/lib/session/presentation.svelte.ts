/**
 * Presentation mode: full screen, large type and lines, controls hidden, a light or dark
 * theme, a title, and annotations pinned to points of the landscape.
 */

/** A text box with an arrow to a point of the surface (its x, y in the surface's domain). */
export interface Annotation {
  id: string;
  text: string;
  /** The point the arrow points at, in the surface's coordinates. */
  at: [number, number];
  /** Where the text box sits relative to the point, in CSS pixels. */
  offset: [number, number];
}

export type Theme = 'dark' | 'light';

export interface PresentationState {
  title?: string;
  theme?: Theme;
  annotations?: Annotation[];
}

/** Most annotations on one surface. */
export const MAX_ANNOTATIONS = 24;

export class Presentation {
  on = $state(false);
  theme = $state<Theme>('dark');
  title = $state('');
  annotations = $state<Annotation[]>([]);
  /** The next click on the contour view places an annotation there. */
  placing = $state(false);
  private nextId = 1;

  add(at: [number, number], text = 'Note'): Annotation | undefined {
    if (this.annotations.length >= MAX_ANNOTATIONS) return undefined;
    const annotation: Annotation = {
      id: `note-${this.nextId++}`,
      text,
      at: [at[0], at[1]],
      offset: [60, -60],
    };
    this.annotations.push(annotation);
    return annotation;
  }

  remove(id: string): void {
    this.annotations = this.annotations.filter((a) => a.id !== id);
  }

  state(): PresentationState {
    return {
      ...(this.title ? { title: this.title } : {}),
      theme: this.theme,
      annotations: $state.snapshot(this.annotations) as Annotation[],
    };
  }

  restore(saved: PresentationState | undefined): void {
    this.title = typeof saved?.title === 'string' ? saved.title : '';
    this.theme = saved?.theme === 'light' ? 'light' : 'dark';
    const notes = Array.isArray(saved?.annotations) ? saved.annotations : [];
    this.annotations = notes
      .filter(
        (a) =>
          typeof a?.text === 'string' &&
          Array.isArray(a.at) &&
          a.at.length === 2 &&
          a.at.every(Number.isFinite),
      )
      .slice(0, MAX_ANNOTATIONS)
      .map((a, i) => ({
        id: `note-${i + 1}`,
        text: a.text,
        at: [a.at[0], a.at[1]],
        offset:
          Array.isArray(a.offset) && a.offset.length === 2 && a.offset.every(Number.isFinite)
            ? [a.offset[0], a.offset[1]]
            : [60, -60],
      }));
    this.nextId = this.annotations.length + 1;
  }
}
