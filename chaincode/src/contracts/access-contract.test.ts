import { A, B, aConsortium, aJwe } from '../testing/scenario.js';
import { KEY_RELEASE_WINDOW_MS } from './access-contract.js';

const HOUR = 3_600_000;

describe('AccessContract', () => {
  it('records a granted read and releases the CID and the caller org key', async () => {
    const { ledger, createRecord, access } = await aConsortium();
    const recordId = await createRecord();
    const decision = await access('pat-1', A, recordId, 'PATRQT');
    expect(decision).toEqual({ eventId: expect.stringMatching(/^evt_/), outcome: 'GRANTED' });
    const release = await ledger.evaluate('access:ReleaseKey', ['pat-1', decision.eventId], { msp: A });
    expect(release).toMatchObject({ recordId, cid: expect.stringMatching(/^bafk/), wrappedKey: aJwe('a') });
  });

  it('the submitted decision and event carry nothing private', async () => {
    const { ledger, createRecord, access } = await aConsortium();
    const recordId = await createRecord();
    const decision = await access('pat-1', A, recordId);
    expect(Object.keys(decision).sort()).toEqual(['eventId', 'outcome']);
    expect(ledger.events.at(-1)?.payload).toEqual({ eventId: decision.eventId });
  });

  it('records a denial without consent, and refuses its key release', async () => {
    const { ledger, createRecord, access } = await aConsortium();
    const recordId = await createRecord();
    const decision = await access('doc-a', A, recordId);
    expect(decision).toMatchObject({ outcome: 'DENIED', reason: 'NO_CONSENT' });
    await expect(ledger.evaluate('access:ReleaseKey', ['doc-a', decision.eventId], { msp: A })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const log = await ledger.evaluate<{ events: { outcome: string }[] }>('access:AccessLog', ['pat-1', 'pat-1', '', '', ''], { msp: A });
    expect(log.events.map((e) => e.outcome)).toEqual(['DENIED']);
  });

  it.each([
    ['WRONG_PURPOSE', { purposes: ['HRESCH'] }, 0],
    ['CONSENT_EXPIRED', { expiresAt: '2026-01-01T01:00:00.000Z' }, 2 * HOUR],
  ])('denies with %s', async (reason, consent, advance) => {
    const { ledger, createRecord, grant, access } = await aConsortium();
    const recordId = await createRecord();
    await grant({ grantee: { kind: 'user', userId: 'doc-a' }, scope: { recordIds: [recordId] }, ...consent });
    ledger.advance(advance);
    await expect(access('doc-a', A, recordId)).resolves.toMatchObject({ outcome: 'DENIED', reason });
  });

  it("an org-wide consent lets the org's practitioners read, and nobody else of that org", async () => {
    const { ledger, createRecord, grant, access } = await aConsortium();
    const recordId = await createRecord();
    await grant({ grantee: { kind: 'org', org: B }, scope: { recordIds: [recordId] }, wrappedKeys: { [recordId]: aJwe('b') } });
    await expect(access('doc-b', B, recordId)).resolves.toMatchObject({ outcome: 'GRANTED' });
    for (const stranger of ['pat-2', 'admin-b']) {
      await expect(access(stranger, B, recordId)).resolves.toEqual({ eventId: expect.any(String), outcome: 'DENIED', reason: 'NO_CONSENT' });
      await expect(ledger.evaluate('records:GetRecord', [stranger, recordId], { msp: B })).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
      await expect(ledger.evaluate<{ records: unknown[] }>('records:ListRecords', [stranger, 'pat-1', '', '', ''], { msp: B })).resolves.toMatchObject({ records: [] });
      await expect(ledger.evaluate<unknown[]>('consents:ListConsents', [stranger, 'pat-1'], { msp: B })).resolves.toEqual([]);
    }
  });

  it('another org sees nothing of a record no consent or session shares with it: RECORD_NOT_FOUND, whatever the consents of others say', async () => {
    const { ledger, createRecord, grant, access } = await aConsortium();
    const recordId = await createRecord();
    await grant({ grantee: { kind: 'org', org: B }, scope: { categories: ['imaging'] }, purposes: ['HPAYMT'] });
    for (const actor of ['pat-2', 'admin-b', 'doc-b']) await expect(access(actor, B, recordId)).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
    // B's share holds the consent naming it and nothing of the record.
    expect(ledger.keys(`share_${A}_${B}`).filter((k) => k.includes(recordId))).toEqual([]);
    // Within the home org the refusal names its reason and is in the log.
    await expect(access('doc-a', A, recordId, 'HPAYMT')).resolves.toMatchObject({ outcome: 'DENIED', reason: 'NO_CONSENT' });
  });

  describe('the final outcome of a granted read that delivered no content', () => {
    it('is DENIED with the chaincode\'s own reason when a revocation won the race with the key release', async () => {
      const { ledger, createRecord, grant, access } = await aConsortium();
      const recordId = await createRecord();
      const { consentId } = await grant({ grantee: { kind: 'user', userId: 'doc-a' }, scope: { recordIds: [recordId] } });
      const { eventId } = await access('doc-a', A, recordId);
      // Events of one instant are ordered by id; a later instant keeps the log's order certain.
      ledger.advance(1000);
      await ledger.submit('consents:RevokeConsent', ['pat-1', consentId], { msp: A });
      const final = await ledger.submit('access:ReportFailedRead', ['doc-a', eventId, 'STALE_DECISION'], { msp: A });
      expect(final).toEqual({ eventId: expect.stringMatching(/^evt_/), outcome: 'DENIED', reason: 'CONSENT_REVOKED' });
      const log = await ledger.evaluate<{ events: Record<string, unknown>[] }>('access:AccessLog', ['pat-1', 'pat-1', '', '', ''], { msp: A });
      expect(log.events.map((e) => [e.outcome, e.reason, e.decisionEventId])).toEqual([['GRANTED', undefined, undefined], ['DENIED', 'CONSENT_REVOKED', eventId]]);
    });

    it('is FAILED with the reported reason while the read is still allowed', async () => {
      const { ledger, createRecord, access } = await aConsortium();
      const recordId = await createRecord();
      const { eventId } = await access('pat-1', A, recordId, 'PATRQT');
      await expect(ledger.submit('access:ReportFailedRead', ['pat-1', eventId, 'CONTENT_MISSING'], { msp: A })).resolves.toMatchObject({ outcome: 'FAILED', reason: 'CONTENT_MISSING' });
    });

    it('is refused for an unknown reason, a denied event and another actor\'s event', async () => {
      const { ledger, createRecord, access } = await aConsortium();
      const recordId = await createRecord();
      const granted = await access('pat-1', A, recordId, 'PATRQT');
      const denied = await access('doc-a', A, recordId);
      await expect(ledger.submit('access:ReportFailedRead', ['pat-1', granted.eventId, 'BORED'], { msp: A })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(ledger.submit('access:ReportFailedRead', ['doc-a', denied.eventId, 'UNAVAILABLE'], { msp: A })).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(ledger.submit('access:ReportFailedRead', ['doc-a', granted.eventId, 'UNAVAILABLE'], { msp: A })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  it('denies a record out of the consent scope', async () => {
    const { createRecord, grant, access } = await aConsortium();
    const recordId = await createRecord({ category: 'prescription' });
    await grant({ grantee: { kind: 'user', userId: 'doc-a' }, scope: { categories: ['report'] } });
    await expect(access('doc-a', A, recordId)).resolves.toMatchObject({ outcome: 'DENIED', reason: 'OUT_OF_SCOPE' });
  });

  it('refuses the key of another actor event, a stale event, and after a revocation', async () => {
    const { ledger, createRecord, grant, access } = await aConsortium();
    const recordId = await createRecord();
    const { consentId } = await grant({ grantee: { kind: 'user', userId: 'doc-a' }, scope: { recordIds: [recordId] } });
    const { eventId } = await access('doc-a', A, recordId);
    await expect(ledger.evaluate('access:ReleaseKey', ['doc-a2', eventId], { msp: A })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await ledger.submit('consents:RevokeConsent', ['pat-1', consentId], { msp: A });
    await expect(ledger.evaluate('access:ReleaseKey', ['doc-a', eventId], { msp: A })).rejects.toMatchObject({ code: 'CONSENT_REVOKED' });
    ledger.advance(KEY_RELEASE_WINDOW_MS + 1);
    await expect(ledger.evaluate('access:ReleaseKey', ['doc-a', eventId], { msp: A })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('refuses the key when none was wrapped for the reader org', async () => {
    const { ledger, createRecord, access } = await aConsortium();
    const recordId = await createRecord();
    // A peer that lost the key (the chaincode never leaves a record without its home key).
    const home = ledger.state.get(`org_${A}`)!;
    for (const key of [...home.keys()].filter((k) => k.startsWith('\u0000wrappedKey\u0000'))) home.delete(key);
    const { eventId } = await access('pat-1', A, recordId);
    await expect(ledger.evaluate('access:ReleaseKey', ['pat-1', eventId], { msp: A })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses malformed purpose and unknown record', async () => {
    const { createRecord, access } = await aConsortium();
    const recordId = await createRecord();
    await expect(access('pat-1', A, recordId, 'FUN')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'purpose' });
    await expect(access('pat-1', A, 'rec_nothing')).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
  });

  it('records an integrity violation reported after a granted read', async () => {
    const { ledger, createRecord, access } = await aConsortium();
    const recordId = await createRecord();
    const { eventId } = await access('pat-1', A, recordId);
    await expect(ledger.submit('access:ReportIntegrityViolation', ['pat-1', eventId], { msp: A })).resolves.toMatchObject({ outcome: 'INTEGRITY_VIOLATION' });
    await expect(ledger.submit('access:ReportIntegrityViolation', ['doc-a', eventId], { msp: A })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const log = await ledger.evaluate<{ events: { outcome: string }[] }>('access:AccessLog', ['admin-a', 'pat-1', recordId, '', ''], { msp: A });
    expect(log.events.map((e) => e.outcome)).toEqual(['GRANTED', 'INTEGRITY_VIOLATION']);
  });

  it('announces a recorded integrity violation with an event of its own naming the access event only', async () => {
    const { ledger, createRecord, access } = await aConsortium();
    const recordId = await createRecord();
    const { eventId } = await access('pat-1', A, recordId);
    const reported = await ledger.submit<{ eventId: string }>('access:ReportIntegrityViolation', ['pat-1', eventId], { msp: A });
    expect(ledger.events.at(-1)).toMatchObject({ name: 'IntegrityViolationRecorded', payload: { eventId: reported.eventId } });
  });

  it('shows one access event to the patient and the home admin only', async () => {
    const { ledger, createRecord, access } = await aConsortium();
    const recordId = await createRecord();
    const { eventId } = await access('pat-1', A, recordId);
    for (const [actor, msp] of [['pat-1', A], ['admin-a', A]] as const) {
      await expect(ledger.evaluate('access:GetAccessEvent', [actor, eventId], { msp })).resolves.toMatchObject({ eventId, patientId: 'pat-1', recordId, outcome: 'GRANTED' });
    }
    for (const [actor, msp] of [['doc-a', A], ['admin-b', B], ['doc-b', B], ['pat-2', B]] as const) {
      await expect(ledger.evaluate('access:GetAccessEvent', [actor, eventId], { msp })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('shows the access log only to the patient and the home admin, paged', async () => {
    const { ledger, createRecord, access } = await aConsortium();
    const recordId = await createRecord();
    for (let i = 0; i < 3; i++) {
      await access('doc-a', A, recordId);
      ledger.advance(1000);
    }
    const first = await ledger.evaluate<{ events: unknown[]; bookmark: string }>('access:AccessLog', ['pat-1', 'pat-1', '', '2', ''], { msp: A });
    expect(first.events).toHaveLength(2);
    const rest = await ledger.evaluate<{ events: unknown[] }>('access:AccessLog', ['pat-1', 'pat-1', '', '2', first.bookmark], { msp: A });
    expect(rest.events).toHaveLength(1);
    await expect(ledger.evaluate('access:AccessLog', ['doc-a', 'pat-1', '', '', ''], { msp: A })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ledger.evaluate('access:AccessLog', ['admin-b', 'pat-1', '', '', ''], { msp: B })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ledger.evaluate('access:AccessLog', ['pat-1', 'pat-1', 'bad id', '', ''], { msp: A })).rejects.toMatchObject({ field: 'recordId' });
  });
});

describe('time a client cannot choose', () => {
  const SKEW = 30_000;

  it('refuses a backdated read that would have judged an expired consent by an earlier time', async () => {
    const { ledger, createRecord, grant } = await aConsortium();
    const recordId = await createRecord();
    await grant({ grantee: { kind: 'user', userId: 'doc-a' }, scope: { recordIds: [recordId] }, expiresAt: '2026-01-01T01:00:00.000Z' });
    ledger.advance(2 * HOUR);
    const backdated = new Date(ledger.now.getTime() - 2 * HOUR);
    await expect(ledger.submit('access:Access', ['doc-a', recordId, 'TREAT'], { msp: A, clientTime: backdated })).rejects.toMatchObject({ code: 'CLOCK_SKEW' });
    await expect(ledger.submit('access:Access', ['doc-a', recordId, 'TREAT'], { msp: A })).resolves.toMatchObject({ outcome: 'DENIED', reason: 'CONSENT_EXPIRED' });
  });

  it('refuses a forward-dated break-glass session, and a key release judged by a chosen time', async () => {
    const { ledger, createRecord, access } = await aConsortium();
    const recordId = await createRecord();
    const future = new Date(ledger.now.getTime() + 365 * 24 * HOUR);
    await expect(ledger.submit('emergency:OpenEmergencyAccess', ['doc-a', 'pat-1', 'UNCONSCIOUS'], { msp: A, clientTime: future })).rejects.toMatchObject({ code: 'CLOCK_SKEW' });
    const { eventId } = await access('pat-1', A, recordId, 'PATRQT');
    ledger.advance(KEY_RELEASE_WINDOW_MS + 1);
    const withinWindow = new Date(ledger.now.getTime() - KEY_RELEASE_WINDOW_MS);
    await expect(ledger.evaluate('access:ReleaseKey', ['pat-1', eventId], { msp: A, clientTime: withinWindow })).rejects.toMatchObject({ code: 'CLOCK_SKEW' });
  });

  it('accepts a timestamp within the allowed skew either way', async () => {
    const { ledger, createRecord } = await aConsortium();
    const recordId = await createRecord();
    for (const offset of [-SKEW + 1000, SKEW - 1000]) {
      const clientTime = new Date(ledger.now.getTime() + offset);
      await expect(ledger.submit('access:Access', ['pat-1', recordId, 'PATRQT'], { msp: A, clientTime })).resolves.toMatchObject({ outcome: 'GRANTED' });
    }
  });
});
