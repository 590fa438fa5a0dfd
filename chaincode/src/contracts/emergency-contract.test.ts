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

  it("a practitioner of another org brings wrapped keys, each for a record of this patient", async () => {
    const c = await aConsortium();
    const { ledger, createRecord } = c;
    const recordId = await createRecord();
    const others = await createRecord({ wrappedKeys: { [B]: aJwe('b') } }, 'pat-2', 'doc-b', B);
    const open = (keys?: Record<string, string>) => openSession(c, 'doc-b', B, 'UNCONSCIOUS', keys ? { keys: { wrappedKeys: keys } } : {});
    await expect(open({ [others]: aJwe('b') })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'wrappedKeys' });
    await expect(open({ [recordId]: aJwe('b') })).resolves.toMatchObject({ actorOrg: B, patientOrg: A });
    // B's own record's key and the one it brought for pat-1's record.
    expect(ledger.keys(`org_${B}`).filter((k) => k.includes(recordId))).toHaveLength(1);
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
    await expect(ledger.submit('emergency:ReviewEmergencyAccess', ['admin-b', sessionId], { msp: B })).rejects.toMatchObject({ code: 'WRONG_ORG' });
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
