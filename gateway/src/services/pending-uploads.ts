import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from '../ports/blob-store.js';
import type { Logger } from '../ports/logger.js';

/**
 * Where an upload stands between the blob store and the ledger: `stored` (the blob is pinned, no transaction sent
 * yet) or `submitting` (the record's transaction was sent; it may have committed).
 */
export type UploadStage = 'stored' | 'submitting';

/** One upload whose outcome this gateway has not settled yet. Holds a CID of ciphertext and times only. */
export interface PendingUpload {
  cid: string;
  stage: UploadStage;
  /** When the blob was stored (ms since the epoch). */
  storedAt: number;
}

/**
 * The uploads this gateway has stored a blob for but not yet settled (record committed, or blob removed). It
 * outlives the process, so that a gateway killed between the blob store and the ledger finds, on restart, the
 * blobs it pinned for records that were never made.
 */
export interface PendingUploads {
  /** The blob of an upload is stored (pinned); no ledger transaction yet. */
  stored(cid: string): Promise<void>;
  /** The record's transaction is about to be sent. */
  submitting(cid: string): Promise<void>;
  /** The upload is settled: its record committed, or its blob was removed. */
  settled(cid: string): Promise<void>;
  /** Every unsettled upload, including those of a process that died. */
  list(): Promise<PendingUpload[]>;
  /** Whether this process is still working on the upload of that blob. */
  inFlight(cid: string): boolean;
}

/** No journal: nothing survives the process (the embedded profile and unit tests). */
export class NoPendingUploads implements PendingUploads {
  async stored(): Promise<void> {}
  async submitting(): Promise<void> {}
  async settled(): Promise<void> {}
  async list(): Promise<PendingUpload[]> {
    return [];
  }
  inFlight(): boolean {
    return false;
  }
}

/** One small JSON file per unsettled upload in a folder of the gateway's data dir. */
export class FilePendingUploads implements PendingUploads {
  private readonly active = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {}

  async stored(cid: string): Promise<void> {
    this.active.add(cid);
    await this.write({ cid, stage: 'stored', storedAt: this.now() });
  }

  async submitting(cid: string): Promise<void> {
    const current = await this.read(cid);
    await this.write({ cid, stage: 'submitting', storedAt: current?.storedAt ?? this.now() });
  }

  async settled(cid: string): Promise<void> {
    await rm(this.file(cid), { force: true });
    this.active.delete(cid);
  }

  async list(): Promise<PendingUpload[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries = await Promise.all(names.filter((n) => n.endsWith('.json')).map((n) => this.read(n.slice(0, -'.json'.length))));
    return entries.filter((e): e is PendingUpload => e !== undefined);
  }

  inFlight(cid: string): boolean {
    return this.active.has(cid);
  }

  private file(cid: string): string {
    // CIDs are base32/base58 text; anything else cannot name a file here.
    if (!/^[A-Za-z0-9]+$/.test(cid)) throw new Error('not a CID');
    return path.join(this.dir, `${cid}.json`);
  }

  private async write(entry: PendingUpload): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = this.file(entry.cid);
    // Written aside and renamed over: a reader sees the old entry or the new one, never half of one.
    await writeFile(`${file}.tmp`, JSON.stringify(entry));
    await rename(`${file}.tmp`, file);
  }

  private async read(cid: string): Promise<PendingUpload | undefined> {
    try {
      const entry = JSON.parse(await readFile(this.file(cid), 'utf8')) as PendingUpload;
      return entry.cid === cid && (entry.stage === 'stored' || entry.stage === 'submitting') && typeof entry.storedAt === 'number' ? entry : undefined;
    } catch {
      // Gone meanwhile, or cut short by a crash while written: the blob stays pinned (never removed on a guess).
      return undefined;
    }
  }
}

/** What one sweep did (counts only: the log and the caller get no CID, patient or record). */
export interface OrphanSweepResult {
  /** Blobs of uploads that never reached the ledger, unpinned now. */
  swept: number;
  /** Uploads whose transaction was sent before the gateway stopped: kept (a record may name the blob). */
  uncertain: number;
  /** Blobs the store could not remove this time (tried again at the next sweep). */
  failed: number;
}

/**
 * Sweeps the blobs of uploads that a gateway stopped (killed, crashed) between storing the blob and sending the
 * record's transaction: after `graceMs` the blob is unpinned, so no pin outlives an upload that left no record. An
 * upload whose transaction was sent is never swept (it may have committed); it is counted as uncertain.
 */
export class OrphanSweep {
  constructor(
    private readonly pending: PendingUploads,
    private readonly blobs: BlobStore,
    private readonly log: Logger,
    private readonly options: { graceMs: number; sweepMs: number; now?: () => number },
  ) {}

  async sweep(): Promise<OrphanSweepResult> {
    const now = (this.options.now ?? Date.now)();
    const result: OrphanSweepResult = { swept: 0, uncertain: 0, failed: 0 };
    for (const entry of await this.pending.list()) {
      if (this.pending.inFlight(entry.cid) || now - entry.storedAt < this.options.graceMs) continue;
      if (entry.stage === 'submitting') {
        result.uncertain++;
        continue;
      }
      try {
        await this.blobs.remove(entry.cid);
        await this.pending.settled(entry.cid);
        result.swept++;
      } catch {
        result.failed++;
      }
    }
    if (result.swept > 0 || result.failed > 0) {
      this.log.warn({ orphanSweep: result }, 'orphan sweep: removed the blobs of uploads that left no record');
    }
    if (result.uncertain > 0) {
      this.log.warn({ orphanSweep: result }, 'orphan sweep: uploads interrupted after their transaction was sent keep their blobs');
    }
    return result;
  }

  /** Sweeps at once and then every `sweepMs` until `stop()`; a failed sweep is logged and tried at the next round. */
  start(): { stop(): Promise<void> } {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    let running: Promise<unknown> = Promise.resolve();
    const round = () => {
      running = this.sweep()
        .catch((err: unknown) => this.log.error({ err }, 'the orphan sweep failed; retrying at the next round'))
        .finally(() => {
          if (!stopped) timer = setTimeout(round, this.options.sweepMs);
        });
    };
    round();
    return {
      async stop() {
        stopped = true;
        clearTimeout(timer);
        await running;
      },
    };
  }
}
