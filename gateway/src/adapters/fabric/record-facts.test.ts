import protos from '@hyperledger/fabric-protos';
import { blockFacts, privateWriteFacts, publicWriteFacts, splitCompositeKey } from './record-facts.js';

const { common, ledger, peer } = protos;
const B = 'HospitalBMSP';
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
const composite = (type: string, ...attrs: string[]) => `\u0000${type}\u0000${attrs.map((a) => `${a}\u0000`).join('')}`;

function kvWrites(writes: { key: string; value?: Uint8Array; isDelete?: boolean }[]): Uint8Array {
  const set = new ledger.rwset.kvrwset.KVRWSet();
  for (const w of writes) {
    const write = new ledger.rwset.kvrwset.KVWrite();
    write.setKey(w.key);
    write.setValue(w.value ?? new Uint8Array());
    write.setIsDelete(w.isDelete ?? false);
    set.addWrites(write);
  }
  return set.serializeBinary();
}

/** One endorser transaction with public writes in `namespace`. */
function envelope(txId: string, namespace: string, publicWrites: Parameters<typeof kvWrites>[0]): Uint8Array {
  const ns = new ledger.rwset.NsReadWriteSet();
  ns.setNamespace(namespace);
  ns.setRwset(kvWrites(publicWrites));
  const txRwset = new ledger.rwset.TxReadWriteSet();
  txRwset.addNsRwset(ns);
  const action = new peer.ChaincodeAction();
  action.setResults(txRwset.serializeBinary());
  const prp = new peer.ProposalResponsePayload();
  prp.setExtension$(action.serializeBinary());
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(prp.serializeBinary());
  const cap = new peer.ChaincodeActionPayload();
  cap.setAction(endorsed);
  const txAction = new peer.TransactionAction();
  txAction.setPayload(cap.serializeBinary());
  const tx = new peer.Transaction();
  tx.addActions(txAction);
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
  channelHeader.setTxId(txId);
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(tx.serializeBinary());
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  return env.serializeBinary();
}

function privateData(namespace: string, collection: string, writes: Parameters<typeof kvWrites>[0]): protos.ledger.rwset.TxPvtReadWriteSet {
  const coll = new ledger.rwset.CollectionPvtReadWriteSet();
  coll.setCollectionName(collection);
  coll.setRwset(kvWrites(writes));
  const ns = new ledger.rwset.NsPvtReadWriteSet();
  ns.setNamespace(namespace);
  ns.addCollectionPvtRwset(coll);
  const tx = new ledger.rwset.TxPvtReadWriteSet();
  tx.addNsPvtRwset(ns);
  return tx;
}

describe('record facts from what a peer delivers', () => {
  it('reads a composite key', () => {
    expect(splitCompositeKey(composite('wrappedKey', 'rec-1'))).toEqual({ type: 'wrappedKey', attrs: ['rec-1'] });
    expect(splitCompositeKey('plain')).toBeUndefined();
  });

  it("tells the org's own data keys put and deleted, and record metadata's CID; ignores the rest", () => {
    expect(privateWriteFacts(B, 'org_HospitalBMSP', composite('wrappedKey', 'rec-1'), bytes({ recordId: 'rec-1', jwe: 'x' }), false)).toEqual([{ kind: 'key', recordId: 'rec-1', held: true }]);
    expect(privateWriteFacts(B, 'org_HospitalBMSP', composite('wrappedKey', 'rec-1'), new Uint8Array(), true)).toEqual([{ kind: 'key', recordId: 'rec-1', held: false }]);
    // The share another org keeps for this one: a record given (or taken back) with its key.
    expect(privateWriteFacts(B, 'share_HospitalAMSP_HospitalBMSP', composite('wrappedKey', 'rec-2'), bytes({ recordId: 'rec-2', jwe: 'x' }), false)).toEqual([{ kind: 'key', recordId: 'rec-2', held: true }]);
    expect(privateWriteFacts(B, 'share_HospitalAMSP_HospitalBMSP', composite('wrappedKey', 'rec-2'), new Uint8Array(), true)).toEqual([{ kind: 'key', recordId: 'rec-2', held: false }]);
    // Another org's collection, or a share this org keeps for another: not this org's key.
    expect(privateWriteFacts(B, 'org_HospitalAMSP', composite('wrappedKey', 'rec-1'), bytes({ recordId: 'rec-1', jwe: 'x' }), false)).toEqual([]);
    expect(privateWriteFacts(B, 'share_HospitalBMSP_HospitalAMSP', composite('wrappedKey', 'rec-1'), bytes({ recordId: 'rec-1', jwe: 'x' }), false)).toEqual([]);
    expect(privateWriteFacts(B, 'share_HospitalAMSP_HospitalBMSP', composite('record', 'p', 'rec-1'), bytes({ recordId: 'rec-1', cid: 'bafy1', title: 't' }), false)).toEqual([{ kind: 'cid', recordId: 'rec-1', cid: 'bafy1' }]);
    expect(privateWriteFacts(B, 'share_HospitalAMSP_HospitalBMSP', composite('consent', 'p', 'c'), bytes({ consentId: 'c' }), false)).toEqual([]);
    expect(privateWriteFacts(B, 'org_HospitalBMSP', 'k', Buffer.from('not json'), false)).toEqual([]);
    expect(publicWriteFacts(bytes({ recordId: 'rec-1', homeOrg: 'HospitalAMSP', status: 'ERASED' }))).toEqual([{ kind: 'anchor', recordId: 'rec-1', homeOrg: 'HospitalAMSP', erased: true }]);
    expect(publicWriteFacts(bytes({ mspId: 'HospitalAMSP' }))).toEqual([]);
  });

  it("takes a block's valid transactions of the chaincode only", () => {
    const block = new common.Block();
    const blockHeader = new common.BlockHeader();
    blockHeader.setNumber(7);
    block.setHeader(blockHeader);
    const data = new common.BlockData();
    data.addData(envelope('tx-valid', 'careledger', [{ key: composite('recordAnchor', 'rec-1'), value: bytes({ recordId: 'rec-1', homeOrg: 'HospitalAMSP', status: 'ACTIVE' }) }]));
    data.addData(envelope('tx-invalid', 'careledger', [{ key: composite('recordAnchor', 'rec-2'), value: bytes({ recordId: 'rec-2', homeOrg: 'HospitalAMSP', status: 'ACTIVE' }) }]));
    data.addData(envelope('tx-other', 'other', [{ key: 'x', value: bytes({ recordId: 'rec-3', homeOrg: 'HospitalAMSP', status: 'ACTIVE' }) }]));
    block.setData(data);
    const metadata = new common.BlockMetadata();
    metadata.setMetadataList([new Uint8Array(), new Uint8Array(), Uint8Array.from([0, 11, 0]), new Uint8Array(), new Uint8Array()]);
    block.setMetadata(metadata);
    const event = new peer.BlockAndPrivateData();
    event.setBlock(block);
    event.getPrivateDataMapMap().set(0, privateData('careledger', 'org_HospitalBMSP', [{ key: composite('wrappedKey', 'rec-1'), value: bytes({ recordId: 'rec-1' }) }]));
    event.getPrivateDataMapMap().set(1, privateData('careledger', 'org_HospitalBMSP', [{ key: composite('wrappedKey', 'rec-2'), value: bytes({ recordId: 'rec-2' }) }]));
    expect(blockFacts(B, 'careledger', event)).toEqual({
      blockNumber: 7n,
      facts: [
        { kind: 'anchor', recordId: 'rec-1', homeOrg: 'HospitalAMSP', erased: false },
        { kind: 'key', recordId: 'rec-1', held: true },
      ],
    });
  });
});
