import type { Consent as LedgerConsent } from '@careledger/chaincode';
import { AppError } from '../app-error.js';
import { fromConsent, type ConsentGrant } from './consent-input.js';
import { toConsent } from './consent.js';
import { SYSTEM } from './systems.js';

const NOW = new Date('2026-03-01T00:00:00Z');
const RECORD = 'rec_0123456789abcdef0123456789abcdef';

function aLedgerConsent(overrides: Partial<LedgerConsent> = {}): LedgerConsent {
  return {
    consentId: 'con_0123456789abcdef0123456789abcdef',
    patientId: 'pat-1',
    patientOrg: 'HospitalAMSP',
    grantee: { kind: 'user', userId: 'doc-c' },
    granteeOrg: 'HospitalAMSP',
    scope: { categories: ['imaging', 'report'] },
    purposes: ['HRESCH', 'TREAT'],
    expiresAt: '2026-04-01T00:00:00.000Z',
    status: 'ACTIVE',
    createdAt: '2026-02-01T00:00:00.000Z',
    ...overrides,
  } as LedgerConsent;
}

/** A minimal Consent a FHIR client would write: one patient, one practitioner, reports for treatment. */
function aConsent(provision: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'Consent',
    status: 'active',
    patient: { reference: 'Patient/pat-1' },
    provision: {
      type: 'permit',
      period: { end: '2026-04-01T00:00:00Z' },
      actor: [{ role: { coding: [{ system: SYSTEM.participationType, code: 'IRCP' }] }, reference: { reference: 'Practitioner/doc-c' } }],
      action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access' }] }],
      purpose: [{ system: SYSTEM.actReason, code: 'TREAT' }],
      class: [{ system: SYSTEM.category, code: 'report' }],
      ...provision,
    },
    ...top,
  };
}

/** The grant a stored consent is, in the mapper's terms. */
function grantOf(c: LedgerConsent) {
  return { patientId: c.patientId, grantee: c.grantee, scope: c.scope, purposes: c.purposes, expiresAt: c.expiresAt };
}

function terms(g: ConsentGrant) {
  return { patientId: g.patientId, grantee: g.grantee, scope: g.scope, purposes: g.purposes, expiresAt: g.expiresAt };
}

/** The element a refusal names (and that it is a 400 INVALID_ARGUMENT). */
function refusal(body: unknown): string | undefined {
  try {
    fromConsent(body, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('INVALID_ARGUMENT');
    return (error as AppError).field;
  }
  return undefined;
}

describe('FHIR Consent input', () => {
  it.each([
    ['a user grant of categories', aLedgerConsent()],
    ['an org grant of records', aLedgerConsent({ grantee: { kind: 'org', org: 'HospitalBMSP' }, granteeOrg: 'HospitalBMSP', scope: { recordIds: [RECORD] }, purposes: ['TREAT'] })],
    ['a grant to a user id with an underscore', aLedgerConsent({ grantee: { kind: 'user', userId: 'doc_under' }, patientId: 'pat_1' })],
  ])('maps the view of %s posted back to the same grant', (_what, stored) => {
    const view = toConsent(stored, NOW);
    const asked = fromConsent(JSON.parse(JSON.stringify(view)), NOW);
    expect(terms(asked)).toEqual(grantOf(stored));
    expect(asked.organization).toBe(stored.patientOrg);
  });

  it('maps a minimal client Consent: literal references, class categories, no identifiers', () => {
    expect(terms(fromConsent(aConsent(), NOW))).toEqual({
      patientId: 'pat-1',
      grantee: { kind: 'user', userId: 'doc-c' },
      scope: { categories: ['report'] },
      purposes: ['TREAT'],
      expiresAt: '2026-04-01T00:00:00Z',
    });
  });

  it('maps provision.action collect (besides access) to the contribution right', () => {
    const action = ['access', 'collect'].map((code) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code }] }));
    expect(fromConsent(aConsent({ action }), NOW).contribute).toBe(true);
    expect(fromConsent(aConsent(), NOW).contribute).toBeUndefined();
  });

  it('reads an Organization/{mspId} grantee and DocumentReference/{id} records in their FHIR id form', () => {
    const asked = fromConsent(
      aConsent({
        actor: [{ role: { coding: [{ system: SYSTEM.participationType, code: 'IRCP' }] }, reference: { reference: 'Organization/HospitalBMSP' } }],
        class: undefined,
        data: [{ meaning: 'instance', reference: { reference: 'DocumentReference/rec-0123456789abcdef0123456789abcdef' } }],
      }),
      NOW,
    );
    expect(asked.grantee).toEqual({ kind: 'org', org: 'HospitalBMSP' });
    expect(asked.scope).toEqual({ recordIds: [RECORD] });
  });

  it('accepts a start in the past or now (a grant holds from when it is made)', () => {
    expect(terms(fromConsent(aConsent({ period: { start: NOW.toISOString(), end: '2026-04-01T00:00:00Z' } }), NOW)).expiresAt).toBe('2026-04-01T00:00:00Z');
  });

  it.each([
    ['a body that is not an object', ['Consent'], 'Consent'],
    ['another resource type', aConsent({}, { resourceType: 'Patient' }), 'Consent.resourceType'],
    ['no resource type', aConsent({}, { resourceType: undefined }), 'Consent.resourceType'],
    ['status draft', aConsent({}, { status: 'draft' }), 'Consent.status'],
    ['status inactive', aConsent({}, { status: 'inactive' }), 'Consent.status'],
    ['no patient', aConsent({}, { patient: undefined }), 'Consent.patient'],
    ['a patient that is a Group', aConsent({}, { patient: { reference: 'Group/g-1' } }), 'Consent.patient'],
    ['an absolute patient reference', aConsent({}, { patient: { reference: 'http://elsewhere/Patient/pat-1' } }), 'Consent.patient.reference'],
    ['a patient reference and identifier that disagree', aConsent({}, { patient: { reference: 'Patient/pat-1', identifier: { system: SYSTEM.userId, value: 'pat-2' } } }), 'Consent.patient'],
    ['a patient id that is not an id', aConsent({}, { patient: { identifier: { system: SYSTEM.userId, value: 'a b' } } }), 'Consent.patient.identifier.value'],
    ['a policy URL', aConsent({}, { policy: [{ uri: 'https://example.org/policy' }] }), 'Consent.policy'],
    ['a policy rule other than opt-in', aConsent({}, { policyRule: { coding: [{ system: SYSTEM.actCode, code: 'OPTOUT' }] } }), 'Consent.policyRule'],
    ['a research scope', aConsent({}, { scope: { coding: [{ system: SYSTEM.consentScope, code: 'research' }] } }), 'Consent.scope'],
    ['another category', aConsent({}, { category: [{ coding: [{ system: SYSTEM.loinc, code: '64292-6' }] }] }), 'Consent.category[0]'],
    ['a source attachment', aConsent({}, { sourceAttachment: { url: 'https://example.org/signed.pdf' } }), 'Consent.sourceAttachment'],
    ['a verification', aConsent({}, { verification: [{ verified: true }] }), 'Consent.verification'],
    ['a modifier extension', aConsent({}, { modifierExtension: [{ url: 'https://example.org/x' }] }), 'Consent.modifierExtension'],
    ['an element R4 Consent does not have', aConsent({}, { subject: { reference: 'Patient/pat-1' } }), 'Consent.subject'],
    ['another identifier system', aConsent({}, { identifier: [{ system: 'https://example.org/ids', value: 'x' }] }), 'Consent.identifier[0]'],
    ['a performer who is not the patient', aConsent({}, { performer: [{ reference: 'Practitioner/doc-c' }] }), 'Consent.performer[0]'],
    ['an organization by literal reference', aConsent({}, { organization: [{ reference: 'Organization/HospitalAMSP' }] }), 'Consent.organization[0]'],
    ['two provisions', aConsent({}, { provision: [aConsent().provision, aConsent().provision] }), 'Consent.provision'],
    ['no provision', aConsent({}, { provision: undefined }), 'Consent.provision'],
    ['nested provisions', aConsent({ provision: [{ type: 'deny' }] }), 'Consent.provision.provision'],
    ['a deny provision', aConsent({ type: 'deny' }), 'Consent.provision.type'],
    ['a provision without type', aConsent({ type: undefined }), 'Consent.provision.type'],
    ['a security label', aConsent({ securityLabel: [{ system: SYSTEM.confidentiality, code: 'R' }] }), 'Consent.provision.securityLabel'],
    ['a data period', aConsent({ dataPeriod: { start: '2020-01-01' } }), 'Consent.provision.dataPeriod'],
    ['no period', aConsent({ period: undefined }), 'Consent.provision.period'],
    ['a period without end', aConsent({ period: { start: '2026-01-01T00:00:00Z' } }), 'Consent.provision.period.end'],
    ['an end that is a date only', aConsent({ period: { end: '2026-04-01' } }), 'Consent.provision.period.end'],
    ['an end without zone', aConsent({ period: { end: '2026-04-01T00:00:00' } }), 'Consent.provision.period.end'],
    ['a start in the future', aConsent({ period: { start: '2026-03-02T00:00:00Z', end: '2026-04-01T00:00:00Z' } }), 'Consent.provision.period.start'],
    ['no actor', aConsent({ actor: undefined }), 'Consent.provision.actor'],
    ['two actors', aConsent({ actor: [aActor('Practitioner/doc-c'), aActor('Practitioner/doc-d')] }), 'Consent.provision.actor'],
    ['an actor role other than IRCP', aConsent({ actor: [{ ...aActor('Practitioner/doc-c'), role: { coding: [{ system: SYSTEM.participationType, code: 'PRCP' }] } }] }), 'Consent.provision.actor[0].role'],
    ['an actor without role', aConsent({ actor: [{ reference: { reference: 'Practitioner/doc-c' } }] }), 'Consent.provision.actor[0].role'],
    ['an actor that is a RelatedPerson', aConsent({ actor: [aActor('RelatedPerson/rp-1')] }), 'Consent.provision.actor[0].reference'],
    ['a practitioner identifier of another system', aConsent({ actor: [{ ...aActor(''), reference: { type: 'Practitioner', identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '123' } } }] }), 'Consent.provision.actor[0].reference.identifier'],
    ['no purpose', aConsent({ purpose: undefined }), 'Consent.provision.purpose'],
    ['an unknown purpose code', aConsent({ purpose: [{ system: SYSTEM.actReason, code: 'MARKT' }] }), 'Consent.provision.purpose[0].code'],
    ['a purpose of another system', aConsent({ purpose: [{ system: 'http://snomed.info/sct', code: 'TREAT' }] }), 'Consent.provision.purpose[0].system'],
    ['no action', aConsent({ action: undefined }), 'Consent.provision.action'],
    ['collect without access', aConsent({ action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'collect' }] }] }), 'Consent.provision.action'],
    ['disclose', aConsent({ action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'disclose' }] }] }), 'Consent.provision.action[0]'],
    ['no scope', aConsent({ class: undefined }), 'Consent.provision'],
    ['records and categories at once', aConsent({ data: [{ meaning: 'instance', reference: { reference: `DocumentReference/${RECORD}` } }] }), 'Consent.provision'],
    ['data meaning related', aConsent({ class: undefined, data: [{ meaning: 'related', reference: { reference: `DocumentReference/${RECORD}` } }] }), 'Consent.provision.data[0].meaning'],
    ['data that is not a DocumentReference', aConsent({ class: undefined, data: [{ meaning: 'instance', reference: { reference: 'Observation/obs-1' } }] }), 'Consent.provision.data[0].reference'],
    ['an unknown category class', aConsent({ class: [{ system: SYSTEM.category, code: 'gossip' }] }), 'Consent.provision.class[0]'],
    ['a resource-type class', aConsent({ class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'DocumentReference' }] }), 'Consent.provision.class[0]'],
    ['a code with only LOINC', aConsent({ class: undefined, code: [{ coding: [{ system: SYSTEM.loinc, code: '47045-0' }] }] }), 'Consent.provision.code[0].coding'],
    ['a code whose LOINC is of another category', aConsent({ class: undefined, code: [{ coding: [{ system: SYSTEM.category, code: 'report' }, { system: SYSTEM.loinc, code: '18748-4' }] }] }), 'Consent.provision.code[0].coding[1]'],
  ])('refuses %s, naming the element', (_what, body, element) => {
    expect(refusal(body)).toBe(element);
  });

  it('never echoes a refused value in the error', () => {
    try {
      fromConsent(aConsent({ purpose: [{ system: SYSTEM.actReason, code: 'Zq7Leak' }] }), NOW);
      throw new Error('accepted');
    } catch (error) {
      expect((error as AppError).detail).not.toContain('Zq7Leak');
    }
  });

  it("names the element a grant field came from, for the grant's own refusals", () => {
    const asked = fromConsent(aConsent({ class: [{ system: SYSTEM.category, code: 'report' }, { system: SYSTEM.category, code: 'imaging' }] }), NOW);
    expect(['expiresAt', 'grantee.userId', 'purposes[0]', 'scope.categories[1]', 'scope'].map((f) => asked.elementOf(f))).toEqual([
      'Consent.provision.period.end',
      'Consent.provision.actor[0].reference',
      'Consent.provision.purpose[0]',
      'Consent.provision.class[1]',
      'Consent.provision',
    ]);
    const records = fromConsent(aConsent({ class: undefined, data: [{ meaning: 'instance', reference: { reference: `DocumentReference/${RECORD}` } }] }), NOW);
    expect(records.elementOf('scope.recordIds[0]')).toBe('Consent.provision.data[0].reference');
  });
});

function aActor(reference: string) {
  return { role: { coding: [{ system: SYSTEM.participationType, code: 'IRCP' }] }, reference: { reference } };
}
