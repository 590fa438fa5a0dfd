import protos from '@hyperledger/fabric-protos';
import { majorityOf } from '../ledger/state.js';
import { A, B, PUBLIC_JWK, aConsortium } from '../testing/scenario.js';
import { FakeLedger } from '../testing/fake-ledger.js';

describe('RegistryContract', () => {
  it('registers an org with its public key and first admin, home org = submitting MSP', async () => {
    const ledger = new FakeLedger();
    const org = await ledger.submit<{ mspId: string }>('registry:RegisterOrg', ['hospital-a', PUBLIC_JWK, 'admin-a'], { msp: A });
    expect(org.mspId).toBe(A);
    const admin = await ledger.evaluate<{ role: string; homeOrg: string }>('registry:GetUser', ['admin-a'], { msp: B });
    expect(admin).toMatchObject({ role: 'admin', homeOrg: A });
    expect(ledger.events.map((e) => e.name)).toEqual(['OrgRegistered']);
  });

  it('refuses to register the same org twice', async () => {
    const { ledger } = await aConsortium();
    await expect(ledger.submit('registry:RegisterOrg', ['again', PUBLIC_JWK, 'admin-x'], { msp: A })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('refuses a taken admin id', async () => {
    const ledger = new FakeLedger();
    await ledger.submit('registry:RegisterOrg', ['hospital-a', PUBLIC_JWK, 'admin-a'], { msp: A });
    await expect(ledger.submit('registry:RegisterOrg', ['hospital-b', PUBLIC_JWK, 'admin-a'], { msp: B })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it.each([
    ['not json', 'publicJwk'],
    ['{"x":1}', 'publicJwk'],
    [JSON.stringify({ kty: 'EC', d: 'secret' }), 'publicJwk'],
  ])('refuses a malformed or private JWK %s', async (jwk, field) => {
    const ledger = new FakeLedger();
    await expect(ledger.submit('registry:RegisterOrg', ['hospital-a', jwk, 'admin-a'], { msp: A })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field });
  });

  it('refuses a malformed org name', async () => {
    const ledger = new FakeLedger();
    await expect(ledger.submit('registry:RegisterOrg', ['x', PUBLIC_JWK, 'admin-a'], { msp: A })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'name' });
  });

  it('lists orgs and reads one; an unknown org is ORG_NOT_REGISTERED', async () => {
    const { ledger } = await aConsortium();
    const orgs = await ledger.evaluate<{ mspId: string }[]>('registry:ListOrgs', [], { msp: A });
    expect(orgs.map((o) => o.mspId)).toEqual([A, B]);
    await expect(ledger.evaluate('registry:GetOrg', [B], { msp: A })).resolves.toMatchObject({ name: 'hospital-b' });
    await expect(ledger.evaluate('registry:GetOrg', ['NoSuchMSP'], { msp: A })).rejects.toMatchObject({ code: 'ORG_NOT_REGISTERED' });
  });

  it('an admin rotates the org key; a practitioner may not', async () => {
    const { ledger } = await aConsortium();
    const jwk = JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'new', y: 'new' });
    await expect(ledger.submit('registry:RotateOrgKey', ['admin-a', jwk], { msp: A })).resolves.toMatchObject({ publicJwk: jwk });
    await expect(ledger.submit('registry:RotateOrgKey', ['doc-a', jwk], { msp: A })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
  });

  it("registers users with the admin org as home org, in that org's directory and nowhere in public state", async () => {
    const { ledger } = await aConsortium();
    const user = await ledger.evaluate<{ homeOrg: string; role: string }>('registry:GetUser', ['doc-b'], { msp: A });
    expect(user).toMatchObject({ homeOrg: B, role: 'practitioner' });
    expect(ledger.keys(`dir_${B}`).some((k) => k.includes('user\u0000doc-b'))).toBe(true);
    expect(ledger.keys(`dir_${A}`).some((k) => k.includes('doc-b'))).toBe(false);
    expect(ledger.keys('').some((k) => k.includes('doc-b'))).toBe(false);
  });

  it('keeps an id with the org that registered it first: another org can neither take it over nor act for it', async () => {
    const { ledger } = await aConsortium();
    await ledger.submit('registry:RegisterUser', ['admin-b', 'doc-x', 'admin'], { msp: B });
    await expect(ledger.evaluate('registry:GetUser', ['doc-x'], { msp: A })).resolves.toMatchObject({ homeOrg: B });
    await expect(ledger.submit('registry:RegisterUser', ['admin-a', 'doc-x', 'patient'], { msp: A })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(ledger.submit('registry:RegisterUser', ['doc-x', 'pat-9', 'patient'], { msp: A })).rejects.toMatchObject({ code: 'WRONG_ORG' });
  });

  it('refuses registration by a practitioner', async () => {
    const { ledger } = await aConsortium();
    await expect(ledger.submit('registry:RegisterUser', ['doc-a', 'pat-9', 'patient'], { msp: A })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
  });

  it('refuses an admin speaking through another org', async () => {
    const { ledger } = await aConsortium();
    await expect(ledger.submit('registry:RegisterUser', ['admin-a', 'pat-9', 'patient'], { msp: B })).rejects.toMatchObject({ code: 'WRONG_ORG' });
  });

  it('refuses an unknown actor, a taken id, a bad role and a bad id', async () => {
    const { ledger } = await aConsortium();
    await expect(ledger.submit('registry:RegisterUser', ['ghost', 'pat-9', 'patient'], { msp: A })).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    await expect(ledger.submit('registry:RegisterUser', ['admin-a', 'pat-1', 'patient'], { msp: A })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(ledger.submit('registry:RegisterUser', ['admin-a', 'pat-9', 'king'], { msp: A })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'role' });
    await expect(ledger.submit('registry:RegisterUser', ['admin-a', 'a b', 'patient'], { msp: A })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'userId' });
  });

  it('an unknown user is USER_NOT_FOUND', async () => {
    const { ledger } = await aConsortium();
    await expect(ledger.evaluate('registry:GetUser', ['nobody'], { msp: A })).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  describe('SetUserRole', () => {
    it('an admin promotes a practitioner of the same org', async () => {
      const { ledger } = await aConsortium();
      await ledger.submit('registry:SetUserRole', ['admin-a', 'doc-a', 'admin'], { msp: A });
      await expect(ledger.evaluate('registry:GetUser', ['doc-a'], { msp: A })).resolves.toMatchObject({ role: 'admin' });
    });

    it('nobody changes their own role', async () => {
      const { ledger } = await aConsortium();
      await expect(ledger.submit('registry:SetUserRole', ['admin-a', 'admin-a', 'practitioner'], { msp: A })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });

    it("refuses another org's user, a patient, an unknown user and a non-admin", async () => {
      const { ledger } = await aConsortium();
      await expect(ledger.submit('registry:SetUserRole', ['admin-a', 'doc-b', 'admin'], { msp: A })).rejects.toMatchObject({ code: 'WRONG_ORG' });
      await expect(ledger.submit('registry:SetUserRole', ['admin-a', 'pat-1', 'practitioner'], { msp: A })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(ledger.submit('registry:SetUserRole', ['admin-a', 'ghost', 'admin'], { msp: A })).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
      await expect(ledger.submit('registry:SetUserRole', ['doc-a', 'doc-a2', 'admin'], { msp: A })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
    });
  });

  describe('Configure', () => {
    it('changes the break-glass window only when a majority of the orgs voted for the same value', async () => {
      const { ledger } = await aConsortium();
      // Two orgs: a majority is both.
      await expect(ledger.submit('registry:Configure', ['admin-a', '2'], { msp: A })).resolves.toEqual({ emergencyHours: 4, proposed: 2, votes: 1, needed: 2 });
      await expect(ledger.submit('registry:Configure', ['admin-b', '3'], { msp: B })).resolves.toEqual({ emergencyHours: 4, proposed: 3, votes: 1, needed: 2 });
      await expect(ledger.submit('registry:Configure', ['admin-b', '2'], { msp: B })).resolves.toEqual({ emergencyHours: 2, proposed: 2, votes: 2, needed: 2 });
      // One org changing its mind alone changes nothing.
      await expect(ledger.submit('registry:Configure', ['admin-a', '24'], { msp: A })).resolves.toEqual({ emergencyHours: 2, proposed: 24, votes: 1, needed: 2 });
    });

    it('guards the config key with a majority policy and each vote with its own org', async () => {
      const { ledger } = await aConsortium();
      await ledger.submit('registry:Configure', ['admin-a', '2'], { msp: A });
      await ledger.submit('registry:Configure', ['admin-b', '2'], { msp: B });
      // Validation parameters are kept per collection ('' = public) and key.
      const policyOf = (part: string) => ledger.validation.get(`\u0000${ledger.keys('').find((k) => k.startsWith(`\u0000${part}\u0000`))}`);
      expect(policyOf('config')).toEqual(majorityOf([A, B]));
      expect(Buffer.from(policyOf('configVote')!).toString('latin1')).toContain(A);
    });

    it.each([
      [[A], 1],
      [[A, B], 2],
      [[A, B, 'HospitalCMSP'], 2],
      [[A, B, 'HospitalCMSP', 'HospitalDMSP'], 3],
    ])('the majority policy over %j needs %i endorsements, one from each of distinct orgs', (orgs, n) => {
      const envelope = protos.common.SignaturePolicyEnvelope.deserializeBinary(majorityOf(orgs));
      expect(envelope.getRule()?.getNOutOf()?.getN()).toBe(n);
      const named = envelope.getIdentitiesList().map((p) => protos.msp.MSPRole.deserializeBinary(p.getPrincipal_asU8()).getMspIdentifier());
      expect(named.sort()).toEqual([...orgs].sort());
    });

    it.each(['0', '25', 'x', '1.5'])('refuses the window %s', async (hours) => {
      const { ledger } = await aConsortium();
      await expect(ledger.submit('registry:Configure', ['admin-a', hours], { msp: A })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'emergencyHours' });
    });
  });
});
