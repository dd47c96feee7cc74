/**
 * Every case of the torch.optim reference (float64 trajectories from PyTorch) reproduced
 * through the CLI: positions and losses within 1e-4 absolute + 1e-3 relative, same status.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/index';
import type { TrajectoryOutput } from '../../electron/common/spec';

interface Case {
  name: string;
  spec: unknown;
  expected: TrajectoryOutput;
}

const reference = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/torch-optim.json'), 'utf8'),
) as { cases: Case[] };

function capture(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Runs `losslab trajectory FILE` in-process and parses its stdout. */
export async function cliTrajectory(spec: unknown): Promise<TrajectoryOutput> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-spec-'));
  const file = path.join(dir, 'spec.json');
  fs.writeFileSync(file, JSON.stringify(spec));
  const out = capture();
  const err = capture();
  const code = await main(['trajectory', file], out.stream, err.stream);
  fs.rmSync(dir, { recursive: true });
  if (code !== 0) throw new Error(`exit ${code}: ${err.text()}`);
  return JSON.parse(out.text()) as TrajectoryOutput;
}

function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= 1e-4 + 1e-3 * Math.abs(expected);
}

describe('torch.optim reference through `losslab trajectory`', () => {
  for (const c of reference.cases) {
    it(c.name, async () => {
      const got = await cliTrajectory(c.spec);
      expect(got.runs).toHaveLength(c.expected.runs.length);
      c.expected.runs.forEach((want, r) => {
        const run = got.runs[r];
        const label = `${c.name} run ${r} (${want.optimizer})`;
        expect(run.optimizer, label).toBe(want.optimizer);
        expect(run.status, label).toBe(want.status);
        expect(run.points.length, label).toBe(want.points.length);
        want.points.forEach((p, k) => {
          for (let j = 0; j < 3; j++) {
            if (!close(run.points[k][j], p[j])) {
              throw new Error(
                `${label}: point ${k}[${j}] = ${run.points[k][j]}, torch says ${p[j]}`,
              );
            }
          }
        });
      });
    });
  }
});
