import { Context, Contract } from 'fabric-contract-api';
import { SEALED_ARGS } from '../rules/sealed-args.js';
import { invalid } from './errors.js';

/**
 * The base of every CareLedger contract: before a transaction function runs, the arguments sealed in the
 * transient map (if any) take the place of the empty public placeholders. Arguments come either all public
 * or all sealed; a mix is refused, so a caller cannot have one value judged and another recorded.
 */
export class SealedArgsContract extends Contract {
  // Typed Promise<void> by fabric-contract-api, the base resolves to the function's result (the payload).
  override aroundTransaction(ctx: Context, fn: (...args: unknown[]) => unknown, parameters: unknown[]): Promise<void> {
    return super.aroundTransaction(ctx, fn, unsealArguments(ctx, parameters));
  }
}

/** The transaction's arguments: the sealed ones when the transient map carries them, else the public ones. */
export function unsealArguments(ctx: Context, parameters: unknown[]): unknown[] {
  const bytes = ctx.stub.getTransient().get(SEALED_ARGS);
  if (!bytes || bytes.length === 0) return parameters;
  if (parameters.some((p) => p !== '')) throw invalid(SEALED_ARGS, 'arguments are either public or sealed in the transient map, not both');
  let sealed: unknown;
  try {
    sealed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw invalid(SEALED_ARGS, `transient field '${SEALED_ARGS}' is not JSON`);
  }
  if (!Array.isArray(sealed) || sealed.length !== parameters.length || !sealed.every((a) => typeof a === 'string')) {
    throw invalid(SEALED_ARGS, `transient field '${SEALED_ARGS}' must be ${parameters.length} strings`);
  }
  return sealed;
}
