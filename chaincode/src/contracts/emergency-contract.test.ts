import { A, B, aConsortium, aJwe } from '../testing/scenario.js';

type Session = { sessionId: string; expiresAt: string; uses: number; reviewedAt?: string };
const HOUR = 3_600_000;

describe('EmergencyContract', () => {
  it('break-glass lets a practitioner read, flags each use and expires after the default 4 h', async () => {
    const { ledger, createRecord, access } = await aConsortium();
    const recordId = await createRecord();
    const session = await ledger.submit<Session>('emergency:OpenEmergencyAccess', ['doc-a', 'pat-1', 'UNCONSCIOUS'], { msp: A });
    expect(Date.parse(session.expiresAt) - ledger.now.getTime()).toBe(4 * HOUR);
    await expect(access('doc-a', A, recordId, 'ETREAT')).resolves.toMatchObject({ outcome: 'BREAK_GLASS' });
    await expect(access('doc-a', A, recordId, 'HPAYMT')).resolves.toMatchObject({ outcome: 'DENIED' });
    const [listed] = await ledger.evaluate<Session[]>('emergency:ListEmergencyAccess', ['admin-a', 'true'], { msp: A });
    expect(listed).toMatchObject({ sessionId: session.sessionId, uses: 1 });
    ledger.advance(4 * HOUR);
    await expect(access('doc-a', A, recordId, 'ETREAT')).resolves.toMatchObject({ outcome: 'DENIED' });
  });

  it('uses the configured window', async () => {
    const { ledger } = await aConsortium();
    await ledger.submit('registry:Configure', ['admin-a', '1'], { msp: A });
    await ledger.submit('registry:Configure', ['admin-b', '1'], { msp: B });
    const session = await ledger.submit<Session>('emergency:OpenEmergencyAccess', ['doc-a', 'pat-1', 'LIFE_THREATENING'], { msp: A });
    expect(Date.parse(session.expiresAt) - ledger.now.getTime()).toBe(HOUR);
  });

  it('a practitioner of another org must bring wrapped keys for every record', async () => {
    const { ledger, createRecord } = await aConsortium();
    const recordId = await createRecord();
    const open = (keys?: Record<string, string>) =>
      ledger.submit('emergency:OpenEmergencyAccess', ['doc-b', 'pat-1', 'UNCONSCIOUS'], { msp: B, transient: keys ? { keys: { wrappedKeys: keys } } : {} });
    await expect(open()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'wrappedKeys' });
    await expect(open({ [recordId]: aJwe('b') })).resolves.toMatchObject({ actorOrg: B, patientOrg: A });
    expect(ledger.keys(`_implicit_org_${B}`)).toHaveLength(1);
  });

  it('refuses a non-practitioner and an unknown reason code', async () => {
    const { ledger } = await aConsortium();
    await expect(ledger.submit('emergency:OpenEmergencyAccess', ['admin-a', 'pat-1', 'UNCONSCIOUS'], { msp: A })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
    await expect(ledger.submit('emergency:OpenEmergencyAccess', ['doc-a', 'pat-1', 'BORED'], { msp: A })).rejects.toMatchObject({ field: 'reasonCode' });
  });

  it('the home admin reviews a session once; other admins cannot', async () => {
    const { ledger } = await aConsortium();
    const { sessionId } = await ledger.submit<Session>('emergency:OpenEmergencyAccess', ['doc-a', 'pat-1', 'UNCONSCIOUS'], { msp: A });
    await expect(ledger.submit('emergency:ReviewEmergencyAccess', ['admin-b', sessionId], { msp: B })).rejects.toMatchObject({ code: 'WRONG_ORG' });
    await expect(ledger.submit('emergency:ReviewEmergencyAccess', ['admin-a', sessionId], { msp: A })).resolves.toMatchObject({ reviewedBy: 'admin-a' });
    await expect(ledger.submit('emergency:ReviewEmergencyAccess', ['admin-a', sessionId], { msp: A })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(ledger.submit('emergency:ReviewEmergencyAccess', ['admin-a', 'brk_unknown'], { msp: A })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ledger.evaluate('emergency:ListEmergencyAccess', ['admin-a', 'true'], { msp: A })).resolves.toHaveLength(0);
    await expect(ledger.evaluate('emergency:ListEmergencyAccess', ['admin-a', 'false'], { msp: A })).resolves.toHaveLength(1);
    await expect(ledger.evaluate('emergency:ListEmergencyAccess', ['admin-a', 'maybe'], { msp: A })).rejects.toMatchObject({ field: 'onlyUnreviewed' });
    await expect(ledger.evaluate('emergency:ListEmergencyAccess', ['doc-a', 'true'], { msp: A })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
  });
});
