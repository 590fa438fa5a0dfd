import { batchMayMatch, matchesQuery, parseBatchFile, summarize, validateReadings, type Reading } from './observation-batch.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const aReading = (overrides: Partial<Reading> = {}): Reading => ({ code: '8867-4', time: '2026-03-01T08:00:00Z', value: 72, unit: '/min', ...overrides });

describe('observation batches', () => {
  it('accepts LOINC vital signs in their UCUM units and normalises times to UTC', () => {
    const readings = validateReadings([aReading({ time: '2026-03-01T09:00:00+01:00' }), aReading({ code: '59408-5', value: 97, unit: '%' })], NOW);
    expect(readings[0].time).toBe('2026-03-01T08:00:00.000Z');
    expect(readings).toHaveLength(2);
  });

  it.each([
    ['readings[0].code', aReading({ code: '1234-5' })],
    ['readings[0].unit', aReading({ unit: 'bpm' })],
    ['readings[0].value', aReading({ value: -1 })],
    ['readings[0].value', aReading({ value: Number.NaN })],
    ['readings[0].time', aReading({ time: '2026-03-01T08:00:00' })],
    ['readings[0].time', aReading({ time: 'yesterday' })],
    ['readings[0].time', aReading({ time: '2026-03-02T08:00:00Z' })],
  ])('refuses a bad reading naming %s', (field, reading) => {
    expect(() => validateReadings([reading], NOW)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field }));
  });

  it('refuses an empty batch and one of more than 10,000 readings', () => {
    expect(() => validateReadings([], NOW)).toThrow(expect.objectContaining({ field: 'readings' }));
    expect(() => validateReadings(Array.from({ length: 10_001 }, () => aReading()), NOW)).toThrow(expect.objectContaining({ field: 'readings' }));
  });

  it('summarises count, codes and time range, and filters by code and time', () => {
    const readings = validateReadings([aReading({ time: '2026-03-01T10:00:00Z' }), aReading({ code: '8310-5', unit: 'Cel', value: 37, time: '2026-03-01T07:00:00Z' })], NOW);
    const summary = summarize(readings);
    expect(summary).toEqual({ readings: 2, codes: ['8310-5', '8867-4'], from: '2026-03-01T07:00:00.000Z', to: '2026-03-01T10:00:00.000Z' });
    expect(batchMayMatch(summary, { code: '8867-4', from: '2026-03-01T09:00:00.000Z' })).toBe(true);
    expect(batchMayMatch(summary, { code: '9279-1' })).toBe(false);
    expect(batchMayMatch(summary, { to: '2026-03-01T06:00:00.000Z' })).toBe(false);
    expect(readings.filter((r) => matchesQuery(r, { from: '2026-03-01T08:00:00.000Z' })).map((r) => r.code)).toEqual(['8867-4']);
  });

  it('refuses a stored file of another format', () => {
    expect(() => parseBatchFile(Buffer.from('{"format":"x","readings":[]}'))).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});
