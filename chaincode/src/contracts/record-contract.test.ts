import { A, B, CID, aConsortium, aJwe, aRecordInput } from '../testing/scenario.js';

describe('RecordContract', () => {
  it('creates a record: metadata and CID private, only an anchor in world state', async () => {
    const { ledger, createRecord } = await aConsortium();
    const recordId = await createRecord();
    const publicValues = ledger.keys('').map((k) => JSON.stringify(ledger.read('', k)));
    expect(publicValues.join()).not.toContain(CID);
    expect(publicValues.join()).not.toContain('Discharge letter');
    const anchorKey = ledger.keys('').find((k) => k.includes(recordId))!;
    expect(ledger.read('', anchorKey)).toEqual({ recordId, homeOrg: A, status: 'ACTIVE' });
    expect(ledger.keys(`org_${A}`).some((k) => k.includes(recordId))).toBe(true);
    // The record, its id -> patient reference and the home org's copy of the data key.
    expect(ledger.keys(`org_${A}`)).toHaveLength(3);
    expect(ledger.events.at(-1)).toMatchObject({ name: 'RecordCreated', payload: { recordId } });
    expect(ledger.keys('').length).toBeGreaterThan(0);
  });

  it('the patient reads the metadata, without the CID', async () => {
    const { ledger, createRecord } = await aConsortium();
    const recordId = await createRecord();
    const meta = await ledger.evaluate<Record<string, unknown>>('records:GetRecord', ['pat-1', recordId], { msp: A });
    expect(meta).toMatchObject({ recordId, patientId: 'pat-1', category: 'report', size: 62300 });
    expect(meta).not.toHaveProperty('cid');
  });

  it('refuses a practitioner of another org without a contribution right', async () => {
    const { ledger } = await aConsortium();
    const input = { record: aRecordInput() };
    await expect(ledger.submit('records:CreateRecord', ['doc-b', 'pat-1'], { msp: B, transient: input })).rejects.toMatchObject({ code: 'NO_CONTRIBUTION_RIGHT' });
  });

  it('refuses a patient or admin as uploader, and an unknown patient', async () => {
    const { ledger } = await aConsortium();
    const transient = { record: aRecordInput() };
    await expect(ledger.submit('records:CreateRecord', ['pat-1', 'pat-1'], { msp: A, transient })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
    await expect(ledger.submit('records:CreateRecord', ['admin-a', 'pat-1'], { msp: A, transient })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
    await expect(ledger.submit('records:CreateRecord', ['doc-a', 'doc-a2'], { msp: A, transient })).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  it.each([
    ['category', { category: 'gossip' }],
    ['cid', { cid: 'Qm-not-a-cidv1' }],
    ['mediaType', { mediaType: 'pdf' }],
    ['title', { title: '' }],
    ['size', { size: -1 }],
    ['sha256', { sha256: 'XYZ' }],
    ['wrappedKeys', { wrappedKeys: { [A]: 'not-a-jwe' } }],
    ['wrappedKeys', { wrappedKeys: {} }],
  ])('refuses malformed input: %s', async (field, overrides) => {
    const { ledger } = await aConsortium();
    await expect(
      ledger.submit('records:CreateRecord', ['doc-a', 'pat-1'], { msp: A, transient: { record: aRecordInput(overrides) } }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: expect.stringContaining(field) });
  });

  it('refuses a missing or non-JSON transient field', async () => {
    const { ledger } = await aConsortium();
    await expect(ledger.submit('records:CreateRecord', ['doc-a', 'pat-1'], { msp: A })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'record' });
  });

  it('requires a key wrapped for every org with a category consent in force', async () => {
    const { ledger, grant } = await aConsortium();
    await grant({ grantee: { kind: 'org', org: B }, scope: { categories: ['report'] } });
    const recipients = await ledger.evaluate('records:KeyRecipients', ['doc-a', 'pat-1', 'report'], { msp: A });
    expect(recipients).toEqual([A, B]);
    await expect(ledger.submit('records:CreateRecord', ['doc-a', 'pat-1'], { msp: A, transient: { record: aRecordInput() } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'wrappedKeys',
    });
    const ok = aRecordInput({ wrappedKeys: { [A]: aJwe('a'), [B]: aJwe('b') } });
    await expect(ledger.submit('records:CreateRecord', ['doc-a', 'pat-1'], { msp: A, transient: { record: ok } })).resolves.toHaveProperty('id');
    expect(ledger.keys(`share_${A}_${B}`).filter((k) => k.startsWith('\u0000wrappedKey\u0000'))).toHaveLength(1);
  });

  it('KeyRecipients refuses another org without a contribution right', async () => {
    const { ledger } = await aConsortium();
    await expect(ledger.evaluate('records:KeyRecipients', ['doc-b', 'pat-1', 'report'], { msp: B })).rejects.toMatchObject({ code: 'NO_CONTRIBUTION_RIGHT' });
  });

  it('hides a record from a practitioner without consent (not found, not forbidden)', async () => {
    const { ledger, createRecord } = await aConsortium();
    const recordId = await createRecord();
    await expect(ledger.evaluate('records:GetRecord', ['doc-a', recordId], { msp: A })).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
    await expect(ledger.evaluate('records:GetRecord', ['pat-1', 'rec_unknown'], { msp: A })).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
  });

  it('lists only what the caller may see, filtered and paged', async () => {
    const { ledger, createRecord, grant } = await aConsortium();
    const r1 = await createRecord({ category: 'report' });
    await createRecord({ category: 'prescription' });
    const r3 = await createRecord({ category: 'report' });
    await grant({ grantee: { kind: 'user', userId: 'doc-a' }, scope: { recordIds: [r1] } });

    const all = await ledger.evaluate<{ records: unknown[] }>('records:ListRecords', ['pat-1', 'pat-1', '', '', ''], { msp: A });
    expect(all.records).toHaveLength(3);
    const reports = await ledger.evaluate<{ records: { recordId: string }[] }>('records:ListRecords', ['pat-1', 'pat-1', 'report', '', ''], { msp: A });
    expect(reports.records.map((r) => r.recordId).sort()).toEqual([r1, r3].sort());
    const doctor = await ledger.evaluate<{ records: { recordId: string }[] }>('records:ListRecords', ['doc-a', 'pat-1', '', '', ''], { msp: A });
    expect(doctor.records.map((r) => r.recordId)).toEqual([r1]);

    const first = await ledger.evaluate<{ records: { recordId: string }[]; bookmark: string }>('records:ListRecords', ['pat-1', 'pat-1', '', '2', ''], { msp: A });
    expect(first.records).toHaveLength(2);
    const second = await ledger.evaluate<{ records: unknown[]; bookmark: string }>('records:ListRecords', ['pat-1', 'pat-1', '', '2', first.bookmark], { msp: A });
    expect(second.records).toHaveLength(1);
    expect(second.bookmark).toBe('');
  });

  it('refuses a bad page size or category filter', async () => {
    const { ledger } = await aConsortium();
    await expect(ledger.evaluate('records:ListRecords', ['pat-1', 'pat-1', '', '0', ''], { msp: A })).rejects.toMatchObject({ field: 'pageSize' });
    await expect(ledger.evaluate('records:ListRecords', ['pat-1', 'pat-1', 'nope', '', ''], { msp: A })).rejects.toMatchObject({ field: 'category' });
    await expect(ledger.evaluate('records:ListRecords', ['pat-1', 'pat-1', '', '', 'rec_never_issued'], { msp: A })).rejects.toMatchObject({ field: 'bookmark' });
  });

  it('shows the anchor history to the patient and home admin; hides it from others', async () => {
    const { ledger, createRecord } = await aConsortium();
    const recordId = await createRecord();
    const history = await ledger.evaluate<{ status: string; txId: string }[]>('records:GetRecordHistory', ['admin-a', recordId], { msp: A });
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ status: 'ACTIVE', isDelete: false });
    await expect(ledger.evaluate('records:GetRecordHistory', ['doc-b', recordId], { msp: B })).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
  });

  it('anyone reads the public anchor; an unknown id is RECORD_NOT_FOUND', async () => {
    const { ledger, createRecord } = await aConsortium();
    const recordId = await createRecord();
    await expect(ledger.evaluate('records:GetAnchor', [recordId], { msp: B })).resolves.toEqual({ recordId, homeOrg: A, status: 'ACTIVE' });
    await expect(ledger.evaluate('records:GetAnchor', ['rec_nothing'], { msp: B })).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
  });
});
