import type { StoredRecord } from '../model.js';
import { markedOrgs } from './actors.js';
import { KEY, orgCollection, shareCollection, viewOf } from './collections.js';
import { toMeta } from './records.js';
import type { TxState } from './state.js';

/**
 * The one place that decides where an item of a patient's data is written (collections.ts: the home org's own
 * collection holds everything; the share the home org keeps for another org holds what that org may read).
 * Reads go to `state.viewOf(homeOrg)`: what the submitting org may see of that patient, and nothing else.
 */

/** Writes an item of a patient into the home org's own collection and, for another org that may read it, a copy into its share. */
export async function putItem(state: TxState, homeOrg: string, type: string, attrs: string[], value: unknown, readerOrg?: string): Promise<void> {
  await state.put(orgCollection(homeOrg), type, attrs, value);
  if (readerOrg !== undefined && readerOrg !== homeOrg) await state.put(shareCollection(homeOrg, readerOrg), type, attrs, value);
}

/** An item of a patient as the submitting org sees it. */
export function getItem<T>(state: TxState, homeOrg: string, type: string, attrs: string[]): Promise<T | undefined> {
  return state.get<T>(state.viewOf(homeOrg), type, attrs);
}

/**
 * The home org of the patient an id -> patient reference (`*Ref` key) belongs to, among the data the submitting
 * org sees: its own collection first, then the share each other org keeps for it. Looked up by hash, so that no
 * collection the endorsing peer does not hold is read.
 */
export async function locate(state: TxState, type: string, attrs: string[]): Promise<string | undefined> {
  const me = state.mspId;
  if (await state.has(orgCollection(me), type, attrs)) return me;
  for (const org of await markedOrgs(state)) {
    if (org !== me && (await state.has(shareCollection(org, me), type, attrs))) return org;
  }
  return undefined;
}

/** Reads an item found through its id -> patient reference (`{patientId}` plus the rest of the item key). */
export async function findByRef<T>(state: TxState, refType: string, id: string, itemType: string, itemAttrs: (ref: { patientId: string; at?: string }) => string[]): Promise<T | undefined> {
  const home = await locate(state, refType, [id]);
  if (home === undefined) return undefined;
  const ref = await getItem<{ patientId: string; at?: string }>(state, home, refType, [id]);
  return ref && getItem<T>(state, home, itemType, itemAttrs(ref));
}

/** Purges an item of a patient everywhere: the home org's own collection and the share of each other org. */
export async function purgeItem(state: TxState, homeOrg: string, type: string, attrs: string[]): Promise<void> {
  for (const org of await orgsOf(state, homeOrg)) {
    const collection = viewOf(homeOrg, org);
    if (await state.has(collection, type, attrs)) await state.purge(collection, type, attrs);
  }
}

/** The home org first, then every other registered org. */
export async function orgsOf(state: TxState, homeOrg: string): Promise<string[]> {
  return [homeOrg, ...(await markedOrgs(state)).filter((org) => org !== homeOrg)];
}

/**
 * Gives another org a record: its metadata and CID, the id -> patient reference and its data key wrapped for
 * that org, in the share the home org keeps for it. What a consent or a break-glass session lets the org read.
 */
export async function shareRecord(state: TxState, homeOrg: string, org: string, record: StoredRecord, jwe: string): Promise<void> {
  const share = shareCollection(homeOrg, org);
  await state.put(share, KEY.record, [record.patientId, record.recordId], record);
  await state.put(share, KEY.recordRef, [record.recordId], { patientId: record.patientId });
  if (record.batch) await state.put(share, KEY.batchByTime, [record.patientId, record.batch.to, record.recordId], toMeta(record));
  await state.putWrappedKey(homeOrg, org, record.recordId, { recordId: record.recordId, patientId: record.patientId, jwe });
}

/** Takes a record back from another org (its access ended): metadata, reference and data key leave its share. */
export async function unshareRecord(state: TxState, homeOrg: string, org: string, record: Pick<StoredRecord, 'patientId' | 'recordId' | 'batch'>): Promise<void> {
  const share = shareCollection(homeOrg, org);
  const keys: [string, string[]][] = [
    [KEY.record, [record.patientId, record.recordId]],
    [KEY.recordRef, [record.recordId]],
    [KEY.wrappedKey, [record.recordId]],
  ];
  if (record.batch) keys.push([KEY.batchByTime, [record.patientId, record.batch.to, record.recordId]]);
  for (const [type, attrs] of keys) {
    if (await state.has(share, type, attrs)) await state.remove(share, type, attrs);
  }
}
