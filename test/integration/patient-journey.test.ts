import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { GatewayHarness, binary, someBytes } from '../support/gateway-harness.js';
import { eraseAndWait } from '../support/erasure.js';
import { TEST_PROFILE, itEmbeddedOnly } from '../support/test-profile.js';

describe(`patient journey on the ${TEST_PROFILE} profile`, () => {
  let h: GatewayHarness;
  beforeEach(async () => {
    h = await GatewayHarness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  // A colleague uploads: the author of a record may read it in the treatment window (author-access.test.ts).
  it('register -> upload -> list -> request -> approve -> read -> revoke -> read refused', async () => {
    const { patient, doctor, colleague } = await h.aCareTeam();
    const file = someBytes(200_000);
    const up = await colleague.upload('pat-1', file).expect(201);
    const recordId = up.body.recordId as string;
    expect(up.body).toMatchObject({ patientId: 'pat-1', size: file.length, category: 'report' });

    const list = await patient.get('/v1/patients/pat-1/records').expect(200);
    expect(list.body.records).toEqual([up.body]);
    const hidden = await doctor.get('/v1/patients/pat-1/records').expect(200);
    expect(hidden.body.records).toEqual([]);

    await doctor.get(`/v1/records/${recordId}/content?purpose=TREAT`).expect(403);
    const ask = await doctor.post('/v1/patients/pat-1/access-requests', { purpose: 'TREAT', scope: { recordIds: [recordId] }, reason: 'follow-up' }).expect(201);
    const pending = await patient.get('/v1/access-requests?status=pending').expect(200);
    expect(pending.body.map((r: { requestId: string }) => r.requestId)).toEqual([ask.body.requestId]);
    const consent = await patient.post(`/v1/access-requests/${ask.body.requestId}/approve`, {}).expect(200);

    const read = await doctor.get(`/v1/records/${recordId}/content?purpose=TREAT`).buffer(true).parse(binary).expect(200);
    expect(Buffer.compare(read.body as Buffer, file)).toBe(0);
    expect(read.headers['x-access-outcome']).toBe('GRANTED');

    await patient.delete(`/v1/consents/${consent.body.consentId}`).expect(200);
    const refused = await doctor.get(`/v1/records/${recordId}/content?purpose=TREAT`).expect(403);
    expect(refused.body).toMatchObject({ code: 'CONSENT_REVOKED', type: expect.stringContaining('consent-revoked') });
    expect(refused.headers['content-type']).toContain('application/problem+json');

    const log = await patient.get('/v1/patients/pat-1/access-log').expect(200);
    expect(log.body.events.map((e: { outcome: string }) => e.outcome)).toEqual(['DENIED', 'GRANTED', 'DENIED']);
  });

  itEmbeddedOnly('a consent with an expiry stops reads once the ledger clock passes it', 'moves the ledger clock', async () => {
    const { patient, doctor, colleague } = await h.aCareTeam();
    const { body: rec } = await colleague.upload('pat-1', someBytes(1000)).expect(201);
    const expiresAt = new Date(h.clock.now().getTime() + 3_600_000).toISOString();
    await patient.post('/v1/patients/pat-1/consents', { grantee: { kind: 'user', userId: 'doc-a' }, scope: { categories: ['report'] }, purposes: ['TREAT'], expiresAt }).expect(201);
    await doctor.get(`/v1/records/${rec.recordId}/content?purpose=TREAT`).expect(200);
    h.clock.advance(2 * 3_600_000);
    const res = await doctor.get(`/v1/records/${rec.recordId}/content?purpose=TREAT`).expect(403);
    expect(res.body.code).toBe('CONSENT_EXPIRED');
  });

  it('a Hospital B doctor reads under an org consent, with the key wrapped for Hospital B', async () => {
    const { patient, colleague, otherHospital } = await h.aCareTeam();
    const file = someBytes(70_000, 3);
    const { body: rec } = await colleague.upload('pat-1', file).expect(201);
    // Before the consent Hospital B's peers hold nothing of the record.
    await otherHospital.get(`/v1/records/${rec.recordId}/content?purpose=TREAT`).expect(404);
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const { body: consent } = await patient
      .post('/v1/patients/pat-1/consents', { grantee: { kind: 'org', org: 'HospitalBMSP' }, scope: { categories: ['report'] }, purposes: ['TREAT'], expiresAt })
      .expect(201);
    const read = await otherHospital.get(`/v1/records/${rec.recordId}/content?purpose=TREAT`).buffer(true).parse(binary).expect(200);
    expect(Buffer.compare(read.body as Buffer, file)).toBe(0);
    // A record uploaded later in the consented category is wrapped for Hospital B at upload time.
    const later = someBytes(5000, 9);
    const { body: rec2 } = await colleague.upload('pat-1', later).expect(201);
    const read2 = await otherHospital.get(`/v1/records/${rec2.recordId}/content?purpose=TREAT`).buffer(true).parse(binary).expect(200);
    expect(Buffer.compare(read2.body as Buffer, later)).toBe(0);
    await patient.delete(`/v1/consents/${consent.consentId}`).expect(200);
    // Before the consent Hospital B's peers hold nothing of the record.
    await otherHospital.get(`/v1/records/${rec.recordId}/content?purpose=TREAT`).expect(404);
  });

  itEmbeddedOnly('break-glass reads are flagged in the access log and listed for the admin to review', 'moves the ledger clock', async () => {
    const { patient, doctor, colleague, adminA } = await h.aCareTeam();
    const { body: rec } = await colleague.upload('pat-1', someBytes(1000)).expect(201);
    const { body: session } = await doctor.post('/v1/patients/pat-1/emergency-access', { reasonCode: 'UNCONSCIOUS' }).expect(201);
    const read = await doctor.get(`/v1/records/${rec.recordId}/content?purpose=ETREAT`).expect(200);
    expect(read.headers['x-access-outcome']).toBe('BREAK_GLASS');
    const log = await patient.get('/v1/patients/pat-1/access-log').expect(200);
    expect(log.body.events).toEqual([expect.objectContaining({ outcome: 'BREAK_GLASS', emergencySessionId: session.sessionId })]);
    const queue = await adminA.get('/v1/emergency-access?reviewed=false').expect(200);
    expect(queue.body).toEqual([expect.objectContaining({ sessionId: session.sessionId, uses: 1 })]);
    await adminA.post(`/v1/emergency-access/${session.sessionId}/review`).expect(200);
    await adminA.get('/v1/emergency-access?reviewed=false').expect(200).expect([]);
    h.clock.advance(4 * 3_600_000 + 1);
    await doctor.get(`/v1/records/${rec.recordId}/content?purpose=ETREAT`).expect(403);
  });

  it('erasure: reads answer erased, blob and keys are gone', async () => {
    const { patient, doctor } = await h.aCareTeam();
    const patientKeys = path.join(h.config.dataDir, 'keys', 'patients', 'HospitalAMSP');
    const keyFiles = async () => (await readdir(patientKeys)).filter((name) => name.endsWith('.key'));
    const { body: rec } = await doctor.upload('pat-1', someBytes(300_000)).expect(201);
    expect(await keyFiles()).toHaveLength(1);
    const result = await eraseAndWait(patient, 'pat-1');
    // One record, no access event: the record's key is all the ledger purged, in one page.
    expect(result).toEqual({
      patientId: 'pat-1', state: 'ERASED', finished: true, running: false, startedAt: expect.any(String), finishedAt: expect.any(String),
      pages: 1, recordsErased: 1, eventsErased: 0, keysErased: 1,
    });
    // Crypto-shredding: the only key that unwraps the home org's copies of pat-1's data keys is destroyed.
    expect(await keyFiles()).toEqual([]);
    const gone = await doctor.get(`/v1/records/${rec.recordId}/content?purpose=TREAT`).expect(410);
    expect(gone.body.code).toBe('RECORD_ERASED');
    // The erased patient can no longer sign in: their registry entry is ERASED.
    await patient.get('/v1/me').expect(401);
  });

  it('keeps everything across a restart on the same data dir', async () => {
    const { doctor } = await h.aCareTeam();
    const file = someBytes(10_000);
    const { body: rec } = await doctor.upload('pat-1', file).expect(201);
    h = await h.restart();
    const patient = await h.as('pat-1');
    const read = await patient.get(`/v1/records/${rec.recordId}/content?purpose=PATRQT`).buffer(true).parse(binary).expect(200);
    expect(Buffer.compare(read.body as Buffer, file)).toBe(0);
  });
});

describe('the permission store is a projection of the ledger', () => {
  it('is rebuilt from the ledger events after it was dropped', async () => {
    const h = await GatewayHarness.start();
    try {
      const { doctor } = await h.aCareTeam();
      const { body: rec } = await doctor.upload('pat-1', someBytes(1000)).expect(201);
      const { body: ask } = await doctor.post('/v1/patients/pat-1/access-requests', { purpose: 'TREAT', scope: { recordIds: [rec.recordId] }, reason: 'visit' }).expect(201);
      await h.gateway.close();
      const reopened = await GatewayHarness.start({ dataDir: h.config.dataDir });
      try {
        const applied = await reopened.gateway.projector.rebuild();
        expect(applied).toBeGreaterThan(0);
        const pending = await (await reopened.as('pat-1')).get('/v1/access-requests?status=pending').expect(200);
        expect(pending.body.map((r: { requestId: string }) => r.requestId)).toEqual([ask.requestId]);
      } finally {
        await reopened.close();
      }
    } finally {
      await h.close().catch(() => undefined);
    }
  });
});
