import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BlobStore } from '../ports/blob-store.js';
import { FilePendingUploads, OrphanSweep } from './pending-uploads.js';

const CID_A = 'bafkreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const CID_B = 'bafkreibbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const CID_C = 'bafkreicccccccccccccccccccccccccccccccccccccccccccccccccccc';

/** A blob store that only records removals (and can be told to fail them). */
function blobs(failing = new Set<string>()): BlobStore & { removed: string[] } {
  const removed: string[] = [];
  return {
    removed,
    add: () => Promise.reject(new Error('not used')),
    cat: () => {
      throw new Error('not used');
    },
    has: async () => true,
    remove: async (cid: string) => {
      if (failing.has(cid)) throw new Error('the blob store is unavailable');
      removed.push(cid);
    },
    ready: async () => undefined,
    close: async () => undefined,
  };
}

function recordingLog() {
  const lines: { obj: object; msg?: string }[] = [];
  const keep = (obj: object, msg?: string) => void lines.push({ obj, msg });
  return { lines, info: keep, warn: keep, error: keep };
}

describe('pending uploads and the orphan sweep', () => {
  let dir: string;
  let now: number;
  beforeEach(async () => {
    dir = path.join(await mkdtemp(path.join(tmpdir(), 'careledger-pending-')), 'pending-uploads');
    now = 1_000_000;
  });
  afterEach(async () => rm(path.dirname(dir), { recursive: true, force: true }));

  it('keeps an unsettled upload across processes, with its stage, and forgets a settled one', async () => {
    const first = new FilePendingUploads(dir, () => now);
    await first.stored(CID_A);
    await first.stored(CID_B);
    now += 500;
    await first.submitting(CID_B);
    await first.stored(CID_C);
    await first.settled(CID_C);
    expect(first.inFlight(CID_A)).toBe(true);
    expect(first.inFlight(CID_C)).toBe(false);

    const restarted = new FilePendingUploads(dir, () => now);
    const entries = (await restarted.list()).sort((x, y) => x.cid.localeCompare(y.cid));
    expect(entries).toEqual([
      { cid: CID_A, stage: 'stored', storedAt: 1_000_000 },
      { cid: CID_B, stage: 'submitting', storedAt: 1_000_000 },
    ]);
    expect(restarted.inFlight(CID_A)).toBe(false);
  });

  it('lists nothing before the first upload, and skips a note cut short by a crash', async () => {
    const pending = new FilePendingUploads(dir);
    expect(await pending.list()).toEqual([]);
    await pending.stored(CID_A);
    await writeFile(path.join(dir, `${CID_B}.json`), '{"cid":"bafk');
    expect((await pending.list()).map((e) => e.cid)).toEqual([CID_A]);
  });

  it('refuses a name that is not a CID (no path outside its folder)', async () => {
    await expect(new FilePendingUploads(dir).stored('../../etc/passwd')).rejects.toThrow('not a CID');
  });

  it("unpins a dead process's stored blob after the grace time, keeps young, in-flight and submitted ones, and logs counts only", async () => {
    const dead = new FilePendingUploads(dir, () => now);
    await dead.stored(CID_A); // killed before its transaction
    await dead.stored(CID_B);
    await dead.submitting(CID_B); // killed after sending it: the record may exist
    const live = new FilePendingUploads(dir, () => now);
    const store = blobs();
    const log = recordingLog();
    const sweep = new OrphanSweep(live, store, log, { graceMs: 10_000, sweepMs: 1_000, now: () => now });

    now += 9_000;
    expect(await sweep.sweep()).toEqual({ swept: 0, uncertain: 0, failed: 0 });
    expect(store.removed).toEqual([]);

    await live.stored(CID_C); // this process's own upload, still running
    now += 60_000;
    expect(await sweep.sweep()).toEqual({ swept: 1, uncertain: 1, failed: 0 });
    expect(store.removed).toEqual([CID_A]);
    expect((await readdir(dir)).sort()).toEqual([`${CID_B}.json`, `${CID_C}.json`]);
    const logged = JSON.stringify(log.lines);
    expect(logged).toContain('"swept":1');
    for (const cid of [CID_A, CID_B, CID_C]) expect(logged).not.toContain(cid);
  });

  it('counts a blob the store could not remove as failed and tries it again at the next sweep', async () => {
    const pending = new FilePendingUploads(dir, () => now);
    await new FilePendingUploads(dir, () => now).stored(CID_A);
    const failing = new Set([CID_A]);
    const store = blobs(failing);
    const sweep = new OrphanSweep(pending, store, recordingLog(), { graceMs: 1, sweepMs: 1_000, now: () => now + 10 });

    expect(await sweep.sweep()).toEqual({ swept: 0, uncertain: 0, failed: 1 });
    failing.clear();
    expect(await sweep.sweep()).toEqual({ swept: 1, uncertain: 0, failed: 0 });
    expect(await pending.list()).toEqual([]);
  });

  it('sweeps at start and stops', async () => {
    await new FilePendingUploads(dir, () => now).stored(CID_A);
    const store = blobs();
    const running = new OrphanSweep(new FilePendingUploads(dir), store, recordingLog(), { graceMs: 1, sweepMs: 60_000, now: () => now + 10 }).start();
    for (let i = 0; i < 50 && store.removed.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await running.stop();
    expect(store.removed).toEqual([CID_A]);
  });
});
