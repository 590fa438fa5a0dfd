import { A, B, aConsortium } from '../testing/scenario.js';
import { DEFAULT_AUTHOR_WINDOW_DAYS } from '../ledger/config.js';

const DAY = 86_400_000;

type LogEvent = { actorId: string; outcome: string; reason?: string; consentId?: string; basis?: string };

describe("the author's treatment window", () => {
  async function authored() {
    const world = await aConsortium();
    const recordId = await world.createRecord({}, 'pat-1', 'doc-a');
    return { ...world, recordId };
  }

  it('lets the practitioner who added a record read it without a consent, recorded with the basis AUTHOR', async () => {
    const { ledger, recordId, access } = await authored();
    const decision = await access('doc-a', A, recordId);
    expect(decision).toEqual({ eventId: expect.stringMatching(/^evt_/), outcome: 'GRANTED' });
    await expect(ledger.evaluate('access:ReleaseKey', ['doc-a', decision.eventId], { msp: A })).resolves.toMatchObject({ recordId });
    await expect(ledger.evaluate('records:GetRecord', ['doc-a', recordId], { msp: A })).resolves.toMatchObject({ recordId, createdBy: 'doc-a' });
    const log = await ledger.evaluate<{ events: LogEvent[] }>('access:AccessLog', ['pat-1', 'pat-1', '', '', ''], { msp: A });
    expect(log.events).toEqual([expect.objectContaining({ actorId: 'doc-a', outcome: 'GRANTED', basis: 'AUTHOR' })]);
    expect(log.events[0].consentId).toBeUndefined();
  });

  it('gives nothing to another practitioner of the same hospital', async () => {
    const { ledger, recordId, access } = await authored();
    await expect(access('doc-a2', A, recordId)).resolves.toMatchObject({ outcome: 'DENIED', reason: 'NO_CONSENT' });
    await expect(ledger.evaluate('records:GetRecord', ['doc-a2', recordId], { msp: A })).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
  });

  it('allows treatment only', async () => {
    const { recordId, access } = await authored();
    await expect(access('doc-a', A, recordId, 'ETREAT')).resolves.toMatchObject({ outcome: 'GRANTED' });
    await expect(access('doc-a', A, recordId, 'HRESCH')).resolves.toMatchObject({ outcome: 'DENIED', reason: 'NO_CONSENT' });
  });

  it(`ends ${DEFAULT_AUTHOR_WINDOW_DAYS} days after the record was added by default`, async () => {
    const { ledger, recordId, access } = await authored();
    ledger.advance(DEFAULT_AUTHOR_WINDOW_DAYS * DAY - 1000);
    await expect(access('doc-a', A, recordId)).resolves.toMatchObject({ outcome: 'GRANTED' });
    ledger.advance(1000);
    await expect(access('doc-a', A, recordId)).resolves.toMatchObject({ outcome: 'DENIED', reason: 'NO_CONSENT' });
    await expect(ledger.evaluate('records:GetRecord', ['doc-a', recordId], { msp: A })).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
  });

  it('does not put the record in the author\'s lists (lists show what consents show)', async () => {
    const { ledger, access, recordId } = await authored();
    await expect(access('doc-a', A, recordId)).resolves.toMatchObject({ outcome: 'GRANTED' });
    await expect(ledger.evaluate('records:ListRecords', ['doc-a', 'pat-1', '', '', ''], { msp: A })).resolves.toEqual({ records: [], bookmark: '' });
  });

  it('ends when the patient denies author access, also for a granted read whose key was not yet released, and comes back when allowed again', async () => {
    const { ledger, recordId, access } = await authored();
    const granted = await access('doc-a', A, recordId);
    const answer = await ledger.submit<Record<string, unknown>>('consents:SetAuthorAccess', ['pat-1', 'DENIED'], { msp: A });
    // The submit's answer is public (in every org's blocks): no patient id, no choice.
    expect(Object.keys(answer).sort()).toEqual(['at', 'id']);
    expect(JSON.stringify(answer)).not.toMatch(/pat-1|DENIED/);
    await expect(ledger.evaluate('access:ReleaseKey', ['doc-a', granted.eventId], { msp: A })).rejects.toMatchObject({ code: 'NO_CONSENT' });
    await expect(access('doc-a', A, recordId)).resolves.toMatchObject({ outcome: 'DENIED', reason: 'NO_CONSENT' });
    await expect(ledger.evaluate('records:GetRecord', ['doc-a', recordId], { msp: A })).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
    await expect(ledger.evaluate('consents:GetAuthorAccess', ['admin-a', 'pat-1'], { msp: A })).resolves.toMatchObject({ authorAccess: 'DENIED' });
    await ledger.submit('consents:SetAuthorAccess', ['pat-1', 'ALLOWED'], { msp: A });
    await expect(access('doc-a', A, recordId)).resolves.toMatchObject({ outcome: 'GRANTED' });
  });

  it('keeps consents working when author access is denied, and keeps the choice through later consent changes', async () => {
    const { ledger, recordId, access, grant } = await authored();
    await ledger.submit('consents:SetAuthorAccess', ['pat-1', 'DENIED'], { msp: A });
    const { consentId } = await grant({ grantee: { kind: 'user', userId: 'doc-a' }, scope: { recordIds: [recordId] } });
    await expect(access('doc-a', A, recordId)).resolves.toMatchObject({ outcome: 'GRANTED' });
    await ledger.submit('consents:RevokeConsent', ['pat-1', consentId], { msp: A });
    await expect(access('doc-a', A, recordId)).resolves.toMatchObject({ outcome: 'DENIED', reason: 'CONSENT_REVOKED' });
    await expect(ledger.evaluate('consents:GetAuthorAccess', ['pat-1', 'pat-1'], { msp: A })).resolves.toMatchObject({ authorAccess: 'DENIED' });
  });

  it('only the patient sets the choice; the patient and the home admin read it', async () => {
    const { ledger } = await authored();
    await expect(ledger.submit('consents:SetAuthorAccess', ['doc-a', 'DENIED'], { msp: A })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
    await expect(ledger.submit('consents:SetAuthorAccess', ['pat-1', 'MAYBE'], { msp: A })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'authorAccess' });
    await expect(ledger.evaluate('consents:GetAuthorAccess', ['pat-1', 'pat-1'], { msp: A })).resolves.toEqual({ patientId: 'pat-1', authorAccess: 'ALLOWED', windowDays: 30 });
    await expect(ledger.evaluate('consents:GetAuthorAccess', ['doc-a', 'pat-1'], { msp: A })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ledger.evaluate('consents:GetAuthorAccess', ['admin-b', 'pat-1'], { msp: B })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('follows the window a majority of the orgs configured', async () => {
    const { ledger, recordId, access } = await authored();
    await expect(ledger.submit('registry:ConfigureAuthorWindow', ['admin-a', '7'], { msp: A })).resolves.toEqual({ authorWindowDays: 30, proposed: 7, votes: 1, needed: 2 });
    await expect(ledger.submit('registry:ConfigureAuthorWindow', ['admin-b', '7'], { msp: B })).resolves.toEqual({ authorWindowDays: 7, proposed: 7, votes: 2, needed: 2 });
    // The break-glass window is another setting: its votes and value are untouched.
    await expect(ledger.submit('registry:Configure', ['admin-a', '2'], { msp: A })).resolves.toEqual({ emergencyHours: 4, proposed: 2, votes: 1, needed: 2 });
    ledger.advance(7 * DAY);
    await expect(access('doc-a', A, recordId)).resolves.toMatchObject({ outcome: 'DENIED', reason: 'NO_CONSENT' });
    await expect(ledger.evaluate('consents:GetAuthorAccess', ['pat-1', 'pat-1'], { msp: A })).resolves.toMatchObject({ windowDays: 7 });
  });

  it.each(['0', '366', 'x', '2.5'])('refuses the author window %s', async (days) => {
    const { ledger } = await aConsortium();
    await expect(ledger.submit('registry:ConfigureAuthorWindow', ['admin-a', days], { msp: A })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'authorWindowDays' });
  });
});
