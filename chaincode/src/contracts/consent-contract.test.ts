import { A, B, IN_A_DAY, aConsortium, aJwe } from '../testing/scenario.js';

const wrappedFor = (ids: string[]) => Object.fromEntries(ids.map((id) => [id, aJwe(id)]));

describe('ConsentContract', () => {
  it('the patient grants a practitioner of the home org; the practitioner may read', async () => {
    const { ledger, createRecord, grant, access } = await aConsortium();
    const recordId = await createRecord();
    const { consentId } = await grant({ grantee: { kind: 'user', userId: 'doc-a' }, scope: { recordIds: [recordId] } });
    const consent = await ledger.evaluate('consents:GetConsent', ['doc-a', consentId], { msp: A });
    expect(consent).toMatchObject({ status: 'ACTIVE', granteeOrg: A, purposes: ['TREAT'] });
    await expect(access('doc-a', A, recordId)).resolves.toMatchObject({ outcome: 'GRANTED' });
    expect(ledger.events.at(-1)?.name).toBe('AccessRecorded');
  });

  it("a grant to another org shares the records it covers, with their keys, in the share the home org keeps for that org", async () => {
    const { ledger, createRecord, grant } = await aConsortium();
    const r1 = await createRecord();
    const r2 = await createRecord({ category: 'imaging' });
    await grant({ grantee: { kind: 'org', org: B }, scope: { categories: ['report', 'imaging'] }, wrappedKeys: wrappedFor([r1, r2]) });
    expect(ledger.keys(`share_${A}_${B}`).filter((k) => k.startsWith('\u0000wrappedKey\u0000'))).toHaveLength(2);
  });

  it("refuses a grant to another org without a listed record's wrapped key, or with a key for a record it does not cover", async () => {
    const { createRecord, grant } = await aConsortium();
    const r1 = await createRecord();
    const r2 = await createRecord();
    const image = await createRecord({ category: 'imaging' });
    await expect(grant({ grantee: { kind: 'org', org: B }, scope: { recordIds: [r1, r2] }, wrappedKeys: wrappedFor([r1]) })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'wrappedKeys',
    });
    await expect(grant({ grantee: { kind: 'org', org: B }, scope: { categories: ['report'] }, wrappedKeys: wrappedFor([r1, image]) })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'wrappedKeys',
    });
    await expect(grant({ grantee: { kind: 'org', org: B }, scope: { categories: ['report'] }, wrappedKeys: wrappedFor(['rec_nosuch']) })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'wrappedKeys',
    });
  });

  it('only the patient grants', async () => {
    const { ledger } = await aConsortium();
    const transient = { consent: { grantee: { kind: 'user', userId: 'doc-a' }, scope: { categories: ['report'] }, purposes: ['TREAT'], expiresAt: '2027-01-01T00:00:00Z' } };
    await expect(ledger.submit('consents:GrantConsent', ['doc-a'], { msp: A, transient })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
    await expect(ledger.submit('consents:GrantConsent', ['pat-1'], { msp: B, transient })).rejects.toMatchObject({ code: 'WRONG_ORG' });
  });

  it.each([
    ['grantee.kind', { grantee: { kind: 'everyone' } }],
    ['scope', { scope: {} }],
    ['scope', { scope: { recordIds: ['rec_1'], categories: ['report'] } }],
    ['scope.categories[0]', { scope: { categories: ['gossip'] } }],
    ['purposes', { purposes: [] }],
    ['purposes[0]', { purposes: ['MARKETING'] }],
    ['expiresAt', { expiresAt: 'tomorrow' }],
    ['expiresAt', { expiresAt: '2025-01-01T00:00:00Z' }],
  ])('refuses malformed input: %s', async (field, overrides) => {
    const { grant } = await aConsortium();
    await expect(grant({ grantee: { kind: 'user', userId: 'doc-a' }, scope: { categories: ['report'] }, ...overrides })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field,
    });
  });

  it('refuses an unknown grantee, an unregistered org and a record of another patient', async () => {
    const { grant, createRecord } = await aConsortium();
    const other = await createRecord({ wrappedKeys: { [B]: aJwe('b') } }, 'pat-2', 'doc-b', B);
    await expect(grant({ grantee: { kind: 'user', userId: 'pat-2' }, scope: { categories: ['report'] } })).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    await expect(grant({ grantee: { kind: 'org', org: 'NoSuchMSP' }, scope: { categories: ['report'] } })).rejects.toMatchObject({ code: 'ORG_NOT_REGISTERED' });
    await expect(grant({ grantee: { kind: 'user', userId: 'doc-a' }, scope: { recordIds: [other] } })).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
  });

  it('revocation makes later reads fail and deletes the grantee org keys', async () => {
    const { ledger, createRecord, grant, access } = await aConsortium();
    const recordId = await createRecord();
    const consent = await grant({ grantee: { kind: 'user', userId: 'doc-b' }, scope: { recordIds: [recordId] }, wrappedKeys: wrappedFor([recordId]) });
    await expect(access('doc-b', B, recordId)).resolves.toMatchObject({ outcome: 'GRANTED' });
    await ledger.submit('consents:RevokeConsent', ['pat-1', consent.consentId], { msp: A });
    expect(ledger.keys(`share_${A}_${B}`).filter((k) => k.startsWith('\u0000wrappedKey\u0000'))).toHaveLength(0);
    // The record left B's share with its key: B's peers hold nothing of it any more.
    expect(ledger.keys(`share_${A}_${B}`).filter((k) => k.includes(recordId))).toEqual([]);
    await expect(access('doc-b', B, recordId)).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
  });

  it("keeps an org's key that another consent in force still covers", async () => {
    const { ledger, createRecord, grant } = await aConsortium();
    const recordId = await createRecord();
    const keys = wrappedFor([recordId]);
    const first = await grant({ grantee: { kind: 'user', userId: 'doc-b' }, scope: { recordIds: [recordId] }, wrappedKeys: keys });
    await grant({ grantee: { kind: 'org', org: B }, scope: { categories: ['report'] }, wrappedKeys: keys });
    await ledger.submit('consents:RevokeConsent', ['pat-1', first.consentId], { msp: A });
    expect(ledger.keys(`share_${A}_${B}`).filter((k) => k.startsWith('\u0000wrappedKey\u0000'))).toHaveLength(1);
  });

  it('a revocation of a category grant deletes the keys RevocationKeys names, and only records of the patient', async () => {
    const { ledger, createRecord, grant } = await aConsortium();
    const r1 = await createRecord();
    const r2 = await createRecord();
    const image = await createRecord({ category: 'imaging', wrappedKeys: { [A]: aJwe('a') } });
    const { consentId } = await grant({ grantee: { kind: 'org', org: B }, scope: { categories: ['report'] }, wrappedKeys: wrappedFor([r1, r2]) });
    await ledger.submit('consents:GrantConsent', ['pat-1'], {
      msp: A,
      transient: { consent: { grantee: { kind: 'org', org: B }, scope: { recordIds: [image] }, purposes: ['TREAT'], expiresAt: IN_A_DAY(), wrappedKeys: wrappedFor([image]) } },
    });
    const named = await ledger.evaluate<string[]>('consents:RevocationKeys', ['pat-1', consentId], { msp: A });
    expect([...named].sort()).toEqual([r1, r2].sort());
    await expect(ledger.evaluate('consents:RevocationKeys', ['pat-2', consentId], { msp: B })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ledger.submit('consents:RevokeConsent', ['pat-1', consentId], { msp: A, transient: { revoke: { recordIds: ['rec_nosuch'] } } })).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
    await ledger.submit('consents:RevokeConsent', ['pat-1', consentId], { msp: A, transient: { revoke: { recordIds: named } } });
    // The imaging record's key stays: another consent in force gives it to that org.
    expect(ledger.keys(`share_${A}_${B}`).filter((k) => k.startsWith('\u0000wrappedKey\u0000'))).toHaveLength(1);
  });

  it('refuses to revoke twice, by someone else, or an unknown consent', async () => {
    const { ledger, createRecord, grant } = await aConsortium();
    const recordId = await createRecord();
    const { consentId } = await grant({ grantee: { kind: 'user', userId: 'doc-a' }, scope: { recordIds: [recordId] } });
    await expect(ledger.submit('consents:RevokeConsent', ['pat-2', consentId], { msp: B })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ledger.submit('consents:RevokeConsent', ['doc-a', consentId], { msp: A })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
    await ledger.submit('consents:RevokeConsent', ['pat-1', consentId], { msp: A });
    await expect(ledger.submit('consents:RevokeConsent', ['pat-1', consentId], { msp: A })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(ledger.submit('consents:RevokeConsent', ['pat-1', 'con_unknown'], { msp: A })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists all consents for the patient and admin, only their own for a grantee', async () => {
    const { ledger, createRecord, grant } = await aConsortium();
    const recordId = await createRecord();
    await grant({ grantee: { kind: 'user', userId: 'doc-a' }, scope: { recordIds: [recordId] } });
    const { consentId } = await grant({ grantee: { kind: 'user', userId: 'doc-a2' }, scope: { recordIds: [recordId] } });
    await expect(ledger.evaluate('consents:ListConsents', ['pat-1', 'pat-1'], { msp: A })).resolves.toHaveLength(2);
    await expect(ledger.evaluate('consents:ListConsents', ['admin-a', 'pat-1'], { msp: A })).resolves.toHaveLength(2);
    await expect(ledger.evaluate('consents:ListConsents', ['doc-a2', 'pat-1'], { msp: A })).resolves.toEqual([expect.objectContaining({ consentId })]);
    await expect(ledger.evaluate('consents:GetConsent', ['doc-a2', consentId], { msp: A })).resolves.toMatchObject({ consentId });
    await expect(ledger.evaluate('consents:GetConsent', ['doc-b', consentId], { msp: B })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it("gives the patient the home org's keys for a scope, to re-wrap them for a grantee", async () => {
    const { ledger, createRecord } = await aConsortium();
    const recordId = await createRecord();
    await createRecord({ category: 'imaging' });
    const keys = await ledger.evaluate('consents:KeysForScope', ['pat-1', JSON.stringify({ categories: ['report'] })], { msp: A });
    expect(keys).toEqual([{ recordId, wrappedKey: aJwe('a') }]);
    await expect(ledger.evaluate('consents:KeysForScope', ['doc-a', '{"categories":["report"]}'], { msp: A })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
    await expect(ledger.evaluate('consents:KeysForScope', ['pat-1', 'nope'], { msp: A })).rejects.toMatchObject({ field: 'scope' });
  });
});
