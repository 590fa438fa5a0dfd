import { A, B, aConsortium, aJwe, type Consortium, type Created } from '../testing/scenario.js';

type Session = { sessionId: string; expiresAt: string; uses: number; reviewedAt?: string; reviewedBy?: string };
const HOUR = 3_600_000;

/** Opens a session (the submit answers its id) and reads it back as the practitioner who opened it. */
async function openSession({ ledger }: Consortium, actor: string, msp: string, reason: string, transient?: Record<string, unknown>): Promise<Session> {
  const { id } = await ledger.submit<Created>('emergency:OpenEmergencyAccess', [actor, 'pat-1', reason], { msp, ...(transient ? { transient } : {}) });
  return ledger.evaluate<Session>('emergency:GetEmergencyAccess', [actor, id], { msp });
}

describe('EmergencyContract', () => {
  it('break-glass lets a practitioner read, flags each use and expires after the default 4 h', async () => {
    const c = await aConsortium();
    const { ledger, createRecord, access } = c;
    const recordId = await createRecord();
    const session = await openSession(c, 'doc-a', A, 'UNCONSCIOUS');
    expect(Date.parse(session.expiresAt) - ledger.now.getTime()).toBe(4 * HOUR);
    await expect(access('doc-a', A, recordId, 'ETREAT')).resolves.toMatchObject({ outcome: 'BREAK_GLASS' });
    await expect(access('doc-a', A, recordId, 'HPAYMT')).resolves.toMatchObject({ outcome: 'DENIED' });
    const [listed] = await ledger.evaluate<Session[]>('emergency:ListEmergencyAccess', ['admin-a', 'true'], { msp: A });
    expect(listed).toMatchObject({ sessionId: session.sessionId, uses: 1 });
    ledger.advance(4 * HOUR);
    await expect(access('doc-a', A, recordId, 'ETREAT')).resolves.toMatchObject({ outcome: 'DENIED' });
  });

  it('uses the configured window', async () => {
    const c = await aConsortium();
    const { ledger } = c;
    await ledger.submit('registry:Configure', ['admin-a', '1'], { msp: A });
    await ledger.submit('registry:Configure', ['admin-b', '1'], { msp: B });
    const session = await openSession(c, 'doc-a', A, 'LIFE_THREATENING');
    expect(Date.parse(session.expiresAt) - ledger.now.getTime()).toBe(HOUR);
  });

  describe('across hospitals', () => {
    const keysOfB = (c: Consortium, recordId: string) => c.ledger.keys(`share_${A}_${B}`).filter((k) => k.startsWith('\u0000wrappedKey\u0000')).filter((k) => k.includes(recordId));

    it("a practitioner of B opens break-glass on A's patient; A's admin releases the keys into B's collection and the read is flagged", async () => {
      const c = await aConsortium();
      const { ledger, createRecord, access } = c;
      const recordId = await createRecord();
      const session = await openSession(c, 'doc-b', B, 'UNCONSCIOUS');
      expect(session).toMatchObject({ actorOrg: B, patientOrg: A });
      // Decided BREAK_GLASS, but B holds no key until A releases one: a distinct, retryable refusal.
      const { eventId } = await access('doc-b', B, recordId, 'ETREAT');
      await expect(ledger.evaluate('access:ReleaseKey', ['doc-b', eventId], { msp: B })).rejects.toMatchObject({ code: 'KEYS_NOT_RELEASED' });
      const keys = await ledger.evaluate<{ recordId: string }[]>('emergency:EmergencyKeys', ['admin-a', session.sessionId], { msp: A });
      expect(keys.map((k) => k.recordId)).toEqual([recordId]);
      await ledger.submit('emergency:ReleaseEmergencyKeys', ['admin-a', session.sessionId], { msp: A, transient: { keys: { wrappedKeys: { [recordId]: aJwe('b') } } } });
      expect(keysOfB(c, recordId)).toHaveLength(1);
      await expect(ledger.evaluate('access:ReleaseKey', ['doc-b', eventId], { msp: B })).resolves.toMatchObject({ recordId, wrappedKey: aJwe('b') });
      await expect(access('doc-b', B, recordId, 'ETREAT')).resolves.toMatchObject({ outcome: 'BREAK_GLASS' });
      await expect(ledger.evaluate('emergency:GetEmergencyAccess', ['doc-b', session.sessionId], { msp: B })).resolves.toMatchObject({ keysReleasedAt: expect.any(String), uses: 2 });
      await expect(ledger.evaluate('emergency:EmergencyKeys', ['admin-a', session.sessionId], { msp: A })).resolves.toEqual([]);
    });

    it('a record added while the session is open is wrapped for B too, and withdrawn with the rest', async () => {
      const c = await aConsortium();
      const { ledger, createRecord } = c;
      const { sessionId } = await openSession(c, 'doc-b', B, 'UNCONSCIOUS');
      // B cannot write A's working set: the session joins it when A's gateway releases the keys.
      await ledger.submit('emergency:ReleaseEmergencyKeys', ['admin-a', sessionId], { msp: A, transient: { keys: { wrappedKeys: {} } } });
      await expect(ledger.evaluate('records:KeyRecipients', ['doc-a', 'pat-1', 'report'], { msp: A })).resolves.toEqual([A, B]);
      await expect(createRecord()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'wrappedKeys' });
      const recordId = await createRecord({ wrappedKeys: { [A]: aJwe('a'), [B]: aJwe('b') } });
      expect(keysOfB(c, recordId)).toHaveLength(1);
      await ledger.submit('emergency:ReviewEmergencyAccess', ['admin-a', sessionId], { msp: A });
      await expect(ledger.evaluate('records:KeyRecipients', ['doc-a', 'pat-1', 'report'], { msp: A })).resolves.toEqual([A]);
      const ids = await ledger.evaluate<string[]>('emergency:EmergencyKeysToWithdraw', ['admin-a', sessionId], { msp: A });
      await ledger.submit('emergency:WithdrawEmergencyKeys', ['admin-a', sessionId], { msp: A, transient: { withdraw: { recordIds: ids } } });
      expect(keysOfB(c, recordId)).toHaveLength(0);
    });

    it('only an admin of the home org releases, once, and only keys of records of this patient', async () => {
      const c = await aConsortium();
      const { ledger, createRecord } = c;
      const recordId = await createRecord();
      const others = await createRecord({ wrappedKeys: { [B]: aJwe('b') } }, 'pat-2', 'doc-b', B);
      const { sessionId } = await openSession(c, 'doc-b', B, 'UNCONSCIOUS');
      const release = (actor: string, msp: string, keys: Record<string, string>) =>
        ledger.submit('emergency:ReleaseEmergencyKeys', [actor, sessionId], { msp, transient: { keys: { wrappedKeys: keys } } });
      await expect(release('admin-b', B, { [recordId]: aJwe('b') })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(release('doc-a', A, { [recordId]: aJwe('b') })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
      await expect(release('admin-a', A, { [others]: aJwe('b') })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'wrappedKeys' });
      await release('admin-a', A, { [recordId]: aJwe('b') });
      await expect(release('admin-a', A, { [recordId]: aJwe('b') })).rejects.toMatchObject({ code: 'CONFLICT' });
      const local = await openSession(c, 'doc-a', A, 'UNCONSCIOUS');
      await expect(ledger.evaluate('emergency:EmergencyKeys', ['admin-a', local.sessionId], { msp: A })).rejects.toMatchObject({ code: 'CONFLICT' });
    });

    it("the home admin's review ends the session: no read under it, and B's keys are withdrawn", async () => {
      const c = await aConsortium();
      const { ledger, createRecord, access } = c;
      const recordId = await createRecord();
      const { sessionId } = await openSession(c, 'doc-b', B, 'LIFE_THREATENING');
      await ledger.submit('emergency:ReleaseEmergencyKeys', ['admin-a', sessionId], { msp: A, transient: { keys: { wrappedKeys: { [recordId]: aJwe('b') } } } });
      const withdraw = (recordIds: string[]) => ledger.submit('emergency:WithdrawEmergencyKeys', ['admin-a', sessionId], { msp: A, transient: { withdraw: { recordIds } } });
      await expect(withdraw([recordId])).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(ledger.evaluate('emergency:EmergencyKeysToWithdraw', ['admin-a', sessionId], { msp: A })).resolves.toEqual([recordId]);
      await ledger.submit('emergency:ReviewEmergencyAccess', ['admin-a', sessionId], { msp: A });
      await expect(access('doc-b', B, recordId, 'ETREAT')).resolves.toMatchObject({ outcome: 'DENIED' });
      await withdraw(await ledger.evaluate<string[]>('emergency:EmergencyKeysToWithdraw', ['admin-a', sessionId], { msp: A }));
      expect(keysOfB(c, recordId)).toHaveLength(0);
      await expect(ledger.evaluate('emergency:GetEmergencyAccess', ['admin-a', sessionId], { msp: A })).resolves.toMatchObject({ endedAt: expect.any(String), keysWithdrawnAt: expect.any(String) });
      await expect(withdraw([])).rejects.toMatchObject({ code: 'CONFLICT' });
    });

    it('after expiry the keys are withdrawn, except those a consent of B in force still covers', async () => {
      const c = await aConsortium();
      const { ledger, createRecord, grant } = c;
      const report = await createRecord();
      const lab = await createRecord({ category: 'lab-result' });
      await grant({ grantee: { kind: 'org', org: B }, scope: { categories: ['lab-result'] }, wrappedKeys: { [lab]: aJwe('b') } });
      const { sessionId } = await openSession(c, 'doc-b', B, 'UNCONSCIOUS');
      const toRelease = await ledger.evaluate<{ recordId: string }[]>('emergency:EmergencyKeys', ['admin-a', sessionId], { msp: A });
      expect(toRelease.map((k) => k.recordId)).toEqual([report]);
      await ledger.submit('emergency:ReleaseEmergencyKeys', ['admin-a', sessionId], { msp: A, transient: { keys: { wrappedKeys: { [report]: aJwe('b') } } } });
      ledger.advance(4 * HOUR);
      const ids = await ledger.evaluate<string[]>('emergency:EmergencyKeysToWithdraw', ['admin-a', sessionId], { msp: A });
      expect(ids).toEqual([report]);
      await ledger.submit('emergency:WithdrawEmergencyKeys', ['admin-a', sessionId], { msp: A, transient: { withdraw: { recordIds: [report, lab] } } });
      expect(keysOfB(c, report)).toHaveLength(0);
      expect(keysOfB(c, lab)).toHaveLength(1);
    });
  });

  it('refuses a non-practitioner and an unknown reason code', async () => {
    const { ledger } = await aConsortium();
    await expect(ledger.submit('emergency:OpenEmergencyAccess', ['admin-a', 'pat-1', 'UNCONSCIOUS'], { msp: A })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
    await expect(ledger.submit('emergency:OpenEmergencyAccess', ['doc-a', 'pat-1', 'BORED'], { msp: A })).rejects.toMatchObject({ field: 'reasonCode' });
  });

  it('the home admin reviews a session once; other admins cannot', async () => {
    const c = await aConsortium();
    const { ledger } = c;
    const { sessionId } = await openSession(c, 'doc-a', A, 'UNCONSCIOUS');
    await expect(ledger.submit('emergency:ReviewEmergencyAccess', ['admin-b', sessionId], { msp: B })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ledger.submit('emergency:ReviewEmergencyAccess', ['admin-a', sessionId], { msp: A })).resolves.toEqual({ id: sessionId, at: expect.any(String) });
    await expect(ledger.evaluate('emergency:GetEmergencyAccess', ['admin-a', sessionId], { msp: A })).resolves.toMatchObject({ reviewedBy: 'admin-a' });
    await expect(ledger.evaluate('emergency:GetEmergencyAccess', ['admin-b', sessionId], { msp: B })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ledger.evaluate('emergency:GetEmergencyAccess', ['doc-a2', sessionId], { msp: A })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ledger.submit('emergency:ReviewEmergencyAccess', ['admin-a', sessionId], { msp: A })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(ledger.submit('emergency:ReviewEmergencyAccess', ['admin-a', 'brk_unknown'], { msp: A })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ledger.evaluate('emergency:ListEmergencyAccess', ['admin-a', 'true'], { msp: A })).resolves.toHaveLength(0);
    await expect(ledger.evaluate('emergency:ListEmergencyAccess', ['admin-a', 'false'], { msp: A })).resolves.toHaveLength(1);
    await expect(ledger.evaluate('emergency:ListEmergencyAccess', ['admin-a', 'maybe'], { msp: A })).rejects.toMatchObject({ field: 'onlyUnreviewed' });
    await expect(ledger.evaluate('emergency:ListEmergencyAccess', ['doc-a', 'true'], { msp: A })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
  });
});
