import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { compactAll } from './compact-all.js';

/** Whether any file of the folder holds the text, raw (values this small are never compressed by LevelDB). */
async function onDisk(dir: string, text: string): Promise<boolean> {
  for (const name of await readdir(dir)) if ((await readFile(path.join(dir, name))).includes(text)) return true;
  return false;
}

describe('compactAll', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'careledger-compact-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('removes deleted and overwritten values from the files, keeps live ones, and leaves no sentinel behind', async () => {
    const db = new ClassicLevel<string, string>(dir);
    await db.open();
    await db.put('a', 'deleted-secret-value');
    await db.put('b', 'overwritten-secret-value');
    await db.put('c', 'live-value');
    await db.del('a');
    await db.put('b', 'new-value');
    expect(await onDisk(dir, 'deleted-secret-value')).toBe(true);

    await compactAll(db);

    expect(await onDisk(dir, 'deleted-secret-value')).toBe(false);
    expect(await onDisk(dir, 'overwritten-secret-value')).toBe(false);
    expect(await db.iterator().all()).toEqual([
      ['b', 'new-value'],
      ['c', 'live-value'],
    ]);
    await db.close();
  });

  it('also removes them from a database compacted before (values already in deeper tables)', async () => {
    const db = new ClassicLevel<string, string>(dir);
    await db.open();
    await db.put('a', 'older-secret-value');
    await compactAll(db);
    await db.del('a');

    await compactAll(db);

    expect(await onDisk(dir, 'older-secret-value')).toBe(false);
    expect(await db.keys().all()).toEqual([]);
    await db.close();
  });
});
