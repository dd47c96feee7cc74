/**
 * A session's `exercise` section: written and read back as it was (in the file and through the
 * engine's session desk), refused with the field named when malformed, and absent from every
 * session that has none — so sessions from before exercises open and write back unchanged.
 */
import fs from 'node:fs';
import path from 'node:path';
import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exerciseSchema, type Exercise } from '../../../electron/common/exercise';
import { MANIFEST_ENTRY, SessionError, type SessionData } from '../../../electron/common/session';
import {
  startInProcessEngine,
  type InProcessEngine,
} from '../../../electron/engine/hosts/in-process';
import { readSession, writeSession } from '../../../electron/engine/recording';
import { TestClient } from '../../helpers/engine-client';
import { raceSession } from './fixtures';

/** An exercise using every kind of field: both labs' goals, hints, locked and hidden controls. */
export const exercise: Exercise = {
  version: 1,
  task: {
    en: 'Make momentum end in the deep minimum.',
    zh: '让动量法停在较深的极小值。',
  },
  hints: [
    { en: 'Momentum carries a ball over a low pass.' },
    { en: 'Try μ = 0.9.', zh: '试试 μ = 0.9。' },
  ],
  controls: {
    'explorer.surface': 'locked',
    'explorer.addRun': 'hidden',
    'network.dataset': 'hidden',
  },
  goals: [
    {
      lab: 'explorer',
      metric: 'distance',
      point: { at: [-1.06, 0], name: 'the deep minimum' },
      runs: { optimizer: 'momentum', quantifier: 'any' },
      compare: '<=',
      threshold: 0.1,
      at: 'end',
    },
    {
      lab: 'network',
      metric: 'validationLoss',
      runs: { quantifier: 'all' },
      compare: '<=',
      threshold: 0.2,
      at: 'any',
      within: 500,
      text: { en: 'validation loss ≤ 0.2 within 500 steps' },
    },
  ],
};

let data: SessionData;
let plain: Uint8Array;
const savedAt = new Date('2025-03-04T06:00:00.000Z');

beforeAll(async () => {
  ({ data } = await raceSession());
  plain = writeSession(data, { savedAt });
});

/** The session with an exercise section as given (the arrays untouched). */
function withExercise(section: unknown): Uint8Array {
  const files = unzipSync(plain);
  const manifest = JSON.parse(new TextDecoder().decode(files[MANIFEST_ENTRY])) as Record<
    string,
    unknown
  >;
  manifest.exercise = section;
  files[MANIFEST_ENTRY] = strToU8(JSON.stringify(manifest));
  return zipSync(files as Zippable);
}

function refusal(bytes: Uint8Array): SessionError {
  try {
    readSession(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(SessionError);
    return err as SessionError;
  }
  throw new Error('the file was not refused');
}

describe('the exercise section in the file', () => {
  it('round-trips exactly, and a rewrite is the same bytes', () => {
    const bytes = writeSession({ ...data, exercise }, { savedAt });
    const back = readSession(bytes);
    expect(back.exercise).toEqual(exercise);
    expect(Buffer.compare(writeSession(back, { savedAt }), bytes)).toBe(0);
    // The rest of the session is what it was without the section.
    const { exercise: _, ...rest } = back;
    expect(rest).toEqual(readSession(plain));
  });

  it('is absent from a session without one, and old sessions open and write back unchanged', () => {
    expect(readSession(plain).exercise).toBeUndefined();
    expect(JSON.stringify(unzipSync(plain)[MANIFEST_ENTRY])).not.toContain('exercise');
    const fixture = path.join(__dirname, '../../fixtures/sessions/race-2026-12-07.losslab');
    const old = new Uint8Array(fs.readFileSync(fixture));
    const session = readSession(old);
    expect(session.exercise).toBeUndefined();
    expect(
      Buffer.compare(writeSession(session, { savedAt: new Date(session.savedAt!) }), old),
    ).toBe(0);
  });

  const cases: [string, (e: Exercise) => unknown, RegExp][] = [
    ['another version', (e) => ({ ...e, version: 2 }), /exercise\.version/],
    [
      'an empty task',
      (e) => ({ ...e, task: { en: '  ' } }),
      /exercise\.task\.en.*must not be empty/,
    ],
    [
      'an unknown control rule',
      (e) => ({ ...e, controls: { 'explorer.lr': 'greyed' } }),
      /exercise\.controls\.explorer\.lr/,
    ],
    [
      'a control id without its lab',
      (e) => ({ ...e, controls: { lr: 'locked' } }),
      /exercise\.controls\.lr: Invalid key/,
    ],
    [
      'a network metric on an explorer goal',
      (e) => ({ ...e, goals: [{ ...e.goals[0], metric: 'testAccuracy' }] }),
      /exercise\.goals\.0\.metric/,
    ],
    [
      'a distance goal without its point',
      (e) => ({ ...e, goals: [{ ...e.goals[0], point: undefined }] }),
      /exercise\.goals\.0\.point.*required by a distance goal/,
    ],
    [
      'an unknown comparison',
      (e) => ({ ...e, goals: [{ ...e.goals[1], compare: '==' }] }),
      /exercise\.goals\.0\.compare/,
    ],
    [
      'a non-integer within',
      (e) => ({ ...e, goals: [{ ...e.goals[1], within: 2.5 }] }),
      /exercise\.goals\.0\.within/,
    ],
    [
      'an unknown optimizer',
      (e) => ({
        ...e,
        goals: [{ ...e.goals[1], runs: { optimizer: 'lbfgs', quantifier: 'any' } }],
      }),
      /exercise\.goals\.0\.runs\.optimizer/,
    ],
    ['a key the schema does not define', (e) => ({ ...e, answer: 42 }), /exercise.*answer/],
  ];
  for (const [what, edit, field] of cases) {
    it(`refuses ${what}, naming the field`, () => {
      expect(exerciseSchema.safeParse(edit(exercise)).success).toBe(false);
      const err = refusal(withExercise(edit(exercise)));
      expect(err.message).toMatch(field);
      expect(err.message).not.toContain('\n');
    });
  }
});

describe('the exercise through the engine', () => {
  const hosts: InProcessEngine[] = [];
  afterEach(() => {
    for (const h of hosts.splice(0)) h.close();
  });

  async function connect(): Promise<TestClient> {
    const host = startInProcessEngine({ frameIntervalMs: 5 });
    hosts.push(host);
    const client = new TestClient(host);
    await client.hello();
    return client;
  }

  it('session.save writes the context’s exercise; session.open gives it back', async () => {
    const a = await connect();
    await a.request({
      type: 'run.create',
      run: {
        runId: 'run-1',
        surface: 'rosenbrock',
        start: [-1.5, 2],
        optimizer: { optimizer: 'adam', lr: 0.05 },
      },
    });
    const file = await a.request({ type: 'session.save', context: { view: {}, exercise } });
    if (file.type !== 'session.file') throw new Error(`session.save: ${JSON.stringify(file)}`);
    expect(readSession(file.bytes).exercise).toEqual(exercise);

    const b = await connect();
    const opened = await b.request({ type: 'session.open', bytes: file.bytes });
    if (opened.type !== 'session.opened')
      throw new Error(`session.open: ${JSON.stringify(opened)}`);
    expect(opened.session.exercise).toEqual(exercise);

    // A malformed exercise in the client's context is refused with its field.
    const bad = await a.request({
      type: 'session.save',
      context: { view: {}, exercise: { ...exercise, hints: [{ en: '' }] } as Exercise },
    });
    expect(bad.type).toBe('error');
    expect(JSON.stringify(bad)).toMatch(/context\.exercise\.hints\.0\.en/);
  });
});
