/**
 * Looks at what a peer hands one org's client, below the gateway: the chain height and the private writes
 * delivered with each block (`getBlockAndPrivateDataEvents`). A peer hands a client the private data of the
 * member-only-read collections the client's org is a member of, and every collection that is not member-only-read
 * (the implicit org collections among them) to anyone. For the network tests only.
 */
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Gateway, type Network } from '@hyperledger/fabric-gateway';
import protos from '@hyperledger/fabric-protos';
import { organizationOf } from '../../gateway/src/network-connection.js';
import { networkConnection } from './network-fixture.js';

const { common, ledger, peer } = protos;

/** One private write as a peer received it. */
export interface PrivateWrite {
  block: bigint;
  txId: string;
  namespace: string;
  collection: string;
  key: string;
  value: Uint8Array;
  isDelete: boolean;
  /** Whether the transaction was committed VALID (an invalid one's private writes are delivered too, and never applied). */
  valid: boolean;
}

/** What a block tells every member about one endorser transaction: everything but the hashed private writes. */
export interface PublicTransaction {
  block: bigint;
  txId: string;
  /** The chaincode function and its public arguments (the transient map is never in a block). */
  args: Uint8Array[];
  /** The payload of the chaincode's response. */
  response: Uint8Array;
  event?: { name: string; payload: Uint8Array };
  /** Public world-state writes, per namespace. */
  writes: { namespace: string; key: string; value: Uint8Array }[];
}

export class LedgerInspector {
  private constructor(
    private readonly client: grpc.Client,
    private readonly gateway: Gateway,
    private readonly network: Network,
    private readonly channel: string,
  ) {}

  /** Connects as the org's client identity to the org's own peer, or to another org's peer (`peerOf`). */
  static async connect(org: string, peerOf: string = org): Promise<LedgerInspector> {
    const connection = await networkConnection();
    const o = organizationOf(connection, org);
    const p = organizationOf(connection, peerOf);
    const [tlsRoot, cert, key] = await Promise.all([readFile(p.tlsCaCertPath), readFile(o.clientCertPath), readFile(o.clientKeyPath)]);
    const client = new grpc.Client(p.peerEndpoint, grpc.credentials.createSsl(tlsRoot), { 'grpc.ssl_target_name_override': p.peerHostAlias });
    const gateway = connect({ client, identity: { mspId: o.mspId, credentials: cert }, signer: signers.newPrivateKeySigner(createPrivateKey(key)), hash: hash.sha256 });
    return new LedgerInspector(client, gateway, gateway.getNetwork(connection.channel), connection.channel);
  }

  /** The number of blocks the peer has committed. */
  async height(): Promise<bigint> {
    const bytes = await this.network.getContract('qscc').evaluateTransaction('GetChainInfo', this.channel);
    return BigInt(common.BlockchainInfo.deserializeBinary(bytes).getHeight());
  }

  /** The orgs registered in a chaincode namespace (public registry). */
  async registeredOrgs(chaincode: string): Promise<{ mspId: string; name: string; publicJwk: string }[]> {
    const bytes = await this.network.getContract(chaincode).evaluateTransaction('registry:ListOrgs');
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as { mspId: string; name: string; publicJwk: string }[];
  }

  /** Every private write of blocks [from, to) that this peer holds, in commit order. */
  async privateWrites(from: bigint, to: bigint): Promise<PrivateWrite[]> {
    const out: PrivateWrite[] = [];
    if (to <= from) return out;
    const events = await this.network.getBlockAndPrivateDataEvents({ startBlock: from });
    try {
      for await (const event of events) {
        const block = event.getBlock();
        const number = BigInt(block?.getHeader()?.getNumber() ?? 0);
        const envelopes = block?.getData()?.getDataList_asU8() ?? [];
        // The block's TRANSACTIONS_FILTER metadata: one validation code per transaction, 0 = VALID.
        const codes = block?.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array();
        for (const [seq, txPvt] of event.getPrivateDataMapMap().entries()) {
          const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelopes[Number(seq)]).getPayload_asU8());
          const txId = common.ChannelHeader.deserializeBinary(payload.getHeader()!.getChannelHeader_asU8()).getTxId();
          for (const ns of txPvt.getNsPvtRwsetList()) {
            for (const coll of ns.getCollectionPvtRwsetList()) {
              const rwset = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(coll.getRwset_asU8());
              for (const w of rwset.getWritesList()) {
                out.push({ block: number, txId, namespace: ns.getNamespace(), collection: coll.getCollectionName(), key: w.getKey(), value: w.getValue_asU8(), isDelete: w.getIsDelete(), valid: codes[Number(seq)] === 0 });
              }
            }
          }
        }
        if (number + 1n >= to) break;
      }
    } finally {
      events.close();
    }
    return out;
  }

  /** Every endorser transaction of blocks [from, to) as any member reads it from its blocks. */
  async publicTransactions(from: bigint, to: bigint): Promise<PublicTransaction[]> {
    const out: PublicTransaction[] = [];
    if (to <= from) return out;
    const blocks = await this.network.getBlockEvents({ startBlock: from });
    try {
      for await (const block of blocks) {
        const number = BigInt(block.getHeader()?.getNumber() ?? 0);
        for (const envelope of block.getData()?.getDataList_asU8() ?? []) {
          const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelope).getPayload_asU8());
          const header = common.ChannelHeader.deserializeBinary(payload.getHeader()!.getChannelHeader_asU8());
          if (header.getType() !== common.HeaderType.ENDORSER_TRANSACTION) continue;
          for (const action of peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()) {
            out.push({ block: number, txId: header.getTxId(), ...decodeAction(action.getPayload_asU8()) });
          }
        }
        if (number + 1n >= to) break;
      }
    } finally {
      blocks.close();
    }
    return out;
  }

  close(): void {
    this.gateway.close();
    this.client.close();
  }
}

/** The public parts of one chaincode action: proposal arguments, response, event and public writes. */
function decodeAction(bytes: Uint8Array): Omit<PublicTransaction, 'block' | 'txId'> {
  const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(bytes);
  const proposal = peer.ChaincodeProposalPayload.deserializeBinary(actionPayload.getChaincodeProposalPayload_asU8());
  const args = peer.ChaincodeInvocationSpec.deserializeBinary(proposal.getInput_asU8()).getChaincodeSpec()?.getInput()?.getArgsList_asU8() ?? [];
  const responsePayload = peer.ProposalResponsePayload.deserializeBinary(actionPayload.getAction()!.getProposalResponsePayload_asU8());
  const action = peer.ChaincodeAction.deserializeBinary(responsePayload.getExtension_asU8());
  const eventBytes = action.getEvents_asU8();
  const event = eventBytes.length > 0 ? peer.ChaincodeEvent.deserializeBinary(eventBytes) : undefined;
  const writes: PublicTransaction['writes'] = [];
  for (const ns of ledger.rwset.TxReadWriteSet.deserializeBinary(action.getResults_asU8()).getNsRwsetList()) {
    for (const w of ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8()).getWritesList()) {
      writes.push({ namespace: ns.getNamespace(), key: w.getKey(), value: w.getValue_asU8() });
    }
  }
  return {
    args,
    response: action.getResponse()?.getPayload_asU8() ?? new Uint8Array(),
    event: event ? { name: event.getEventName(), payload: event.getPayload_asU8() } : undefined,
    writes,
  };
}
