import { parseChaincodeError, type ErrorCode } from '@careledger/chaincode/rules';

/** What a {@link LedgerError} carries; `detail` must never quote private values. */
export interface LedgerErrorInit {
  code: ErrorCode;
  detail: string;
  field?: string;
  txId?: string;
  cause?: unknown;
}

/**
 * A refusal or failure reported by the ledger, carrying the chaincode's stable error code so the
 * gateway maps codes, never prose (docs/DECISIONS.md#errors-are-mapped-by-code-never-by-prose). Every Ledger
 * adapter throws this.
 */
export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  readonly code: ErrorCode;
  readonly detail: string;
  readonly field?: string;
  readonly txId?: string;

  constructor(init: LedgerErrorInit) {
    super(`${init.code}: ${init.detail}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.detail = init.detail;
    if (init.field !== undefined) this.field = init.field;
    if (init.txId !== undefined) this.txId = init.txId;
  }

  /**
   * Builds the error from a chaincode response message. A message without a CareLedger code becomes
   * INTERNAL and, unless `revealUnknown`, its text is withheld: runtime messages (a JSON parse error,
   * say) can quote the private input that caused them.
   */
  static fromChaincodeMessage(message: string, options: { txId?: string; revealUnknown?: boolean } = {}): LedgerError {
    const parsed = parseChaincodeError(message);
    if (parsed) return new LedgerError({ ...parsed, txId: options.txId });
    const detail = options.revealUnknown
      ? `The chaincode failed without a CareLedger error code: ${message}`
      : 'The chaincode failed without a CareLedger error code (message withheld: it may quote private input)';
    return new LedgerError({ code: 'INTERNAL', detail, txId: options.txId });
  }
}
