import type { OrgConfig } from '../config.js';
import { AppError } from '../domain/app-error.js';
import type { Ledger, LedgerEvent } from '../ports/ledger.js';
import type { Logger } from '../ports/logger.js';
import type { PermissionStore } from '../ports/permission-store.js';
import { seedAdminId } from './registry-service.js';
import type { ActorRef } from '../domain/actors.js';

/**
 * Hands the ledger's committed events to `handle`, one at a time, from the named checkpoint in the permission
 * store, and saves the checkpoint after each: a restart resumes after the last event handled (an event may be
 * handled twice after a crash, so `handle` must be idempotent). Runs until `signal` aborts, or until `idleMs`
 * passes without an event when given (a rebuild); answers how many events were handled.
 */
export async function followFromCheckpoint(
  ledger: Ledger,
  store: PermissionStore,
  checkpoint: string,
  handle: (event: LedgerEvent) => Promise<void>,
  signal: AbortSignal,
  idleMs?: number,
): Promise<number> {
  const saved = await store.getCheckpoint(checkpoint);
  const parsed = saved === undefined ? undefined : (JSON.parse(saved) as { blockNumber: string; txId: string });
  // Block and transaction: on Fabric several transactions share a block.
  const from = parsed && { blockNumber: BigInt(parsed.blockNumber), txId: parsed.txId };
  const local = new AbortController();
  const stop = () => local.abort();
  signal.addEventListener('abort', stop, { once: true });
  // Closed while the checkpoint was being read: the abort event has already fired.
  if (signal.aborted) local.abort();
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    if (idleMs === undefined) return;
    clearTimeout(idle);
    idle = setTimeout(stop, idleMs);
  };
  let handled = 0;
  arm();
  try {
    for await (const event of ledger.events(from, { signal: local.signal })) {
      arm();
      await handle(event);
      await store.setCheckpoint(checkpoint, JSON.stringify({ blockNumber: event.blockNumber.toString(), txId: event.txId }));
      handled++;
    }
  } catch (error) {
    if (!local.signal.aborted) throw error;
  } finally {
    clearTimeout(idle);
    signal.removeEventListener('abort', stop);
  }
  return handled;
}

/**
 * Events carry opaque ids only; a follower reads the object an event names as an org admin of this gateway.
 * `read` runs as each admin in turn until one may (the patient's home admin); undefined when none may.
 */
export class AdminReader {
  private readonly admins: ActorRef[];

  constructor(
    orgs: OrgConfig[],
    private readonly log: Logger,
  ) {
    this.admins = orgs.map((o) => ({ userId: seedAdminId(o), org: o.mspId, role: 'admin' as const }));
  }

  async read<T>(read: (admin: ActorRef) => Promise<T>): Promise<T | undefined> {
    for (const admin of this.admins) {
      try {
        return await read(admin);
      } catch (error) {
        // An erased patient's objects are gone; another org's admin may not see them: both are expected.
        if (!(error instanceof AppError) || error.status >= 500) throw error;
      }
    }
    this.log.warn({}, 'an event named an object no admin of this gateway may read; skipped');
    return undefined;
  }
}

/** What a follower runs in the background: the ledger's events from its checkpoint, and a periodic sweep. */
export interface BackgroundWork {
  /** What the log calls it ("the notification follower"). */
  name: string;
  /** Follows the ledger's events until `signal` aborts (or the event stream ends). */
  follow(signal: AbortSignal): Promise<unknown>;
  /** One round of the periodic sweep. */
  sweep(): Promise<unknown>;
}

/** How {@link runInBackground} paces the work. */
export interface BackgroundPace {
  /** Time between sweeps (ms). */
  sweepMs: number;
  /** First wait after a failure (a store or ledger that does not answer); doubles up to 30 s. Default 1 s. */
  retryMs?: number;
  /** Sweep at once when started (else first after `sweepMs`). */
  sweepAtStart: boolean;
}

/**
 * Runs a follower and its sweep until `stop()`. A failure is logged and retried after a growing pause, resuming
 * from the checkpoint, so nothing is lost; a sweep that fails is tried again at the next round. `stop()` ends
 * both at once (a pause is cut short, including one that starts after the stop) and resolves when both ended.
 */
export function runInBackground(work: BackgroundWork, log: Logger, pace: BackgroundPace): { stop(): Promise<void> } {
  const running = new AbortController();
  const { signal } = running;
  const pause = (ms: number) => abortablePause(ms, signal);
  const following = keepFollowing(work, log, signal, pace.retryMs ?? 1_000);
  const sweeping = (async () => {
    if (!pace.sweepAtStart) await pause(pace.sweepMs);
    while (!signal.aborted) {
      try {
        await work.sweep();
      } catch (err) {
        log.error({ err }, `the sweep of ${work.name} failed; retrying at the next round`);
      }
      await pause(pace.sweepMs);
    }
  })();
  return {
    async stop() {
      running.abort();
      await Promise.all([following, sweeping]);
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts (including an abort that came before the call). */
function abortablePause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    // A stop that came while a sweep or a follow was running has already fired its abort event: look first.
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `work.follow` until `signal` aborts: a failure is logged and retried after a pause that starts at
 * `retryMs` and doubles up to 30 s (resuming from the checkpoint); an event stream that ends without an abort
 * (a closed ledger) is looked at again after `retryMs`, not in a tight loop.
 */
export async function keepFollowing(work: Pick<BackgroundWork, 'name' | 'follow'>, log: Logger, signal: AbortSignal, retryMs: number): Promise<void> {
  let wait = retryMs;
  while (!signal.aborted) {
    try {
      await work.follow(signal);
      wait = retryMs;
      await abortablePause(retryMs, signal);
    } catch (err) {
      log.error({ err }, `${work.name} failed; retrying`);
      await abortablePause(wait, signal);
      wait = Math.min(wait * 2, 30_000);
    }
  }
}
