import protos from '@hyperledger/fabric-protos';
import type { RecordFact } from '../../ports/record-facts.js';

const { common, ledger, peer } = protos;

/**
 * The collections that hold one org's copies of data keys — its own collection (`org_<MSP>`, its own patients'
 * records) and the shares other orgs keep for it (`share_<HOME>_<MSP>`, the records a consent or a break-glass
 * session gives it) — and the object type of those keys: the chaincode's layout, read here and nowhere else in the
 * gateway.
 */
export const ownCollection = (mspId: string): string => `org_${mspId}`;
const holdsKeysOf = (collection: string, mspId: string): boolean =>
  collection === ownCollection(mspId) || (collection.startsWith('share_') && collection.endsWith(`_${mspId}`));
const WRAPPED_KEY_TYPE = 'wrappedKey';

/** A Fabric composite key (`\0type\0attr\0…\0`): its type and attributes, or undefined for a plain key. */
export function splitCompositeKey(key: string): { type: string; attrs: string[] } | undefined {
  if (!key.startsWith('\u0000')) return undefined;
  const [type, ...attrs] = key.slice(1).split('\u0000');
  attrs.pop();
  return type === undefined ? undefined : { type, attrs };
}

function json(value: Uint8Array): Record<string, unknown> | undefined {
  if (value.length === 0 || value[0] !== 0x7b) return undefined;
  try {
    return JSON.parse(Buffer.from(value).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** A private write the peer delivered: a data key of this org put or deleted, or record metadata naming a CID. */
export function privateWriteFacts(ownOrg: string, collection: string, key: string, value: Uint8Array, isDelete: boolean): RecordFact[] {
  if (holdsKeysOf(collection, ownOrg)) {
    const composite = splitCompositeKey(key);
    if (composite?.type === WRAPPED_KEY_TYPE && composite.attrs[0]) return [{ kind: 'key', recordId: composite.attrs[0], held: !isDelete }];
  }
  if (isDelete) return [];
  const doc = json(value);
  if (typeof doc?.recordId === 'string' && typeof doc.cid === 'string') return [{ kind: 'cid', recordId: doc.recordId, cid: doc.cid }];
  return [];
}

/** A public write: a record's anchor (id, home org, status). */
export function publicWriteFacts(value: Uint8Array): RecordFact[] {
  const doc = json(value);
  if (typeof doc?.recordId === 'string' && typeof doc.homeOrg === 'string' && typeof doc.status === 'string') {
    return [{ kind: 'anchor', recordId: doc.recordId, homeOrg: doc.homeOrg, erased: doc.status === 'ERASED' }];
  }
  return [];
}

/** The record facts of a block and the private data its peer delivered with it (valid transactions only). */
export function blockFacts(ownOrg: string, chaincode: string, event: protos.peer.BlockAndPrivateData): { blockNumber: bigint; facts: RecordFact[] } {
  const block = event.getBlock();
  const blockNumber = BigInt(block?.getHeader()?.getNumber() ?? 0);
  const envelopes = block?.getData()?.getDataList_asU8() ?? [];
  // One validation code per transaction, 0 = VALID: an invalid transaction's writes were never applied.
  const codes = block?.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array();
  const privateData = event.getPrivateDataMapMap();
  const facts: RecordFact[] = [];
  envelopes.forEach((envelope, seq) => {
    if (codes[seq] !== 0) return;
    const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelope).getPayload_asU8());
    const header = common.ChannelHeader.deserializeBinary(payload.getHeader()!.getChannelHeader_asU8());
    if (header.getType() !== common.HeaderType.ENDORSER_TRANSACTION) return;
    for (const action of peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()) {
      const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
      const response = peer.ProposalResponsePayload.deserializeBinary(actionPayload.getAction()!.getProposalResponsePayload_asU8());
      const results = peer.ChaincodeAction.deserializeBinary(response.getExtension_asU8()).getResults_asU8();
      for (const ns of ledger.rwset.TxReadWriteSet.deserializeBinary(results).getNsRwsetList()) {
        if (ns.getNamespace() !== chaincode) continue;
        for (const w of ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8()).getWritesList()) {
          if (!w.getIsDelete()) facts.push(...publicWriteFacts(w.getValue_asU8()));
        }
      }
    }
    const txPvt = privateData.get(seq);
    for (const ns of txPvt?.getNsPvtRwsetList() ?? []) {
      if (ns.getNamespace() !== chaincode) continue;
      for (const coll of ns.getCollectionPvtRwsetList()) {
        for (const w of ledger.rwset.kvrwset.KVRWSet.deserializeBinary(coll.getRwset_asU8()).getWritesList()) {
          facts.push(...privateWriteFacts(ownOrg, coll.getCollectionName(), w.getKey(), w.getValue_asU8(), w.getIsDelete()));
        }
      }
    }
  });
  return { blockNumber, facts };
}
