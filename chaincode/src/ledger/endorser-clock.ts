import { ChaincodeError } from './errors.js';

/**
 * The transaction timestamp is set by the client that builds the proposal, and the chaincode judges consent
 * expiry, the key-release window and the break-glass window by it. So that no client can choose that time,
 * each endorser compares it with its own clock and refuses a proposal further away than a small skew. This
 * is the one deliberate read of the endorser's clock in the chaincode: endorsers whose clocks disagree
 * produce different results, and the transaction fails closed (no endorsement policy is met).
 */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 30;

/** The skew this endorser allows: `CARELEDGER_MAX_CLOCK_SKEW_SECONDS` of the chaincode process (1..3600). */
export function maxClockSkewMs(env: Record<string, string | undefined> = process.env): number {
  const raw = env.CARELEDGER_MAX_CLOCK_SKEW_SECONDS;
  const seconds = raw === undefined || raw === '' ? DEFAULT_MAX_CLOCK_SKEW_SECONDS : Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
    throw new Error('CARELEDGER_MAX_CLOCK_SKEW_SECONDS must be an integer from 1 to 3600');
  }
  return seconds * 1000;
}

const MAX_SKEW_MS = maxClockSkewMs();

// Runners that execute the chaincode in-process with a simulated time (the embedded ledger, unit tests)
// give the endorser that same clock, per transaction stub.
const simulatedClocks = new WeakMap<object, () => Date>();

/** Gives the transaction run with `stub` a simulated endorser clock (in-process runners only). */
export function simulateEndorserClock(stub: object, clock: () => Date): void {
  simulatedClocks.set(stub, clock);
}

/** The transaction time, refused (`CLOCK_SKEW`) when it is too far from the endorser's clock. */
export function checkedTxTime(stub: { getDateTimestamp(): Date }): Date {
  const txTime = stub.getDateTimestamp();
  // The deliberate exception to "time only from the transaction" (see the top of this file).
  // eslint-disable-next-line no-restricted-properties
  const endorserTime = simulatedClocks.get(stub)?.().getTime() ?? Date.now();
  if (Math.abs(txTime.getTime() - endorserTime) > MAX_SKEW_MS) {
    throw new ChaincodeError('CLOCK_SKEW', 'the transaction time is too far from the endorser clock');
  }
  return txTime;
}
