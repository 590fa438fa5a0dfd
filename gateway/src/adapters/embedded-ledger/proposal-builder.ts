import { createHash, randomBytes, sign } from 'node:crypto';
import protos from '@hyperledger/fabric-protos';
import timestampPb from 'google-protobuf/google/protobuf/timestamp_pb.js';
import type { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb.js';
import type { OrgIdentity } from './org-identity.js';

const { common, msp, peer } = protos;

/** What one chaincode invocation is made of. */
export interface ProposalSpec {
  identity: OrgIdentity;
  channelId: string;
  chaincodeName: string;
  /** `contract:Function` first, then the arguments, as the peer passes them to the chaincode. */
  args: Uint8Array[];
  transient?: Record<string, Uint8Array>;
  timestamp: Date;
}

/** A proposal ready for `new ChaincodeStub(handler, channelId, txId, input, signedProposal)`. */
export interface BuiltProposal {
  txId: string;
  timestamp: Timestamp;
  input: InstanceType<typeof peer.ChaincodeInput>;
  signedProposal: InstanceType<typeof peer.SignedProposal>;
}

/**
 * Builds and signs a SignedProposal the way a Fabric client does (fabric-protos 0.2.x, as fabric-shim
 * decodes it), so the chaincode sees a real creator, transient map, tx id and timestamp.
 */
export function buildProposal(spec: ProposalSpec): BuiltProposal {
  const creator = new msp.SerializedIdentity();
  creator.setMspid(spec.identity.mspId);
  creator.setIdBytes(Buffer.from(spec.identity.certificate, 'utf8'));
  const creatorBytes = creator.serializeBinary();

  // Fabric derives the tx id from the nonce and the creator, which also makes it 64 hex characters.
  const nonce = randomBytes(24);
  const txId = createHash('sha256').update(nonce).update(creatorBytes).digest('hex');
  const timestamp = timestampPb.Timestamp.fromDate(spec.timestamp);

  const chaincodeId = new peer.ChaincodeID();
  chaincodeId.setName(spec.chaincodeName);
  const extension = new peer.ChaincodeHeaderExtension();
  extension.setChaincodeId(chaincodeId);

  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
  channelHeader.setTimestamp(timestamp);
  channelHeader.setChannelId(spec.channelId);
  channelHeader.setTxId(txId);
  channelHeader.setEpoch(0);
  channelHeader.setExtension$(extension.serializeBinary());

  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(creatorBytes);
  signatureHeader.setNonce(nonce);

  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());

  const input = new peer.ChaincodeInput();
  input.setArgsList(spec.args);
  const chaincodeSpec = new peer.ChaincodeSpec();
  chaincodeSpec.setType(peer.ChaincodeSpec.Type.NODE);
  chaincodeSpec.setChaincodeId(chaincodeId);
  chaincodeSpec.setInput(input);
  const invocation = new peer.ChaincodeInvocationSpec();
  invocation.setChaincodeSpec(chaincodeSpec);

  const payload = new peer.ChaincodeProposalPayload();
  payload.setInput(invocation.serializeBinary());
  const transientMap = payload.getTransientmapMap();
  for (const [key, value] of Object.entries(spec.transient ?? {})) transientMap.set(key, value);

  const proposal = new peer.Proposal();
  proposal.setHeader(header.serializeBinary());
  proposal.setPayload(payload.serializeBinary());
  const proposalBytes = proposal.serializeBinary();

  const signedProposal = new peer.SignedProposal();
  signedProposal.setProposalBytes(proposalBytes);
  signedProposal.setSignature(sign('sha256', proposalBytes, spec.identity.privateKey));

  return { txId, timestamp, input, signedProposal };
}
