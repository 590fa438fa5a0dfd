/**
 * Erasure at any size: the patient is marked as being erased by the first transaction (everything else about
 * them is refused from then on), the ledger is purged in pages, and an erasure that stopped — the gateway shut
 * down in the middle, or a page failed — resumes with a new request and ends with nothing of the patient left.
 * Pages of 3 keys here, so a small history takes several transactions.
 */
import type { Ledger, TransactionRequest } from '../../gateway/src/ports/ledger.js';
import { AppError } from '../../gateway/src/domain/app-error.js';
import { eraseAndWait, waitForErasure } from '../support/erasure.js';
import { GatewayHarness, someBytes } from '../support/gateway-harness.js';
import { TEST_PROFILE, itEmbeddedOnly } from '../support/test-profile.js';

const PAGE = 3;
const RECORDS = 8;
const env = { CARELEDGER_ERASE_PAGE_KEYS: String(PAGE) };

/**
 * pat-1 with RECORDS records, one consent to doc-a and one read by doc-a of each record. The keys an erasure
 * purges: one per record, one for the consent, two per access event (the event and its entry in its record's
 * log).
 */
async function aPatientWithHistory(h: GatewayHarness) {
  const team = await h.aCareTeam();
  const recordIds: string[] = [];
  for (let i = 0; i < RECORDS; i++) recordIds.push((await team.doctor.upload('pat-1', someBytes(2000, i)).expect(201)).body.recordId as string);
  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  await team.patient.post('/v1/patients/pat-1/consents', { grantee: { kind: 'user', userId: 'doc-a' }, scope: { categories: ['report'] }, purposes: ['TREAT'], expiresAt }).expect(201);
  for (const id of recordIds) await team.doctor.get(`/v1/records/${id}/content?purpose=TREAT`).expect(200);
  return { ...team, recordIds, keys: RECORDS + 1 + 2 * RECORDS };
}

describe(`erasure in pages on the ${TEST_PROFILE} profile`, () => {
  let h: GatewayHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('marks the patient at once, refuses everything about them meanwhile, survives a restart mid-way and resumes to the end', async () => {
    h = await GatewayHarness.start({ env });
    const { patient, recordIds, keys } = await aPatientWithHistory(h);

    const started = await patient.post('/v1/patients/pat-1/erasure').expect(202);
    expect(started.headers.location).toBe('/v1/patients/pat-1/erasure');
    expect(started.body).toMatchObject({ patientId: 'pat-1', state: 'ERASING', finished: false, running: true });
    // The gateway stops in the middle (an erasure stops after its current transaction) and starts again.
    h = await h.restart();
    const adminA = await h.as('hospital-a-admin');
    const halfway = (await adminA.get('/v1/patients/pat-1/erasure').expect(200)).body as Record<string, number | string | boolean>;
    expect(halfway).toMatchObject({ state: 'ERASING', finished: false, running: false, startedAt: started.body.startedAt });
    expect(halfway.keysErased).toBeLessThan(keys);
    expect(halfway.keysErased).toBe(Math.min(keys, (halfway.pages as number) * PAGE));

    // Nothing new meanwhile. A read answers 410 if its record was purged already, 409 otherwise; never content.
    const doctor = await h.as('doc-a');
    const reads = await Promise.all(recordIds.map(async (id) => (await doctor.get(`/v1/records/${id}/content?purpose=TREAT`)).status));
    expect(reads.filter((s) => s === 410)).toHaveLength(halfway.recordsErased as number);
    expect(reads.filter((s) => s === 409)).toHaveLength(RECORDS - (halfway.recordsErased as number));
    const refused = { code: 'PATIENT_BEING_ERASED' };
    expect((await doctor.upload('pat-1', someBytes(100)).expect(409)).body).toMatchObject(refused);
    const colleague = await h.as('doc-a2');
    expect((await colleague.post('/v1/patients/pat-1/access-requests', { purpose: 'TREAT', scope: { categories: ['report'] }, reason: 'visit' }).expect(409)).body).toMatchObject(refused);
    expect((await colleague.post('/v1/patients/pat-1/emergency-access', { reasonCode: 'UNCONSCIOUS' }).expect(409)).body).toMatchObject(refused);
    // The patient being erased signs in to nothing but their erasure (so no consent can be granted either).
    const self = await h.as('pat-1');
    await self.get('/v1/me').expect(401);
    await self.post('/v1/patients/pat-1/consents', { grantee: { kind: 'user', userId: 'doc-a2' }, scope: { categories: ['report'] }, purposes: ['TREAT'], expiresAt: new Date(Date.now() + 86_400_000).toISOString() }).expect(401);
    await self.get('/v1/patients/pat-1/erasure').expect(200);

    // A new request resumes it; every key is purged exactly once, in full pages but the last.
    const done = await eraseAndWait(self, 'pat-1');
    expect(done).toEqual({
      patientId: 'pat-1', state: 'ERASED', finished: true, running: false, startedAt: started.body.startedAt, finishedAt: expect.any(String),
      pages: Math.ceil(keys / PAGE), recordsErased: RECORDS, eventsErased: RECORDS, keysErased: keys,
    });
    for (const id of recordIds) expect((await doctor.get(`/v1/records/${id}/content?purpose=TREAT`).expect(410)).body.code).toBe('RECORD_ERASED');
    await adminA.post('/v1/patients/pat-1/erasure').expect(410);
    // The home admin sees the same finished erasure.
    expect((await adminA.get('/v1/patients/pat-1/erasure').expect(200)).body).toEqual(done);
  }, 300_000);

  it('answers 404 for a patient whose erasure has not begun and 403 to anyone but the patient and the home admin', async () => {
    h = await GatewayHarness.start({ env });
    const { patient, doctor, adminB } = await h.aCareTeam();
    expect((await patient.get('/v1/patients/pat-1/erasure').expect(404)).body.code).toBe('NOT_FOUND');
    await doctor.get('/v1/patients/pat-1/erasure').expect(403);
    await doctor.post('/v1/patients/pat-1/erasure').expect(403);
    await adminB.post('/v1/patients/pat-1/erasure').expect(403);
    // Refused requests marked nothing: the patient still works.
    await doctor.upload('pat-1', someBytes(100)).expect(201);
  });

  itEmbeddedOnly('a page that fails stops the erasure with the error in its status; a new request finishes it', 'injects a ledger failure', async () => {
    let pages = 0;
    const failThirdPage = (ledger: Ledger): Ledger =>
      new Proxy(ledger, {
        get(target, property) {
          if (property === 'submit') {
            return (msp: string, req: TransactionRequest) => {
              if (req.name === 'erasure:EraseKeys' && ++pages === 3) return Promise.reject(AppError.unavailable('ledger', 'the peer is down'));
              return target.submit(msp, req);
            };
          }
          const value = Reflect.get(target, property) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    h = await GatewayHarness.start({ env, wrapLedger: failThirdPage });
    const { adminA, keys } = await aPatientWithHistory(h);
    await adminA.post('/v1/patients/pat-1/erasure').expect(202);
    const stopped = await waitForErasure(adminA, 'pat-1');
    expect(stopped).toMatchObject({ state: 'ERASING', finished: false, running: false, pages: 2, keysErased: 2 * PAGE, error: 'UNAVAILABLE' });
    const done = await eraseAndWait(adminA, 'pat-1');
    expect(done).toMatchObject({ state: 'ERASED', pages: Math.ceil(keys / PAGE), keysErased: keys, recordsErased: RECORDS, eventsErased: RECORDS });
  });
});
