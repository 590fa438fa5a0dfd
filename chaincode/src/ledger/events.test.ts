import { A, B, CID, PUBLIC_JWK, SHA, aConsortium, aJwe, type Created } from '../testing/scenario.js';
import { EVENT_FIELDS, type EventName } from './events.js';

/** Ids the consortium's people have: no event may carry one of them. */
const PERSON_IDS = ['pat-1', 'pat-2', 'doc-a', 'doc-a2', 'doc-up', 'doc-b', 'admin-a', 'admin-b', 'pat-3'];
/** What an opaque ledger id looks like: a type prefix and 32 hex digits of a tx id, or an MSP id. */
const OPAQUE = /^([a-z]{3}_[0-9a-f]{32}|Hospital[A-Z]MSP)$/;

/** A journey that makes every transaction that emits an event commit once. */
async function everyEvent() {
  const c = await aConsortium();
  const { ledger, createRecord, grant, access } = c;
  await ledger.submit('registry:RotateOrgKey', ['admin-a', PUBLIC_JWK], { msp: A });
  await ledger.submit('registry:RegisterUser', ['admin-a', 'pat-3', 'patient'], { msp: A });
  await ledger.submit('registry:SetUserRole', ['admin-a', 'doc-a2', 'admin'], { msp: A });
  const recordId = await createRecord();
  await access('pat-1', A, recordId, 'PATRQT');
  const { consentId } = await grant({ grantee: { kind: 'user', userId: 'doc-a' }, scope: { recordIds: [recordId] } });
  await ledger.submit('consents:RevokeConsent', ['pat-1', consentId], { msp: A });
  const ask = () =>
    ledger.submit<Created>('requests:RequestAccess', ['doc-a', 'pat-1'], {
      msp: A,
      transient: { request: { purpose: 'TREAT', scope: { categories: ['report'] }, reason: 'Follow-up of the fracture of Ms Example' } },
    });
  await ledger.submit('requests:ApproveRequest', ['pat-1', (await ask()).id], { msp: A, transient: { approval: { expiresAt: '2026-01-02T00:00:00.000Z' } } });
  await ledger.submit('requests:DenyRequest', ['pat-1', (await ask()).id], { msp: A });
  const session = await ledger.submit<Created>('emergency:OpenEmergencyAccess', ['doc-a', 'pat-1', 'UNCONSCIOUS'], { msp: A });
  await ledger.submit('emergency:ReviewEmergencyAccess', ['admin-a', session.id], { msp: A });
  // Across hospitals: A's admin releases the keys to B, and withdraws them after the review.
  const across = await ledger.submit<Created>('emergency:OpenEmergencyAccess', ['doc-b', 'pat-1', 'UNCONSCIOUS'], { msp: B });
  await ledger.submit('emergency:ReleaseEmergencyKeys', ['admin-a', across.id], { msp: A, transient: { keys: { wrappedKeys: { [recordId]: aJwe('b') } } } });
  await ledger.submit('emergency:ReviewEmergencyAccess', ['admin-a', across.id], { msp: A });
  await ledger.submit('emergency:WithdrawEmergencyKeys', ['admin-a', across.id], { msp: A, transient: { withdraw: { recordIds: [recordId] } } });
  const device = await ledger.submit<{ id: string }>('devices:RegisterDevice', ['admin-a', 'pat-1'], { msp: A });
  const batch = {
    sha256: SHA, size: 4200, cid: CID, mediaType: 'application/vnd.careledger.observations+json', wrappedKeys: { [A]: aJwe('a') },
    summary: { readings: 1, codes: ['8867-4'], from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:01:00Z' },
  };
  await ledger.submit('devices:AnchorBatch', [device.id, 'pat-1'], { msp: A, transient: { batch } });
  await ledger.submit('devices:RevokeDevice', ['admin-a', device.id], { msp: A });
  const read = await access('pat-1', A, recordId, 'PATRQT');
  await ledger.submit('access:ReportFailedRead', ['pat-1', read.eventId, 'CONTENT_MISSING'], { msp: A });
  await ledger.submit('access:ReportIntegrityViolation', ['pat-1', read.eventId], { msp: A });
  await ledger.submit('erasure:BeginErasure', ['admin-a', 'pat-1'], { msp: A });
  await ledger.submit('erasure:ErasePatient', ['admin-a', 'pat-1'], { msp: A });
  return ledger;
}

describe('what submitted transactions answer (written into every org\'s blocks)', () => {
  // The registry is public world state by design: its transactions answer the public entry they wrote.
  const REGISTRY = new Set(['registry:RegisterOrg', 'registry:RotateOrgKey', 'registry:RegisterUser', 'registry:SetUserRole', 'registry:Configure']);
  const PRIVATE = [...PERSON_IDS, 'Discharge letter', 'Follow-up of the fracture', CID, SHA, aJwe('a'), 'UNCONSCIOUS', 'report', 'TREAT'];

  it('carries opaque ids, times and decisions only: no person id, title, reason, CID, hash, key, scope or purpose', async () => {
    const ledger = await everyEvent();
    const answered = ledger.responses.filter((r) => !REGISTRY.has(r.name));
    expect([...new Set(answered.map((r) => r.name))].sort()).toEqual(
      ['access:Access', 'access:ReportFailedRead', 'access:ReportIntegrityViolation', 'consents:GrantConsent', 'consents:RevokeConsent', 'devices:AnchorBatch', 'devices:RegisterDevice', 'devices:RevokeDevice', 'emergency:OpenEmergencyAccess', 'emergency:ReleaseEmergencyKeys', 'emergency:ReviewEmergencyAccess', 'emergency:WithdrawEmergencyKeys', 'erasure:BeginErasure', 'erasure:ErasePatient', 'records:CreateRecord', 'requests:ApproveRequest', 'requests:DenyRequest', 'requests:RequestAccess'],
    );
    for (const { name, payload } of answered) {
      const text = JSON.stringify(payload);
      for (const secret of PRIVATE) expect({ name, leaks: text.includes(secret) ? secret : undefined }).toEqual({ name, leaks: undefined });
    }
  });
});

describe('chaincode events', () => {
  it('every event type carries exactly its catalogued ids, each an opaque ledger id and never a person id', async () => {
    const ledger = await everyEvent();
    const seen = new Set(ledger.events.map((e) => e.name));
    expect([...seen].sort()).toEqual(Object.keys(EVENT_FIELDS).sort());
    for (const event of ledger.events) {
      const payload = event.payload as Record<string, string>;
      expect({ event: event.name, fields: Object.keys(payload).sort() }).toEqual({ event: event.name, fields: [...EVENT_FIELDS[event.name as EventName]].sort() });
      for (const value of Object.values(payload)) {
        expect(value).toMatch(OPAQUE);
        expect(PERSON_IDS).not.toContain(value);
      }
    }
  });

  it('an erasure event names a receipt that only the home org admin can turn into the patient', async () => {
    const ledger = await everyEvent();
    const erased = ledger.events.find((e) => e.name === 'PatientErased');
    const { erasureId } = erased?.payload as { erasureId: string };
    await expect(ledger.evaluate('erasure:ErasureReceipt', ['admin-a', erasureId], { msp: A })).resolves.toMatchObject({ erasureId, patientId: 'pat-1' });
    await expect(ledger.evaluate('erasure:ErasureReceipt', ['admin-b', erasureId], { msp: 'HospitalBMSP' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ledger.evaluate('erasure:ErasureReceipt', ['doc-a', erasureId], { msp: A })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
  });
});
