/**
 * Per-patient lists of the keys of a patient's records, consents, requests, break-glass sessions, access
 * events and devices, in the shared collection. Fabric refuses every write in a transaction that ran a range or
 * partial-composite-key query on private data ("Transaction has already performed queries on pvt data.
 * Writes are not allowed": private range queries are not re-checked at validation, so they are for read-only
 * transactions). Submitted transactions that need "all of a patient's X" therefore read this index and then
 * each item by key: point reads are versioned, so a concurrent addition fails one of the two transactions
 * with MVCC_READ_CONFLICT instead of being missed.
 */
import { createHash } from 'node:crypto';
import { KEY } from './collections.js';
import type { TxState } from './state.js';

/** What a patient's index lists; each kind names the composite-key type of its items. */
export const INDEXED = {
  records: KEY.record,
  consents: KEY.consent,
  requests: KEY.request,
  sessions: KEY.emergency,
  events: KEY.event,
  devices: KEY.device,
} as const;

export type IndexKind = keyof typeof INDEXED;

/**
 * Every read of content adds an access event: with one index document per patient, concurrent reads of one
 * patient's records would all write the same key and all but one per block would fail MVCC validation. The
 * events index is spread over buckets (by a hash of the entry, so every endorser picks the same one); the
 * rarely written kinds keep one document.
 */
const BUCKETS: Record<IndexKind, number> = { records: 1, consents: 1, requests: 1, sessions: 1, events: 16, devices: 1 };

function bucketOf(kind: IndexKind, attrs: string[]): string {
  const n = BUCKETS[kind];
  if (n === 1) return '0';
  return String(createHash('sha256').update(attrs.join('\u0000')).digest()[0] % n);
}

/** The stored index: the key attributes that follow the patient id (`[recordId]`, `[at, eventId]`, ...). */
interface IndexDoc {
  entries: string[][];
}

// Index documents this transaction has already written: Fabric does not let a transaction read its own
// writes, so a second addition in the same transaction must start from the first one's result.
const pending = new WeakMap<TxState, Map<string, IndexDoc>>();

async function readBucket(state: TxState, kind: IndexKind, patientId: string, bucket: string): Promise<IndexDoc> {
  const written = pending.get(state)?.get(`${kind}/${patientId}/${bucket}`);
  if (written) return written;
  return (await state.getShared<IndexDoc>(KEY.patientIndex, [patientId, kind, bucket])) ?? { entries: [] };
}

function bucketsOf(kind: IndexKind): string[] {
  return Array.from({ length: BUCKETS[kind] }, (_, i) => String(i));
}

/** Adds an item's key attributes (after the patient id) to the patient's index of that kind. */
export async function addToIndex(state: TxState, kind: IndexKind, patientId: string, attrs: string[], ownerOrg: string): Promise<void> {
  const bucket = bucketOf(kind, attrs);
  const index = await readBucket(state, kind, patientId, bucket);
  const id = attrs.join('\u0000');
  if (index.entries.some((e) => e.join('\u0000') === id)) return;
  const updated: IndexDoc = { entries: [...index.entries, attrs] };
  await state.putShared(KEY.patientIndex, [patientId, kind, bucket], updated, ownerOrg);
  let docs = pending.get(state);
  if (!docs) pending.set(state, (docs = new Map()));
  docs.set(`${kind}/${patientId}/${bucket}`, updated);
}

/**
 * Every item of that kind of a patient, loaded by key, in composite-key order (what a partial-composite-key
 * scan over `[patientId]` would return).
 */
export async function listIndexed<T>(state: TxState, kind: IndexKind, patientId: string): Promise<T[]> {
  const entries: string[][] = [];
  for (const bucket of bucketsOf(kind)) entries.push(...(await readBucket(state, kind, patientId, bucket)).entries);
  const sorted = [...entries].sort((a, b) => compareKeys(a.join('\u0000'), b.join('\u0000')));
  const out: T[] = [];
  for (const attrs of sorted) {
    const value = await state.getShared<T>(INDEXED[kind], [patientId, ...attrs]);
    if (value !== undefined) out.push(value);
  }
  return out;
}

/** Removes a patient's index of that kind from every peer (erasure). */
export async function purgeIndex(state: TxState, kind: IndexKind, patientId: string): Promise<void> {
  for (const bucket of bucketsOf(kind)) await state.purgeShared(KEY.patientIndex, [patientId, kind, bucket]);
}

/** Composite keys order as UTF-8 bytes (as the peer's LevelDB does). */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
