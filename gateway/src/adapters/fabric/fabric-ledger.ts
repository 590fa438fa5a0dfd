import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import {
  CommitError,
  connect,
  GatewayError,
  hash,
  StatusCode,
  type Checkpoint,
  type Contract,
  type Gateway,
  type Network,
} from '@hyperledger/fabric-gateway';
import type { AbortOptions } from '../../ports/abort.js';
import type { EventCheckpoint, Ledger, LedgerEvent, SubmitResult, TransactionRequest } from '../../ports/ledger.js';
import { LedgerError } from '../../ports/ledger-error.js';
import { newNativeEcdsaSigner } from './native-signer.js';
import protos from '@hyperledger/fabric-protos';
import type { RecordFactBlock, RecordFactFeed } from '../../ports/record-facts.js';
import { blockFacts } from './record-facts.js';

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
  /**
   * Deadline of one Ledger call, ms (default 10 000): an evaluate, or a submit with its endorsement, ordering,
   * commit status and every retry. A peer that does not answer within it gives an UNAVAILABLE LedgerError.
   */
  timeoutMs?: number;
  /**
   * How many times a submit that lost a conflict to an earlier transaction of its block (MVCC_READ_CONFLICT,
   * PHANTOM_READ_CONFLICT, or ENDORSEMENT_POLICY_FAILURE from a key-level policy updated in that block) is
   * endorsed and submitted again, after a short random pause so that the contenders spread over blocks (default 5).
   */
  mvccRetries?: number;
  /**
   * How long a submit keeps retrying while the endorsing peer cannot yet disseminate private data to another
   * org's peer (gossip membership not established right after the network starts; default 30 000 ms).
   */
  disseminationWaitMs?: number;
  /** Called for every retried submit: `conflict` (lost a read conflict) or `dissemination` (gossip not ready). */
  onRetry?: (kind: RetryKind) => void;
}

export type RetryKind = 'conflict' | 'dissemination';

interface OrgGateway {
  client: grpc.Client;
  gateway: Gateway;
  network: Network;
  contract: Contract;
}

/**
 * Fabric's validation codes that mean "an earlier transaction of the block changed what this one read": endorse
 * and submit again. Our chaincode sets a key-level endorsement policy with every write, and when an earlier
 * transaction in the same block has (re)set the policy of a key this one writes, Fabric invalidates it with
 * ENDORSEMENT_POLICY_FAILURE ("validation parameter updated") before the MVCC check could say
 * MVCC_READ_CONFLICT (measured: ten concurrent writes of one new key gave one VALID and nine code 10).
 */
const READ_CONFLICTS: ReadonlySet<number> = new Set([StatusCode.ENDORSEMENT_POLICY_FAILURE, StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT]);

/**
 * The endorsing peers simulated against different states (one had committed a block the other had not yet): the
 * answers do not match, nothing was ordered, and trying again is safe.
 */
const ENDORSEMENTS_DIFFER = /ProposalResponsePayloads do not match|responses do not match/i;

/**
 * The Ledger port on real Fabric peers through @hyperledger/fabric-gateway: one gRPC connection per org,
 * a deadline per call type, private inputs in the transient map, endorsing orgs named explicitly, the
 * commit status checked, retries only on conflicts with an earlier transaction of the block and while gossip cannot yet hand
 * private data to another org's peer (nothing was ordered then), chaincode events with checkpointed replay.
 */
export class FabricLedger implements Ledger {
  private constructor(
    private readonly orgs: Map<string, OrgGateway>,
    private readonly chaincode: string,
    private readonly mvccRetries: number,
    private readonly disseminationWaitMs: number,
    private readonly timeoutMs: number,
    private readonly onRetry: (kind: RetryKind) => void,
  ) {}

  /** Submits retried so far, by cause (bounded per submit by `mvccRetries` and the deadline). */
  readonly retries: Record<RetryKind, number> = { conflict: 0, dissemination: 0 };

  private retried(kind: RetryKind): void {
    this.retries[kind]++;
    this.onRetry(kind);
  }

  static async connect(options: FabricLedgerOptions): Promise<FabricLedger> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    // Every gRPC call of a Ledger call also gets the rest of that call's deadline (see callOptions); this one
    // covers the calls made without options (event streams' setup).
    const byDefault = () => ({ deadline: Date.now() + timeoutMs });
    const orgs = new Map<string, OrgGateway>();
    for (const org of options.orgs) {
      const [tlsRoot, cert, key] = await Promise.all([readFile(org.tlsRootCertPath), readFile(org.certPath), readFile(org.keyPath)]);
      const client = new grpc.Client(org.peerEndpoint, grpc.credentials.createSsl(tlsRoot), { 'grpc.ssl_target_name_override': org.peerHostAlias });
      const gateway = connect({
        client,
        identity: { mspId: org.mspId, credentials: cert },
        // Native ECDSA (OpenSSL) over the whole message; see native-signer.ts for why not signers.newPrivateKeySigner.
        signer: newNativeEcdsaSigner(createPrivateKey(key)),
        hash: hash.none,
        evaluateOptions: byDefault,
        endorseOptions: byDefault,
        submitOptions: byDefault,
        commitStatusOptions: byDefault,
      });
      const network = gateway.getNetwork(options.channel);
      orgs.set(org.mspId, { client, gateway, network, contract: network.getContract(options.chaincode) });
    }
    return new FabricLedger(orgs, options.chaincode, options.mvccRetries ?? 5, options.disseminationWaitMs ?? 30_000, timeoutMs, options.onRetry ?? (() => {}));
  }

  async submit(mspId: string, request: TransactionRequest): Promise<SubmitResult> {
    const { contract } = this.org(mspId);
    const deadline = Date.now() + this.timeoutMs;
    const options = (): grpc.CallOptions => ({ deadline });
    // Gossip right after a start can take longer than one call's deadline; a hung peer must not.
    const disseminationDeadline = Math.min(Date.now() + this.disseminationWaitMs, deadline);
    for (let attempt = 0, conflicts = 0; ; attempt++) {
      let txId: string | undefined;
      try {
        const proposal = contract.newProposal(request.name, {
          arguments: request.args ?? [],
          transientData: request.transient,
          endorsingOrganizations: request.endorsingOrgs,
        });
        txId = proposal.getTransactionId();
        const transaction = await proposal.endorse(options());
        const commit = await transaction.submit(options());
        const status = await commit.getStatus(options());
        if (!status.successful) throw new CommitError({ code: status.code, transactionId: status.transactionId, message: `transaction ${status.transactionId} failed to commit with status code ${status.code}` });
        return { txId: transaction.getTransactionId(), payload: transaction.getResult() };
      } catch (error) {
        const conflict = (error instanceof CommitError && READ_CONFLICTS.has(error.code)) || endorsementsDiffer(error);
        if (conflict && conflicts++ < this.mvccRetries && Date.now() < deadline) {
          this.retried('conflict');
          await delay(10 + Math.random() * 40 * conflicts, request.signal);
          continue;
        }
        // Endorsement failed before anything was ordered, so trying again is safe.
        if (isDisseminationRace(error) && Date.now() < disseminationDeadline) {
          this.retried('dissemination');
          await delay(Math.min(250 * 2 ** attempt, 2_000, Math.max(0, disseminationDeadline - Date.now())), request.signal);
          continue;
        }
        throw toLedgerError(error, txId, this.timeoutMs);
      }
    }
  }

  async evaluate(mspId: string, request: TransactionRequest): Promise<Uint8Array> {
    try {
      const proposal = this.org(mspId).contract.newProposal(request.name, {
        arguments: request.args ?? [],
        transientData: request.transient,
        endorsingOrganizations: request.endorsingOrgs,
      });
      return await proposal.evaluate({ deadline: Date.now() + this.timeoutMs });
    } catch (error) {
      throw toLedgerError(error, undefined, this.timeoutMs);
    }
  }

  async *events(from: EventCheckpoint | undefined, options: AbortOptions = {}): AsyncIterable<LedgerEvent> {
    const { network } = this.orgs.values().next().value as OrgGateway;
    // Resume after the checkpointed transaction of that block (several transactions share a block on Fabric).
    const checkpoint: Checkpoint | undefined = from && { getBlockNumber: () => from.blockNumber, getTransactionId: () => from.txId };
    if (options.signal?.aborted) return;
    const events = await network.getChaincodeEvents(this.chaincode, checkpoint ? { checkpoint } : { startBlock: 0n });
    // An abort while the stream was being opened would otherwise be missed, and the stream never end.
    if (options.signal?.aborted) {
      events.close();
      // The cancelled gRPC stream reports CANCELLED as an error event: read it, or it is an unhandled error.
      try {
        for await (const _ of events) break;
      } catch {
        // cancelled, as asked
      }
      return;
    }
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

  /**
   * What the org's own peer hands its client about records, block by block: the blocks with the private data of
   * the collections the org may read (`getBlockAndPrivateDataEvents`), reduced to record facts (anchors, CIDs,
   * the org's own data keys). Every call and the stream's setup have the call deadline; the stream itself runs
   * until aborted.
   */
  recordFacts(mspId: string): RecordFactFeed {
    const { network } = this.org(mspId);
    const chaincode = this.chaincode;
    const timeoutMs = this.timeoutMs;
    return {
      async height(options: AbortOptions = {}): Promise<bigint> {
        try {
          const bytes = await network.getContract('qscc').newProposal('GetChainInfo', { arguments: [network.getName()] }).evaluate({ deadline: Date.now() + timeoutMs });
          options.signal?.throwIfAborted();
          return BigInt(protos.common.BlockchainInfo.deserializeBinary(bytes).getHeight());
        } catch (error) {
          throw toLedgerError(error, undefined, timeoutMs);
        }
      },
      async *blocks(from: bigint, options: AbortOptions = {}): AsyncIterable<RecordFactBlock> {
        if (options.signal?.aborted) return;
        const events = await network.getBlockAndPrivateDataEvents({ startBlock: from });
        const stop = () => events.close();
        options.signal?.addEventListener('abort', stop, { once: true });
        try {
          for await (const event of events) yield blockFacts(mspId, chaincode, event);
        } catch (error) {
          if (!options.signal?.aborted) throw toLedgerError(error);
        } finally {
          options.signal?.removeEventListener('abort', stop);
          events.close();
        }
      },
    };
  }

  /** Each held org's peer answers an evaluate within `timeoutMs` (default: the call deadline). */
  async ready(timeoutMs = this.timeoutMs): Promise<void> {
    await Promise.all(
      [...this.orgs.values()].map(async ({ contract }) => {
        try {
          await contract.newProposal('registry:ListOrgs').evaluate({ deadline: Date.now() + timeoutMs });
        } catch (error) {
          throw toLedgerError(error, undefined, timeoutMs);
        }
      }),
    );
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

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/** The peers' own words for their infrastructure failures (they carry no code; ours always do). */
const INFRASTRUCTURE = {
  // Gossip has not yet found another org's peer to hand the private data to: right after the network starts
  // (docs/DECISIONS.md#retries-in-the-fabric-adapter).
  dissemination: /required to disseminate to at least \d+ peers/,
  // The chaincode server (chaincode-as-a-service) is down or restarting.
  chaincodeDown: /could not launch chaincode|chaincode stream terminated|timeout expired while starting chaincode/,
  // The chaincode is not defined on the channel (yet), or no peer of a needed org is up.
  noPeers: /no peers available to evaluate|no combination of peers can be derived|No metadata was found for chaincode/,
};

function peerMessages(error: GatewayError): string[] {
  return [error.message, ...(error.details ?? []).map((d) => d.message)];
}

/** Whether an endorsement failed because gossip cannot yet reach another org's peer (retried; nothing was ordered). */
export function isDisseminationRace(error: unknown): boolean {
  return error instanceof GatewayError && peerMessages(error).some((m) => INFRASTRUCTURE.dissemination.test(m));
}

/** The endorsing peers' answers differed because one was a block behind (nothing was ordered). */
export function endorsementsDiffer(error: unknown): boolean {
  return error instanceof GatewayError && peerMessages(error).some((m) => ENDORSEMENTS_DIFFER.test(m));
}

/**
 * Maps fabric-gateway errors. A refusal of our chaincode is mapped by its code (the JSON error body in a
 * peer's detail), never by prose. Fabric's own failures carry no code: a peer, orderer, chaincode server or
 * gossip that is down, not ready or not answering within the deadline is UNAVAILABLE (503); conflicts with
 * concurrent transactions that survived the retries are CONFLICT (409) — including a key-level policy that an
 * earlier transaction of the block changed, which is how concurrent writes to one patient's keys lose on this
 * chaincode; anything else (a refused endorsement plan, a chaincode crash) is INTERNAL.
 */
export function toLedgerError(error: unknown, txId?: string, timeoutMs?: number): LedgerError {
  if (error instanceof LedgerError) return error;
  if (error instanceof CommitError) {
    const conflict = READ_CONFLICTS.has(error.code);
    return new LedgerError({
      code: conflict ? 'CONFLICT' : 'INTERNAL',
      detail: conflict ? 'a concurrent change to the same data won; try again' : `the transaction did not commit (validation code ${error.code})`,
      txId: error.transactionId,
    });
  }
  if (error instanceof GatewayError) {
    for (const detail of error.details ?? []) {
      const mapped = LedgerError.fromChaincodeMessage(detail.message, { txId });
      if (mapped.code !== 'INTERNAL') return mapped;
    }
    const mapped = LedgerError.fromChaincodeMessage(error.message, { txId });
    if (mapped.code !== 'INTERNAL') return mapped;
    if (endorsementsDiffer(error)) return new LedgerError({ code: 'CONFLICT', detail: 'a concurrent change to the same data won; try again', txId });
    if (error.code === grpc.status.DEADLINE_EXCEEDED) {
      return new LedgerError({ code: 'UNAVAILABLE', detail: `the ledger did not answer within ${timeoutMs ?? 'the'} ms`, txId, cause: error });
    }
    const messages = peerMessages(error);
    const infrastructure = [INFRASTRUCTURE.dissemination, INFRASTRUCTURE.chaincodeDown, INFRASTRUCTURE.noPeers].some((re) => messages.some((m) => re.test(m)));
    const unavailable = infrastructure || error.code === grpc.status.UNAVAILABLE;
    return new LedgerError({ code: unavailable ? 'UNAVAILABLE' : 'INTERNAL', detail: unavailable ? 'the ledger is unavailable' : 'the peer refused the transaction', txId, cause: error });
  }
  return new LedgerError({ code: 'INTERNAL', detail: 'the ledger call failed', txId, cause: error });
}
