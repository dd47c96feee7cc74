/** Main's file service against the recorded fake: dialogs, recent sessions, no arbitrary reads. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { appFake, dialogFake, fakeElectron, setFakePathsRoot } from '../helpers/fake-electron';

vi.mock('electron', () => fakeElectron());

const { SessionFiles, filtersFor, MAX_RECENT } = await import('../../electron/main/files');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-files-'));
setFakePathsRoot(root);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let files: InstanceType<typeof SessionFiles>;
beforeEach(() => {
  fs.rmSync(path.join(root, 'store.json'), { force: true });
  files = new SessionFiles(path.join(root, 'store.json'));
  dialogFake.calls.length = 0;
  dialogFake.answers.length = 0;
});

function session(name: string, bytes = [1, 2, 3]): string {
  const file = path.join(root, name);
  fs.writeFileSync(file, Uint8Array.from(bytes));
  return file;
}

describe('main: files', () => {
  it('saves through the native dialog, starting in Documents, filtered by the extension', async () => {
    const target = path.join(root, 'picked.losslab');
    dialogFake.answers.push({ canceled: false, filePath: target });
    const saved = await files.save(null, 'race.losslab', new Uint8Array([9, 8, 7]));
    expect(saved).toBe(target);
    expect([...fs.readFileSync(target)]).toEqual([9, 8, 7]);
    expect(dialogFake.calls[0]).toMatchObject({
      kind: 'save',
      options: {
        defaultPath: path.join(root, 'documents', 'race.losslab'),
        filters: [{ name: 'LossLab session', extensions: ['losslab'] }],
      },
    });
    // A saved session is a recent one (and the OS hears of it).
    expect((await files.recent()).map((r) => r.path)).toEqual([target]);
    expect(appFake.addRecentDocument).toHaveBeenCalledWith(target);
  });

  it('a cancelled dialog writes nothing and a name cannot climb out of Documents', async () => {
    expect(await files.save(null, 'x.png', new Uint8Array([1]))).toBeUndefined();
    await files.save(null, '../../etc/evil.png', new Uint8Array([1]));
    expect(dialogFake.calls[1].options.defaultPath).toBe(path.join(root, 'documents', 'evil.png'));
    expect(filtersFor('clip.mp4')).toEqual([{ name: 'MP4 video', extensions: ['mp4'] }]);
  });

  it('opens a picked session, then the recent list; refuses paths not in it', async () => {
    const a = session('a.losslab', [1, 2]);
    dialogFake.answers.push({ canceled: false, filePaths: [a] });
    const opened = await files.open(null);
    expect(opened).toMatchObject({ name: 'a.losslab', path: a });
    expect([...opened!.bytes]).toEqual([1, 2]);
    expect(dialogFake.calls[0].options.filters).toEqual([
      { name: 'LossLab session', extensions: ['losslab'] },
    ]);
    // Not recent until the engine has opened it: a refused file never gets there.
    expect(await files.recent()).toEqual([]);
    await files.opened('other.losslab');
    expect(await files.recent()).toEqual([]);
    await files.opened('a.losslab');
    expect((await files.recent()).map((e) => e.path)).toEqual([a]);
    // Re-opened from the recent list without a dialog.
    expect((await files.open(null, a))!.name).toBe('a.losslab');
    expect(dialogFake.calls).toHaveLength(1);
    // Anything else is refused: the page may not read arbitrary files.
    await expect(files.open(null, '/etc/passwd')).rejects.toThrow(/not among the recent sessions/);
    expect(await files.open(null)).toBeUndefined();
  });

  it('a dropped session joins the recent list once it opened; other files never', async () => {
    const dropped = session('dropped.losslab');
    files.offer(dropped);
    files.offer(path.join(root, 'notes.txt'));
    expect(await files.recent()).toEqual([]);
    await files.opened('notes.txt');
    await files.opened('dropped.losslab');
    expect((await files.recent()).map((e) => e.name)).toEqual(['dropped.losslab']);
  });

  it('keeps the newest first, at most MAX_RECENT, and forgets files that are gone', async () => {
    for (let i = 0; i < MAX_RECENT + 3; i++) await files.remember(session(`s${i}.losslab`));
    await files.remember(path.join(root, 'not-a-session.txt'));
    const list = await files.recent();
    expect(list).toHaveLength(MAX_RECENT);
    expect(list[0].name).toBe(`s${MAX_RECENT + 2}.losslab`);
    fs.rmSync(list[0].path);
    expect((await files.recent())[0].name).toBe(`s${MAX_RECENT + 1}.losslab`);
    // A damaged store is an empty list, not a crash.
    fs.writeFileSync(path.join(root, 'store.json'), '{not json');
    expect(await files.recent()).toEqual([]);
  });
});
