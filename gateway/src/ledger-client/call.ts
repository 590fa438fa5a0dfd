import { SEALED_ARGS } from '@careledger/chaincode/rules';
import type { Ledger, TransactionRequest } from '../ports/ledger.js';
import { AppError } from '../domain/app-error.js';
import { DependencyUnavailableError } from '../ports/dependency.js';
import { LedgerError } from '../ports/ledger-error.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** A JSON value as a transient field (private input: never written to blocks). */
export function transientJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/**
 * A submit with its arguments sealed: they travel in the transient map (never written to a block) and the
 * public arguments are empty placeholders, so no block names the user or patient a transaction is about.
 */
export function sealArguments(request: TransactionRequest): TransactionRequest {
  const args = request.args ?? [];
  return { ...request, args: args.map(() => ''), transient: { ...request.transient, [SEALED_ARGS]: transientJson(args) } };
}

/** Submits with sealed arguments and parses the JSON answer; refusals become AppErrors with the chaincode's code. */
export async function submitJson<T>(ledger: Ledger, mspId: string, request: TransactionRequest): Promise<T> {
  try {
    return parse<T>((await ledger.submit(mspId, sealArguments(request))).payload);
  } catch (error) {
    throw toAppError(error);
  }
}

/** Evaluates on the org's own peer and parses the JSON answer. */
export async function evaluateJson<T>(ledger: Ledger, mspId: string, request: TransactionRequest): Promise<T> {
  try {
    return parse<T>(await ledger.evaluate(mspId, request));
  } catch (error) {
    throw toAppError(error);
  }
}

function parse<T>(payload: Uint8Array): T {
  const text = decoder.decode(payload);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** Ledger refusals keep their code; anything else means the ledger is unreachable or broken. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof DependencyUnavailableError) return AppError.unavailable(error.dependency, error.message);
  if (error instanceof LedgerError) {
    if (error.code === 'INTERNAL') return new AppError('INTERNAL', 'the ledger failed');
    if (error.code === 'UNAVAILABLE') return AppError.unavailable('ledger', error.detail);
    return new AppError(error.code, error.detail, error.field);
  }
  return AppError.unavailable('ledger', 'the ledger is unavailable');
}
