import type { RecordAnchor, RecordMeta, StoredRecord } from '../model.js';
import { KEY } from './collections.js';
import { invalid } from './errors.js';
import type { TxState } from './state.js';
import { checkId } from './validate.js';

/** Strips the CID: what readers of metadata get. */
export function toMeta(record: StoredRecord): RecordMeta {
  const { cid: _cid, ...meta } = record;
  return meta;
}

/** Refuses a new record unless a data key is wrapped for every org that must hold one. */
export function requireWrappedKeysFor(recipients: string[], wrappedKeys: Record<string, string>): void {
  const missing = recipients.filter((org) => !wrappedKeys[org]);
  if (missing.length > 0) throw invalid('wrappedKeys', `a wrapped key is required for ${missing.join(', ')}`);
}

/**
 * Writes a new record the one way every record is kept: the public anchor (id, home org, status), the
 * metadata and CID in the shared collection, the id -> patient reference, and each org's wrapped key in
 * that org's own collection. Nothing else: concurrent uploads for one patient write no common key. Erasure relies on exactly these keys.
 */
export async function putRecord(state: TxState, homeOrg: string, record: StoredRecord, wrappedKeys: Record<string, string>): Promise<void> {
  const anchor: RecordAnchor = { recordId: record.recordId, homeOrg, status: 'ACTIVE' };
  await state.putPublic(KEY.recordAnchor, [record.recordId], anchor, homeOrg);
  await state.putShared(KEY.record, [record.patientId, record.recordId], record, homeOrg);
  await state.putShared(KEY.recordRef, [record.recordId], { patientId: record.patientId }, homeOrg);
  for (const [org, jwe] of Object.entries(wrappedKeys)) {
    checkId('wrappedKeys', org);
    await state.putWrappedKey(org, record.recordId, { recordId: record.recordId, patientId: record.patientId, jwe });
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
