/**
 * The export dialog's work: the file for the kind and options chosen, and a few words on what it
 * holds. Video and GIF encoders load with the first animation: they are most of the export
 * code's weight.
 */
import type { ExportKind } from './export-kinds';
import type { FrameView } from './frames';
import type { LabExports } from './lab-exports';
import { exportPng } from './png';
import { contourSvg, curvesSvg } from './svg';
import type { ExportTargets } from '../views/targets.svelte';
import type { ProgressCallback } from './tasks';
import { psnrNote } from './fidelity';
import type { VideoContainer } from './video';
import { msg, plural, t } from '../i18n';

/** The dialog's choices, as set when Export is pressed. */
export interface ExportSettings {
  kind: ExportKind;
  /** Images: size as a multiple of the view's on screen. */
  scale: number;
  transparent: boolean;
  legend: boolean;
  /** Draw the presentation's notes. */
  withNotes: boolean;
  /** Curves: one chart's id or 'all'. */
  chart: string;
  /** Stills: trajectories up to this step. */
  upToStep: number;
  /** Animations. */
  view: FrameView;
  frameSize: { width: number; height: number };
  videoFps: number;
  gifFps: number;
  videoDuration: number;
  gifDuration: number;
  fromStep: number;
  toStep: number;
  orbit: boolean;
  container: VideoContainer;
  gltfBinary: boolean;
}

/** A file made by an export. */
export interface ExportFile {
  blob: Blob;
  name: string;
  /** What it holds, for the status line: its size in pixels, frames, runs. */
  note: string;
}

const svgFile = (text: string, name: string): ExportFile => ({
  blob: new Blob([text], { type: 'image/svg+xml' }),
  name,
  note: msg('vector'),
});

/** Makes the file `settings` ask for from the views on show and the lab's data. */
export async function produceExport(
  settings: ExportSettings,
  targets: ExportTargets,
  lab: LabExports,
  task: { signal: AbortSignal; onProgress: ProgressCallback },
): Promise<ExportFile> {
  const { kind, scale, transparent, legend, chart, upToStep } = settings;
  const stem = lab.stem;
  const notes = settings.withNotes ? targets.notes : [];
  const animation = {
    view: settings.view,
    ...settings.frameSize,
    fromStep: settings.fromStep,
    toStep: settings.toStep,
    orbit: settings.orbit,
    legend,
    notes,
  };
  switch (kind) {
    case 'png-3d':
    case 'png-contour':
    case 'png-curves': {
      const which = kind === 'png-3d' ? '3d' : kind === 'png-contour' ? 'contour' : 'curves';
      const blob = await exportPng(targets, {
        view: which,
        scale,
        transparent,
        legend,
        step: which === 'curves' ? undefined : upToStep,
        chart,
        notes,
      });
      const bitmap = await createImageBitmap(blob);
      const note = `${bitmap.width} × ${bitmap.height} px`;
      bitmap.close();
      return { blob, name: `${stem}-${which}@${scale}x.png`, note };
    }
    case 'svg-contour': {
      if (!targets.contour) throw new Error('the contour view is not on show');
      const text = contourSvg(targets.contour, { step: upToStep, transparent, legend, notes });
      return svgFile(text, `${stem}-contour.svg`);
    }
    case 'svg-curves':
      return svgFile(
        curvesSvg(targets.charts, { chart, transparent, legend }),
        `${stem}-curves.svg`,
      );
    case 'video': {
      await lab.pause();
      const { exportVideo } = await import('./video');
      const result = await exportVideo(
        targets,
        {
          ...animation,
          fps: settings.videoFps,
          duration: settings.videoDuration,
          container: settings.container,
        },
        task,
      );
      const codec = { avc: 'H.264', vp9: 'VP9', vp8: 'VP8', av1: 'AV1' }[result.codec as string];
      return {
        blob: result.blob,
        name: `${stem}.${result.extension}`,
        note:
          t('{format} {codec}, {width} × {height}, {frames} frames, {seconds} s to render', {
            format: result.extension.toUpperCase(),
            codec: codec ?? result.codec,
            width: result.width,
            height: result.height,
            frames: result.frames,
            seconds: (result.elapsedMs / 1000).toFixed(1),
          }) + psnrNote(result.psnr),
      };
    }
    case 'gif': {
      await lab.pause();
      const { exportGif } = await import('./gif');
      const result = await exportGif(
        targets,
        { ...animation, fps: settings.gifFps, duration: settings.gifDuration },
        task,
      );
      return {
        blob: result.blob,
        name: `${stem}.gif`,
        note: t('{width} × {height}, {frames} frames', {
          width: result.width,
          height: result.height,
          frames: result.frames,
        }),
      };
    }
    case 'json': {
      const data = lab.json();
      return {
        blob: new Blob([JSON.stringify(data)], { type: 'application/json' }),
        name: `${stem}.json`,
        note: plural(data.runs.length, '{n} run', '{n} runs'),
      };
    }
    case 'csv':
      return {
        blob: new Blob([lab.csv()], { type: 'text/csv' }),
        name: `${stem}.csv`,
        note: plural(lab.runCount, '{n} run', '{n} runs'),
      };
    case 'gltf': {
      if (!targets.surface) throw new Error('the 3-D view is not on show');
      const { exportGltf } = await import('./gltf');
      const blob = await exportGltf(targets.surface.view, { binary: settings.gltfBinary });
      return {
        blob,
        name: `${stem}-surface.${settings.gltfBinary ? 'glb' : 'gltf'}`,
        note: 'mesh',
      };
    }
  }
}
