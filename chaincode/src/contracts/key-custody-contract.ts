import contractApi, { Context } from 'fabric-contract-api';
import { SealedArgsContract } from '../ledger/sealed-contract.js';
import { Created, CustodyKey, CustodyPage, type RecordAnchor, type WrappedKey } from '../model.js';
import { requireActor } from '../ledger/actors.js';
import { KEY, orgCollection } from '../ledger/collections.js';
import { ChaincodeError, invalid } from '../ledger/errors.js';
import { unmarshal } from '../ledger/marshal.js';
import { TxState } from '../ledger/state.js';
import { checkPageSize, checkWrappedKeys } from '../ledger/validate.js';

const { Info, Returns, Transaction } = contractApi;

/** At most this many keys are re-wrapped by one transaction (bounded writes per submit). */
export const MAX_REWRAP = 100;

/**
 * Key custody: an org replaces its own copies of its patients' data keys (in its own collection) with
 * copies wrapped under the patients' keys, so that an erasure that destroys a patient's key shreds them
 * too. Used once by an org upgrading data written before patient keys existed (`npm run keys:migrate`).
 */
@Info({ title: 'KeyCustodyContract', description: "An org's own copies of its patients' data keys" })
export class KeyCustodyContract extends SealedArgsContract {
  constructor() {
    super('custody');
  }

  /**
   * A page of the caller org's own copies of data keys of its own (not erased) patients, with the patient
   * each belongs to; evaluated on the org's own peer, by an admin of the org. The bookmark is the last
   * record id of the previous page.
   */
  @Transaction(false)
  @Returns('CustodyPage')
  async OwnKeys(ctx: Context, actorId: string, pageSize: string, bookmark: string): Promise<CustodyPage> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['admin']);
    const size = checkPageSize('pageSize', pageSize);
    const keys: CustodyKey[] = [];
    let last = '';
    let more = false;
    const iterator = ctx.stub.getPrivateDataByPartialCompositeKey(orgCollection(actor.org), KEY.wrappedKey, []);
    let past = bookmark === '';
    for await (const kv of iterator) {
      const stored = unmarshal<WrappedKey>(kv.value);
      if (!stored) continue;
      if (!past) {
        past = stored.recordId === bookmark;
        continue;
      }
      if (keys.length === size) {
        more = true;
        break;
      }
      last = stored.recordId;
      const anchor = await state.getPublic<RecordAnchor>(KEY.recordAnchor, [stored.recordId]);
      // Another org's patients' records (shared with this org) are that org's to keep.
      if (anchor?.homeOrg !== actor.org || anchor.status !== 'ACTIVE') continue;
      keys.push({ recordId: stored.recordId, patientId: stored.patientId, wrappedKey: stored.jwe });
    }
    if (!past) throw invalid('bookmark', 'bookmark is not one this list issued');
    return { keys, bookmark: more ? last : '' };
  }

  /**
   * Replaces the caller org's own copies of data keys (transient `custody` = {wrappedKeys: recordId -> JWE},
   * at most {@link MAX_REWRAP}) for records of its own patients that it already holds a copy for. The gateway
   * checks that each new copy unwraps to the same data key before it submits.
   */
  @Transaction()
  @Returns('Created')
  async RewrapKeys(ctx: Context, actorId: string): Promise<Created> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['admin']);
    const wrappedKeys = checkWrappedKeys('wrappedKeys', state.transient<{ wrappedKeys?: unknown }>('custody').wrappedKeys);
    const entries = Object.entries(wrappedKeys);
    if (entries.length === 0 || entries.length > MAX_REWRAP) throw invalid('wrappedKeys', `1 to ${MAX_REWRAP} wrapped keys per transaction`);
    for (const [recordId, jwe] of entries) {
      const anchor = await state.getPublic<RecordAnchor>(KEY.recordAnchor, [recordId]);
      const current = await state.getWrappedKey<WrappedKey>(actor.org, actor.org, recordId);
      if (anchor?.homeOrg !== actor.org || anchor.status !== 'ACTIVE' || !current) {
        throw new ChaincodeError('RECORD_NOT_FOUND', 'a record to re-wrap is not one of this org with a key it holds');
      }
      await state.putWrappedKey(actor.org, actor.org, recordId, { ...current, jwe });
    }
    return { id: state.newId('rwk'), at: state.now().toISOString() };
  }
}
