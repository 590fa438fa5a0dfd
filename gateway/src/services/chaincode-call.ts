import type { Ledger, TransactionRequest } from '../ports/ledger.js';
import { toAppError } from './chaincode-client.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** A JSON value as a transient field (private input: never written to blocks). */
export function transientJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Submits and parses the JSON answer; refusals become AppErrors with the chaincode's code (as ChaincodeClient does). */
export async function submitJson<T>(ledger: Ledger, mspId: string, request: TransactionRequest): Promise<T> {
  try {
    return parse<T>((await ledger.submit(mspId, request)).payload);
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
