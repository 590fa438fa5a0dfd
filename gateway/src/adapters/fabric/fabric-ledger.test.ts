import * as grpc from '@grpc/grpc-js';
import { CommitError, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import { endorsementsDiffer, isDisseminationRace, toLedgerError } from './fabric-ledger.js';

/** A GatewayError as fabric-gateway builds it from a peer's answer. */
function gatewayError(code: grpc.status, ...peerMessages: string[]): GatewayError {
  const cause = Object.assign(new Error('grpc'), { code, details: '', metadata: new grpc.Metadata() }) as grpc.ServiceError;
  return new GatewayError({
    code,
    cause,
    message: `${code}: failed, see attached details for more info`,
    details: peerMessages.map((message, i) => ({ address: `peer${i}:7051`, mspId: `Org${i}MSP`, message })),
  });
}

const refusal = (code: string) => `chaincode response 500, ${JSON.stringify({ code, detail: 'no' })}`;

describe('toLedgerError (Fabric failures as LedgerErrors)', () => {
  it("keeps the chaincode's own code from a peer's detail", () => {
    const mapped = toLedgerError(gatewayError(grpc.status.ABORTED, refusal('CONSENT_REVOKED')), 'tx1');
    expect(mapped).toMatchObject({ name: 'LedgerError', code: 'CONSENT_REVOKED', txId: 'tx1' });
  });

  it.each([
    ['a peer that does not answer', gatewayError(grpc.status.UNAVAILABLE)],
    ['a deadline', gatewayError(grpc.status.DEADLINE_EXCEEDED)],
    ['a chaincode server that is down', gatewayError(grpc.status.ABORTED, 'error in simulation: could not launch chaincode careledger:abc: connection refused')],
    ['a chaincode that is not on the channel', gatewayError(grpc.status.FAILED_PRECONDITION, 'no peers available to evaluate chaincode cc in channel ch')],
    ['gossip that cannot reach the other org yet', gatewayError(grpc.status.ABORTED, 'failed to distribute private collection, required to disseminate to at least 1 peers, but know of only 0 eligible peers')],
  ])('answers UNAVAILABLE for %s', (_what, error) => {
    expect(toLedgerError(error).code).toBe('UNAVAILABLE');
  });

  it('answers INTERNAL, quoting nothing, for a chaincode failure without our code', () => {
    const mapped = toLedgerError(gatewayError(grpc.status.ABORTED, 'Transaction has already performed queries on pvt data. Writes are not allowed'));
    expect(mapped.code).toBe('INTERNAL');
    expect(mapped.detail).not.toContain('pvt');
  });

  it.each([
    [StatusCode.MVCC_READ_CONFLICT, 'CONFLICT'],
    [StatusCode.PHANTOM_READ_CONFLICT, 'CONFLICT'],
    // What concurrent writes to one patient's keys get when an earlier transaction of the block re-set a key's policy.
    [StatusCode.ENDORSEMENT_POLICY_FAILURE, 'CONFLICT'],
    [StatusCode.INVALID_ENDORSER_TRANSACTION, 'INTERNAL'],
  ] as const)('maps a commit with validation code %i (after the retries) to %s', (code, expected) => {
    const mapped = toLedgerError(new CommitError({ code, transactionId: 'tx9', message: 'failed' }));
    expect(mapped).toMatchObject({ code: expected, txId: 'tx9' });
  });

  it('answers CONFLICT when the endorsing peers simulated against different states (one a block behind)', () => {
    const error = gatewayError(grpc.status.ABORTED, 'failed to assemble transaction: ProposalResponsePayloads do not match (base64): ...');
    expect(endorsementsDiffer(error)).toBe(true);
    expect(toLedgerError(error).code).toBe('CONFLICT');
    expect(endorsementsDiffer(gatewayError(grpc.status.ABORTED, refusal('NO_CONSENT')))).toBe(false);
  });

  it('names the deadline of a call that a peer left unanswered', () => {
    const mapped = toLedgerError(gatewayError(grpc.status.DEADLINE_EXCEEDED), 'tx2', 8000);
    expect(mapped).toMatchObject({ code: 'UNAVAILABLE', detail: 'the ledger did not answer within 8000 ms' });
  });

  it('tells the gossip race apart from other endorsement failures', () => {
    expect(isDisseminationRace(gatewayError(grpc.status.ABORTED, 'required to disseminate to at least 1 peers, but know of only 0 eligible peers'))).toBe(true);
    expect(isDisseminationRace(gatewayError(grpc.status.ABORTED, refusal('NO_CONSENT')))).toBe(false);
    expect(isDisseminationRace(new Error('required to disseminate to at least 1 peers'))).toBe(false);
  });
});
