/**
 * The key layout of a patient's private data: nothing grows with the patient's history.
 *
 * - Every item is its own key, ordered under the patient: `record~P~recordId`, `event~P~at~eventId` (time
 *   order), `eventByRecord~P~recordId~at~eventId` (the log of one record), `consent~P~consentId`,
 *   `request~P~requestId`, `emergency~P~sessionId`, `device~P~deviceId`, plus an id -> patient `*Ref` key for
 *   lookups by id. Creating an item writes only its own keys, so concurrent uploads and reads of one patient
 *   never write the same key.
 * - Lists, the access log and searches are key ranges read by evaluated transactions, one page at a time
 *   ({@link rangePage}): Fabric refuses every write of a transaction that ran a range or partial-composite-key
 *   query on private data ("Transaction has already performed queries on pvt data. Writes are not allowed":
 *   private range reads are not re-checked at validation), so submits never range-read private data.
 * - Where each key lives: placement.ts (the home org's own collection, and copies in the share of each org that
 *   may read them).
 * - What a submit must know about a patient is the bounded working set `workingSet~P`: the consents whose
 *   term has not ended (a revoked one stays until then, so its grantee is told why), the break-glass
 *   sessions still open (copies; the item keys stay the history) and the patient's author-access choice.
 *   Only grants, revocations, break-glass openings and the author-access choice write it, and each write
 *   drops the entries whose term ended, so its size is the number of permissions of the current term, whatever the history. Uploads and reads only read it: a grant or a
 *   revocation that commits first makes a concurrent upload or read fail MVCC validation (and be retried)
 *   instead of deciding on stale permissions.
 * - Submits that act on many items (erasure, a grant or revocation for another org) are given the item ids by
 *   the caller, who read them with an evaluate, and check by point reads that each belongs to the patient.
 *
 * Why: docs/DECISIONS.md#a-patients-keys-do-not-grow-with-history.
 */
import type { Consent, EmergencySession } from '../model.js';
import { KEY, viewOf } from './collections.js';
import { marshal } from './marshal.js';
import { orgsOf } from './placement.js';
import type { TxState } from './state.js';

/**
 * What a submit must know about a patient: consents in force, open break-glass sessions, and whether the patient
 * ended the authors' access to their records (absent = allowed).
 */
export interface WorkingSet {
  consents: Consent[];
  sessions: EmergencySession[];
  authorAccess?: 'DENIED';
}

// Fabric does not let a transaction read its own writes: a second change in the same transaction must start
// from the first one's result.
const cache = new WeakMap<TxState, Map<string, WorkingSet>>();

/**
 * The patient's working set as the submitting org sees it (read once per transaction): the home org's full set,
 * or, for another org, its view — the entries that concern it (its consents and sessions) and the author-access
 * choice, copied into its share.
 */
export async function readWorkingSet(state: TxState, patientId: string, homeOrg: string): Promise<WorkingSet> {
  return readView(state, patientId, homeOrg, state.mspId);
}

async function readView(state: TxState, patientId: string, homeOrg: string, org: string): Promise<WorkingSet> {
  const cacheKey = `${org}\u0000${patientId}`;
  const known = cache.get(state)?.get(cacheKey);
  if (known) return known;
  const stored =
    (await state.get<WorkingSet>(viewOf(homeOrg, org), KEY.workingSet, [patientId])) ??
    (org === homeOrg ? await legacyWorkingSet(state, patientId, homeOrg) : { consents: [], sessions: [] });
  remember(state, cacheKey, stored);
  return stored;
}

function remember(state: TxState, cacheKey: string, set: WorkingSet): void {
  let sets = cache.get(state);
  if (!sets) cache.set(state, (sets = new Map()));
  sets.set(cacheKey, set);
}

/**
 * How long a consent stays in the working set after its term: a revoked or expired consent still tells its
 * grantee why a read is refused (CONSENT_REVOKED, CONSENT_EXPIRED) for that long, then the answer is NO_CONSENT.
 */
export const ENDED_KEPT_MS = 7 * 86_400_000;

/**
 * Rewrites the working set through `change`, dropping consents past their term (plus {@link ENDED_KEPT_MS})
 * and closed sessions. The home org rewrites its full set and every other org's view the change touches; another
 * org (a reader opening break-glass) rewrites only its own view — the home org adds the session to its full set
 * when it releases the keys (emergency-contract.ts).
 */
export async function updateWorkingSet(state: TxState, patientId: string, homeOrg: string, change: (set: WorkingSet) => WorkingSet): Promise<void> {
  const orgs = state.mspId === homeOrg ? await orgsOf(state, homeOrg) : [state.mspId];
  for (const org of orgs) {
    const before = await readView(state, patientId, homeOrg, org);
    const after = prune(state.now(), org === homeOrg ? change(before) : viewFor(org, change(before)));
    if (org !== homeOrg && sameJson(after, viewFor(org, before))) continue;
    await state.put(viewOf(homeOrg, org), KEY.workingSet, [patientId], after);
    remember(state, `${org}\u0000${patientId}`, after);
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return Buffer.from(marshal(a)).equals(Buffer.from(marshal(b)));
}

function prune(now: Date, set: WorkingSet): WorkingSet {
  return {
    ...(set.authorAccess ? { authorAccess: set.authorAccess } : {}),
    consents: set.consents.filter((c) => now.getTime() < Date.parse(c.expiresAt) + ENDED_KEPT_MS),
    sessions: set.sessions.filter((s) => now.getTime() < Date.parse(s.expiresAt)),
  };
}

/** What another org sees of a working set: its own consents and sessions, and the author-access choice. */
function viewFor(org: string, set: WorkingSet): WorkingSet {
  return {
    ...(set.authorAccess ? { authorAccess: set.authorAccess } : {}),
    consents: set.consents.filter((c) => c.granteeOrg === org),
    sessions: set.sessions.filter((s) => s.actorOrg === org),
  };
}

/**
 * Data written before this layout kept per-patient index documents (`patientIndex~P~kind~bucket`, a list of
 * item keys). A patient whose working set was never written is read from those once; the next grant,
 * revocation or break-glass opening writes the working set. A patient created with this layout has none.
 */
async function legacyWorkingSet(state: TxState, patientId: string, homeOrg: string): Promise<WorkingSet> {
  const consents: Consent[] = [];
  const sessions: EmergencySession[] = [];
  const now = state.now();
  for (const [kind, type] of [
    ['consents', KEY.consent],
    ['sessions', KEY.emergency],
  ] as const) {
    const doc = await state.getOwn<{ entries: string[][] }>(homeOrg, KEY.patientIndex, [patientId, kind, '0']);
    for (const attrs of doc?.entries ?? []) {
      const item = await state.getOwn<Consent & EmergencySession>(homeOrg, type, [patientId, ...attrs]);
      if (!item) continue;
      if (kind === 'consents' && now.getTime() < Date.parse(item.expiresAt) + ENDED_KEPT_MS) consents.push(item);
      if (kind === 'sessions' && now.getTime() < Date.parse(item.expiresAt) && !item.endedAt) sessions.push(item);
    }
  }
  return { consents, sessions };
}

/** The legacy index documents of a patient (erasure removes them): one per kind, the events in 16 buckets. */
export function legacyIndexKeys(patientId: string): string[][] {
  const kinds = ['records', 'consents', 'requests', 'sessions', 'devices'].map((kind) => [patientId, kind, '0']);
  const events = Array.from({ length: 16 }, (_, i) => [patientId, 'events', String(i)]);
  return [...kinds, ...events];
}

/**
 * One page of a key range of a private collection under `[type, ...prefix]` (evaluate only): the items after the key whose trailing
 * attributes are `after` that pass `keep`, at most `size`, and whether more follow (the range is read in
 * chunks until a page and one more kept item are found, or it ends).
 */
export async function rangePage<T>(
  state: TxState,
  collection: string,
  type: string,
  prefix: string[],
  after: string[],
  size: number,
  keep: (item: T) => boolean = () => true,
): Promise<{ items: { key: string[]; value: T }[]; more: boolean }> {
  const items: { key: string[]; value: T }[] = [];
  const chunk = Math.min(Math.max(2 * size, 50), 500);
  let cursor = after;
  for (;;) {
    const batch = await state.range<T>(collection, type, prefix, cursor, chunk);
    for (const entry of batch) {
      if (!keep(entry.value)) continue;
      if (items.length === size) return { items, more: true };
      items.push(entry);
    }
    if (batch.length < chunk) return { items, more: false };
    cursor = batch[batch.length - 1].key;
  }
}

/** Every item under `[type, ...prefix]` in key order (evaluate only), read in chunks. */
export async function rangeAll<T>(state: TxState, collection: string, type: string, prefix: string[]): Promise<T[]> {
  return (await rangePage<T>(state, collection, type, prefix, [], Number.MAX_SAFE_INTEGER - 1)).items.map((e) => e.value);
}
