import { A, B, CID, aConsortium, aJwe, aRecordInput, eraseAll } from '../testing/scenario.js';

describe('ErasureContract', () => {
  async function aPatientWithHistory() {
    const world = await aConsortium();
    const recordId = await world.createRecord();
    const { consentId } = await world.grant({ grantee: { kind: 'user', userId: 'doc-b' }, scope: { recordIds: [recordId] }, wrappedKeys: { [recordId]: aJwe('b') } });
    await world.access('doc-b', B, recordId);
    await world.ledger.submit('requests:RequestAccess', ['doc-a', 'pat-1'], {
      msp: A,
      transient: { request: { purpose: 'TREAT', scope: { categories: ['report'] }, reason: 'visit' } },
    });
    await world.ledger.submit('emergency:OpenEmergencyAccess', ['doc-a', 'pat-1', 'UNCONSCIOUS'], { msp: A });
    return { ...world, recordId, consentId };
  }

  it('purges every private value and wrapped key; only anchors marked ERASED and the erasure receipt remain', async () => {
    const { ledger, recordId } = await aPatientWithHistory();
    await eraseAll(ledger, 'admin-a', 'pat-1', A);
    // Only the receipts stay in A's own collection (values and hashes), nothing in the share A keeps for B.
    expect(ledger.keys(`org_${A}`).every((k) => k.startsWith('\u0000erasure'))).toBe(true);
    expect([...(ledger.hashes.get(`org_${A}`)?.keys() ?? [])]).toHaveLength(2);
    expect(ledger.keys(`share_${A}_${B}`)).toEqual([]);
    expect([...(ledger.hashes.get(`share_${A}_${B}`)?.keys() ?? [])]).toEqual([]);
    // The receipt links the (public) erasure to the pseudonymous patient id, in the home org's own collection only:
    // under the erasure id (for the followers of PatientErased) and under the patient (for the erasure's status).
    const receiptKeys = ledger.keys(`org_${A}`);
    expect(receiptKeys).toHaveLength(2);
    // record, consent, request, session, the event and its entry in the record's log: 6 keys, 3 per page
    const counts = { pages: 2, records: 1, events: 1, keys: 6 };
    for (const key of receiptKeys) {
      expect(ledger.read(`org_${A}`, key)).toEqual({ erasureId: expect.stringMatching(/^era_/), patientId: 'pat-1', at: expect.any(String), startedAt: expect.any(String), ...counts });
    }
    expect(ledger.keys(`org_${B}`)).toEqual([]);
    // The directory keeps the patient's entry, marked ERASED.
    expect(ledger.read(`dir_${A}`, ledger.keys(`dir_${A}`).find((k) => k.includes('pat-1'))!)).toMatchObject({ status: 'ERASED' });
    const anchor = ledger.read('', ledger.keys('').find((k) => k.includes(recordId))!);
    expect(anchor).toMatchObject({ status: 'ERASED' });
    expect(ledger.events.at(-1)).toMatchObject({ name: 'PatientErased', payload: { erasureId: expect.stringMatching(/^era_/) } });
  });

  it('answers erased codes afterwards', async () => {
    const { ledger, recordId, access } = await aPatientWithHistory();
    await eraseAll(ledger, 'pat-1', 'pat-1', A);
    await expect(access('doc-b', B, recordId)).rejects.toMatchObject({ code: 'RECORD_ERASED' });
    await expect(ledger.evaluate('records:ListRecords', ['doc-a', 'pat-1', '', '', ''], { msp: A })).rejects.toMatchObject({ code: 'PATIENT_ERASED' });
    await expect(ledger.submit('erasure:ErasePatient', ['admin-a', 'pat-1'], { msp: A })).rejects.toMatchObject({ code: 'PATIENT_ERASED' });
    await expect(ledger.submit('erasure:BeginErasure', ['admin-a', 'pat-1'], { msp: A })).rejects.toMatchObject({ code: 'PATIENT_ERASED' });
    await expect(ledger.evaluate('consents:ListConsents', ['pat-1', 'pat-1'], { msp: A })).rejects.toMatchObject({ code: 'PATIENT_ERASED' });
  });

  it('pages: ErasureKeys lists the next keys of the patient, EraseKeys purges only keys of that patient', async () => {
    const { ledger, recordId } = await aPatientWithHistory();
    const first = await ledger.evaluate<{ keys: string[] }>('erasure:ErasureKeys', ['admin-a', 'pat-1', '1'], { msp: A });
    expect(first.keys).toEqual([JSON.stringify(['record', 'pat-1', recordId])]);
    // A page is at most what one EraseKeys takes.
    await expect(ledger.evaluate('erasure:ErasureKeys', ['admin-a', 'pat-1', '501'], { msp: A })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'pageSize' });
    await expect(ledger.evaluate('erasure:ErasureKeys', ['admin-a', 'pat-1', '500'], { msp: A })).resolves.toBeDefined();
    const all = await ledger.evaluate<{ keys: string[]; cids: string[] }>('erasure:ErasureKeys', ['admin-a', 'pat-1', '100'], { msp: A });
    expect(all.cids).toEqual([CID]);
    // record, consent, request, session, event and its entry in the record's log
    expect(all.keys.map((k) => JSON.parse(k)[0])).toEqual(['record', 'consent', 'request', 'emergency', 'event', 'eventByRecord']);
    const erase = (keys: string[], actor = 'admin-a', patient = 'pat-1', msp = A) => ledger.submit('erasure:EraseKeys', [actor, patient], { msp, transient: { erase: { keys } } });
    const other = await ledger.submit<{ id: string }>('records:CreateRecord', ['doc-b', 'pat-2'], { msp: B, transient: { record: aRecordInput({ wrappedKeys: { [B]: aJwe('b') } }) } });
    // Nothing is purged before the patient is marked as being erased.
    await expect(erase(first.keys)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(ledger.submit('erasure:ErasePatient', ['admin-a', 'pat-1'], { msp: A })).rejects.toMatchObject({ code: 'CONFLICT' });
    await ledger.submit('erasure:BeginErasure', ['admin-a', 'pat-1'], { msp: A });
    await expect(erase([JSON.stringify(['record', 'pat-2', other.id])])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'keys' });
    await expect(erase([JSON.stringify(['recordAnchor', 'pat-1'])])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'keys' });
    await expect(erase([JSON.stringify(['record', 'pat-1', recordId])], 'admin-b', 'pat-1', B)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await erase(first.keys);
    const next = await ledger.evaluate<{ keys: string[] }>('erasure:ErasureKeys', ['admin-a', 'pat-1', '100'], { msp: A });
    expect(next.keys).toEqual(all.keys.slice(1));
    // The record, its reference and its key are gone; its log entry is a later page's.
    expect(ledger.keys(`org_${A}`).filter((k) => k.includes(recordId) && !k.startsWith('\u0000eventByRecord'))).toEqual([]);
  });

  it('refuses another org and a practitioner', async () => {
    const { ledger } = await aPatientWithHistory();
    await expect(ledger.submit('erasure:BeginErasure', ['admin-b', 'pat-1'], { msp: B })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ledger.submit('erasure:BeginErasure', ['doc-a', 'pat-1'], { msp: A })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ledger.evaluate('erasure:ErasureStatus', ['doc-a', 'pat-1'], { msp: A })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ledger.evaluate('erasure:ErasureStatus', ['admin-b', 'pat-1'], { msp: B })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ledger.evaluate('erasure:ErasureStatus', ['pat-1', 'pat-1'], { msp: B })).rejects.toMatchObject({ code: 'WRONG_ORG' });
    await expect(ledger.submit('erasure:ErasePatient', ['admin-b', 'pat-1'], { msp: B })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ledger.submit('erasure:ErasePatient', ['admin-a', 'pat-1'], { msp: B })).rejects.toMatchObject({ code: 'WRONG_ORG' });
    await expect(ledger.submit('erasure:ErasePatient', ['doc-a', 'pat-1'], { msp: A })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('marks the patient at once: from BeginErasure on nothing is granted, written, requested or released for them', async () => {
    const world = await aPatientWithHistory();
    const { ledger, recordId, createRecord, grant, access } = world;
    // doc-b holds a fresh granted read whose key is not released yet.
    const read = await access('doc-b', B, recordId);
    // doc-b (Hospital B) broke the glass; Hospital A has not released the data keys to B yet.
    const crossOrg = await ledger.submit<{ id: string }>('emergency:OpenEmergencyAccess', ['doc-b', 'pat-1', 'UNCONSCIOUS'], { msp: B });
    await expect(ledger.evaluate('erasure:ErasureStatus', ['pat-1', 'pat-1'], { msp: A })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await ledger.submit('erasure:BeginErasure', ['pat-1', 'pat-1'], { msp: A });
    expect(ledger.read(`dir_${A}`, ledger.keys(`dir_${A}`).find((k) => k.includes('user') && k.includes('pat-1'))!)).toMatchObject({ status: 'ERASING' });
    const refused = { code: 'PATIENT_BEING_ERASED' };
    await expect(createRecord()).rejects.toMatchObject(refused);
    await expect(grant({ grantee: { kind: 'user', userId: 'doc-a2' }, scope: { categories: ['report'] } })).rejects.toMatchObject(refused);
    await expect(access('doc-b', B, recordId)).rejects.toMatchObject(refused);
    await expect(ledger.evaluate('access:ReleaseKey', ['doc-b', read.eventId], { msp: B })).rejects.toMatchObject(refused);
    await expect(ledger.evaluate('emergency:EmergencyKeys', ['admin-a', crossOrg.id], { msp: A })).rejects.toMatchObject(refused);
    await expect(ledger.submit('emergency:ReleaseEmergencyKeys', ['admin-a', crossOrg.id], { msp: A, transient: { keys: { wrappedKeys: { [recordId]: aJwe('b') } } } })).rejects.toMatchObject(refused);
    await expect(ledger.submit('requests:RequestAccess', ['doc-a', 'pat-1'], { msp: A, transient: { request: { purpose: 'TREAT', scope: { categories: ['report'] }, reason: 'visit' } } })).rejects.toMatchObject(refused);
    await expect(ledger.submit('emergency:OpenEmergencyAccess', ['doc-a2', 'pat-1', 'UNCONSCIOUS'], { msp: A })).rejects.toMatchObject(refused);
    await expect(ledger.submit('devices:RegisterDevice', ['admin-a', 'pat-1'], { msp: A })).rejects.toMatchObject(refused);
    await expect(ledger.evaluate('records:ListRecords', ['pat-1', 'pat-1', '', '', ''], { msp: A })).rejects.toMatchObject(refused);
    // Another patient is not affected.
    await createRecord({ wrappedKeys: { [B]: aJwe('b') } }, 'pat-2', 'doc-b', B);
    // Asking again changes nothing; the erasure goes on in pages and its status counts them.
    await ledger.submit('erasure:BeginErasure', ['admin-a', 'pat-1'], { msp: A });
    const started = await ledger.evaluate<Record<string, unknown>>('erasure:ErasureStatus', ['pat-1', 'pat-1'], { msp: A });
    expect(started).toEqual({ patientId: 'pat-1', state: 'ERASING', erasureId: expect.stringMatching(/^era_/), startedAt: expect.any(String), pages: 0, records: 0, events: 0, keys: 0 });
    const { keys } = await ledger.evaluate<{ keys: string[] }>('erasure:ErasureKeys', ['admin-a', 'pat-1', '2'], { msp: A });
    await ledger.submit('erasure:EraseKeys', ['admin-a', 'pat-1'], { msp: A, transient: { erase: { keys } } });
    const halfway = await ledger.evaluate<Record<string, unknown>>('erasure:ErasureStatus', ['admin-a', 'pat-1'], { msp: A });
    expect(halfway).toMatchObject({ state: 'ERASING', erasureId: started.erasureId, pages: 1, records: 1, events: 0, keys: 2 });
    // An erasure that stopped here resumes from what is left: Begin again (a no-op), then the remaining pages.
    await eraseAll(ledger, 'admin-a', 'pat-1', A, 4);
    const done = await ledger.evaluate<Record<string, unknown>>('erasure:ErasureStatus', ['pat-1', 'pat-1'], { msp: A });
    // record, consent, request, two sessions, two events and their two log entries
    expect(done).toEqual({ patientId: 'pat-1', state: 'ERASED', erasureId: started.erasureId, startedAt: started.startedAt, finishedAt: expect.any(String), pages: 3, records: 1, events: 2, keys: 9 });
    expect(ledger.keys(`org_${A}`).filter((k) => k.includes('pat-1') && !k.startsWith('\u0000erasureOf'))).toEqual([]);
    // The progress left the directory: only the patient's entry, ERASED, names them there.
    expect(ledger.keys(`dir_${A}`).filter((k) => k.includes('pat-1'))).toHaveLength(1);
  });
});
