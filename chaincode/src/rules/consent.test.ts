import { emergencyAllows, evaluateConsents, type ConsentTerms } from './consent.js';
import { parseChaincodeError } from './error-codes.js';

const now = new Date('2026-06-01T00:00:00Z');
const doctor = { userId: 'doc-a', org: 'HospitalAMSP', role: 'practitioner' as const };
const record = { recordId: 'rec_1', patientId: 'pat-1', category: 'report' as const };

function aConsent(overrides: Partial<ConsentTerms> = {}): ConsentTerms {
  return {
    consentId: 'con_1',
    patientId: 'pat-1',
    grantee: { kind: 'user', userId: 'doc-a' },
    scope: { categories: ['report'] },
    purposes: ['TREAT'],
    expiresAt: '2026-07-01T00:00:00Z',
    status: 'ACTIVE',
    ...overrides,
  };
}

describe('evaluateConsents', () => {
  it.each<[string, Partial<ConsentTerms>, string]>([
    ['an expired consent', { expiresAt: '2026-06-01T00:00:00Z' }, 'CONSENT_EXPIRED'],
    ['a revoked consent', { status: 'REVOKED' }, 'CONSENT_REVOKED'],
    ['another purpose', { purposes: ['HPAYMT'] }, 'WRONG_PURPOSE'],
    ['another category', { scope: { categories: ['imaging'] } }, 'OUT_OF_SCOPE'],
    ['another record', { scope: { recordIds: ['rec_2'] } }, 'OUT_OF_SCOPE'],
    ['another grantee', { grantee: { kind: 'user', userId: 'doc-b' } }, 'NO_CONSENT'],
    ['another patient', { patientId: 'pat-2' }, 'NO_CONSENT'],
  ])('refuses a read under %s', (_name, overrides, reason) => {
    expect(evaluateConsents([aConsent(overrides)], doctor, record, 'TREAT', now)).toEqual({ allowed: false, reason });
  });

  it('allows a read under a consent in force that covers the record and purpose', () => {
    expect(evaluateConsents([aConsent()], doctor, record, 'TREAT', now)).toEqual({ allowed: true, consentId: 'con_1' });
  });

  it("allows an org-wide consent for the org's practitioners", () => {
    const consent = aConsent({ grantee: { kind: 'org', org: 'HospitalAMSP' } });
    expect(evaluateConsents([consent], doctor, record, 'TREAT', now)).toMatchObject({ allowed: true });
  });

  it.each<[string, 'patient' | 'admin']>([
    ['a patient', 'patient'],
    ['an admin', 'admin'],
  ])("does not name %s of the grantee org in an org-wide consent", (_name, role) => {
    const consent = aConsent({ grantee: { kind: 'org', org: 'HospitalAMSP' } });
    const reader = { userId: 'someone', org: 'HospitalAMSP', role };
    expect(evaluateConsents([consent], reader, record, 'TREAT', now)).toEqual({ allowed: false, reason: 'NO_CONSENT' });
  });

  it('does not name a non-practitioner even by a user grant', () => {
    const consent = aConsent({ grantee: { kind: 'user', userId: 'hospital-a-admin' } });
    const admin = { userId: 'hospital-a-admin', org: 'HospitalAMSP', role: 'admin' as const };
    expect(evaluateConsents([consent], admin, record, 'TREAT', now)).toEqual({ allowed: false, reason: 'NO_CONSENT' });
  });

  it('tells a caller no consent names nothing about the consents of others', () => {
    const consents = [aConsent({ grantee: { kind: 'user', userId: 'doc-b' }, purposes: ['HPAYMT'] }), aConsent({ consentId: 'con_2', grantee: { kind: 'org', org: 'HospitalBMSP' }, status: 'REVOKED' })];
    expect(evaluateConsents(consents, doctor, record, 'TREAT', now)).toEqual({ allowed: false, reason: 'NO_CONSENT' });
  });

  it('reports the closest miss among several consents', () => {
    const consents = [aConsent({ scope: { categories: ['imaging'] } }), aConsent({ consentId: 'con_2', expiresAt: '2026-01-01T00:00:00Z' })];
    expect(evaluateConsents(consents, doctor, record, 'TREAT', now)).toEqual({ allowed: false, reason: 'CONSENT_EXPIRED' });
  });

  it('lets the patient read their own records', () => {
    expect(evaluateConsents([], { userId: 'pat-1', org: 'HospitalAMSP', role: 'patient' }, record, 'PATRQT', now)).toMatchObject({ allowed: true });
  });
});

describe('emergencyAllows', () => {
  const session = { actorId: 'doc-a', patientId: 'pat-1', expiresAt: '2026-06-01T04:00:00Z' };
  it('allows emergency treatment by the opener before expiry only', () => {
    expect(emergencyAllows(session, doctor, 'pat-1', 'ETREAT', now)).toBe(true);
    expect(emergencyAllows(session, doctor, 'pat-1', 'HPAYMT', now)).toBe(false);
    expect(emergencyAllows(session, { ...doctor, userId: 'doc-b' }, 'pat-1', 'ETREAT', now)).toBe(false);
    expect(emergencyAllows(session, doctor, 'pat-1', 'ETREAT', new Date('2026-06-01T04:00:00Z'))).toBe(false);
  });
});

describe('parseChaincodeError', () => {
  it('finds our JSON body inside a peer message', () => {
    expect(parseChaincodeError('chaincode response 500, {"code":"NO_CONSENT","detail":"x"}')).toEqual({ code: 'NO_CONSENT', detail: 'x' });
  });
  it('ignores anything else', () => {
    expect(parseChaincodeError('connection refused')).toBeUndefined();
    expect(parseChaincodeError('{"code":"BOGUS","detail":"x"}')).toBeUndefined();
    expect(parseChaincodeError('{"code":"NO_CONSENT"')).toBeUndefined();
  });
});
