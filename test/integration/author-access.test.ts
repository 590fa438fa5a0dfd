/**
 * The author keeps sight of what they wrote (README, security model): the practitioner who added a record may
 * read it for treatment during the author's treatment window, each read recorded with the basis AUTHOR; nobody
 * else gains anything from it; the patient ends it (and restores it) with the author-access choice in the consents.
 */
import { binary } from '../support/gateway-harness.js';
import { withWorld } from '../support/rest-world.js';
import { TEST_PROFILE, itEmbeddedOnly } from '../support/test-profile.js';

const DAY = 86_400_000;

describe(`the author's treatment window on the ${TEST_PROFILE} profile`, () => {
  const world = withWorld();

  /** A fresh patient with a report that the doctor (doc-a, no consent) just uploaded. */
  async function authoredReport() {
    const w = world();
    const patientId = await w.freshPatient();
    const up = await w.client('doctor').upload(patientId).expect(201);
    expect(up.body.createdBy).toBe('doc-a');
    return { w, patientId, recordId: up.body.recordId as string, patient: w.client('patient', patientId) };
  }

  it('the author opens what they just uploaded; the read is recorded as GRANTED with the basis AUTHOR', async () => {
    const { w, patientId, recordId, patient } = await authoredReport();
    const read = await w.client('doctor').get(`/v1/records/${recordId}/content?purpose=TREAT`).buffer(true).parse(binary).expect(200);
    expect(read.headers['x-access-outcome']).toBe('GRANTED');
    expect((read.body as Buffer).length).toBe(2000);
    await w.client('doctor').get(`/v1/records/${recordId}`).expect(200);
    const log = await patient.get(`/v1/patients/${patientId}/access-log?recordId=${recordId}`).expect(200);
    expect(log.body.events).toEqual([expect.objectContaining({ actorId: 'doc-a', outcome: 'GRANTED', basis: 'AUTHOR', purpose: 'TREAT' })]);
    expect(log.body.events[0]).not.toHaveProperty('consentId');
  });

  it('gives nothing to anyone else, and not for purposes other than treatment', async () => {
    const { w, recordId } = await authoredReport();
    for (const caller of ['doc-r', 'adminA']) {
      const res = await w.client(caller).get(`/v1/records/${recordId}/content?purpose=TREAT`).expect(403);
      expect(res.body.code).toBe('NO_CONSENT');
    }
    // Another hospital that nothing shares the record with holds nothing of it: not even its existence is confirmed.
    expect((await w.client('otherHospital').get(`/v1/records/${recordId}/content?purpose=TREAT`).expect(404)).body.code).toBe('RECORD_NOT_FOUND');
    expect((await w.client('doctor').get(`/v1/records/${recordId}/content?purpose=HRESCH`).expect(403)).body.code).toBe('NO_CONSENT');
  });

  it('the patient ends author access, and the author is refused (recorded); allowing it again restores it', async () => {
    const { w, patientId, recordId, patient } = await authoredReport();
    await expect(patient.get(`/v1/patients/${patientId}/consents/author-access`).expect(200)).resolves.toMatchObject({ body: { patientId, authorAccess: 'ALLOWED', windowDays: 30 } });
    const denied = await patient.put(`/v1/patients/${patientId}/consents/author-access`, { authorAccess: 'DENIED' }).expect(200);
    expect(denied.body).toEqual({ patientId, authorAccess: 'DENIED', windowDays: 30 });
    const refused = await w.client('doctor').get(`/v1/records/${recordId}/content?purpose=TREAT`).expect(403);
    expect(refused.body.code).toBe('NO_CONSENT');
    await w.client('doctor').get(`/v1/records/${recordId}`).expect(404);
    const log = await patient.get(`/v1/patients/${patientId}/access-log?recordId=${recordId}`).expect(200);
    expect(log.body.events).toEqual([expect.objectContaining({ actorId: 'doc-a', outcome: 'DENIED', reason: 'NO_CONSENT' })]);
    await w.client('adminA').get(`/v1/patients/${patientId}/consents/author-access`).expect(200, { patientId, authorAccess: 'DENIED', windowDays: 30 });
    await patient.put(`/v1/patients/${patientId}/consents/author-access`, { authorAccess: 'ALLOWED' }).expect(200);
    await w.client('doctor').get(`/v1/records/${recordId}/content?purpose=TREAT`).expect(200);
  });

  it('only the patient decides; only the patient and the home admin see the choice', async () => {
    const { w, patientId, patient } = await authoredReport();
    for (const caller of ['doctor', 'adminA', 'otherPatient']) {
      await w.client(caller).put(`/v1/patients/${patientId}/consents/author-access`, { authorAccess: 'DENIED' }).expect(403);
    }
    for (const caller of ['doctor', 'adminB', 'otherPatient']) {
      await w.client(caller).get(`/v1/patients/${patientId}/consents/author-access`).expect(403);
    }
    const bad = await patient.put(`/v1/patients/${patientId}/consents/author-access`, { authorAccess: 'SOMETIMES' }).expect(400);
    expect(bad.body.code).toBe('INVALID_ARGUMENT');
  });

  // Last: it moves the world's clock on.
  itEmbeddedOnly('ends when the treatment window is over', 'moves the ledger clock', async () => {
    const { w, recordId } = await authoredReport();
    w.h.clock.advance(30 * DAY + 1000);
    expect((await w.client('doctor').get(`/v1/records/${recordId}/content?purpose=TREAT`).expect(403)).body.code).toBe('NO_CONSENT');
  });
});
