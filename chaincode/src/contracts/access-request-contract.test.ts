import { A, B, aConsortium, aJwe, IN_A_DAY, type Created } from '../testing/scenario.js';

type Request = { requestId: string; status: string };

async function withRequest(requester = 'doc-a', msp = A) {
  const world = await aConsortium();
  const recordId = await world.createRecord();
  const { id } = await world.ledger.submit<Created>('requests:RequestAccess', [requester, 'pat-1'], {
    msp,
    transient: { request: { purpose: 'TREAT', scope: { recordIds: [recordId] }, reason: 'follow-up visit' } },
  });
  const request = await world.ledger.evaluate<Request>('requests:GetRequest', [requester, id], { msp });
  return { ...world, recordId, request };
}

describe('AccessRequestContract', () => {
  it('a practitioner asks; the patient approves, which creates a consent that allows the read', async () => {
    const { ledger, recordId, request, access } = await withRequest();
    expect(request.status).toBe('PENDING');
    const { id } = await ledger.submit<Created>('requests:ApproveRequest', ['pat-1', request.requestId], { msp: A, transient: { approval: { expiresAt: IN_A_DAY() } } });
    const consent = await ledger.evaluate('consents:GetConsent', ['pat-1', id], { msp: A });
    expect(consent).toMatchObject({ grantee: { kind: 'user', userId: 'doc-a' }, purposes: ['TREAT'], requestId: request.requestId });
    await expect(ledger.evaluate('requests:GetRequest', ['doc-a', request.requestId], { msp: A })).resolves.toMatchObject({ status: 'APPROVED' });
    await expect(access('doc-a', A, recordId)).resolves.toMatchObject({ outcome: 'GRANTED' });
  });

  it('approving a request of another org needs the keys wrapped for that org', async () => {
    const { ledger, recordId, request } = await withRequest('doc-b', B);
    const approve = (wrappedKeys?: Record<string, string>) =>
      ledger.submit<Created>('requests:ApproveRequest', ['pat-1', request.requestId], { msp: A, transient: { approval: { expiresAt: IN_A_DAY(), wrappedKeys } } });
    await expect(approve()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'wrappedKeys' });
    const { id } = await approve({ [recordId]: aJwe('b') });
    await expect(ledger.evaluate('consents:GetConsent', ['pat-1', id], { msp: A })).resolves.toMatchObject({ granteeOrg: B });
  });

  it('the patient denies; the request cannot be decided twice', async () => {
    const { ledger, request } = await withRequest();
    await expect(ledger.submit('requests:DenyRequest', ['pat-1', request.requestId], { msp: A })).resolves.toEqual({ id: request.requestId, at: expect.any(String) });
    await expect(ledger.evaluate('requests:GetRequest', ['pat-1', request.requestId], { msp: A })).resolves.toMatchObject({ status: 'DENIED' });
    await expect(ledger.submit('requests:DenyRequest', ['pat-1', request.requestId], { msp: A })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('only the patient decides', async () => {
    const { ledger, request } = await withRequest();
    await expect(ledger.submit('requests:DenyRequest', ['doc-a', request.requestId], { msp: A })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
    // Another org's patient does not even see the request.
    await expect(ledger.submit('requests:DenyRequest', ['pat-2', request.requestId], { msp: B })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ledger.submit('requests:DenyRequest', ['pat-1', 'req_unknown'], { msp: A })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('only a practitioner asks, with valid purpose, scope and reason', async () => {
    const { ledger, recordId } = await withRequest();
    const ask = (actor: string, request: Record<string, unknown>) =>
      ledger.submit('requests:RequestAccess', [actor, 'pat-1'], { msp: A, transient: { request: { purpose: 'TREAT', scope: { recordIds: [recordId] }, reason: 'x', ...request } } });
    await expect(ask('admin-a', {})).rejects.toMatchObject({ code: 'WRONG_ROLE' });
    await expect(ask('doc-a', { purpose: 'SPY' })).rejects.toMatchObject({ field: 'purpose' });
    await expect(ask('doc-a', { reason: '' })).rejects.toMatchObject({ field: 'reason' });
    await expect(ask('doc-a', { scope: { recordIds: ['rec_other'] } })).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
  });

  it('lists what each role should see', async () => {
    const { ledger, request } = await withRequest();
    const list = (actor: string, msp: string, status = '') => ledger.evaluate<Request[]>('requests:ListRequests', [actor, status], { msp });
    await expect(list('pat-1', A, 'PENDING')).resolves.toEqual([expect.objectContaining({ requestId: request.requestId })]);
    await expect(list('doc-a', A)).resolves.toHaveLength(1);
    await expect(list('doc-a2', A)).resolves.toHaveLength(0);
    await expect(list('admin-a', A)).resolves.toHaveLength(1);
    await expect(list('admin-b', B)).resolves.toHaveLength(0);
    await expect(list('pat-1', A, 'APPROVED')).resolves.toHaveLength(0);
    await expect(list('pat-1', A, 'MAYBE')).rejects.toMatchObject({ field: 'status' });
    await expect(ledger.evaluate('requests:GetRequest', ['doc-b', request.requestId], { msp: B })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
