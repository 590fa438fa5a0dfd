import { A, B, aConsortium, aJwe, aRecordInput } from '../testing/scenario.js';

type LogEvent = { actorId: string; actorOrg: string; outcome: string; reason?: string; action?: string; recordId: string };

/** pat-1 (Hospital A) grants doc-b (Hospital B) reports for treatment, with or without the contribution right. */
async function aContributionConsent(contribute = true, extra: Record<string, unknown> = {}) {
  const world = await aConsortium();
  const { consentId } = await world.grant({ grantee: { kind: 'user', userId: 'doc-b' }, scope: { categories: ['report'] }, contribute, ...extra });
  const contribute_ = (overrides: Record<string, unknown> = {}) =>
    world.ledger.submit<{ id: string }>('records:CreateRecord', ['doc-b', 'pat-1'], { msp: B, transient: { record: aRecordInput({ wrappedKeys: { [A]: aJwe('a'), [B]: aJwe('b') }, ...overrides }) } });
  return { ...world, consentId, contribute: contribute_ };
}

describe('contributions under consent', () => {
  it('a practitioner of B with the right adds a record for A\'s patient: it is the patient\'s, names B and the consent, keys for A and B', async () => {
    const { ledger, consentId, contribute, access } = await aContributionConsent();
    await expect(ledger.evaluate('records:KeyRecipients', ['doc-b', 'pat-1', 'report'], { msp: B })).resolves.toEqual([A, B]);
    const { id } = await contribute();
    const meta = await ledger.evaluate<Record<string, unknown>>('records:GetRecord', ['pat-1', id], { msp: A });
    expect(meta).toMatchObject({ recordId: id, patientId: 'pat-1', createdBy: 'doc-b', contributorOrg: B, contributionConsentId: consentId });
    // The public anchor names the home org: A stays the authority.
    await expect(ledger.evaluate('records:GetAnchor', [id], { msp: B })).resolves.toMatchObject({ homeOrg: A });
    // Each org holds its own copy of the data key.
    const patientRead = await access('pat-1', A, id, 'PATRQT');
    await expect(ledger.evaluate('access:ReleaseKey', ['pat-1', patientRead.eventId], { msp: A })).resolves.toMatchObject({ wrappedKey: aJwe('a') });
    const authorRead = await access('doc-b', B, id);
    expect(authorRead.outcome).toBe('GRANTED');
    await expect(ledger.evaluate('access:ReleaseKey', ['doc-b', authorRead.eventId], { msp: B })).resolves.toMatchObject({ wrappedKey: aJwe('b') });
    // The patient's list shows it.
    const list = await ledger.evaluate<{ records: { recordId: string }[] }>('records:ListRecords', ['pat-1', 'pat-1', '', '', ''], { msp: A });
    expect(list.records.map((r) => r.recordId)).toEqual([id]);
  });

  it('tells the patient and the home admin that it was contributed, and nobody else', async () => {
    const { ledger, consentId, contribute, createRecord } = await aContributionConsent();
    const { id } = await contribute();
    const own = await createRecord({ category: 'prescription' });
    await expect(ledger.evaluate('records:GetContribution', ['admin-a', id], { msp: A })).resolves.toEqual({
      recordId: id, patientId: 'pat-1', contributed: true, contributorId: 'doc-b', contributorOrg: B, consentId, createdAt: expect.any(String),
    });
    await expect(ledger.evaluate('records:GetContribution', ['pat-1', own], { msp: A })).resolves.toMatchObject({ recordId: own, contributed: false });
    for (const [who, msp] of [['admin-b', B], ['doc-b', B], ['doc-a', A]] as const) {
      await expect(ledger.evaluate('records:GetContribution', [who, id], { msp })).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
    }
  });

  it('refuses without the right (no consent, a consent without it, another category, another practitioner, a patient)', async () => {
    const { ledger, contribute, grant } = await aContributionConsent(false);
    await expect(contribute()).rejects.toMatchObject({ code: 'NO_CONTRIBUTION_RIGHT' });
    await grant({ grantee: { kind: 'user', userId: 'doc-b' }, scope: { categories: ['imaging'] }, contribute: true });
    await expect(contribute()).rejects.toMatchObject({ code: 'NO_CONTRIBUTION_RIGHT' });
    await expect(ledger.evaluate('records:KeyRecipients', ['doc-b', 'pat-1', 'report'], { msp: B })).rejects.toMatchObject({ code: 'NO_CONTRIBUTION_RIGHT' });
    await expect(contribute({ category: 'imaging' })).resolves.toMatchObject({ id: expect.stringMatching(/^rec_/) });
    await expect(ledger.submit('records:CreateRecord', ['pat-2', 'pat-1'], { msp: B, transient: { record: aRecordInput() } })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
  });

  it('records a refused contribution in the patient\'s access log (re-decided by the chaincode)', async () => {
    const { ledger } = await aContributionConsent(false);
    const refused = await ledger.submit('access:ReportRefusedContribution', ['doc-b', 'pat-1', 'report'], { msp: B });
    expect(refused).toEqual({ eventId: expect.stringMatching(/^evt_/), outcome: 'DENIED', reason: 'NO_CONTRIBUTION_RIGHT' });
    const log = await ledger.evaluate<{ events: LogEvent[] }>('access:AccessLog', ['pat-1', 'pat-1', '', '', ''], { msp: A });
    expect(log.events).toEqual([expect.objectContaining({ actorId: 'doc-b', actorOrg: B, outcome: 'DENIED', reason: 'NO_CONTRIBUTION_RIGHT', action: 'CONTRIBUTE', recordId: '' })]);
    // Nothing to report for an allowed contribution or a home practitioner.
    await ledger.submit('consents:GrantConsent', ['pat-1'], { msp: A, transient: { consent: { grantee: { kind: 'org', org: B }, scope: { categories: ['report'] }, purposes: ['TREAT'], expiresAt: '2026-01-02T00:00:00.000Z', contribute: true } } });
    await expect(ledger.submit('access:ReportRefusedContribution', ['doc-b', 'pat-1', 'report'], { msp: B })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(ledger.submit('access:ReportRefusedContribution', ['doc-a', 'pat-1', 'report'], { msp: A })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('an org grant with the right lets every practitioner of that org contribute', async () => {
    const { ledger, grant } = await aConsortium();
    await grant({ grantee: { kind: 'org', org: B }, scope: { categories: ['lab-result'] }, contribute: true });
    const transient = { record: aRecordInput({ category: 'lab-result', wrappedKeys: { [A]: aJwe('a'), [B]: aJwe('b') } }) };
    await expect(ledger.submit('records:CreateRecord', ['doc-b', 'pat-1'], { msp: B, transient })).resolves.toMatchObject({ id: expect.any(String) });
  });

  it('needs the data key wrapped for both A and B', async () => {
    const { contribute } = await aContributionConsent();
    await expect(contribute({ wrappedKeys: { [A]: aJwe('a') } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'wrappedKeys' });
    await expect(contribute({ wrappedKeys: { [B]: aJwe('b') } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'wrappedKeys' });
  });

  it('revocation stops further contributions and leaves what was added, B\'s key included', async () => {
    const { ledger, consentId, contribute, access } = await aContributionConsent();
    const { id } = await contribute();
    const toRevoke = await ledger.evaluate<string[]>('consents:RevocationKeys', ['pat-1', consentId], { msp: A });
    expect(toRevoke).not.toContain(id);
    await ledger.submit('consents:RevokeConsent', ['pat-1', consentId], { msp: A, transient: { revoke: { recordIds: [id] } } });
    await expect(contribute()).rejects.toMatchObject({ code: 'NO_CONTRIBUTION_RIGHT' });
    await expect(ledger.evaluate('records:GetRecord', ['pat-1', id], { msp: A })).resolves.toMatchObject({ recordId: id, contributorOrg: B });
    // Its author still reads it in the treatment window, with B's own key.
    const read = await access('doc-b', B, id);
    expect(read.outcome).toBe('GRANTED');
    await expect(ledger.evaluate('access:ReleaseKey', ['doc-b', read.eventId], { msp: B })).resolves.toMatchObject({ wrappedKey: aJwe('b') });
  });

  it('a contribution right needs a scope of categories, and is a boolean', async () => {
    const { ledger, createRecord, grant } = await aConsortium();
    const recordId = await createRecord();
    await expect(grant({ grantee: { kind: 'user', userId: 'doc-a2' }, scope: { recordIds: [recordId] }, contribute: true })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'contribute' });
    await expect(grant({ grantee: { kind: 'user', userId: 'doc-a2' }, scope: { categories: ['report'] }, contribute: 'yes' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'contribute' });
    const { consentId } = await grant({ grantee: { kind: 'user', userId: 'doc-a2' }, scope: { categories: ['report'] } });
    expect(await ledger.evaluate('consents:GetConsent', ['pat-1', consentId], { msp: A })).not.toHaveProperty('contribute');
  });
});
