import type { RecordAnchor, RecordMeta, StoredRecord, User } from '../model.js';
import { evaluateContribution, type Actor } from '../rules/consent.js';
import type { Category } from '../rules/vocabulary.js';
import { KEY } from './collections.js';
import { ChaincodeError, invalid } from './errors.js';
import { readWorkingSet } from './patient-index.js';
import { putItem, shareRecord } from './placement.js';
import { keyRecipients } from './queries.js';
import type { TxState } from './state.js';
import { checkId } from './validate.js';

/**
 * Who may add a record of `category` for the patient: a practitioner of the patient's home org (undefined), or a
 * practitioner of another org under a consent in force with the contribution right for that category (its
 * consent id). Anyone else is refused with NO_CONTRIBUTION_RIGHT.
 */
export async function contributionOf(state: TxState, actor: Actor, patient: User, category: Category, now: Date): Promise<{ consentId: string } | undefined> {
  if (actor.org === patient.homeOrg) return undefined;
  const decision = evaluateContribution((await readWorkingSet(state, patient.userId, patient.homeOrg)).consents, actor, patient.userId, category, now);
  if (!decision.allowed) throw new ChaincodeError('NO_CONTRIBUTION_RIGHT', 'no consent in force lets you add records of this kind for this patient');
  return { consentId: decision.consentId };
}

/**
 * The orgs a new record's data key must be wrapped for: the home org, the consented orgs (and open break-glass
 * orgs), and the contributing org itself.
 */
export async function uploadRecipients(state: TxState, actor: Actor, patient: User, category: Category, now: Date): Promise<string[]> {
  return [...new Set([...(await keyRecipients(state, patient, category, now)), actor.org])].sort();
}

/** Strips the CID: what readers of metadata get. */
export function toMeta(record: StoredRecord): RecordMeta {
  const { cid: _cid, ...meta } = record;
  return meta;
}

/**
 * The wrapped keys a new record is stored with: one for every org that must hold one (refused when one is
 * missing), and none for another org (a consent revoked since the caller asked KeyRecipients gives nothing).
 */
export function wrappedKeysFor(recipients: string[], wrappedKeys: Record<string, string>): Record<string, string> {
  const missing = recipients.filter((org) => !wrappedKeys[org]);
  if (missing.length > 0) throw invalid('wrappedKeys', `a wrapped key is required for ${missing.join(', ')}`);
  return Object.fromEntries(recipients.map((org) => [org, wrappedKeys[org]]));
}

/**
 * Writes a new record the one way every record is kept: the public anchor (id, home org, status), the
 * metadata and CID and the id -> patient reference in the home org's own collection with its copy of the data
 * key, and for each other org that gets a key (`wrappedKeys`) the record shared with it (placement.ts). Nothing
 * else: concurrent uploads for one patient write no common key. Erasure relies on exactly these keys.
 */
export async function putRecord(state: TxState, homeOrg: string, record: StoredRecord, wrappedKeys: Record<string, string>): Promise<void> {
  const anchor: RecordAnchor = { recordId: record.recordId, homeOrg, status: 'ACTIVE' };
  await state.putPublic(KEY.recordAnchor, [record.recordId], anchor, homeOrg);
  await putItem(state, homeOrg, KEY.record, [record.patientId, record.recordId], record);
  await putItem(state, homeOrg, KEY.recordRef, [record.recordId], { patientId: record.patientId });
  if (record.batch) await putItem(state, homeOrg, KEY.batchByTime, [record.patientId, record.batch.to, record.recordId], toMeta(record));
  for (const [org, jwe] of Object.entries(wrappedKeys)) {
    checkId('wrappedKeys', org);
    if (org === homeOrg) await state.putWrappedKey(homeOrg, org, record.recordId, { recordId: record.recordId, patientId: record.patientId, jwe });
    else await shareRecord(state, homeOrg, org, record, jwe);
  }
}

const CID = /^b[a-z2-7]{20,120}$/;
const MEDIA_TYPE = /^[a-z]+\/[a-z0-9.+-]{1,100}$/i;

/** A base32 CIDv1 (what both blob stores give). */
export function checkCid(field: string, value: unknown): string {
  if (typeof value !== 'string' || !CID.test(value)) throw invalid(field, `${field} must be a base32 CIDv1`);
  return value;
}

/** A media type `type/subtype`, lower-cased. */
export function checkMediaType(field: string, value: unknown): string {
  if (typeof value !== 'string' || !MEDIA_TYPE.test(value)) throw invalid(field, `${field} must be type/subtype`);
  return value.toLowerCase();
}
