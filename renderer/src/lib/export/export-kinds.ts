/** What the export dialog can produce, with the names the UI shows for each. */
import { msg } from '../i18n';

export type ExportKind =
  | 'png-3d'
  | 'png-contour'
  | 'png-curves'
  | 'svg-contour'
  | 'svg-curves'
  | 'video'
  | 'gif'
  | 'json'
  | 'csv'
  | 'gltf';

export const EXPORT_KINDS: { kind: ExportKind; label: string }[] = [
  { kind: 'png-3d', label: msg('PNG image of the 3-D view') },
  { kind: 'png-contour', label: msg('PNG image of the contour view') },
  { kind: 'png-curves', label: msg('PNG image of the curves') },
  { kind: 'svg-contour', label: msg('SVG of the contour view') },
  { kind: 'svg-curves', label: msg('SVG of the curves') },
  { kind: 'video', label: msg('Video (MP4 or WebM)') },
  { kind: 'gif', label: msg('Animated GIF') },
  { kind: 'json', label: msg('Trajectories and curves (JSON)') },
  { kind: 'csv', label: msg('Trajectories and curves (CSV)') },
  { kind: 'gltf', label: msg('Surface mesh (glTF)') },
];

/** Frame sizes offered for videos, up to 4K UHD. */
export const VIDEO_PRESETS = [
  { label: '640 × 360', width: 640, height: 360 },
  { label: msg('1280 × 720 (HD)'), width: 1280, height: 720 },
  { label: msg('1920 × 1080 (Full HD)'), width: 1920, height: 1080 },
  { label: msg('2560 × 1440 (QHD)'), width: 2560, height: 1440 },
  { label: msg('3840 × 2160 (4K UHD)'), width: 3840, height: 2160 },
];

/** Frame sizes offered for GIFs: smaller, GIFs grow fast. */
export const GIF_PRESETS = [
  { label: '320 × 180', width: 320, height: 180 },
  { label: '480 × 270', width: 480, height: 270 },
  { label: '640 × 360', width: 640, height: 360 },
  { label: '800 × 450', width: 800, height: 450 },
];

export const VIDEO_FPS = [24, 25, 30, 50, 60];
export const GIF_FPS = [10, 12, 15, 20, 25];

/** Largest video frame side, and largest frame area (3840 × 2160). */
export const MAX_VIDEO_SIDE = 3840;
export const MAX_VIDEO_PIXELS = 3840 * 2160;
