/**
 * Marching squares: the level lines of a grid of loss values, as line segments in grid
 * coordinates (i along x, j along y). Shared by the contour view and the 3-D view's lines.
 */
export interface ContourLines {
  levels: number[];
  /** (i0, j0, i1, j1) per segment, fractional grid coordinates. */
  segments: Float32Array;
  /** Index into `levels` of each segment. */
  level: Uint16Array;
}

/** values[j * n + i] on an n × n grid; NaN cells are skipped. */
export function marchingSquares(values: Float32Array, n: number, levels: number[]): ContourLines {
  const segs: number[] = [];
  const which: number[] = [];
  const cross = (a: number, b: number, level: number) => (level - a) / (b - a);
  for (let li = 0; li < levels.length; li++) {
    const c = levels[li];
    for (let j = 0; j < n - 1; j++) {
      for (let i = 0; i < n - 1; i++) {
        const v00 = values[j * n + i];
        const v10 = values[j * n + i + 1];
        const v01 = values[(j + 1) * n + i];
        const v11 = values[(j + 1) * n + i + 1];
        if (Number.isNaN(v00 + v10 + v01 + v11)) continue;
        const code = (v00 > c ? 1 : 0) | (v10 > c ? 2 : 0) | (v11 > c ? 4 : 0) | (v01 > c ? 8 : 0);
        if (code === 0 || code === 15) continue;
        // Edge crossing points: bottom (v00–v10), right (v10–v11), top (v01–v11), left (v00–v01).
        const bottom = () => [i + cross(v00, v10, c), j];
        const right = () => [i + 1, j + cross(v10, v11, c)];
        const top = () => [i + cross(v01, v11, c), j + 1];
        const left = () => [i, j + cross(v00, v01, c)];
        const add = (p: number[], q: number[]) => {
          segs.push(p[0], p[1], q[0], q[1]);
          which.push(li);
        };
        switch (code) {
          case 1:
          case 14:
            add(left(), bottom());
            break;
          case 2:
          case 13:
            add(bottom(), right());
            break;
          case 3:
          case 12:
            add(left(), right());
            break;
          case 4:
          case 11:
            add(right(), top());
            break;
          case 6:
          case 9:
            add(bottom(), top());
            break;
          case 7:
          case 8:
            add(left(), top());
            break;
          case 5:
          case 10: {
            // A saddle cell: the centre's value decides which corners connect.
            const centreAbove = (v00 + v10 + v01 + v11) / 4 > c;
            if ((code === 5) === centreAbove) {
              add(left(), top());
              add(bottom(), right());
            } else {
              add(left(), bottom());
              add(right(), top());
            }
            break;
          }
        }
      }
    }
  }
  return { levels, segments: Float32Array.from(segs), level: Uint16Array.from(which) };
}
