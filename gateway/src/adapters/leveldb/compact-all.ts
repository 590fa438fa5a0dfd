import type { ClassicLevel } from 'classic-level';

// Outside every real key (keys are UTF-8 text, which never holds 0x00 as a first byte here nor any 0xff byte),
// so together they span the whole key space.
const LOW = Buffer.from([0x00]);
const HIGH = Buffer.alloc(4, 0xff);
const END = Buffer.alloc(8, 0xff);

/**
 * Rewrites every table of a LevelDB so that deleted and overwritten values leave its files, and deletes the
 * old log. `compactRange` alone does not always do it: the memtable it flushes first may land, with every old
 * version in it, in a level that the same call then never compacts (a small database's first compaction
 * ends exactly like that). So this runs twice, each time after a batch that writes and deletes two sentinel
 * keys at both ends of the key space: the flushed table then overlaps every table below it, and the
 * compaction merges all levels down, dropping what is hidden by newer entries and tombstones. The sentinels
 * are gone in the same compaction. Reads and writes go on meanwhile; values that an open iterator still sees
 * are kept until the next compaction.
 */
export async function compactAll<K, V>(db: ClassicLevel<K, V>): Promise<void> {
  for (let pass = 0; pass < 2; pass++) {
    await db.batch<Buffer, Buffer>(
      [
        { type: 'put', key: LOW, value: Buffer.alloc(0) },
        { type: 'put', key: HIGH, value: Buffer.alloc(0) },
        { type: 'del', key: LOW },
        { type: 'del', key: HIGH },
      ],
      { keyEncoding: 'buffer', valueEncoding: 'buffer' },
    );
    await db.compactRange<Buffer>(Buffer.alloc(0), END, { keyEncoding: 'buffer' });
  }
}
