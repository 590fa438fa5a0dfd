/**
 * Contributions under consent (README, security model): a practitioner of Hospital B whose consent from a patient of
 * Hospital A carries the contribution right adds a record to that patient's file. The record is the patient's (A
 * stays the authority), readable with A's key and B's key, names who contributed it and from which hospital, and
 * tells the patient (CONTRIBUTION_ADDED). Without the right the upload is refused (403 NO_CONTRIBUTION_RIGHT) and
 * recorded; revocation stops further contributions and leaves what was added.
 */
import { GatewayHarness, binary, someBytes } from '../support/gateway-harness.js';
import { TEST_PROFILE } from '../support/test-profile.js';

const B = 'HospitalBMSP';

describe(`contributions under consent on the ${TEST_PROFILE} profile`, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await GatewayHarness.start();
  }, 60_000);
  afterAll(async () => {
    await h.close();
  });

  const grant = (contribute: boolean) => ({
    grantee: { kind: 'user', userId: 'doc-b' },
    scope: { categories: ['report'] },
    purposes: ['TREAT'],
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    contribute,
  });

  it('refuses, records, then accepts under the right, and keeps the record after the revocation', async () => {
    const { patient, otherHospital } = await h.aCareTeam();
    const file = someBytes(40_000, 11);

    // Without a consent, and with a consent that only lets B read: refused before any byte is stored, and recorded.
    const none = await otherHospital.upload('pat-1', file).expect(403);
    expect(none.body).toMatchObject({ code: 'NO_CONTRIBUTION_RIGHT', type: expect.stringContaining('no-contribution-right') });
    const readOnly = (await patient.post('/v1/patients/pat-1/consents', grant(false)).expect(201)).body;
    expect(readOnly).not.toHaveProperty('contribute');
    expect((await otherHospital.upload('pat-1', file).expect(403)).body.code).toBe('NO_CONTRIBUTION_RIGHT');
    const log = (await patient.get('/v1/patients/pat-1/access-log').expect(200)).body.events as Record<string, unknown>[];
    expect(log.filter((e) => e.action === 'CONTRIBUTE')).toEqual([
      expect.objectContaining({ actorId: 'doc-b', actorOrg: B, outcome: 'DENIED', reason: 'NO_CONTRIBUTION_RIGHT', recordId: '' }),
      expect.objectContaining({ actorId: 'doc-b', actorOrg: B, outcome: 'DENIED', reason: 'NO_CONTRIBUTION_RIGHT', recordId: '' }),
    ]);

    // With the right: the record is the patient's, names doc-b and Hospital B, and both hospitals read it with their own key.
    const consent = (await patient.post('/v1/patients/pat-1/consents', grant(true)).expect(201)).body;
    expect(consent).toMatchObject({ contribute: true, granteeOrg: B });
    const up = await otherHospital.upload('pat-1', file).expect(201);
    expect(up.body).toMatchObject({ patientId: 'pat-1', createdBy: 'doc-b', contributorOrg: B });
    const recordId = up.body.recordId as string;
    await expect(patient.get(`/v1/records/${recordId}`).expect(200)).resolves.toMatchObject({ body: { createdBy: 'doc-b', contributorOrg: B, contributionConsentId: consent.consentId } });
    const list = (await patient.get('/v1/patients/pat-1/records').expect(200)).body.records as { recordId: string }[];
    expect(list.map((r) => r.recordId)).toContain(recordId);
    for (const [reader, purpose] of [[patient, 'PATRQT'], [otherHospital, 'TREAT']] as const) {
      const read = await reader.get(`/v1/records/${recordId}/content?purpose=${purpose}`).buffer(true).parse(binary).expect(200);
      expect(Buffer.compare(read.body as Buffer, file)).toBe(0);
    }
    const fhirConsent = (await patient.get(`/v1/fhir/Consent/${consent.consentId}`).expect(200)).body;
    expect(fhirConsent.provision.action.map((a: { coding: { code: string }[] }) => a.coding[0].code)).toEqual(['access', 'collect']);

    // The patient is told, with the record's id only.
    const told = async () => ((await patient.get('/v1/me/notifications').expect(200)).body.notifications as { kind: string; recordId?: string }[]).filter((n) => n.kind === 'CONTRIBUTION_ADDED');
    let notices = await told();
    for (let tries = 0; tries < 100 && notices.length === 0; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      notices = await told();
    }
    expect(notices).toEqual([expect.objectContaining({ kind: 'CONTRIBUTION_ADDED', recordId })]);

    // Revocation stops further contributions; what was added stays, for the patient and for its author.
    await patient.delete(`/v1/consents/${consent.consentId}`).expect(200);
    expect((await otherHospital.upload('pat-1', file).expect(403)).body.code).toBe('NO_CONTRIBUTION_RIGHT');
    await patient.get(`/v1/records/${recordId}/content?purpose=PATRQT`).expect(200);
    await otherHospital.get(`/v1/records/${recordId}/content?purpose=TREAT`).expect(200);
  });

  it('a practitioner of the home hospital adds records without any contribution right, and the patient is not told', async () => {
    const patient = await h.as('pat-1');
    const colleague = await h.as('doc-a2');
    const before = (await patient.get('/v1/me/notifications').expect(200)).body.notifications.length as number;
    const up = await colleague.upload('pat-1', someBytes(1000), { category: 'prescription' }).expect(201);
    expect(up.body).not.toHaveProperty('contributorOrg');
    await new Promise((r) => setTimeout(r, 500));
    expect((await patient.get('/v1/me/notifications').expect(200)).body.notifications).toHaveLength(before);
  });
});
