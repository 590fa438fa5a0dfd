import { ClassicLevel } from 'classic-level';
import { compactAll } from '../leveldb/compact-all.js';

/** What the index keeps per pinned blob: its byte length (the importer reports the DAG's size instead). */
export interface PinRecord {
  size: number;
}

/**
 * Pins and block reference counts of {@link UnixfsBlobStore}, in one LevelDB so that a pin and the counts of
 * its blocks change in one atomic batch: a crash leaves at worst unreferenced block files, never a pin whose
 * blocks were deleted. A block's count is the number of pinned DAGs that contain it (once per DAG).
 * Not safe for concurrent writers: the blob store serialises the calls that change it.
 */
export class PinIndex {
  private readonly db: ClassicLevel<string, string>;
  private readonly pins;
  private readonly refs;

  constructor(location: string) {
    this.db = new ClassicLevel<string, string>(location);
    this.pins = this.db.sublevel<string, PinRecord>('pin', { valueEncoding: 'json' });
    this.refs = this.db.sublevel<string, number>('ref', { valueEncoding: 'json' });
  }

  /** Whether the database is open. */
  get isOpen(): boolean {
    return this.db.status === 'open';
  }

  /** Opens (creating when missing) the database. */
  async open(): Promise<void> {
    await this.db.open();
  }

  /** Closes the database. */
  /** Compacts the index so that removed pins (CIDs) leave its LevelDB files. */
  async compact(): Promise<void> {
    await compactAll(this.db);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** The pin of a root CID, if any. */
  async getPin(cid: string): Promise<PinRecord | undefined> {
    return this.pins.get(cid);
  }

  /** Pins a root and counts each of its distinct blocks once; false (and nothing changes) when already pinned. */
  async addPin(cid: string, record: PinRecord, blocks: readonly string[]): Promise<boolean> {
    if ((await this.pins.get(cid)) !== undefined) return false;
    const counts = await this.refs.getMany([...blocks]);
    const batch = this.db.batch().put(cid, record, { sublevel: this.pins });
    blocks.forEach((block, i) => batch.put(block, (counts[i] ?? 0) + 1, { sublevel: this.refs }));
    await batch.write();
    return true;
  }

  /**
   * Unpins a root whose distinct blocks are `blocks` and returns those that no pin references any more
   * (the caller deletes them). A root that is not pinned changes nothing.
   */
  async removePin(cid: string, blocks: readonly string[]): Promise<string[]> {
    if ((await this.pins.get(cid)) === undefined) return [];
    const counts = await this.refs.getMany([...blocks]);
    const orphans: string[] = [];
    const batch = this.db.batch().del(cid, { sublevel: this.pins });
    blocks.forEach((block, i) => {
      const left = (counts[i] ?? 1) - 1;
      if (left > 0) {
        batch.put(block, left, { sublevel: this.refs });
      } else {
        batch.del(block, { sublevel: this.refs });
        orphans.push(block);
      }
    });
    await batch.write();
    return orphans;
  }

  /** The blocks among `blocks` that no pinned DAG contains. */
  async unreferenced(blocks: readonly string[]): Promise<string[]> {
    const counts = await this.refs.getMany([...blocks]);
    return blocks.filter((_, i) => (counts[i] ?? 0) === 0);
  }
}
