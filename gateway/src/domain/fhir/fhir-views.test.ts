import type { AccessEvent, Consent as LedgerConsent, RecordMeta, User } from '@careledger/chaincode';
import { fhirErrors } from '../../testing/fhir-validator.js';
import { toAuditEvent } from './audit-event.js';
import { collectionBundle, searchSetBundle } from './bundle.js';
import { toConsent } from './consent.js';
import { sha256Of, toDocumentReference } from './document-reference.js';
import { pseudonymousUid, toImagingStudy } from './imaging-study.js';
import { toObservation } from './observation.js';
import { toPatient } from './patient.js';
import { EXTENSION, fhirId, SYSTEM } from './systems.js';

const SHA = 'ab'.repeat(32);
const NOW = new Date('2026-03-01T00:00:00Z');

function aRecord(overrides: Partial<RecordMeta> = {}): RecordMeta {
  return {
    recordId: 'rec_0123456789abcdef0123456789abcdef',
    patientId: 'pat-1',
    title: 'Discharge letter',
    category: 'discharge-summary',
    mediaType: 'application/pdf',
    size: 62_300,
    sha256: SHA,
    createdAt: '2026-02-01T10:00:00.000Z',
    createdBy: 'doc-a',
    ...overrides,
  };
}

function aConsent(overrides: Partial<LedgerConsent> = {}): LedgerConsent {
  return {
    consentId: 'con_0123456789abcdef0123456789abcdef',
    patientId: 'pat-1',
    patientOrg: 'HospitalAMSP',
    grantee: { kind: 'user', userId: 'doc-c' },
    granteeOrg: 'HospitalAMSP',
    scope: { categories: ['report', 'imaging'] },
    purposes: ['TREAT', 'HRESCH'],
    expiresAt: '2026-04-01T00:00:00.000Z',
    status: 'ACTIVE',
    createdAt: '2026-02-01T00:00:00.000Z',
    ...overrides,
  } as LedgerConsent;
}

function anEvent(overrides: Partial<AccessEvent> = {}): AccessEvent {
  return {
    eventId: 'evt_0123456789abcdef0123456789abcdef',
    patientId: 'pat-1',
    recordId: 'rec_0123456789abcdef0123456789abcdef',
    actorId: 'doc-c',
    actorOrg: 'HospitalAMSP',
    purpose: 'TREAT',
    outcome: 'GRANTED',
    consentId: 'con_0123456789abcdef0123456789abcdef',
    at: '2026-02-02T00:00:00.000Z',
    ...overrides,
  } as AccessEvent;
}

const CT = { modality: 'CT', studyDate: '2024-03-15', bodyPart: 'CHEST', studyDescription: 'CT thorax', seriesDescription: 'Axial 1mm', sopClassUid: '1.2.840.10008.5.1.4.1.1.2', numberOfFrames: 3 };

describe('FHIR R4 views', () => {
  it('maps a record to a valid DocumentReference with LOINC type, category, pseudonymous subject and the SHA-256 extension', () => {
    const doc = toDocumentReference(aRecord(), 'http://gw.test/v1/records/rec_0123456789abcdef0123456789abcdef/content');
    expect(fhirErrors(doc)).toEqual([]);
    expect(doc).toMatchObject({
      id: 'rec-0123456789abcdef0123456789abcdef',
      identifier: [{ system: SYSTEM.recordId, value: 'rec_0123456789abcdef0123456789abcdef' }],
      status: 'current',
      type: { coding: [{ system: 'http://loinc.org', code: '18842-5' }] },
      subject: { reference: 'Patient/pat-1' },
      content: [{ attachment: { contentType: 'application/pdf', size: 62_300, title: 'Discharge letter', creation: '2026-02-01T10:00:00.000Z' } }],
    });
    expect(doc.content[0].attachment.hash).toBeUndefined();
    expect(doc.content[0].attachment.extension).toEqual([{ url: EXTENSION.attachmentSha256, valueBase64Binary: Buffer.from(SHA, 'hex').toString('base64') }]);
    expect(sha256Of(doc)).toBe(SHA);
  });

  it('never puts a CID into a DocumentReference, and names a device as author of a batch', () => {
    const withCid = { ...aRecord(), cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' } as RecordMeta;
    expect(JSON.stringify(toDocumentReference(withCid, 'http://x/y'))).not.toContain('bafkrei');
    const batch = aRecord({ category: 'device-observations', createdBy: 'dev_1', batch: { deviceId: 'dev_1', readings: 2, codes: ['8867-4'], from: NOW.toISOString(), to: NOW.toISOString() } });
    const doc = toDocumentReference(batch, 'http://x/y');
    expect(doc.author).toEqual([{ type: 'Device', identifier: { system: SYSTEM.deviceId, value: 'dev_1' } }]);
    expect(fhirErrors(doc)).toEqual([]);
  });

  it('leaves out a size beyond FHIR unsignedInt rather than writing an invalid one', () => {
    const doc = toDocumentReference(aRecord({ size: 2 ** 31 }), 'http://x/y');
    expect(doc.content[0].attachment.size).toBeUndefined();
    expect(fhirErrors(doc)).toEqual([]);
  });

  it('maps a DICOM record to a valid ImagingStudy with pseudonymous UIDs, and links its DocumentReference to it', () => {
    const record = aRecord({ category: 'imaging', mediaType: 'application/dicom', imaging: CT });
    const study = toImagingStudy(record);
    expect(fhirErrors(study)).toEqual([]);
    expect(study).toMatchObject({
      status: 'available',
      modality: [{ system: SYSTEM.dicom, code: 'CT' }],
      started: '2024-03-15',
      description: 'CT thorax',
      series: [{ modality: { code: 'CT' }, description: 'Axial 1mm', bodySite: { display: 'CHEST' }, instance: [{ sopClass: { code: 'urn:oid:1.2.840.10008.5.1.4.1.1.2' } }] }],
    });
    expect(study.series?.[0].instance?.[0].extension).toEqual([{ url: EXTENSION.numberOfFrames, valueInteger: 3 }]);
    expect(study.series?.[0].uid).toMatch(/^2\.25\.\d+$/);
    expect(pseudonymousUid(record.recordId, 2)).not.toBe(pseudonymousUid(record.recordId, 3));
    expect(toDocumentReference(record, 'http://x/y').context?.related).toEqual([{ reference: `ImagingStudy/${fhirId(record.recordId)}` }]);
  });

  it('keeps an ImagingStudy valid when the header had no modality or SOP class', () => {
    expect(fhirErrors(toImagingStudy(aRecord({ mediaType: 'application/dicom', imaging: { studyDate: '2024-01-01' } })))).toEqual([]);
    expect(fhirErrors(toImagingStudy(aRecord({ mediaType: 'application/dicom', imaging: { modality: 'MR' } })))).toEqual([]);
  });

  it('maps a category consent to a valid Consent: IRCP actor, ActReason purposes, period to expiry, category codes', () => {
    const consent = toConsent(aConsent(), NOW);
    expect(fhirErrors(consent)).toEqual([]);
    expect(consent).toMatchObject({
      status: 'active',
      patient: { reference: 'Patient/pat-1' },
      policyRule: { coding: [{ code: 'OPTIN' }] },
      provision: {
        type: 'permit',
        period: { start: '2026-02-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z' },
        actor: [{ role: { coding: [{ code: 'IRCP' }] }, reference: { identifier: { system: SYSTEM.userId, value: 'doc-c' } } }],
        purpose: [{ system: SYSTEM.actReason, code: 'TREAT' }, { system: SYSTEM.actReason, code: 'HRESCH' }],
      },
    });
    expect(consent.provision?.code?.map((c) => c.coding?.[0].code)).toEqual(['report', 'imaging']);
  });

  it('maps the contribution right to provision.action collect, besides access', () => {
    const consent = toConsent(aConsent({ grantee: { kind: 'org', org: 'HospitalBMSP' }, granteeOrg: 'HospitalBMSP', contribute: true }), NOW);
    expect(fhirErrors(consent)).toEqual([]);
    expect(consent.provision?.action?.map((a) => a.coding?.[0].code)).toEqual(['access', 'collect']);
    expect(toConsent(aConsent(), NOW).provision?.action?.map((a) => a.coding?.[0].code)).toEqual(['access']);
  });

  it('names the contributing hospital as a second author of a contributed record', () => {
    const doc = toDocumentReference(aRecord({ createdBy: 'doc-b', contributorOrg: 'HospitalBMSP', contributionConsentId: 'con_1' }), 'https://x/content');
    expect(fhirErrors(doc)).toEqual([]);
    expect(doc.author).toEqual([
      { type: 'Practitioner', identifier: { system: SYSTEM.userId, value: 'doc-b' } },
      { type: 'Organization', identifier: { system: SYSTEM.mspId, value: 'HospitalBMSP' } },
    ]);
  });

  it('maps a refused contribution (no record) to a valid AuditEvent: create, action C, outcome 4, the patient only', () => {
    const event = toAuditEvent(anEvent({ outcome: 'DENIED', reason: 'NO_CONTRIBUTION_RIGHT', consentId: undefined, action: 'CONTRIBUTE', recordId: '' }));
    expect(fhirErrors(event)).toEqual([]);
    expect(event).toMatchObject({ action: 'C', outcome: '4', outcomeDesc: 'NO_CONTRIBUTION_RIGHT', subtype: [{ code: 'create' }] });
    expect(event.entity?.map((e) => e.what?.reference)).toEqual(['Patient/pat-1']);
  });

  it('maps a record-scoped org consent to provision.data, and revoked or expired consents to inactive', () => {
    const scoped = toConsent(aConsent({ grantee: { kind: 'org', org: 'HospitalBMSP' }, scope: { recordIds: ['rec_0123456789abcdef0123456789abcdef'] } }), NOW);
    expect(fhirErrors(scoped)).toEqual([]);
    expect(scoped.provision?.data).toEqual([{ meaning: 'instance', reference: { reference: 'DocumentReference/rec-0123456789abcdef0123456789abcdef' } }]);
    expect(scoped.provision?.actor?.[0].reference).toEqual({ type: 'Organization', identifier: { system: SYSTEM.mspId, value: 'HospitalBMSP' } });
    expect(toConsent(aConsent({ status: 'REVOKED', revokedAt: NOW.toISOString() }), NOW).status).toBe('inactive');
    expect(toConsent(aConsent({ expiresAt: '2026-02-15T00:00:00.000Z' }), NOW).status).toBe('inactive');
  });

  it.each([
    ['GRANTED', '0'],
    ['DENIED', '4'],
    ['INTEGRITY_VIOLATION', '8'],
    ['BREAK_GLASS', '0'],
  ] as const)('maps a %s access to a valid AuditEvent with outcome %s', (outcome, code) => {
    const event = toAuditEvent(anEvent({ outcome, ...(outcome === 'DENIED' ? { reason: 'NO_CONSENT', consentId: undefined } : {}) }));
    expect(fhirErrors(event)).toEqual([]);
    expect(event).toMatchObject({ type: { code: 'rest' }, subtype: [{ code: 'read' }], action: 'R', outcome: code, recorded: '2026-02-02T00:00:00.000Z' });
    expect(event.entity?.[0].what?.reference).toBe('DocumentReference/rec-0123456789abcdef0123456789abcdef');
  });

  it('flags break-glass reads (BTG purpose and security label) and names the session', () => {
    const event = toAuditEvent(anEvent({ outcome: 'BREAK_GLASS', purpose: 'ETREAT', consentId: undefined, emergencySessionId: 'emg_1' }));
    expect(event.purposeOfEvent?.flatMap((p) => p.coding?.map((c) => c.code))).toEqual(['ETREAT', 'BTG']);
    expect(event.meta?.security?.[0].code).toBe('BTG');
    expect(event.entity?.some((e) => e.detail?.[0].valueString === 'emg_1')).toBe(true);
    expect(fhirErrors(event)).toEqual([]);
  });

  it('names the patient reading their own record as the Patient agent', () => {
    const event = toAuditEvent(anEvent({ actorId: 'pat-1', purpose: 'PATRQT', consentId: 'self' }));
    expect(event.agent[0].who).toMatchObject({ reference: 'Patient/pat-1' });
    expect(event.entity).toHaveLength(2);
  });

  it('maps a registry patient to a valid pseudonymous Patient without a name', () => {
    const user: User = { userId: 'pat_1', role: 'patient', homeOrg: 'HospitalAMSP', status: 'ACTIVE', registeredAt: NOW.toISOString() };
    const patient = toPatient(user);
    expect(fhirErrors(patient)).toEqual([]);
    expect(patient).toMatchObject({ id: 'pat-1', identifier: [{ value: 'pat_1' }], active: true, meta: { security: [{ code: 'PSEUDED' }] } });
    expect(patient.name).toBeUndefined();
  });

  it('maps a reading to a valid vital-signs Observation with a UCUM quantity', () => {
    const obs = toObservation({ code: '8867-4', time: '2026-02-01T10:00:00.000Z', value: 72, unit: '/min' }, { recordId: 'rec_0123456789abcdef0123456789abcdef', patientId: 'pat-1', deviceId: 'dev_1', index: 4 });
    expect(fhirErrors(obs)).toEqual([]);
    expect(obs).toMatchObject({ id: 'rec-0123456789abcdef0123456789abcdef-4', code: { coding: [{ code: '8867-4', display: 'Heart rate' }] }, valueQuantity: { value: 72, code: '/min' } });
  });

  it('builds valid collection and searchset Bundles with an absolute fullUrl on every entry and paging links', () => {
    const doc = toDocumentReference(aRecord(), 'http://x/y');
    const event = toAuditEvent(anEvent());
    const collection = collectionBundle('http://gw.test/v1/fhir', [doc, event], NOW.toISOString());
    expect(fhirErrors(collection)).toEqual([]);
    expect(collection.entry?.map((e) => e.fullUrl)).toEqual([`http://gw.test/v1/fhir/DocumentReference/${doc.id}`, `http://gw.test/v1/fhir/AuditEvent/${event.id}`]);
    const search = searchSetBundle('http://gw.test/v1/fhir', [doc], { self: 'http://gw.test/a', next: 'http://gw.test/b' }, 7);
    expect(fhirErrors(search)).toEqual([]);
    expect(search).toMatchObject({ type: 'searchset', total: 7, link: [{ relation: 'self' }, { relation: 'next' }], entry: [{ search: { mode: 'match' } }] });
    expect(searchSetBundle('http://gw.test/v1/fhir', [], { self: 'http://gw.test/a' }, 0)).not.toHaveProperty('entry');
  });

  it('the validator itself refuses what R4 forbids (so the checks above mean something)', () => {
    const consent = toConsent(aConsent(), NOW);
    delete consent.policyRule;
    expect(fhirErrors(consent).join()).toMatch(/ppc-1/);
    const { status: _status, ...withoutStatus } = toDocumentReference(aRecord(), 'x');
    expect(fhirErrors(withoutStatus as never).join()).toMatch(/status/);
    expect(fhirErrors({ ...toPatient({ userId: 'p', role: 'patient', homeOrg: 'A', status: 'ACTIVE', registeredAt: '' }), gender: 7 } as never)).not.toEqual([]);
  });
});
