import { MAX_BATCH_READINGS } from '@careledger/chaincode/rules';
import { AppError, badInput } from './app-error.js';
import { isVitalSign, VITAL_SIGNS } from './vital-signs.js';

/** One device reading: a LOINC vital sign, when it was measured, and its value in a UCUM unit. */
export interface Reading {
  code: string;
  time: string;
  value: number;
  unit: string;
}

/** The plaintext of a stored batch (encrypted like any record). */
export interface BatchFile {
  format: typeof BATCH_FORMAT;
  deviceId: string;
  patientId: string;
  readings: Reading[];
}

export const BATCH_FORMAT = 'careledger-observations-v1';
/** The media type of stored batches. */
export const BATCH_MEDIA_TYPE = 'application/vnd.careledger.observations+json';
/** How far in the future a reading's time may be (device clocks drift). */
const CLOCK_SKEW_MS = 5 * 60_000;
// An instant with a time zone: a reading without one cannot be placed in time.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Checks a batch's readings: 1 to {@link MAX_BATCH_READINGS}, each a known vital sign in one of its UCUM
 * units, a finite non-negative value, and a time with a zone that is not in the future. Returns them with
 * times normalised to UTC. The first bad reading is named (`readings[7].unit`); no value is echoed.
 */
export function validateReadings(readings: readonly Reading[], now: Date): Reading[] {
  if (readings.length === 0) throw badInput('readings', 'a batch holds at least one reading');
  if (readings.length > MAX_BATCH_READINGS) throw badInput('readings', `a batch holds at most ${MAX_BATCH_READINGS} readings`);
  return readings.map((r, i) => {
    const at = `readings[${i}]`;
    if (!isVitalSign(r.code)) throw badInput(`${at}.code`, 'code must be a LOINC vital-sign code this gateway knows (see the README)');
    if (!VITAL_SIGNS[r.code].units.includes(r.unit)) throw badInput(`${at}.unit`, `unit must be one of ${VITAL_SIGNS[r.code].units.join(', ')} for this code`);
    if (typeof r.value !== 'number' || !Number.isFinite(r.value) || r.value < 0 || r.value > 1e6) throw badInput(`${at}.value`, 'value must be a number from 0 to 1000000');
    const millis = INSTANT.test(r.time) ? Date.parse(r.time) : NaN;
    if (Number.isNaN(millis)) throw badInput(`${at}.time`, 'time must be an ISO-8601 date-time with a time zone');
    if (millis > now.getTime() + CLOCK_SKEW_MS) throw badInput(`${at}.time`, 'time must not be in the future');
    return { code: r.code, time: new Date(millis).toISOString(), value: r.value, unit: r.unit };
  });
}

/** What the ledger keeps about a batch: count, codes, earliest and latest time. */
export function summarize(readings: readonly Reading[]): { readings: number; codes: string[]; from: string; to: string } {
  let from = readings[0].time;
  let to = readings[0].time;
  for (const r of readings) {
    if (r.time < from) from = r.time;
    if (r.time > to) to = r.time;
  }
  return { readings: readings.length, codes: [...new Set(readings.map((r) => r.code))].sort(), from, to };
}

/** Parses a decrypted, verified batch file. */
export function parseBatchFile(bytes: Buffer): BatchFile {
  const file = JSON.parse(bytes.toString('utf8')) as BatchFile;
  if (file?.format !== BATCH_FORMAT || !Array.isArray(file.readings)) throw new AppError('INTERNAL', 'a stored batch is not in a known format');
  return file;
}

/** A time filter and a code filter over readings (ISO strings compare in time order once normalised). */
export interface ReadingQuery {
  code?: string;
  from?: string;
  to?: string;
}

export function matchesQuery(reading: Reading, query: ReadingQuery): boolean {
  return (!query.code || reading.code === query.code) && (!query.from || reading.time >= query.from) && (!query.to || reading.time <= query.to);
}

/** Whether a batch may hold readings the query wants (from its ledger summary; saves opening it). */
export function batchMayMatch(summary: { codes: string[]; from: string; to: string }, query: ReadingQuery): boolean {
  return (!query.code || summary.codes.includes(query.code)) && (!query.from || summary.to >= query.from) && (!query.to || summary.from <= query.to);
}
