import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import {
  CommitError,
  connect,
  GatewayError,
  hash,
  signers,
  type Checkpoint,
  type Contract,
  type Gateway,
  type Network,
} from '@hyperledger/fabric-gateway';
import type { AbortOptions } from '../../ports/abort.js';
import type { EventCheckpoint, Ledger, LedgerEvent, SubmitResult, TransactionRequest } from '../../ports/ledger.js';
import { LedgerError } from '../../ports/ledger-error.js';

/** How to reach one org's peer as one of its client identities. */
export interface FabricOrgConnection {
  mspId: string;
  /** `host:port` of the org's peer Gateway service. */
  peerEndpoint: string;
  /** The TLS server name the peer's certificate carries (e.g. `localhost`). */
  peerHostAlias: string;
  tlsRootCertPath: string;
  /** PEM X.509 certificate of the client identity. */
  certPath: string;
  /** PEM private key of the client identity. */
  keyPath: string;
}

export interface FabricLedgerOptions {
  orgs: FabricOrgConnection[];
  channel: string;
  chaincode: string;
  /** Deadlines per call type, ms. */
  deadlines?: { evaluate?: number; endorse?: number; submit?: number; commitStatus?: number };
  /** How many times a submit that failed MVCC_READ_CONFLICT is retried (default 3). */
  mvccRetries?: number;
}

interface OrgGateway {
  client: grpc.Client;
  gateway: Gateway;
  network: Network;
  contract: Contract;
}

/** Fabric's TxValidationCode.MVCC_READ_CONFLICT. */
const MVCC_READ_CONFLICT = 11;

/**
 * The Ledger port on real Fabric peers through @hyperledger/fabric-gateway: one gRPC connection per org,
 * a deadline per call type, private inputs in the transient map, endorsing orgs named explicitly, the
 * commit status checked, retries only on MVCC_READ_CONFLICT, chaincode events with checkpointed replay.
 */
export class FabricLedger implements Ledger {
  private constructor(
    private readonly orgs: Map<string, OrgGateway>,
    private readonly chaincode: string,
    private readonly mvccRetries: number,
  ) {}

  static async connect(options: FabricLedgerOptions): Promise<FabricLedger> {
    const d = { evaluate: 5_000, endorse: 15_000, submit: 5_000, commitStatus: 60_000, ...options.deadlines };
    const orgs = new Map<string, OrgGateway>();
    for (const org of options.orgs) {
      const [tlsRoot, cert, key] = await Promise.all([readFile(org.tlsRootCertPath), readFile(org.certPath), readFile(org.keyPath)]);
      const client = new grpc.Client(org.peerEndpoint, grpc.credentials.createSsl(tlsRoot), { 'grpc.ssl_target_name_override': org.peerHostAlias });
      const gateway = connect({
        client,
        identity: { mspId: org.mspId, credentials: cert },
        signer: signers.newPrivateKeySigner(createPrivateKey(key)),
        hash: hash.sha256,
        evaluateOptions: () => ({ deadline: Date.now() + d.evaluate }),
        endorseOptions: () => ({ deadline: Date.now() + d.endorse }),
        submitOptions: () => ({ deadline: Date.now() + d.submit }),
        commitStatusOptions: () => ({ deadline: Date.now() + d.commitStatus }),
      });
      const network = gateway.getNetwork(options.channel);
      orgs.set(org.mspId, { client, gateway, network, contract: network.getContract(options.chaincode) });
    }
    return new FabricLedger(orgs, options.chaincode, options.mvccRetries ?? 3);
  }

  async submit(mspId: string, request: TransactionRequest): Promise<SubmitResult> {
    const { contract } = this.org(mspId);
    for (let attempt = 0; ; attempt++) {
      let txId: string | undefined;
      try {
        const proposal = contract.newProposal(request.name, {
          arguments: request.args ?? [],
          transientData: request.transient,
          endorsingOrganizations: request.endorsingOrgs,
        });
        txId = proposal.getTransactionId();
        const transaction = await proposal.endorse();
        const commit = await transaction.submit();
        const status = await commit.getStatus();
        if (!status.successful) throw new CommitError({ code: status.code, transactionId: status.transactionId, message: `transaction ${status.transactionId} failed to commit with status code ${status.code}` });
        return { txId: transaction.getTransactionId(), payload: transaction.getResult() };
      } catch (error) {
        if (error instanceof CommitError && error.code === MVCC_READ_CONFLICT && attempt < this.mvccRetries) continue;
        throw toLedgerError(error, txId);
      }
    }
  }

  async evaluate(mspId: string, request: TransactionRequest): Promise<Uint8Array> {
    try {
      return await this.org(mspId).contract.evaluate(request.name, {
        arguments: request.args ?? [],
        transientData: request.transient,
        endorsingOrganizations: request.endorsingOrgs,
      });
    } catch (error) {
      throw toLedgerError(error);
    }
  }

  async *events(from: EventCheckpoint | undefined, options: AbortOptions = {}): AsyncIterable<LedgerEvent> {
    const { network } = this.orgs.values().next().value as OrgGateway;
    // Resume after the checkpointed transaction of that block (several transactions share a block on Fabric).
    const checkpoint: Checkpoint | undefined = from && { getBlockNumber: () => from.blockNumber, getTransactionId: () => from.txId };
    const events = await network.getChaincodeEvents(this.chaincode, checkpoint ? { checkpoint } : { startBlock: 0n });
    const stop = () => events.close();
    options.signal?.addEventListener('abort', stop, { once: true });
    try {
      for await (const e of events) {
        yield { blockNumber: e.blockNumber, txId: e.transactionId, eventName: e.eventName, payload: e.payload };
      }
    } catch (error) {
      if (!options.signal?.aborted) throw toLedgerError(error);
    } finally {
      options.signal?.removeEventListener('abort', stop);
      events.close();
    }
  }

  async ready(): Promise<void> {
    for (const [mspId] of this.orgs) await this.evaluate(mspId, { name: 'registry:ListOrgs', args: [] });
  }

  async close(): Promise<void> {
    for (const { gateway, client } of this.orgs.values()) {
      gateway.close();
      client.close();
    }
  }

  private org(mspId: string): OrgGateway {
    const org = this.orgs.get(mspId);
    if (!org) throw new LedgerError({ code: 'FORBIDDEN', detail: 'this gateway holds no identity of that org' });
    return org;
  }
}

/**
 * Maps fabric-gateway errors by data, never by prose: our chaincode's JSON error body is looked for in
 * each peer's detail; anything else is UNAVAILABLE (peer down, deadline) or INTERNAL.
 */
function toLedgerError(error: unknown, txId?: string): LedgerError {
  if (error instanceof LedgerError) return error;
  if (error instanceof GatewayError) {
    for (const detail of error.details ?? []) {
      const mapped = LedgerError.fromChaincodeMessage(detail.message, { txId });
      if (mapped.code !== 'INTERNAL') return mapped;
    }
    const mapped = LedgerError.fromChaincodeMessage(error.message, { txId });
    if (mapped.code !== 'INTERNAL') return mapped;
    const unavailable = error.code === grpc.status.UNAVAILABLE || error.code === grpc.status.DEADLINE_EXCEEDED;
    return new LedgerError({ code: unavailable ? 'UNAVAILABLE' : 'INTERNAL', detail: unavailable ? 'the peer is unavailable' : 'the peer refused the transaction', txId, cause: error });
  }
  if (error instanceof CommitError) {
    return new LedgerError({ code: 'CONFLICT', detail: `the transaction did not commit (validation code ${error.code})`, txId: error.transactionId });
  }
  return new LedgerError({ code: 'INTERNAL', detail: 'the ledger call failed', txId, cause: error });
}
