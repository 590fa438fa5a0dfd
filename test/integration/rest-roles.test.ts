import type { Response } from 'supertest';
import { withWorld, aConsent, anAccessRequest, type Caller } from '../support/rest-world.js';
import { eraseAndWait } from '../support/erasure.js';

/** Every refusal is a problem document with the same status; a 401 also names the scheme. */
function expectProblem(res: Response, status: number): void {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code: expect.stringMatching(/^[A-Z_]+$/), type: expect.any(String), requestId: expect.any(String) });
  if (status === 401) expect(res.headers['www-authenticate']).toBe('Bearer');
}

describe('unauthenticated calls', () => {
  const world = withWorld();

  it.each([
    ['another scheme', 'Basic cGF0LTE6c2VjcmV0'],
    ['an empty bearer', 'Bearer '],
    ['a bearer with spaces', 'Bearer a b c'],
    ['a token signed by someone else', `Bearer ${'eyJhbGciOiJIUzI1NiJ9'}.${Buffer.from('{"sub":"pat-1"}').toString('base64url')}.AAAA`],
  ])('%s gets 401 with WWW-Authenticate: Bearer', async (_name, header) => {
    const w = world();
    const res = await w.client('nobody').get('/v1/me').set('Authorization', header);
    expect(res.status).toBe(401);
    expectProblem(res, 401);
  });

  it('an erased patient token gets 401', async () => {
    const w = world();
    const patient = await w.freshPatient();
    await eraseAndWait(w.client('patient', patient), patient);
    expectProblem(await w.client('patient', patient).get('/v1/me').expect(401), 401);
  });
});

describe('refused content reads are recorded', () => {
  const world = withWorld();

  it('every refused read and verify of the home hospital lands in the access log as DENIED, with who and why', async () => {
    const w = world();
    const refused: Caller[] = ['otherPatient', 'doctor', 'adminA'];
    for (const caller of refused) {
      await w.client(caller).get(`/v1/records/${w.records.report}/content?purpose=TREAT`).expect(403);
      await w.client(caller).post(`/v1/records/${w.records.report}/verify`, { purpose: 'TREAT' }).expect(403);
    }
    // Hospital B's peers hold nothing of the record (no consent of it covers the record): 404, and there is no
    // patient its transaction could know of to log the attempt against.
    for (const caller of ['otherHospital', 'adminB'] as Caller[]) {
      expect((await w.client(caller).get(`/v1/records/${w.records.report}/content?purpose=TREAT`).expect(404)).body.code).toBe('RECORD_NOT_FOUND');
      await w.client(caller).post(`/v1/records/${w.records.report}/verify`, { purpose: 'TREAT' }).expect(404);
    }
    const log = await w.client('patient').get(`/v1/patients/pat-1/access-log?recordId=${w.records.report}`).expect(200);
    const denied = log.body.events.filter((e: { outcome: string }) => e.outcome === 'DENIED');
    // Events of the same millisecond are ordered by id, so compare as a multiset.
    expect(denied.map((e: { actorId: string }) => e.actorId).sort()).toEqual(
      ['pat-2', 'doc-a', 'hospital-a-admin'].flatMap((id) => [id, id]).sort(),
    );
    expect(denied.every((e: { reason?: string; purpose: string }) => e.reason === 'NO_CONSENT' && e.purpose === 'TREAT')).toBe(true);
  });

  it('a read outside the consent (another category, another purpose) is refused and recorded with the reason', async () => {
    const w = world();
    const outOfScope = await w.client('consented').get(`/v1/records/${w.records.imaging}/content?purpose=TREAT`).expect(403);
    const wrongPurpose = await w.client('consented').get(`/v1/records/${w.records.report}/content?purpose=HRESCH`).expect(403);
    expect([outOfScope.body.code, wrongPurpose.body.code]).toEqual(['OUT_OF_SCOPE', 'WRONG_PURPOSE']);
    const log = await w.client('adminA').get('/v1/patients/pat-1/access-log').expect(200);
    const mine = log.body.events.filter((e: { actorId: string }) => e.actorId === 'doc-c');
    expect(mine.map((e: { outcome: string; reason?: string }) => `${e.outcome}:${e.reason}`).sort()).toEqual(['DENIED:OUT_OF_SCOPE', 'DENIED:WRONG_PURPOSE']);
  });
});

describe('lists reveal nothing the caller may not see', () => {
  const world = withWorld();
  const ids = (res: Response, key: string, list = 'records') => (res.body[list] ?? res.body).map((x: Record<string, string>) => x[key]);

  it('a practitioner with a report consent sees one record and no bookmark hinting at more', async () => {
    const w = world();
    const res = await w.client('consented').get('/v1/patients/pat-1/records?pageSize=1').expect(200);
    expect(res.body).toEqual({ records: [expect.objectContaining({ recordId: w.records.report })], bookmark: '' });
  });

  it('a practitioner with consent gets 404 for the metadata of a record outside its scope', async () => {
    const w = world();
    await w.client('consented').get(`/v1/records/${w.records.imaging}`).expect(404);
  });

  it.each(['otherPatient', 'doctor', 'otherHospital', 'adminA', 'adminB'] as Caller[])(
    '%s gets the same empty page whether or not the patient has records in the category',
    async (caller) => {
      const w = world();
      const has = await w.client(caller).get('/v1/patients/pat-1/records?category=imaging&pageSize=1').expect(200);
      const hasNot = await w.client(caller).get('/v1/patients/pat-1/records?category=prescription&pageSize=1').expect(200);
      const all = await w.client(caller).get('/v1/patients/pat-1/records?pageSize=1').expect(200);
      expect([has.body, hasNot.body, all.body]).toEqual([{ records: [], bookmark: '' }, { records: [], bookmark: '' }, { records: [], bookmark: '' }]);
    },
  );

  it('the patient pages through all three records with bookmarks', async () => {
    const w = world();
    const first = await w.client('patient').get('/v1/patients/pat-1/records?pageSize=2').expect(200);
    const second = await w.client('patient').get(`/v1/patients/pat-1/records?pageSize=2&bookmark=${first.body.bookmark}`).expect(200);
    expect([...ids(first, 'recordId'), ...ids(second, 'recordId')].sort()).toEqual(Object.values(w.records).sort());
    expect(second.body.bookmark).toBe('');
  });

  it("a grantee sees only its own consents; other callers see none of the patient's", async () => {
    const w = world();
    await w.client('patient').post('/v1/patients/pat-1/consents', aConsent({ grantee: { kind: 'user', userId: 'doc-g' } })).expect(201);
    expect(ids(await w.client('consented').get('/v1/patients/pat-1/consents').expect(200), 'consentId')).toEqual([w.consentId]);
    for (const caller of ['otherPatient', 'doctor', 'otherHospital', 'adminB'] as Caller[]) {
      expect((await w.client(caller).get('/v1/patients/pat-1/consents').expect(200)).body).toEqual([]);
    }
  });

  it("access request lists hold only the caller's own (or their org's patients') requests", async () => {
    const w = world();
    const mine = (await w.client('doctor').post('/v1/patients/pat-1/access-requests', anAccessRequest()).expect(201)).body.requestId;
    const theirs = (await w.client('otherHospital').post('/v1/patients/pat-1/access-requests', anAccessRequest()).expect(201)).body.requestId;
    const list = async (caller: Caller) => ids(await w.client(caller).get('/v1/access-requests').expect(200), 'requestId');
    expect(await list('doctor')).toEqual([mine]);
    expect(await list('otherHospital')).toEqual([theirs]);
    expect((await list('patient')).sort()).toEqual([mine, theirs].sort());
    expect(await list('otherPatient')).toEqual([]);
    expect(await list('adminB')).toEqual([]);
  });

  it("an admin of Hospital B sees none of Hospital A's break-glass sessions", async () => {
    const w = world();
    const session = await w.freshSession();
    expect(ids(await w.client('adminA').get('/v1/emergency-access').expect(200), 'sessionId')).toEqual([session]);
    expect((await w.client('adminB').get('/v1/emergency-access').expect(200)).body).toEqual([]);
  });
});
