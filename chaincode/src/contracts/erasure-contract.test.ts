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

  it('plans the CIDs to unpin for the patient or home admin only', async () => {
    const { ledger } = await aPatientWithHistory();
    await expect(ledger.evaluate('erasure:ErasurePlan', ['pat-1', 'pat-1'], { msp: A })).resolves.toEqual({ patientId: 'pat-1', cids: [CID] });
    await expect(ledger.evaluate('erasure:ErasurePlan', ['doc-a', 'pat-1'], { msp: A })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('purges every private value and wrapped key; only anchors marked ERASED and the erasure receipt remain', async () => {
    const { ledger, recordId } = await aPatientWithHistory();
    await eraseAll(ledger, 'admin-a', 'pat-1', A);
    expect(ledger.keys('patientData')).toEqual([]);
    expect([...(ledger.hashes.get('patientData')?.keys() ?? [])]).toEqual([]);
    // The receipt links the (public) erasure to the pseudonymous patient id, in the home org's own collection only.
    const [receiptKey, ...others] = ledger.keys(`org_${A}`);
    expect(others).toEqual([]);
    expect(ledger.read(`org_${A}`, receiptKey)).toEqual({ erasureId: expect.stringMatching(/^era_/), patientId: 'pat-1', at: expect.any(String) });
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
    await expect(ledger.evaluate('consents:ListConsents', ['pat-1', 'pat-1'], { msp: A })).rejects.toMatchObject({ code: 'PATIENT_ERASED' });
  });

  it('pages: ErasureKeys lists the next keys of the patient, EraseKeys purges only keys of that patient', async () => {
    const { ledger, recordId } = await aPatientWithHistory();
    const first = await ledger.evaluate<{ keys: string[] }>('erasure:ErasureKeys', ['admin-a', 'pat-1', '1'], { msp: A });
    expect(first.keys).toEqual([JSON.stringify(['record', 'pat-1', recordId])]);
    const all = await ledger.evaluate<{ keys: string[] }>('erasure:ErasureKeys', ['admin-a', 'pat-1', '100'], { msp: A });
    // record, consent, request, session, event and its entry in the record's log
    expect(all.keys.map((k) => JSON.parse(k)[0])).toEqual(['record', 'consent', 'request', 'emergency', 'event', 'eventByRecord']);
    const erase = (keys: string[], actor = 'admin-a', patient = 'pat-1', msp = A) => ledger.submit('erasure:EraseKeys', [actor, patient], { msp, transient: { erase: { keys } } });
    const other = await ledger.submit<{ id: string }>('records:CreateRecord', ['doc-b', 'pat-2'], { msp: B, transient: { record: aRecordInput({ wrappedKeys: { [B]: aJwe('b') } }) } });
    await expect(erase([JSON.stringify(['record', 'pat-2', other.id])])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'keys' });
    await expect(erase([JSON.stringify(['recordAnchor', 'pat-1'])])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'keys' });
    await expect(erase([JSON.stringify(['record', 'pat-1', recordId])], 'admin-b', 'pat-1', B)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await erase(first.keys);
    const next = await ledger.evaluate<{ keys: string[] }>('erasure:ErasureKeys', ['admin-a', 'pat-1', '100'], { msp: A });
    expect(next.keys).toEqual(all.keys.slice(1));
    expect(ledger.keys(`org_${A}`)).toEqual([]);
  });

  it('refuses another org and a practitioner', async () => {
    const { ledger } = await aPatientWithHistory();
    await expect(ledger.submit('erasure:ErasePatient', ['admin-b', 'pat-1'], { msp: B })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ledger.submit('erasure:ErasePatient', ['admin-a', 'pat-1'], { msp: B })).rejects.toMatchObject({ code: 'WRONG_ORG' });
    await expect(ledger.submit('erasure:ErasePatient', ['doc-a', 'pat-1'], { msp: A })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
