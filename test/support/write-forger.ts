/**
 * A member that forges writes: one org's client takes a proposal its own peer endorsed, replaces the write set
 * with one of its own making, signs it again with its own peer's private key (which the org holds), and sends
 * the transaction for ordering. Nothing but the other peers' validation stands between such a transaction and
 * the ledger, so whatever it writes must be refused there by an endorsement policy. For the network tests only.
 */
import { createHash, createPrivateKey } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Gateway, type Network } from '@hyperledger/fabric-gateway';
import protos from '@hyperledger/fabric-protos';
import { organizationOf } from '../../gateway/src/network-connection.js';
import { networkConnection } from './network-fixture.js';

const { common, gateway: gw, ledger, peer } = protos;
const { kvrwset } = ledger.rwset;

/** One forged write: public state (`collection` ''), or a private collection (only its hashes travel). */
export interface ForgedWrite {
  collection: string;
  key: string;
  value: Uint8Array;
}

const sha256 = (bytes: Uint8Array): Uint8Array => createHash('sha256').update(bytes).digest();

/** A composite key as the chaincode stub builds it. */
export function compositeKey(type: string, attrs: string[]): string {
  return `\u0000${type}\u0000${attrs.map((a) => `${a}\u0000`).join('')}`;
}

export class WriteForger {
  private constructor(
    private readonly client: grpc.Client,
    private readonly gateway: Gateway,
    private readonly network: Network,
    private readonly peerSign: (digest: Uint8Array) => Promise<Uint8Array>,
  ) {}

  /** As `org`'s client, connected to its own peer, holding that peer's signing key. */
  static async connect(org: string): Promise<WriteForger> {
    const connection = await networkConnection();
    const o = organizationOf(connection, org);
    const [tlsRoot, cert, key] = await Promise.all([readFile(o.tlsCaCertPath), readFile(o.clientCertPath), readFile(o.clientKeyPath)]);
    // The peer's own MSP folder sits beside its TLS folder (cryptogen's layout: peers/<peer>/{msp,tls}).
    const peerMsp = path.join(path.dirname(path.dirname(o.tlsCaCertPath)), 'msp');
    const keystore = path.join(peerMsp, 'keystore');
    const peerKey = await readFile(path.join(keystore, (await readdir(keystore))[0]));
    const client = new grpc.Client(o.peerEndpoint, grpc.credentials.createSsl(tlsRoot), { 'grpc.ssl_target_name_override': o.peerHostAlias });
    const gateway = connect({ client, identity: { mspId: o.mspId, credentials: cert }, signer: signers.newPrivateKeySigner(createPrivateKey(key)), hash: hash.sha256 });
    return new WriteForger(client, gateway, gateway.getNetwork(connection.channel), signers.newPrivateKeySigner(createPrivateKey(peerKey)));
  }

  /**
   * Orders a transaction of `chaincode` whose write set is `writes`, endorsed by this org's peer alone (a
   * genuine read-only proposal's endorsement, re-signed by the peer's key over the forged response), and
   * answers the validation code the committing peer gave it (0 = VALID).
   */
  async forge(chaincode: string, writes: ForgedWrite[]): Promise<number> {
    const mspId = this.gateway.getIdentity().mspId;
    const proposal = this.network.getContract(chaincode).newProposal('registry:ListOrgs', { endorsingOrganizations: [mspId] });
    const genuine = await proposal.endorse();
    const prepared = gw.PreparedTransaction.deserializeBinary(genuine.getBytes());
    const envelope = prepared.getEnvelope()!;
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const tx = peer.Transaction.deserializeBinary(payload.getData_asU8());
    const action = tx.getActionsList()[0];
    const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    const endorsed = actionPayload.getAction()!;
    const responsePayload = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8());
    const chaincodeAction = peer.ChaincodeAction.deserializeBinary(responsePayload.getExtension_asU8());

    chaincodeAction.setResults(forgedReadWriteSet(chaincode, writes).serializeBinary());
    responsePayload.setExtension$(chaincodeAction.serializeBinary());
    const responseBytes = responsePayload.serializeBinary();
    const endorser = endorsed.getEndorsementsList()[0].getEndorser_asU8();
    const endorsement = new peer.Endorsement();
    endorsement.setEndorser(endorser);
    endorsement.setSignature(await this.peerSign(sha256(concat(responseBytes, endorser))));
    endorsed.setProposalResponsePayload(responseBytes);
    endorsed.setEndorsementsList([endorsement]);
    actionPayload.setAction(endorsed);
    action.setPayload(actionPayload.serializeBinary());
    tx.setActionsList([action]);
    payload.setData(tx.serializeBinary());
    envelope.setPayload(payload.serializeBinary());
    envelope.setSignature(new Uint8Array());
    prepared.setEnvelope(envelope);

    const forged = this.gateway.newTransaction(prepared.serializeBinary());
    const commit = await forged.submit();
    return (await commit.getStatus()).code;
  }

  close(): void {
    this.gateway.close();
    this.client.close();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A write set of the chaincode's namespace: the public writes in clear, the private ones as hashes only. */
function forgedReadWriteSet(chaincode: string, writes: ForgedWrite[]) {
  const publicSet = new kvrwset.KVRWSet();
  publicSet.setWritesList(
    writes
      .filter((w) => w.collection === '')
      .map((w) => {
        const write = new kvrwset.KVWrite();
        write.setKey(w.key);
        write.setValue(w.value);
        return write;
      }),
  );
  const ns = new ledger.rwset.NsReadWriteSet();
  ns.setNamespace(chaincode);
  ns.setRwset(publicSet.serializeBinary());
  const collections = [...new Set(writes.filter((w) => w.collection !== '').map((w) => w.collection))];
  ns.setCollectionHashedRwsetList(
    collections.map((name) => {
      const own = writes.filter((w) => w.collection === name);
      const hashed = new kvrwset.HashedRWSet();
      hashed.setHashedWritesList(
        own.map((w) => {
          const write = new kvrwset.KVWriteHash();
          write.setKeyHash(sha256(Buffer.from(w.key, 'utf8')));
          write.setValueHash(sha256(w.value));
          return write;
        }),
      );
      const plain = new kvrwset.KVRWSet();
      plain.setWritesList(
        own.map((w) => {
          const write = new kvrwset.KVWrite();
          write.setKey(w.key);
          write.setValue(w.value);
          return write;
        }),
      );
      const set = new ledger.rwset.CollectionHashedReadWriteSet();
      set.setCollectionName(name);
      set.setHashedRwset(hashed.serializeBinary());
      set.setPvtRwsetHash(sha256(plain.serializeBinary()));
      return set;
    }),
  );
  const rwset = new ledger.rwset.TxReadWriteSet();
  rwset.setDataModel(ledger.rwset.TxReadWriteSet.DataModel.KV);
  rwset.setNsRwsetList([ns]);
  return rwset;
}
